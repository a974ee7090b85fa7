"""Submissions the online portal delivered to the server become applications at the office.

The sync brings a ``portal_submissions`` row and its ZIP (by SHA-256); here the office imports it
exactly like a file from the drop folder, then marks the row as taken over (a mutation, so the
other offices of the town skip it). If two offices take the same one over at once, the server
keeps the first application and files the second as an already settled conflict.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.storage import portal_submissions as repo
from kommune_desk.storage.files import blob_path
from kommune_desk.storage.outbox import municipality_scope

from .changes import Actor, record_change
from .intake import ImportResult, Outcome, import_submission
from .workspace import Workspace


def import_portal_submissions(ws: Workspace) -> list[ImportResult]:
    """Import every delivered, not yet taken over submission whose file is here."""
    conn = ws.db.reader()
    try:
        waiting = repo.waiting(conn, ws.municipality.id)
    finally:
        conn.close()
    results = []
    for submission_id, sha256 in waiting:
        source = blob_path(ws.db.attachments_dir, sha256)
        if not source.exists():
            continue  # not fetched yet: the next round brings it
        with tempfile.TemporaryDirectory(prefix="kd-portal-") as folder:
            path = Path(folder) / f"portal-{submission_id}.zip"
            shutil.copyfile(source, path)
            result = import_submission(ws, path)
        if result.outcome is Outcome.FAILED:
            results.append(result)
            continue  # a local problem (disk, lock): try again next round
        _mark_taken_over(ws, submission_id, result)
        results.append(result)
    return results


def _mark_taken_over(ws: Workspace, submission_id: str, result: ImportResult) -> None:
    at = utc_now_iso()
    with ws.db.write() as conn:
        repo.mark_imported(conn, submission_id, at, ws.clerk.id if ws.clerk else None, result.outcome.value)
        record_change(
            conn, Actor(ws.clerk.id if ws.clerk else None, ws.municipality.id), at=at,
            mutation="take_over_portal_submission", scope=municipality_scope(ws.municipality.id),
            args={"submission_id": submission_id, "application_id": result.application_id},
            entity="portal_submission", entity_id=submission_id, action="uebernommen",
        )  # fmt: skip
