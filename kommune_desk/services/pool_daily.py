"""What the app does for the Geräteverleih once a day at start (and the CLI on demand):
retention of borrowers' data, the waiting list's offers, and the count of overdue loans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import borrowers, pool_loans, waitlist
from .borrowers import RetentionResult
from .waitlist import OfferRound
from .workspace import Workspace


@dataclass(frozen=True)
class DailyPoolWork:
    retention: RetentionResult | None  # None if it ran today already
    offers: OfferRound
    overdue_own: int  # overdue loans this town lent
    overdue_all: int


def daily_pool_work(ws: Workspace, today: dt.date | None = None) -> DailyPoolWork:
    """Run retention (once a day), move the waiting list on and count overdue loans."""
    day = today or dt.date.today()
    retention = borrowers.run_retention(ws, day) if borrowers.retention_due_today(ws, day) else None
    offers = waitlist.process_offers(ws, day)
    overdue = pool_loans.overdue_loans(ws, day)
    own = sum(1 for loan in overdue if loan.municipality_id == ws.municipality.id)
    return DailyPoolWork(retention, offers, own, len(overdue))
