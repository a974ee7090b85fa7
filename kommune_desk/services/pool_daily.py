"""What the app does for the Geräteverleih once a day at start (and the CLI on demand):
retention of borrowers' data, the waiting list's offers, and the count of overdue loans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kommune_desk.domain import pool_rights
from kommune_desk.domain.pool import maintenance_is_due

from . import borrowers, pool, pool_loans, waitlist
from .borrowers import RetentionResult
from .waitlist import OfferRound
from .workspace import Workspace

MAINTENANCE_NOTICE = dt.timedelta(days=7)


@dataclass(frozen=True)
class DailyPoolWork:
    retention: RetentionResult | None  # None if it ran today already
    offers: OfferRound
    overdue_own: int  # overdue loans this town lent
    overdue_all: int
    maintenance_due: tuple[str, ...] = ()  # inventory numbers this office looks after, due within a week

    def maintenance_message(self) -> str:
        if not self.maintenance_due:
            return ""
        numbers = ", ".join(self.maintenance_due)
        if len(self.maintenance_due) == 1:
            return f"Wartung fällig: {numbers}."
        return f"{len(self.maintenance_due)} Geräte sind zur Wartung fällig: {numbers}."


def daily_pool_work(ws: Workspace, today: dt.date | None = None) -> DailyPoolWork:
    """Run retention (once a day), move the waiting list on and count overdue loans."""
    day = today or dt.date.today()
    retention = borrowers.run_retention(ws, day) if borrowers.retention_due_today(ws, day) else None
    offers = waitlist.process_offers(ws, day)
    overdue = pool_loans.overdue_loans(ws, day)
    own = sum(1 for loan in overdue if loan.municipality_id == ws.municipality.id)
    actor = pool.pool_actor_or_guest(ws)
    soon = day + MAINTENANCE_NOTICE
    due = tuple(
        d.inventory_number
        for d in pool.list_devices(ws, day)
        if maintenance_is_due(d.maintenance_due, soon)
        and d.status != "ausgemustert"
        and pool_rights.may_change_device(actor, d.home_municipality_id)
    )
    return DailyPoolWork(retention, offers, own, len(overdue), due)
