"""Copies of citizens' files opened for viewing: where they live, and clearing them away.

Kept apart from ``services.cases`` so the window can clear them at close without loading the
case services.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from .workspace import Workspace

OPENED_DIR = "geoeffnete-anlagen"  # beside the database: never the shared system temp folder


def opened_copies_dir(ws: Workspace) -> Path:
    """Where copies opened for viewing live until the app closes (in the local data folder)."""
    return ws.db.data_dir / OPENED_DIR


def clear_opened_copies(ws: Workspace) -> int:
    """Delete the copies opened for viewing (at close, and those a crash left at the next start);
    returns how many could not be deleted now (a viewer still holds them: next time)."""
    folder = opened_copies_dir(ws)
    if not folder.exists():
        return 0
    kept = 0
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        try:
            path.rmdir() if path.is_dir() else path.unlink()
        except OSError:
            kept += 1
    with contextlib.suppress(OSError):
        folder.rmdir()
    return kept
