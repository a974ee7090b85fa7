"""Storage failures a clerk may see, each with a German explanation."""

from __future__ import annotations

import errno


class StorageError(Exception):
    """A problem with the local database; ``title`` and ``message`` are German."""

    title = "Datenbankfehler"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsafeLocationError(StorageError):
    title = "Ungeeigneter Speicherort"


class DatabaseCorruptError(StorageError):
    title = "Datenbank beschädigt"


class DatabaseLockedError(StorageError):
    title = "Datenbank wird verwendet"


class DatabaseTooNewError(StorageError):
    title = "Neuere Datenbankversion"


_OS_ERRORS = {
    errno.EACCES: "keine Berechtigung",
    errno.EPERM: "keine Berechtigung",
    errno.ENOSPC: "das Laufwerk ist voll",
    errno.EROFS: "das Laufwerk ist schreibgeschützt",
    errno.ENOENT: "der Pfad existiert nicht",
    errno.EEXIST: "dort liegt eine Datei statt eines Ordners",
    errno.ENOTDIR: "ein Teil des Pfads ist eine Datei, kein Ordner",
    errno.EISDIR: "dort liegt ein Ordner statt einer Datei",
}


def describe_os_error(exc: OSError) -> str:
    """A short German reason for a file-system error (the OS's own text is often English)."""
    return _OS_ERRORS.get(exc.errno or 0, f"Systemfehler {exc.errno}" if exc.errno else "Systemfehler")
