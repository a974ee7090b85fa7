"""Sync server tests: PostgreSQL fixtures (see tests/pg_support.py)."""

from tests.pg_support import pg_admin_url, pg_url  # noqa: F401
