"""Aktenzeichen: office code + year + running number, unique without a server."""

from __future__ import annotations


def format_aktenzeichen(office_code: str, year: int, number: int) -> str:
    """E.g. ``MW-2026-00042``. Office codes are unique in the network, so no two
    offices can issue the same number even while both are offline."""
    return f"{office_code}-{year}-{number:05d}"
