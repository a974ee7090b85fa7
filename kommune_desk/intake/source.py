"""Uniform, bounded read access to the top-level files of a submission folder or ZIP.

Nothing here extracts to disk or follows a link: a file is only ever read as a stream of
chunks whose length is checked against the size declared up front, so a lying ZIP header or
a file growing while it is read cannot defeat the limits.
"""

from __future__ import annotations

import lzma
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Protocol

from kommune_desk.intake.errors import SubmissionRejected
from kommune_desk.intake.limits import IntakeLimits, format_size

CHUNK_SIZE = 1024 * 1024

_UNREADABLE = "Die Einreichung konnte nicht gelesen werden (Dateisystemfehler)."
_ZIP_BROKEN = "Die ZIP-Datei ist beschädigt oder keine gültige ZIP-Datei."
_ZIP_ENTRY_BROKEN = "Die ZIP-Datei ist beschädigt: ein Eintrag lässt sich nicht fehlerfrei entpacken."
# What zipfile and the decompressors raise on hostile bytes; none of it is a bug of ours.
_ZIP_ERRORS = (
    zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError,
    NotImplementedError, RuntimeError, OverflowError, IndexError, KeyError,
)  # fmt: skip
_SUPPORTED_COMPRESSION = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
# A generous central-directory size per entry (46 bytes of header, the name, extra fields):
# bounding it keeps a crafted ZIP from making zipfile build millions of ZipInfo objects.
_CENTRAL_DIRECTORY_BYTES_PER_ENTRY = 4096
_MAC_RESOURCE_FORKS = "__MACOSX"


class SubmissionSource(Protocol):
    """The top-level files of a submission, by exact name."""

    def size(self, name: str, label: str) -> int | None:
        """Declared size of the file ``name``, None if there is none; rejects links."""
        ...

    def chunks(self, name: str) -> Iterator[bytes]:
        """The content in chunks of at most CHUNK_SIZE; never more than ``size()`` bytes."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> SubmissionSource: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None: ...


def open_source(path: Path, limits: IntakeLimits) -> SubmissionSource:
    """A folder or a ZIP file (by its content, not its suffix) as a ``SubmissionSource``."""
    try:
        info = path.lstat()
    except OSError:
        raise SubmissionRejected("Die Einreichung ist nicht (mehr) vorhanden.") from None
    if stat.S_ISLNK(info.st_mode):
        raise SubmissionRejected(
            "Die Einreichung ist eine Verknüpfung (Symlink); Verknüpfungen werden nicht verfolgt."
        )
    if stat.S_ISDIR(info.st_mode):
        return FolderSource(path)
    if stat.S_ISREG(info.st_mode):
        return ZipSource(path, limits)
    raise SubmissionRejected("Die Einreichung ist weder ein Ordner noch eine ZIP-Datei.")


def _open_regular(path: Path) -> BinaryIO:
    """Open for reading without following a link and without blocking on a FIFO."""
    flags = (
        os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    )
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SubmissionRejected("Die Einreichung enthält eine Datei, die keine gewöhnliche Datei ist.")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _bounded(stream: BinaryIO, declared: int, overrun: str) -> Iterator[bytes]:
    seen = 0
    while chunk := stream.read(min(CHUNK_SIZE, declared - seen + 1)):
        seen += len(chunk)
        if seen > declared:
            raise SubmissionRejected(overrun)
        yield chunk
    if seen != declared:
        raise SubmissionRejected(overrun)


class FolderSource:
    """A submission folder. Only regular files directly inside it count; it is never written."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._files: dict[str, os.DirEntry[str]] = {}
        self._links: set[str] = set()
        try:
            with os.scandir(root) as entries:
                for entry in entries:
                    if entry.is_symlink():
                        self._links.add(entry.name)
                    elif entry.is_file(follow_symlinks=False):
                        self._files[entry.name] = entry
        except OSError:
            raise SubmissionRejected(_UNREADABLE) from None
        self._sizes: dict[str, int] = {}

    def size(self, name: str, label: str) -> int | None:
        if name in self._links:
            raise SubmissionRejected(f"{label} ist eine Verknüpfung (Symlink); das ist nicht erlaubt.")
        entry = self._files.get(name)
        if entry is None:
            return None
        try:
            self._sizes[name] = entry.stat(follow_symlinks=False).st_size
        except OSError:
            raise SubmissionRejected(_UNREADABLE) from None
        return self._sizes[name]

    def chunks(self, name: str) -> Iterator[bytes]:
        changed = "Eine Datei der Einreichung hat sich während des Lesens verändert."
        declared = self._sizes[name] if name in self._sizes else self.size(name, name)
        try:
            with _open_regular(self._root / name) as stream:
                yield from _bounded(stream, declared or 0, changed)
        except OSError:
            raise SubmissionRejected(_UNREADABLE) from None

    def close(self) -> None:
        pass

    def __enter__(self) -> FolderSource:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class ZipSource:
    """A submission ZIP, flat or with all entries inside one folder (as portals export it).

    Every entry is checked from the central directory before a byte is decompressed.
    """

    def __init__(self, path: Path, limits: IntakeLimits) -> None:
        try:
            self._handle = _open_regular(path)
        except OSError:
            raise SubmissionRejected(_UNREADABLE) from None
        try:
            _check_central_directory_size(self._handle, limits)
            self._zip = zipfile.ZipFile(self._handle)
            self._files = _checked_entries(self._zip.infolist(), limits)
        except SubmissionRejected:
            self._handle.close()
            raise
        except _ZIP_ERRORS:
            self._handle.close()
            raise SubmissionRejected(_ZIP_BROKEN) from None

    def size(self, name: str, label: str) -> int | None:
        info = self._files.get(name)
        return None if info is None else info.file_size

    def chunks(self, name: str) -> Iterator[bytes]:
        info = self._files[name]
        try:
            with self._zip.open(info) as stream:
                yield from _bounded(stream, info.file_size, _ZIP_ENTRY_BROKEN)  # type: ignore[arg-type]
        except _ZIP_ERRORS:
            raise SubmissionRejected(_ZIP_ENTRY_BROKEN) from None

    def close(self) -> None:
        self._zip.close()
        self._handle.close()

    def __enter__(self) -> ZipSource:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _check_central_directory_size(handle: BinaryIO, limits: IntakeLimits) -> None:
    """Find the central directory's size exactly the way zipfile will (``_EndRecData``) and
    bound it, before zipfile reads the directory and builds an object for every entry."""
    end = handle.seek(0, os.SEEK_END)
    record = -1
    if end >= 22:
        handle.seek(end - 22)
        last = handle.read(22)
        if last[:4] == b"PK\x05\x06" and last[-2:] == b"\0\0":  # no archive comment
            record = end - 22
    if record < 0:  # an archive comment follows the end record; zipfile takes the last one
        window = max(0, end - (1 << 16) - 22)
        handle.seek(window)
        found = handle.read().rfind(b"PK\x05\x06")
        record = window + found if found >= 0 else -1
    if record < 0:
        return  # zipfile will refuse it
    handle.seek(record)
    end_record = handle.read(22)
    if len(end_record) < 22:
        return
    directory_size = int.from_bytes(end_record[12:16], "little")
    # ZIP64: a locator right before the end record, the ZIP64 end record right before that.
    if record >= 20 + 56:
        handle.seek(record - 20 - 56)
        zip64 = handle.read(56 + 20)
        if zip64[56:60] == b"PK\x06\x07" and zip64[:4] == b"PK\x06\x06":
            directory_size = int.from_bytes(zip64[40:48], "little")
    if directory_size > limits.max_zip_entries * _CENTRAL_DIRECTORY_BYTES_PER_ENTRY:
        raise SubmissionRejected(_too_many_entries(limits))


def _too_many_entries(limits: IntakeLimits) -> str:
    return f"Die ZIP-Datei enthält zu viele Einträge (höchstens {limits.max_zip_entries})."


_DRIVE = re.compile(r"[A-Za-z]:")


def _checked_entries(infos: list[zipfile.ZipInfo], limits: IntakeLimits) -> dict[str, zipfile.ZipInfo]:
    """Check every entry and return the submission's top-level files by name."""
    if len(infos) > limits.max_zip_entries:
        raise SubmissionRejected(_too_many_entries(limits))
    largest_file = max(limits.max_attachment_bytes, limits.max_data_bytes, limits.max_metadata_bytes)
    total = 0
    files: dict[str, zipfile.ZipInfo] = {}
    directories: set[str] = set()
    for info in infos:
        parts = _entry_parts(info.filename)
        if info.flag_bits & 0x1:
            raise SubmissionRejected(
                "Die ZIP-Datei ist verschlüsselt; erwartet wird eine entschlüsselte Einreichung."
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise SubmissionRejected(
                "Die ZIP-Datei enthält eine Verknüpfung (Symlink); das ist nicht erlaubt."
            )
        if info.compress_type not in _SUPPORTED_COMPRESSION:
            raise SubmissionRejected("Die ZIP-Datei verwendet ein nicht unterstütztes Kompressionsverfahren.")
        total += info.file_size
        if total > limits.max_submission_bytes:
            limit = format_size(limits.max_submission_bytes)
            raise SubmissionRejected(f"Die ZIP-Datei ist größer als erlaubt ({limit} je Einreichung).")
        if info.file_size > largest_file:
            raise SubmissionRejected(
                f"Eine Datei in der ZIP-Datei ist größer als erlaubt ({format_size(largest_file)})."
            )
        if not parts:
            continue
        name = "/".join(parts)
        if info.is_dir() or info.filename.endswith("\\"):
            directories.add(name)
        elif name in files:
            raise SubmissionRejected("Die ZIP-Datei enthält einen Dateinamen doppelt.")
        else:
            files[name] = info
    root = _common_root(files, directories)
    prefix = f"{root}/" if root else ""
    return {
        name[len(prefix) :]: info
        for name, info in files.items()
        if name.startswith(prefix) and "/" not in name[len(prefix) :]
    }


def _entry_parts(raw: str) -> list[str]:
    """The entry's path components; rejects anything that could leave the folder."""
    if raw.startswith(("/", "\\")) or _DRIVE.match(raw):
        raise SubmissionRejected("Die ZIP-Datei enthält einen absoluten Pfad; das ist nicht erlaubt.")
    parts = [part for part in re.split(r"[/\\]", raw) if part not in ("", ".")]
    # "..", and "... " which Windows would shorten to "..", both climb out.
    if any(part.rstrip(". ") == "" for part in parts):
        raise SubmissionRejected("Die ZIP-Datei enthält einen Pfad, der aus dem Ordner hinausführt.")
    return parts


def _common_root(files: dict[str, zipfile.ZipInfo], directories: set[str]) -> str:
    """ "" for a flat ZIP, the folder's name if everything is inside one folder, else rejected.

    macOS adds a ``__MACOSX`` folder to every ZIP it makes; it is ignored here.
    """
    names = [name for name in (*files, *directories) if name.split("/", 1)[0] != _MAC_RESOURCE_FORKS]
    if any("/" not in name and name not in directories for name in names):
        if all("/" not in name and name not in directories for name in names):
            return ""
        raise SubmissionRejected(_LAYOUT)
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) > 1:
        raise SubmissionRejected(_LAYOUT)
    return next(iter(tops), "")


_LAYOUT = (
    "Die ZIP-Datei enthält Unterordner; erwartet wird die Einreichung direkt in der ZIP-Datei "
    "oder in genau einem Ordner."
)
