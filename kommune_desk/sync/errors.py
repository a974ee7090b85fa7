"""What can go wrong in a sync, each with a German message for the status bar and the CLI."""

from __future__ import annotations


class SyncError(Exception):
    """A sync problem a clerk can read; local data is always kept."""

    retry_after: float | None = None


class OfflineError(SyncError):
    """The server cannot be reached (no network, server down): try again later."""


class ServerBusyError(SyncError):
    """The server answered 5xx or 429: back off (``retry_after`` seconds if it said so)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


NEEDS_NEW_CODE = (
    "Ihre Änderungen bleiben gespeichert und werden nach der neuen Einrichtung übertragen. Bitte "
    "fragen Sie die Kreis-IT nach einem neuen Einrichtungscode und richten Sie den Abgleich damit "
    "erneut ein (Datei → Abgleich einrichten …)."
)
REVOKED = "Dieser Arbeitsplatz ist für den Abgleich gesperrt. " + NEEDS_NEW_CODE
SIGN_IN_INVALID = (
    "Die Anmeldung dieses Arbeitsplatzes beim Abgleichsserver ist ungültig oder abgelaufen. " + NEEDS_NEW_CODE
)
TOKENS_MISSING = (
    "Die Anmeldedaten dieses Arbeitsplatzes fehlen im Schlüsselspeicher des Rechners (z. B. nach einem "
    "neuen Benutzerprofil). " + NEEDS_NEW_CODE
)


class NotAuthorisedError(SyncError):
    """The server refused the workstation's tokens (or they are gone): it needs a new code."""

    locked_out = "ungueltig"  # how the status bar names it (see sync.status)


class WorkstationRevokedError(NotAuthorisedError):
    """The workstation is locked out (by the Kreis IT, or because its refresh token was copied)."""

    locked_out = "gesperrt"


class UpdateRequiredError(SyncError):
    """The server needs a newer KommuneDesk; the outbox is kept until then."""


class ProtocolMismatchError(SyncError):
    """The server speaks another version of the sync protocol: nothing is exchanged."""
