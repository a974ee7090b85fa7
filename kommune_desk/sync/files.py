"""Files beside the rows: attachments, notice PDFs and portal submissions travel by SHA-256.

Before a mutation that inserts such a row is pushed, its file goes up (once). After a pull, files
the office lacks are fetched and verified against their hash; one that cannot be fetched now
stays on the list for the next round, so a dropped connection loses nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from kommune_desk.storage import replica
from kommune_desk.storage.database import Database
from kommune_desk.storage.files import blob_path, store_bytes

from .errors import SyncError

UPLOADED = "hochgeladen"
MISSING = "fehlt"
# Only the office's own files go up; portal submissions come from the server.
_UPLOADED_KINDS = ("attachments", "notices")

Call = Callable[..., Any]


def _shas(effects_or_changes: Iterable[dict[str, Any]], kinds: tuple[str, ...], key: str) -> set[str]:
    found = set()
    for item in effects_or_changes:
        values = item.get(key)
        if item.get("kind") in kinds and isinstance(values, dict):
            sha = values.get("sha256")
            if isinstance(sha, str) and len(sha) == 64:
                found.add(sha)
    return found


def upload_for(db: Database, batch: list[dict[str, Any]], call: Call) -> int:
    """Upload the files new rows in ``batch`` name and the server does not have yet."""
    effects = [e for row in batch for e in row["effects"] if e.get("op") == "insert"]
    wanted = sorted(_shas(effects, _UPLOADED_KINDS, "set"))
    if not wanted:
        return 0
    conn = db.reader()
    try:
        todo = [sha for sha in wanted if replica.file_state(conn, sha) != UPLOADED]
    finally:
        conn.close()
    uploaded = 0
    for sha in todo:
        path = blob_path(db.attachments_dir, sha)
        if not path.exists():
            continue
        call("PUT", f"/v1/blobs/{sha}", content=path.read_bytes())
        with db.write() as conn:
            replica.set_file_state(conn, sha, UPLOADED)
        uploaded += 1
    return uploaded


def missing_files(db: Database, changes: list[dict[str, Any]]) -> list[str]:
    """Files named by pulled rows that are not in the local store (to note with the page)."""
    return [
        sha
        for sha in _shas(changes, replica.FILE_KINDS, "data")
        if not blob_path(db.attachments_dir, sha).exists()
    ]


def note_missing(conn: Any, missing: list[str]) -> None:
    """In the page's transaction: so a crash never forgets a file still to fetch."""
    for sha in missing:
        replica.set_file_state(conn, sha, MISSING)


def fetch_missing(db: Database, call: Call) -> int:
    """Download and verify every file still missing; return how many arrived."""
    conn = db.reader()
    try:
        wanted = replica.wanted_files(conn)
    finally:
        conn.close()
    fetched = 0
    for sha in wanted:
        data = call("GET", f"/v1/blobs/{sha}")
        if not isinstance(data, bytes) or hashlib.sha256(data).hexdigest() != sha:
            raise SyncError(
                "Eine Datei kam beschädigt vom Server an; sie wird beim nächsten Abgleich erneut geladen."
            )
        store_bytes(db.attachments_dir, data)
        with db.write() as conn:
            replica.set_file_state(conn, sha, None)
        fetched += 1
    return fetched
