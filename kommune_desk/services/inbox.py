"""Read side of the Posteingang: ordered row handles per view and filter, pages of rows, counts."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from kommune_desk.domain.formatting import parse_timestamp
from kommune_desk.domain.inbox_views import InboxFilter, InboxView
from kommune_desk.domain.records import ApplicationStatus, InboxRow
from kommune_desk.storage import applications as repo
from kommune_desk.storage import inbox_query
from kommune_desk.storage.connection import translate_error
from kommune_desk.storage.database import Database

ALL = InboxFilter()


def first_page_is_cheap(query: InboxFilter, order: str) -> bool:
    """Whether an index alone delivers the first page (a few ms, fine on the UI thread)."""
    return query.is_plain() and order in repo.INDEXED_ORDERS


class InboxReader:
    """A read connection for one thread, answering the Posteingang's questions for one clerk."""

    def __init__(
        self, db: Database, municipality_id: str, clerk_id: str | None = None, *, lent: bool = False
    ) -> None:
        """``lent``: on a connection lent by the database (for a worker's one query), given back
        on close instead of closed."""
        self._db = db if lent else None
        self._conn = db.lend_reader() if lent else db.reader()
        self._path = db.path
        self._municipality_id = municipality_id
        self._clerk_id = clerk_id

    def handles(
        self,
        query: InboxFilter = ALL,
        order: str = "received_at",
        descending: bool = True,
        limit: int | None = None,
        today: dt.date | None = None,
    ) -> list[int]:
        """Handles of the applications ``query`` selects, in display order (the first ``limit``).

        Only ids: a few MB for 100,000. Typed text that can find nothing gives no handles.
        """
        if order not in repo.INBOX_ORDER:
            raise ValueError(f"unknown sort key {order!r}")
        where = inbox_query.filter_clause(query, self._clerk_id, today or dt.date.today())
        if where is None:
            return []
        with self._translated():
            return repo.inbox_rowids(
                self._conn, self._municipality_id, order, descending, -1 if limit is None else limit, where
            )

    def counts(self, today: dt.date | None = None) -> dict[InboxView, int]:
        """How many applications each standard view holds."""
        with self._translated():
            return inbox_query.view_counts(
                self._conn, self._municipality_id, self._clerk_id, today or dt.date.today()
            )

    def rows(self, handles: Sequence[int]) -> dict[int, InboxRow]:
        """The Posteingang lines for the given handles."""
        with self._translated():
            found = repo.inbox_rows(self._conn, handles)
        return {
            handle: InboxRow(
                id=r[0],
                aktenzeichen=r[1],
                received_at=parse_timestamp(r[2]),
                service_name=r[3],
                applicant_name=r[4],
                status=ApplicationStatus(r[5]),
                due_date=dt.date.fromisoformat(r[6]) if r[6] else None,
                paused_days=r[7],
                assignee_name=r[8],
                follow_up_on=dt.date.fromisoformat(r[9]) if r[9] else None,
            )
            for handle, r in found.items()
        }

    def close(self) -> None:
        if self._db is not None:
            self._db.take_back(self._conn)
        else:
            self._conn.close()

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """SQLite failures become German StorageErrors; programming errors pass unchanged."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise translate_error(exc, self._path) from exc
