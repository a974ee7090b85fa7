"""Replay the demo's worked cases through the real services, on the story's clock.

Each act of ``demo.story`` is the service call a clerk's button makes (claim, take a step, write,
release, post a letter), made as that clerk, so the audit trail, the 4-eyes checks, the letters
and their PDFs are genuine. Two things differ from real work, both for the demo only:

- the calls join the demo's one transaction (``storage.demo.JoinedDatabase``), so a cancelled or
  failed demo still leaves nothing behind, and their outbox mutations are dropped at the end (the
  demo is local only, like its bulk rows);
- the services stamp their writes with ``utc_now_iso()`` and ``uuid7()``; for a story of the
  past weeks, ``domain.clock.stamped_by`` makes those the story's time and seeded ids, in this
  thread's context only (same options, same rows). Only the PDFs' metadata still say when the
  demo was built, so their bytes differ between builds.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from kommune_desk.demo import story
from kommune_desk.demo.story import Act, Casting, Do
from kommune_desk.domain.clock import stamped_by
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.letter_kinds import LetterKind
from kommune_desk.domain.records import Clerk, Municipality, Office
from kommune_desk.domain.usage import LOCAL_TIME
from kommune_desk.domain.workflow import Decision, Step
from kommune_desk.storage import notices as notices_repo
from kommune_desk.storage.database import Database
from kommune_desk.storage.demo import JoinedDatabase, discard_mutations_after, newest_mutation

from . import notices, workflow
from .notice_letters import NoticeDetails
from .workspace import Workspace


class StoryClock:
    """The story's "now" (UTC) and its seeded ids: same options, same audit rows."""

    def __init__(self, rng: random.Random) -> None:
        self.moment = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        self._rng = rng

    def set(self, moment: dt.datetime) -> None:
        self.moment = moment.astimezone(dt.UTC).replace(microsecond=0)

    def tick(self) -> None:
        """A clerk's next click on the same matter, a minute or two later."""
        self.moment += dt.timedelta(seconds=self._rng.randint(40, 150))

    def iso(self) -> str:
        return self.moment.isoformat(timespec="seconds")

    def now(self) -> dt.datetime:
        return self.moment

    def new_id(self) -> str:
        """An id of the story's moment, from its dice."""
        return uuid7(int(self.moment.timestamp() * 1000), self._rng)


@dataclass(frozen=True)
class StoryCast:
    municipality: Municipality
    office: Office
    clerks: dict[str, Clerk]  # display name → clerk


def play(
    db: Database,
    conn: sqlite3.Connection,
    who: StoryCast,
    castings: list[Casting],
    today: dt.date,
    rng: random.Random,
    report: Callable[[], None] = lambda: None,
) -> int:
    """Replay every cast case in the open demo transaction ``conn`` (``today``: the demo's);
    ``report()`` after each case (it may cancel). Returns the number of letters written."""
    joined = JoinedDatabase(db, conn)
    workspaces = {
        name: Workspace(joined, who.municipality, who.office, clerk, clerk.os_login)
        for name, clerk in who.clerks.items()
    }
    clock = StoryClock(rng)
    mark = newest_mutation(conn)
    letters = 0
    with stamped_by(clock):
        for casting in castings:
            application_id = str(casting.row["id"])
            for act, moment in story.schedule(casting.scenario, str(casting.row["received_at"]), rng):
                clock.set(moment)
                letters += _act(workspaces[act.who], application_id, act, casting, clock, today)
            report()
    discard_mutations_after(conn, mark)
    return letters


def _act(
    ws: Workspace, application_id: str, act: Act, casting: Casting, clock: StoryClock, today: dt.date
) -> int:
    """Do ``act`` as the clerk of ``ws``; returns the number of letters written."""
    day = clock.moment.astimezone(LOCAL_TIME).date()
    decision = casting.scenario.decision
    steps = {
        Do.START: Step.BEARBEITEN,
        Do.DOCS_IN: Step.UNTERLAGEN_EINGEGANGEN,
        Do.APPROVE: Step.FREIGEBEN,
        Do.CLOSE: Step.ABSCHLIESSEN,
        Do.WITHDRAW: Step.ZURUECKZIEHEN,
        Do.FORWARD: Step.WEITERLEITEN,
    }
    if act.do is Do.CLAIM:
        workflow.claim_case(ws, application_id)
    elif act.do in steps:
        workflow.take_step(ws, application_id, steps[act.do], today=day)
    elif act.do is Do.FOLLOW_UP:
        workflow.set_follow_up(ws, application_id, today, act.note)
    elif act.do is Do.DRAFT:
        workflow.take_step(ws, application_id, Step.ENTSCHEIDUNG_ENTWERFEN, decision, today=day)
    elif act.do is Do.REQUEST:
        missing = story.MISSING_DOCUMENTS[casting.index % len(story.MISSING_DOCUMENTS)]
        details = NoticeDetails(
            missing_documents=missing, documents_due=day + dt.timedelta(days=14), letter_date=day
        )
        written = notices.issue_notice(ws, application_id, LetterKind.ANFORDERUNG_UNTERLAGEN, details)
        clock.tick()
        notices.release_notice(ws, written.id)
        clock.tick()
        notices.mark_sent(ws, written.id, day)
        clock.tick()
        workflow.take_step(ws, application_id, Step.UNTERLAGEN_ANFORDERN, today=day)
        return 1
    elif act.do is Do.WRITE:
        kind = LetterKind.GEBUEHRENBESCHEID if act.fee else _decision_kind(decision)
        notices.issue_notice(ws, application_id, kind, _details(casting, day, decision, kind))
        return 1
    elif act.do is Do.CORRECT:
        live = _live_notice(ws, application_id, _decision_kind(decision))
        details = _details(casting, day, decision, _decision_kind(decision), corrected=True)
        notices.correct_notice(ws, live, details)
        return 1
    elif act.do is Do.RELEASE:
        kind = LetterKind.GEBUEHRENBESCHEID if act.fee else _decision_kind(decision)
        notices.release_notice(ws, _live_notice(ws, application_id, kind))
    elif act.do is Do.SEND:
        kind = LetterKind.GEBUEHRENBESCHEID if act.fee else _decision_kind(decision)
        notices.mark_sent(ws, _live_notice(ws, application_id, kind), day)
    return 0


def _decision_kind(decision: Decision | None) -> LetterKind:
    return LetterKind.ABLEHNUNG if decision is Decision.ABGELEHNT else LetterKind.BEWILLIGUNG


def _details(
    casting: Casting, day: dt.date, decision: Decision | None, kind: LetterKind, *, corrected: bool = False
) -> NoticeDetails:
    """What the clerk entered: reasons for a rejection or a partial approval, conditions for the
    latter."""
    if kind is LetterKind.ABLEHNUNG:
        reasons = story.CORRECTED_REASONS if corrected else story.REJECTION_REASONS[casting.index % 2]
        return NoticeDetails(reasons=reasons, letter_date=day)
    if kind is LetterKind.BEWILLIGUNG and decision is Decision.TEILWEISE_BEWILLIGT:
        return NoticeDetails(reasons=story.PARTIAL_REASONS, conditions=story.CONDITIONS, letter_date=day)
    return NoticeDetails(letter_date=day)


def _live_notice(ws: Workspace, application_id: str, kind: LetterKind) -> str:
    """The id of the case's current (not cancelled) letter of ``kind``."""
    conn = ws.db.reader()
    try:
        row = notices_repo.live_notice(conn, application_id, kind.value)
    finally:
        conn.close()
    if row is None:
        raise RuntimeError(f"demo story: no live {kind.value} for {application_id}")
    return str(row["id"])
