"""Uploaded files (attachments, notice PDFs, portal submissions) as files in the blob folder.

A file is named by its scope and SHA-256 and never changes, so the folder is backed up by
copying it after the database dump, and several server processes may share it. An upload is
streamed into ``incoming/`` while its hash is computed, written in chunks off the event loop,
and moved into place only when the hash matches: a cut-off upload leaves no file behind. The
``blobs`` table keeps which scope holds which file (``in_file``); rows of servers from before
the folder keep their bytes in ``data``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from starlette.concurrency import run_in_threadpool

_WRITE_CHUNK = 1024 * 1024  # gather the request's small chunks: one thread hop per MiB


@dataclass
class Received:
    """An upload written to a temporary file in ``incoming/``, with its hash and size."""

    path: Path
    sha256: str
    size: int

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


class BlobStore:
    """Content-addressed files below ``folder``: ``<scope digest>/<sha[:2]>/<sha>``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.incoming = folder / "incoming"
        self.incoming.mkdir(parents=True, exist_ok=True)

    def path_for(self, scope: str, sha256: str) -> Path:
        # The scope's digest, not its name: scope names are ids with ':' (not a Windows file name).
        scope_part = hashlib.sha256(scope.encode("utf-8")).hexdigest()[:24]
        return self.folder / scope_part / sha256[:2] / sha256

    async def receive(self, chunks: AsyncIterator[bytes]) -> Received:
        """Stream ``chunks`` to a new file in ``incoming/``; the file is gone if this fails."""
        handle, name = await run_in_threadpool(tempfile.mkstemp, dir=self.incoming, prefix="upload-")
        path = Path(name)
        digest, size, pending = hashlib.sha256(), 0, bytearray()
        try:
            with os.fdopen(handle, "wb") as file:
                async for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    pending += chunk
                    if len(pending) >= _WRITE_CHUNK:
                        await run_in_threadpool(file.write, bytes(pending))
                        pending.clear()
                await run_in_threadpool(_finish, file, bytes(pending))
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Received(path, digest.hexdigest(), size)

    def keep(self, received: Received, scope: str) -> None:
        """Move a received file into place (blocking; call it off the event loop)."""
        target = self.path_for(scope, received.sha256)
        if target.exists():
            received.discard()  # the same bytes are there already
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(received.path, target)
        _sync_folder(target.parent)

    def find(self, scope: str, sha256: str) -> Path | None:
        path = self.path_for(scope, sha256)
        return path if path.is_file() else None


def _finish(file: object, rest: bytes) -> None:
    file.write(rest)  # type: ignore[attr-defined]
    file.flush()  # type: ignore[attr-defined]
    os.fsync(file.fileno())  # type: ignore[attr-defined]


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); Windows has no directory handles for this."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
