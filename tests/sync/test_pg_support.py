"""The PostgreSQL test fixtures give each test a fresh, empty, usable PostgreSQL 15 database."""

from __future__ import annotations

from tests.pg_support import DATABASE_PREFIX


def test_fresh_database_is_empty_and_usable(pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url) as connection:
        assert connection.info.dbname.startswith(DATABASE_PREFIX)
        version = connection.execute("SHOW server_version").fetchone()[0]
        assert version.startswith("15"), version
        user_tables = connection.execute(
            "SELECT count(*) FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()[0]
        assert user_tables == 0

        connection.execute("CREATE TABLE antraege (id serial PRIMARY KEY, titel text NOT NULL)")
        connection.execute(
            "INSERT INTO antraege (titel) VALUES (%s), (%s)", ("Hundesteuer", "Sperrmüll für Straße")
        )
        connection.commit()

    with psycopg.connect(pg_url) as connection:
        rows = connection.execute("SELECT id, titel FROM antraege ORDER BY id").fetchall()
    assert rows == [(1, "Hundesteuer"), (2, "Sperrmüll für Straße")]
