"""How long a device is lent, how often renewed, what deposit, how long an offer waits.

A policy is set per device type (``device_types``); a device may override single values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class LoanPolicy:
    """The terms a loan of a device starts from."""

    loan_days: int = 7
    max_renewals: int = 1
    deposit_cents: int = 0
    pickup_days: int = 3


DEFAULT_POLICY = LoanPolicy()


@dataclass(frozen=True)
class PolicyOverrides:
    """A device's own values; None means: as its type says."""

    loan_days: int | None = None
    max_renewals: int | None = None
    deposit_cents: int | None = None
    pickup_days: int | None = None


def effective_policy(type_policy: LoanPolicy | None, device: PolicyOverrides) -> LoanPolicy:
    """The device's policy: its own values over its type's over the pool's default."""
    base = type_policy or DEFAULT_POLICY
    own = {name: value for name, value in vars(device).items() if value is not None}
    return replace(base, **own)


def policy_problems(policy: LoanPolicy) -> list[str]:
    """What is wrong with a policy a clerk entered, one German sentence each."""
    problems = []
    if not 1 <= policy.loan_days <= 90:
        problems.append("Die Leihdauer muss zwischen 1 und 90 Tagen liegen.")
    if not 0 <= policy.max_renewals <= 10:
        problems.append("Es sind zwischen 0 und 10 Verlängerungen möglich.")
    if policy.deposit_cents < 0:
        problems.append("Die Kaution kann nicht negativ sein.")
    if not 1 <= policy.pickup_days <= 14:
        problems.append("Die Abholfrist muss zwischen 1 und 14 Tagen liegen.")
    return problems
