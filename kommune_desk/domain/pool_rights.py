"""Who may change what in the shared pool: one answer for the UI, the services and the server.

- A device is changed by its home town (the owner) and by the pool manager.
- A loan is changed by the lending (borrowing) town, by the device's home town (it hands the
  device over or takes it back) and by the pool manager.
- The pool manager is a role of single clerks of any partner: the joint climate-protection
  office (Projektmanagementstelle Klimaschutz) that runs the pool for all partners.
- An overdue device blocks new bookings; only the Teamleitung may book past that, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass

TEAMLEITUNG = "teamleitung"


@dataclass(frozen=True)
class PoolActor:
    """The clerk who acts, as the pool's rules see them."""

    municipality_id: str
    role: str
    pool_manager: bool = False


def may_change_device(actor: PoolActor, home_municipality_id: str) -> bool:
    return actor.pool_manager or actor.municipality_id == home_municipality_id


def may_change_loan(actor: PoolActor, lending_municipality_id: str, device_home_id: str) -> bool:
    return actor.pool_manager or actor.municipality_id in (lending_municipality_id, device_home_id)


def may_manage_types(actor: PoolActor) -> bool:
    """Loan policies per device type hold for every partner: the pool manager sets them."""
    return actor.pool_manager


def may_override_overdue(actor: PoolActor) -> bool:
    return actor.role == TEAMLEITUNG


DEVICE_REFUSAL = (
    "Dieses Gerät gehört einer anderen Kommune. Ändern können es nur die Eigentümerin und die "
    "Poolverwaltung (Projektmanagementstelle Klimaschutz)."
)
LOAN_REFUSAL = (
    "Diese Ausleihe gehört einer anderen Kommune. Ändern können sie nur die verleihende Kommune, "
    "die Eigentümerin des Geräts und die Poolverwaltung."
)
TYPES_REFUSAL = "Die Leihbedingungen je Geräteart legt die Poolverwaltung fest."
OVERRIDE_REFUSAL = "Nur die Teamleitung kann trotz eines überfälligen Geräts reservieren."


# What any partner changes on a device in daily work: a return moves it to the returning town
# and, with missing parts or damage, into Wartung.
OPERATIONAL_DEVICE_COLUMNS = frozenset({"location_municipality_id", "status", "condition", "updated_at"})


def pool_row_writable(
    kind: str,
    row_owner: str | None,
    town: str,
    *,
    columns: frozenset[str] = frozenset(),
    device_home: str | None = None,
    pool_manager: bool = False,
) -> bool:
    """Whether ``town`` may change ``columns`` of an existing pool row of ``kind`` (the server's
    check; the services ask the finer questions above before they write).

    The server knows towns, not roles: ``pool_manager`` says whether the pushing clerk holds
    that role in their town's clerk records.
    """
    if pool_manager or row_owner == town:
        return True
    if kind == "loans":
        return device_home == town
    if kind == "devices":
        return columns <= OPERATIONAL_DEVICE_COLUMNS
    # Offers move on across towns: whoever records a return offers the device to the next in line.
    return kind == "waitlist"
