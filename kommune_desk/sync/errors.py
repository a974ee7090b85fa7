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


class NotAuthorisedError(SyncError):
    """The workstation's enrolment is invalid or revoked: an admin must enrol it again."""


class UpdateRequiredError(SyncError):
    """The server needs a newer KommuneDesk; the outbox is kept until then."""
