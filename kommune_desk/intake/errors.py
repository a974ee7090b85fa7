"""The one exception the intake raises for input it will not import."""

from __future__ import annotations


class SubmissionRejected(Exception):  # noqa: N818 - the name is the agreed API
    """A submission that cannot be imported.

    ``reason`` is one German sentence for a clerk. It never contains citizen data because it
    is logged and shown in the Posteingang's error list.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
