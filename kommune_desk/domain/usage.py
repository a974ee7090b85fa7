"""Usage events of the online services, and what one form session adds to the statistics.

The portal reports events per session (one citizen filling in one form): ``gestartet``,
``schritt`` (a form step reached), ``abgebrochen``, ``abgeschickt``, ``bezahlt`` (with the
FIT-Connect payment method) and ``bewertet`` (a rating 1–5). A session may also say its channel
(``web``, ``app``) and how the citizen signed in.

The statistics count *sessions*, by the local (German) day their ``gestartet`` event happened
and their channel: a session adds one to each of its *marks* (see :func:`marks`). Events may
arrive in any order and days apart, so a session's state is folded event by event
(:func:`advance`) and its marks are recomputed; the store takes away the old marks and adds the
new ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple
from zoneinfo import ZoneInfo

EVENT_KINDS = ("gestartet", "schritt", "abgebrochen", "abgeschickt", "bezahlt", "bewertet")
CHANNELS = ("web", "app")
AUTHENTICATIONS = ("keine", "bundid", "elster", "eid", "sonstige")
# FIT-Connect's paymentInformation.paymentMethod values.
ONLINE_PAYMENT_METHODS = ("GIROPAY", "PAYDIRECT", "CREDITCARD", "PAYPAL", "INVOICE", "OTHER")
MAX_STEP = 1000
RATINGS = (1, 2, 3, 4, 5)
LOCAL_TIME = ZoneInfo("Europe/Berlin")

# The metrics a session is counted under (with a key where it has one).
STARTED = "gestartet"
SUBMITTED = "abgeschickt"
HIGHEST_STEP = "schritt"  # key: the highest step the session reached ("0": none)
PAYMENT = "zahlart"  # key: the payment method
RATING = "bewertung"  # key: "1" … "5"
AUTHENTICATION = "anmeldung"  # key: see AUTHENTICATIONS, or "" (not reported)


class UsageEvent(NamedTuple):
    """One event of the portal; ``occurred_at`` is timezone-aware. (A named tuple: an import
    makes a million of them, and a frozen dataclass costs three times as much to create.)"""

    id: str
    leika_id: str
    session_id: str
    occurred_at: dt.datetime
    kind: str
    step: int | None = None
    payment_method: str | None = None
    channel: str | None = None
    authentication: str | None = None
    rating: int | None = None


def shown(value: object, limit: int = 40) -> str:
    """A value of a file as a message may quote it: one line, at most ``limit`` characters."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def event_problems(event: UsageEvent) -> list[str]:
    """What is wrong with an event, in German (empty: it is fine)."""
    problems = []
    if not event.leika_id.strip():
        problems.append("Die Leistung (LeiKa-Schlüssel) fehlt.")
    if not event.session_id.strip():
        problems.append("Die Sitzung fehlt.")
    if event.occurred_at.tzinfo is None:
        problems.append("Der Zeitpunkt hat keine Zeitzone.")
    if event.kind not in EVENT_KINDS:
        problems.append(f"Unbekanntes Ereignis „{shown(event.kind)}“ (erlaubt: {', '.join(EVENT_KINDS)}).")
    if event.step is not None and not 0 <= event.step <= MAX_STEP:
        problems.append(f"Der Schritt muss zwischen 0 und {MAX_STEP} liegen.")
    if event.kind == "schritt" and event.step is None:
        problems.append("Bei „schritt“ fehlt die Nummer des Schritts.")
    if event.payment_method is not None and event.payment_method not in ONLINE_PAYMENT_METHODS:
        problems.append(
            f"Unbekannte Zahlart „{shown(event.payment_method)}“"
            f" (erlaubt: {', '.join(ONLINE_PAYMENT_METHODS)})."
        )
    if event.kind == "bezahlt" and event.payment_method is None:
        problems.append("Bei „bezahlt“ fehlt die Zahlart.")
    if event.channel is not None and event.channel not in CHANNELS:
        problems.append(f"Unbekannter Kanal „{shown(event.channel)}“ (erlaubt: {', '.join(CHANNELS)}).")
    if event.authentication is not None and event.authentication not in AUTHENTICATIONS:
        problems.append(
            f"Unbekannte Anmeldung „{shown(event.authentication)}“ (erlaubt: {', '.join(AUTHENTICATIONS)})."
        )
    if event.rating is not None and event.rating not in RATINGS:
        problems.append("Die Bewertung muss zwischen 1 und 5 liegen.")
    if event.kind == "bewertet" and event.rating is None:
        problems.append("Bei „bewertet“ fehlt die Bewertung (1 bis 5).")
    return problems


def parse_moment(text: str) -> dt.datetime | None:
    """An ISO 8601 moment with offset (``Z`` too); None if it is not one."""
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return moment if moment.tzinfo is not None else None


def event_from_row(row: Sequence[object]) -> UsageEvent | None:
    """An event from a stored row (id, leika, session, occurred_at, kind, step, payment, channel,
    sign-in, rating); None if it cannot be read (a portal that sent nonsense is not counted)."""
    event_id, leika, session, occurred, kind, step, method, channel, auth, rating = row
    moment = parse_moment(str(occurred))
    if moment is None:
        return None
    event = UsageEvent(
        str(event_id), str(leika), str(session), moment, str(kind),
        step if isinstance(step, int) else None, method if isinstance(method, str) else None,
        channel if isinstance(channel, str) else None, auth if isinstance(auth, str) else None,
        rating if isinstance(rating, int) else None,
    )  # fmt: skip
    return None if event_problems(event) else event


def local_day(moment: dt.datetime) -> dt.date:
    """The German calendar day of an aware moment (a session at 00:30 belongs to that day)."""
    return moment.astimezone(LOCAL_TIME).date()


class SessionState(NamedTuple):
    """What the statistics know of one session so far (a named tuple, as UsageEvent)."""

    leika_id: str
    started_on: dt.date | None = None  # local day of its ``gestartet`` event
    highest_step: int = 0
    submitted: bool = False
    payment_method: str | None = None
    rating: int | None = None
    rated_at: dt.datetime | None = None
    channel: str | None = None  # of the earliest event that reports one (a session keeps its device)
    channel_at: dt.datetime | None = None
    authentication: str | None = None  # of the latest report (a citizen may sign in on the way)
    authentication_at: dt.datetime | None = None
    last_event_at: dt.datetime | None = None


def advance(state: SessionState | None, event: UsageEvent) -> SessionState:
    """The session's state after ``event``; the same whatever the order of arrival: the earliest
    start counts, the highest step, the latest rating and sign-in, the earliest channel."""
    c = state or SessionState(event.leika_id)
    at, kind = event.occurred_at, event.kind
    started_on = c.started_on
    if kind == "gestartet":
        day = local_day(at)
        if started_on is None or day < started_on:
            started_on = day
    rating, rated_at = c.rating, c.rated_at
    if kind == "bewertet" and event.rating is not None and (rated_at is None or at >= rated_at):
        rating, rated_at = event.rating, at
    channel, channel_at = c.channel, c.channel_at
    if event.channel and (channel_at is None or at < channel_at):
        channel, channel_at = event.channel, at
    auth, auth_at = c.authentication, c.authentication_at
    if event.authentication and (auth_at is None or at >= auth_at):
        auth, auth_at = event.authentication, at
    # Built directly: dataclasses.replace costs more than the rest (a million events per import).
    return SessionState(
        c.leika_id, started_on,
        event.step if event.step is not None and event.step > c.highest_step else c.highest_step,
        c.submitted or kind == "abgeschickt",
        event.payment_method if kind == "bezahlt" and event.payment_method else c.payment_method,
        rating, rated_at, channel, channel_at, auth, auth_at,
        at if c.last_event_at is None or at > c.last_event_at else c.last_event_at,
    )  # fmt: skip


# (local day of the start, LeiKa id, channel or "", metric, key): one session counted once.
Mark = tuple[dt.date, str, str, str, str]


def marks(state: SessionState | None) -> tuple[Mark, ...]:
    """Where a session is counted (once each); nowhere before it was started."""
    if state is None or state.started_on is None:
        return ()
    day, leika, channel = state.started_on, state.leika_id, state.channel or ""
    found = [
        (STARTED, ""), (HIGHEST_STEP, str(state.highest_step)), (AUTHENTICATION, state.authentication or ""),
    ]  # fmt: skip
    if state.submitted:
        found.append((SUBMITTED, ""))
    if state.payment_method:
        found.append((PAYMENT, state.payment_method))
    if state.rating is not None:
        found.append((RATING, str(state.rating)))
    return tuple((day, leika, channel, metric, key) for metric, key in found)
