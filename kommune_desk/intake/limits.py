"""Size and count limits for one submission, checked before anything is read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IntakeLimits:
    """Upper bounds for one submission. The defaults are FIT-Connect's own limits where it has
    them (500 MB per attachment, 2 GB per submission) and ours elsewhere."""

    max_attachment_bytes: int = 500 * 1024**2
    max_submission_bytes: int = 2 * 1024**3
    max_metadata_bytes: int = 1 * 1024**2
    max_data_bytes: int = 50 * 1024**2
    max_attachments: int = 200
    max_form_fields: int = 2000
    max_depth: int = 32  # nesting allowed in the Fachdaten (and in metadata.json)

    @property
    def max_zip_entries(self) -> int:
        # metadata.json, the Fachdaten, the attachments, folder entries and a few extras
        # (e.g. a signature or a README from the portal).
        return self.max_attachments + 64


FIT_CONNECT_LIMITS = IntakeLimits()


def format_size(size: int) -> str:
    """``2147483648`` → ``"2 GB"``; sizes that are no whole unit stay in bytes."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} Byte"
