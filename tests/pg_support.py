"""PostgreSQL for the sync server tests: the admin URL and a fresh, empty database per test.

The server comes from KOMMUNE_DESK_TEST_PG_URL (scripts/test.sh starts a throw-away cluster with
scripts/pg-test-cluster.sh and sets it). Without a reachable server the tests are skipped, unless
KOMMUNE_DESK_REQUIRE_PG=1 (as in CI) turns that into a failure. A test package uses the fixtures
through its conftest:

    from tests.pg_support import pg_admin_url, pg_url  # noqa: F401
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

import pytest

URL_VARIABLE = "KOMMUNE_DESK_TEST_PG_URL"
REQUIRE_VARIABLE = "KOMMUNE_DESK_REQUIRE_PG"
CONNECT_TIMEOUT = 3  # seconds
DATABASE_PREFIX = "kd_test_"


def unavailable(reason: str) -> NoReturn:
    """Skip the test, or fail it when KOMMUNE_DESK_REQUIRE_PG=1."""
    message = f"PostgreSQL nicht verfügbar – {reason}"
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{message} ({REQUIRE_VARIABLE}=1)", pytrace=False)
    pytest.skip(message)


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def admin_url_from_environment() -> str:
    """KOMMUNE_DESK_TEST_PG_URL if it is set and the server answers; skips (or fails) otherwise."""
    url = os.environ.get(URL_VARIABLE, "").strip()
    if not url:
        unavailable(f"{URL_VARIABLE} ist nicht gesetzt (bash scripts/pg-test-cluster.sh start)")
    try:
        import psycopg
    except ImportError:
        psycopg = None
    if psycopg is None:  # reported outside the except block: no chained traceback
        unavailable("psycopg fehlt (pip install -e '.[test,server]')")
    problem = None
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT, autocommit=True) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        problem = str(error).strip()
    if problem is not None:
        unavailable(f"{redacted(url)} ist nicht erreichbar: {problem}")
    return url


def database_url(admin_url: str, name: str) -> str:
    """The admin URL (or key=value conninfo) pointed at the database `name`."""
    if "://" not in admin_url:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(admin_url, dbname=name)
    return urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """Create an empty database with a unique name, yield its URL, drop it afterwards."""
    import psycopg
    from psycopg import sql

    name = f"{DATABASE_PREFIX}{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, connect_timeout=CONNECT_TIMEOUT, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url(admin_url, name)
    finally:
        # FORCE ends connections the code under test left open (PostgreSQL 13+).
        with psycopg.connect(admin_url, connect_timeout=CONNECT_TIMEOUT, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """URL of the test server's admin database (checked once per session)."""
    return admin_url_from_environment()


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """URL of a new, empty database for this test alone; dropped afterwards."""
    with fresh_database(pg_admin_url) as url:
        yield url
