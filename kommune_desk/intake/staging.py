"""Copies verified content into the staging directory, named by SHA-256, and takes it all
back if the submission is rejected."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StagedCopy:
    """A copy under a temporary name, not yet verified."""

    path: Path
    sha256: str
    sha512: str
    size: int


class Staging:
    """Everything the intake writes goes through here, so it can never write elsewhere and
    a rejection removes exactly what this read created."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._directory = directory
        self._created: set[Path] = set()

    def copy(self, chunks: Iterable[bytes]) -> StagedCopy:
        """Write the chunks to a temporary file while computing SHA-256 and SHA-512 in one
        pass, so a 500 MB attachment is read once and never held in memory."""
        fd, name = tempfile.mkstemp(dir=self._directory, prefix=".eingang-")
        path = Path(name)
        self._created.add(path)
        sha256, sha512, size = hashlib.sha256(), hashlib.sha512(), 0
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                sha256.update(chunk)
                sha512.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            # The caller moves staged files into the store and then commits; the content must
            # be on disk before that commit can claim it is.
            os.fsync(out.fileno())
        return StagedCopy(path, sha256.hexdigest(), sha512.hexdigest(), size)

    def keep(self, copy: StagedCopy) -> Path:
        """Rename a verified copy to its SHA-256 (identical content shares one file)."""
        target = self._directory / copy.sha256
        existed = target.exists() or target.is_symlink()
        os.replace(copy.path, target)
        self._created.discard(copy.path)
        if not existed:
            self._created.add(target)
        return target

    def discard(self) -> None:
        """Remove every file this staging created (on rejection)."""
        for path in self._created:
            path.unlink(missing_ok=True)
        self._created.clear()
