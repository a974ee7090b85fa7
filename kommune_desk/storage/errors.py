"""Storage failures a clerk may see, each with a German explanation."""

from __future__ import annotations


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
