"""Content-addressed file store: attachments and issued PDFs, named by SHA-256.

A citizen's chosen file name is never used on disk; it is display text only.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


class BlobMismatchError(Exception):
    """A stored file no longer matches the SHA-256 it is named by."""


def read_verified(root: Path, sha256: str) -> bytes:
    """The stored file's bytes, checked against their hash (OSError if missing, else
    BlobMismatchError if changed): nothing damaged is ever shown, printed or exported."""
    data = blob_path(root, sha256).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise BlobMismatchError(sha256)
    return data


def write_durably(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file beside it (fsync, atomic rename):
    the file is there whole or not at all, also after a power cut."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store_bytes(root: Path, data: bytes) -> str:
    """Write ``data`` durably into the store; return its SHA-256."""
    digest = hashlib.sha256(data).hexdigest()
    target = blob_path(root, digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    write_durably(target, data)
    return digest


def store_file(root: Path, source: Path, chunk_size: int = 1024 * 1024) -> tuple[str, int]:
    """Copy a file durably into the store while hashing it, so a large scan never sits in
    memory whole; return (SHA-256, size)."""
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as handle:
            while chunk := handle.read(chunk_size):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        target = blob_path(root, digest.hexdigest())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size
