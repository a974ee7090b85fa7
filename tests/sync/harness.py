"""A real sync server on loopback (in a thread) and enrolled workstations, for the sync tests."""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from kommune_desk.server import admin
from kommune_desk.server.app import create_app
from kommune_desk.server.db import ServerDatabase, SqliteServerDatabase
from kommune_desk.services.sync import enrol
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.storage.database import Database


class ServerThread:
    """uvicorn serving ``create_app(db)`` on 127.0.0.1 at a free port, stoppable."""

    def __init__(self, db: ServerDatabase, port: int = 0, app: object | None = None) -> None:
        self.db = db
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        self.port = sock.getsockname()[1]
        self._sock = sock
        self.blob_dir = blob_dir_for(db)  # where the app made here keeps uploaded files
        app = app or create_app(db, blob_dir=self.blob_dir)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()


def blob_dir_for(db: ServerDatabase) -> Path:
    """A blob folder for a test server: beside the SQLite file, or a fresh temp folder."""
    if isinstance(db, SqliteServerDatabase):
        return db.path.parent / "blobs"
    return Path(tempfile.mkdtemp(prefix="kd-blobs-"))


@contextmanager
def running_server(db: ServerDatabase) -> Iterator[ServerThread]:
    admin.prepare(db)
    server = ServerThread(db).start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Town:
    municipality_id: str
    office_id: str
    ags: str
    name: str


def add_town(db: ServerDatabase, ags: str, name: str, code: str, kind: str = "gemeinde") -> Town:
    municipality_id = admin.add_municipality(db, ags, name, kind)
    office_id = admin.add_office(db, ags, f"Rathaus {name}", code)
    return Town(municipality_id, office_id, ags, name)


def enrolled_workstation(
    server: ServerThread, town: Town, folder: Path, login: str, clerk_name: str = ""
) -> Workspace:
    """A fresh data folder enrolled for ``town``'s office, opened as ``login``."""
    db = Database.open(folder)
    code = admin.enrolment_code(server.db, town.office_id)
    enrol(db, server.url, code, clerk_name=clerk_name or f"Erste Person {town.name}", os_login=login)
    ws = load_workspace(db, login)
    assert ws is not None
    return ws
