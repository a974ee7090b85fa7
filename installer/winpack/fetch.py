"""Downloads into the build cache, checked against their pinned SHA-256 before anything uses them."""

from __future__ import annotations

import hashlib
import shutil
import urllib.request
from pathlib import Path

from .pins import Download


class BuildError(RuntimeError):
    """A build step failed; the message says which and why."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(download: Download, cache: Path) -> Path:
    """The pinned file from the cache, downloaded first if missing; refused if its hash differs."""
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / download.filename
    if not target.exists():
        partial = target.with_suffix(target.suffix + ".part")
        with urllib.request.urlopen(download.url, timeout=120) as response, partial.open("wb") as out:
            shutil.copyfileobj(response, out)
        partial.replace(target)
    actual = sha256_of(target)
    if actual != download.sha256:
        target.unlink()
        raise BuildError(f"{download.filename}: SHA-256 {actual} is not the pinned {download.sha256}")
    return target
