"""The local database: one file, one writer connection, many readers."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import capture
from .connection import connect, translate_error
from .errors import StorageError, UnsafeLocationError, describe_os_error
from .location import location_problem
from .migrations import migrate
from .transaction import immediate_transaction

DATABASE_FILE = "kommune-desk.sqlite3"
ATTACHMENTS_DIR = "dateien"


_IDLE_READERS = 4


class Database:
    """The database file in a data directory, migrated to the current schema.

    Writes go through :meth:`write`, which serialises threads on the single writer
    connection; each reader thread opens its own connection with :meth:`reader`.
    """

    def __init__(self, data_dir: Path, writer: sqlite3.Connection) -> None:
        self.data_dir = data_dir
        self.path = data_dir / DATABASE_FILE
        self.attachments_dir = data_dir / ATTACHMENTS_DIR
        self._writer = writer
        self._write_lock = threading.Lock()
        self._idle_readers: list[sqlite3.Connection] = []  # see lend_reader
        self._idle_lock = threading.Lock()

    @classmethod
    def open(cls, data_dir: Path, *, create: bool = True, mounts: str | None = None) -> Database:
        """Open (and with ``create`` make) the database in ``data_dir``, then migrate it.

        Raises a StorageError subclass with a German message for unsafe locations,
        corrupt, locked or too new databases; in each case nothing is changed.
        """
        problem = location_problem(data_dir, mounts)
        if problem:
            raise UnsafeLocationError(problem)
        path = data_dir / DATABASE_FILE
        if data_dir.exists() and not data_dir.is_dir():
            raise StorageError(f"{data_dir} ist eine Datei, kein Ordner. Bitte geben Sie einen Ordner an.")
        if not path.exists() and not create:
            raise StorageError(f"Im Ordner {data_dir} gibt es noch keine KommuneDesk-Datenbank.")
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"Der Datenordner {data_dir} kann nicht angelegt werden: {describe_os_error(exc)}. "
                "Bitte wählen Sie einen anderen Ordner oder wenden Sie sich an Ihre IT-Betreuung."
            ) from exc
        writer = connect(path)
        try:
            migrate(writer)
        except sqlite3.DatabaseError as exc:
            writer.close()
            raise translate_error(exc, path) from exc
        except BaseException:
            writer.close()
            raise
        return cls(data_dir, writer)

    @staticmethod
    def exists(data_dir: Path) -> bool:
        return (data_dir / DATABASE_FILE).exists()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction on the writer connection."""
        with self._write_lock:
            try:
                with immediate_transaction(self._writer) as conn:
                    mark = capture.transaction_mark(conn)
                    yield conn
                    capture.settle(conn, mark)
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc).lower() or "busy" in str(exc).lower():
                    raise translate_error(exc, self.path) from exc
                raise

    @contextmanager
    def replica_write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction for rows pulled from the server, with foreign keys off: the server
        checked them, and a page may name a parent from a later page or a partner town."""
        with self._write_lock:
            self._writer.execute("PRAGMA foreign_keys=OFF")
            try:
                with immediate_transaction(self._writer) as conn:
                    yield conn
            finally:
                self._writer.execute("PRAGMA foreign_keys=ON")

    def reader(self) -> sqlite3.Connection:
        """A new read-only connection for the calling thread; the caller closes it."""
        return connect(self.path, read_only=True)

    def lend_reader(self) -> sqlite3.Connection:
        """A read-only connection lent from a few idle ones (or a new one), for reads that come
        often: opening a connection loads the whole schema, which costs more than such a read.
        Give it back with :meth:`take_back`; the borrower changes no connection state."""
        with self._idle_lock:
            if self._idle_readers:
                return self._idle_readers.pop()
        return self.reader()

    def take_back(self, conn: sqlite3.Connection) -> None:
        """Keep a lent connection for the next borrower (closed if enough are idle or it is in a
        transaction, which would hold an old snapshot)."""
        with self._idle_lock:
            if not conn.in_transaction and len(self._idle_readers) < _IDLE_READERS:
                self._idle_readers.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._idle_lock:
            idle, self._idle_readers = self._idle_readers, []
        for conn in idle:
            conn.close()
        with self._write_lock:
            self._writer.close()


def quick_check(conn: sqlite3.Connection) -> list[str]:
    """Run ``PRAGMA quick_check``; an empty list means the file is sound."""
    rows = [row[0] for row in conn.execute("PRAGMA quick_check")]
    return [] if rows == ["ok"] else rows
