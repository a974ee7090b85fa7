"""Open the local data and find out who is working where."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path

from kommune_desk.domain.records import Clerk, Municipality, Office
from kommune_desk.storage import reference
from kommune_desk.storage.database import Database

LOCAL_OFFICE_KEY = "local_office_id"
WORKSTATION_KEY = "sync.workstation"


@dataclass(frozen=True)
class Workspace:
    """An opened database set up for one office; ``clerk`` is None for an unmapped login."""

    db: Database
    municipality: Municipality
    office: Office
    clerk: Clerk | None
    os_login: str
    workstation: int = 1  # this office's n-th synced workstation (Aktenzeichen prefix)


def current_os_login() -> str:
    """The Windows (or Unix) login name of the person at the keyboard."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name available in some service contexts
        return ""


def open_database(data_dir: Path) -> Database:
    """Open or create the database; raises a German StorageError on any problem."""
    return Database.open(data_dir)


def load_workspace(db: Database, os_login: str | None = None) -> Workspace | None:
    """The workspace of the office this database was set up for, or None if not set up."""
    login = current_os_login() if os_login is None else os_login
    conn = db.reader()
    try:
        office_id = reference.get_setting(conn, LOCAL_OFFICE_KEY)
        if office_id is None:
            return None
        office = reference.get_office(conn, office_id)
        if office is None:
            return None
        municipality = reference.get_municipality(conn, office.municipality_id)
        if municipality is None:
            return None
        clerk = reference.find_clerk_by_login(conn, municipality.id, login) if login else None
        workstation = int(reference.get_setting(conn, WORKSTATION_KEY) or 1)
    finally:
        conn.close()
    return Workspace(db, municipality, office, clerk, login, workstation)
