"""Row counts per table, for admins' overviews (``kommune-desk-cli info``)."""

from __future__ import annotations

import sqlite3


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows in every table of the database, by table name."""
    import sqlite_utils  # deferred: it pulls in numpy, which the window must not wait for

    tables = sqlite_utils.Database(conn)
    return {name: tables[name].count for name in sorted(tables.table_names())}
