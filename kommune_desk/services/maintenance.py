"""Database health checks that may run long and must be stoppable."""

from __future__ import annotations

import sqlite3
import threading

from kommune_desk.storage.database import Database, quick_check


class IntegrityCheck:
    """``PRAGMA quick_check`` on its own connection; :meth:`interrupt` stops it from any thread."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._stopped = False

    def run(self) -> list[str] | None:
        """Problems found (empty: sound), or None when interrupted."""
        with self._lock:
            if self._stopped:
                return None
            self._conn = self._db.reader()
            # sqlite3_interrupt() misses a statement that has not started yet; the handler
            # catches a stop that lands between here and the first step.
            self._conn.set_progress_handler(lambda: int(self._stopped), 1)
        try:
            return quick_check(self._conn)
        except sqlite3.DatabaseError as exc:
            if "interrupt" in str(exc).lower():
                return None
            return [f"Die Prüfung brach ab: {type(exc).__name__}"]  # damaged beyond quick_check
        finally:
            with self._lock:
                self._conn.close()
                self._conn = None

    def interrupt(self) -> None:
        with self._lock:
            self._stopped = True
            if self._conn is not None:
                self._conn.interrupt()
