"""The demo's worked cases: recent applications that went through the real steps of the workflow.

The bulk of the demo is written as rows; these few cases are replayed step by step through the
services (``services/demo_story.py``), so their history, letters and 4-eyes approvals are what a
clerk's work really leaves behind. This module is the script only: who does what on which working
day after receipt, and which generated application plays which part. Pure Python, like ``domain/``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kommune_desk.domain.deadlines import is_working_day
from kommune_desk.domain.records import Service
from kommune_desk.domain.usage import LOCAL_TIME
from kommune_desk.domain.workflow import Decision

from .content import LOCAL_CLERKS

# Who plays in the story (names from content.LOCAL_CLERKS). The person trying the demo is Jana Becker.
JANA = LOCAL_CLERKS[0][0]  # Teamleitung, mapped to the OS login
RENATE = "Renate Hofmann"  # the other Teamleitung: approves what Jana drafted
MURAT = "Murat Yılmaz"  # Sachbearbeitung: the second demo clerk to switch to
SABINE = "Sabine Weiß"
THOMAS = "Thomas Schäfer"
LUKASZ = "Łukasz Nowak"

# Applications received this many days before "today" may be cast (the story's past weeks).
WINDOW_DAYS = 56


class Do(StrEnum):
    """One thing a clerk does in the story; each is one service call (a letter: write, release,
    post)."""

    CLAIM = "uebernehmen"
    START = "bearbeiten"
    REQUEST = "nachfordern"  # Nachforderung written, released, posted; the case waits
    DOCS_IN = "unterlagen_da"
    DRAFT = "entwerfen"
    APPROVE = "freigeben"
    WRITE = "bescheid_schreiben"
    RELEASE = "bescheid_freigeben"
    SEND = "bescheid_versenden"
    CORRECT = "bescheid_berichtigen"
    CLOSE = "abschliessen"
    FOLLOW_UP = "wiedervorlage"  # for the demo's "today", with a note: shows the way to try things
    WITHDRAW = "zurueckziehen"
    FORWARD = "weiterleiten"


@dataclass(frozen=True)
class Act:
    day: int  # working days after the day of receipt (1: the next working day)
    who: str  # display name of the clerk
    do: Do
    fee: bool = False  # WRITE/RELEASE/SEND: the Gebührenbescheid instead of the decision notice
    note: str = ""  # FOLLOW_UP: the note of the Wiedervorlage


@dataclass(frozen=True)
class Scenario:
    """One case's story. ``age``: working days since receipt wanted; the last act is at least a
    working day before today, so nothing in the demo happens "later today"."""

    title: str
    age: int
    acts: tuple[Act, ...]
    decision: Decision | None = None
    four_eyes: bool | None = None  # None: any service
    fee: bool = False  # needs a service with a fee


def _acts(*acts: tuple[Any, ...] | Act) -> tuple[Act, ...]:
    return tuple(a if isinstance(a, Act) else Act(*a) for a in acts)


D = Do
B, TB, AB = Decision.BEWILLIGT, Decision.TEILWEISE_BEWILLIGT, Decision.ABGELEHNT
# Ordered from the longest story to the shortest, so the long ones find old enough cases first.
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("abgeschlossen nach Nachforderung, Entwurf Jana, Freigabe Renate", 26, _acts(
        (1, JANA, D.START), (2, JANA, D.REQUEST), (6, JANA, D.DOCS_IN), (8, JANA, D.DRAFT),
        (9, RENATE, D.APPROVE), (9, JANA, D.WRITE), (10, RENATE, D.RELEASE), (10, JANA, D.SEND),
        (20, JANA, D.CLOSE),
    ), B, four_eyes=True),
    # The whole way: übernommen → nachgefordert → Entwurf → Freigabe (another clerk) → versandt.
    Scenario("versandt nach Nachforderung, Entwurf Murat, Freigabe Jana", 19, _acts(
        (1, MURAT, D.CLAIM), (1, MURAT, D.START), (2, MURAT, D.REQUEST), (9, MURAT, D.DOCS_IN),
        (12, MURAT, D.DRAFT), (13, JANA, D.APPROVE), (13, MURAT, D.WRITE), (14, JANA, D.RELEASE),
        (15, MURAT, D.SEND),
    ), B, four_eyes=True),
    Scenario("freigegeben nach Nachforderung, Bescheid freigegeben (Postausgang)", 14, _acts(
        (1, MURAT, D.CLAIM), (1, MURAT, D.START), (2, MURAT, D.REQUEST), (8, MURAT, D.DOCS_IN),
        (10, MURAT, D.DRAFT), (11, RENATE, D.APPROVE), (11, MURAT, D.WRITE), (12, RENATE, D.RELEASE),
    ), B, four_eyes=True),
    Scenario("abgeschlossen ohne Vier-Augen-Prinzip", 16, _acts(
        (1, THOMAS, D.START), (3, THOMAS, D.DRAFT), (3, THOMAS, D.APPROVE), (3, THOMAS, D.WRITE),
        (3, THOMAS, D.RELEASE), (4, THOMAS, D.SEND), (12, THOMAS, D.CLOSE),
    ), B, four_eyes=False),
    Scenario("in Bearbeitung, Unterlagen nachgereicht: für Murat zum Entwerfen", 11, _acts(
        (1, MURAT, D.CLAIM), (1, MURAT, D.START), (2, MURAT, D.REQUEST), (8, MURAT, D.DOCS_IN),
        Act(8, MURAT, D.FOLLOW_UP, note="Unterlagen vollständig: Entscheidung entwerfen"),
    ), four_eyes=True),
    Scenario("Entscheidung entworfen nach Nachforderung, Bescheid im Entwurf", 11, _acts(
        (1, LUKASZ, D.START), (2, LUKASZ, D.REQUEST), (7, LUKASZ, D.DOCS_IN), (9, LUKASZ, D.DRAFT),
        (9, LUKASZ, D.WRITE),
    ), B, four_eyes=True),
    Scenario("zurückgezogen während der Nachforderung", 12, _acts(
        (1, SABINE, D.START), (2, SABINE, D.REQUEST), (9, SABINE, D.WITHDRAW),
    )),
    Scenario("versandt, Ablehnung vor der Freigabe berichtigt", 9, _acts(
        (1, SABINE, D.CLAIM), (1, SABINE, D.START), (4, SABINE, D.DRAFT), (5, RENATE, D.APPROVE),
        (5, SABINE, D.WRITE), (6, SABINE, D.CORRECT), (6, RENATE, D.RELEASE), (7, SABINE, D.SEND),
    ), AB, four_eyes=True),
    Scenario("freigegeben mit Nebenbestimmungen, Bescheid freigegeben (Postausgang)", 8, _acts(
        (1, THOMAS, D.START), (5, THOMAS, D.DRAFT), (6, JANA, D.APPROVE), (6, THOMAS, D.WRITE),
        (7, JANA, D.RELEASE),
    ), TB, four_eyes=True),
    Scenario("freigegeben, Bescheid wartet auf Jana", 7, _acts(
        (1, SABINE, D.START), (4, SABINE, D.DRAFT), (6, JANA, D.APPROVE), (6, SABINE, D.WRITE),
        Act(6, SABINE, D.FOLLOW_UP, note="Bescheid entworfen: bitte freigeben und drucken"),
    ), B, four_eyes=True),
    Scenario("freigegeben mit Gebührenbescheid (Postausgang)", 5, _acts(
        (1, LUKASZ, D.START), (2, LUKASZ, D.DRAFT), (2, LUKASZ, D.APPROVE), (2, LUKASZ, D.WRITE),
        (2, LUKASZ, D.RELEASE), (3, LUKASZ, D.WRITE, True), (3, LUKASZ, D.RELEASE, True),
    ), B, four_eyes=False, fee=True),
    # For the person trying the demo: a draft of Murat's to approve, and one of their own that
    # they may not approve (Renate Hofmann may).
    Scenario("Entscheidung entworfen von Murat, wartet auf Freigabe", 6, _acts(
        (1, MURAT, D.CLAIM), (1, MURAT, D.START), (4, MURAT, D.DRAFT),
        Act(4, MURAT, D.FOLLOW_UP, note="Entwurf fertig: bitte freigeben (Vier-Augen-Prinzip)"),
    ), B, four_eyes=True),
    Scenario("Entscheidung entworfen von Jana, wartet auf Renate", 5, _acts(
        (1, JANA, D.START), (3, JANA, D.DRAFT),
        Act(3, JANA, D.FOLLOW_UP, note="Eigener Entwurf: freigeben muss Renate Hofmann (Vier-Augen-Prinzip)"),
    ), AB, four_eyes=True),
    Scenario("wartet auf Unterlagen (Murat)", 5, _acts(
        (1, MURAT, D.START), (2, MURAT, D.REQUEST),
    )),
    Scenario("wartet auf Unterlagen (Jana)", 4, _acts(
        (1, JANA, D.CLAIM), (1, JANA, D.START), (2, JANA, D.REQUEST),
    )),
    Scenario("weitergeleitet", 4, _acts((1, LUKASZ, D.CLAIM), (2, LUKASZ, D.FORWARD))),
    Scenario("in Bearbeitung (Jana)", 2, _acts((1, JANA, D.START),)),
    Scenario("in Bearbeitung (Sabine)", 3, _acts((1, SABINE, D.CLAIM), (2, SABINE, D.START))),
    Scenario("eingegangen, von Murat übernommen", 1, _acts((1, MURAT, D.CLAIM),)),
)  # fmt: skip

# What the letters say: a few plausible lines, chosen by the case's position in the story.
MISSING_DOCUMENTS: tuple[tuple[str, ...], ...] = (
    ("Lageplan im Maßstab 1:500", "Nachweis der Haftpflichtversicherung"),
    ("Kopie des Personalausweises", "Vollmacht der Eigentümerin"),
    ("Fotos des Standorts", "Skizze mit Maßangaben"),
)
REJECTION_REASONS = (
    "Die eingereichten Unterlagen belegen nicht, dass die Voraussetzungen nach der Satzung erfüllt sind.",
    "Nach den Unterlagen und der Ortsbesichtigung liegen die Voraussetzungen für eine Genehmigung nicht "
    "vor; eine Ausnahme kommt nicht in Betracht.",
)
CORRECTED_REASONS = (
    "Die eingereichten Unterlagen belegen nicht, dass die Voraussetzungen nach der Satzung erfüllt sind. "
    "Auch die nachgereichte Skizze ändert daran nichts, weil sie die Abstände zur Grundstücksgrenze nicht "
    "angibt."
)
CONDITIONS = (
    "Die Erlaubnis gilt nur werktags von 7 bis 20 Uhr.",
    "Der Zustand vor Beginn ist bis spätestens eine Woche nach Ende wiederherzustellen.",
)
PARTIAL_REASONS = "Für den Sonntag kann die Erlaubnis wegen der Ruhezeiten nicht erteilt werden."


@dataclass(frozen=True)
class Casting:
    """A generated application (reset to "just arrived") and the story it plays."""

    scenario: Scenario
    row: dict[str, object]
    index: int  # position in SCENARIOS, for varied letter texts


def working_day_after(day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``day`` (Hessian holidays and weekends skipped)."""
    for _ in range(n):
        day += dt.timedelta(days=1)
        while not is_working_day(day):
            day += dt.timedelta(days=1)
    return day


def received_day(row: dict[str, object]) -> dt.date:
    return dt.datetime.fromisoformat(str(row["received_at"])).astimezone(LOCAL_TIME).date()


def cast(rows: list[dict[str, object]], services: dict[str, Service], today: dt.date) -> list[Casting]:
    """Give each scenario the unused application that fits it best: the service it needs (4-eyes,
    a fee) and an age close to the one wanted, old enough that its last act lies before today.
    Scenarios without a fitting application (a tiny demo) are left out."""
    used: set[int] = set()
    castings = []
    # Working days since receipt, "today" not counted: an act on day n < age lies before today.
    ages = [_working_days_between(received_day(row), today) - is_working_day(today) for row in rows]
    for index, scenario in enumerate(SCENARIOS):
        last = max(act.day for act in scenario.acts)
        best: tuple[int, int] | None = None  # (distance from the wanted age, position)
        for position, row in enumerate(rows):
            service = services.get(str(row["service_id"] or ""))
            if position in used or service is None or not _fits(scenario, service):
                continue
            age = ages[position]
            if last > age:
                continue
            distance = abs(age - scenario.age)
            if best is None or distance < best[0]:
                best = (distance, position)
        if best is not None:
            used.add(best[1])
            castings.append(Casting(scenario, just_received(rows[best[1]]), index))
    return castings


def _fits(scenario: Scenario, service: Service) -> bool:
    if service.is_notification:  # an Anzeige is received, not decided: the story decides
        return False
    if scenario.four_eyes is not None and service.four_eyes != scenario.four_eyes:
        return False
    return not scenario.fee or service.fee_rule.fee_cents(1) > 0


def _working_days_between(first: dt.date, last: dt.date) -> int:
    days, day = 0, first
    while day < last:
        day += dt.timedelta(days=1)
        days += is_working_day(day)
    return days


def just_received(row: dict[str, object]) -> dict[str, object]:
    """The generated row as it arrived: nobody has worked on it yet (the story does that)."""
    return {
        **row,
        "status": "eingegangen",
        "assignee_id": None,
        "paused_remaining_days": None,
        "decision": None,
        "decided_at": None,
        "completed_at": None,
    }


def schedule(scenario: Scenario, received_at: str, rng: random.Random) -> list[tuple[Act, dt.datetime]]:
    """Each act with the moment it happens (local office hours, later acts later)."""
    first = received_day({"received_at": received_at})
    moments: list[tuple[Act, dt.datetime]] = []
    previous: dt.datetime | None = None
    for act in scenario.acts:
        day = working_day_after(first, act.day)
        if previous is not None and previous.date() == day:
            moment = previous + dt.timedelta(minutes=rng.randint(8, 45))
        else:
            start = rng.randint(7 * 60 + 40, 10 * 60)
            moment = dt.datetime.combine(day, dt.time(start // 60, start % 60), LOCAL_TIME)
        moment += dt.timedelta(seconds=rng.randrange(60))
        moments.append((act, moment))
        previous = moment
    return moments
