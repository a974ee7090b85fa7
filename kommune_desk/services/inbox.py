"""Read side of the Posteingang: ordered row handles, pages of rows, counts."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from kommune_desk.domain.formatting import parse_timestamp
from kommune_desk.domain.records import ApplicationStatus, InboxRow
from kommune_desk.storage import applications as repo
from kommune_desk.storage import search
from kommune_desk.storage.connection import translate_error
from kommune_desk.storage.database import Database


def first_page_is_cheap(order: str) -> bool:
    """Whether an index delivers this order, so its first page costs a few milliseconds."""
    return order in repo.INDEXED_ORDERS


class InboxReader:
    """A read connection for one thread, answering the Posteingang's questions."""

    def __init__(self, db: Database, municipality_id: str) -> None:
        self._conn = db.reader()
        self._path = db.path
        self._municipality_id = municipality_id

    def ordered_handles(self, order: str = "received_at", descending: bool = True) -> list[int]:
        """Handles of all live applications in display order (ids only: a few MB for 100,000)."""
        if order not in repo.INBOX_ORDER:
            raise ValueError(f"unknown sort key {order!r}")
        with self._translated():
            return repo.inbox_rowids(self._conn, self._municipality_id, order, descending)

    def first_handles(self, limit: int, order: str = "received_at", descending: bool = True) -> list[int]:
        """The first ``limit`` handles: enough to paint the first screen at once."""
        if order not in repo.INBOX_ORDER:
            raise ValueError(f"unknown sort key {order!r}")
        with self._translated():
            return repo.inbox_rowids(self._conn, self._municipality_id, order, descending, limit)

    def search_handles(self, text: str, order: str = "received_at", descending: bool = True) -> list[int]:
        """Handles of applications matching every typed word (prefixes, umlauts folded)."""
        if order not in repo.INBOX_ORDER:
            raise ValueError(f"unknown sort key {order!r}")
        with self._translated():
            return search.search_rowids(self._conn, self._municipality_id, text, order, descending)

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
            )
            for handle, r in found.items()
        }

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """SQLite failures become German StorageErrors; programming errors pass unchanged."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise translate_error(exc, self._path) from exc
