"""Errors the UI explains to a clerk (re-exported so ui/ never imports storage/)."""

from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage.errors import StorageError

__all__ = ["StorageError", "ValidationError"]
