"""Aktenzeichen: office code + year + running number, unique without a server."""

from __future__ import annotations


def numbering_code(office_code: str, workstation: int) -> str:
    """The code a workstation numbers with: the office's own for the first workstation, with the
    workstation's number appended for every further one (``NAU``, ``NAU2``, …), so two
    workstations of one office never issue the same Aktenzeichen while offline."""
    return office_code if workstation <= 1 else f"{office_code}{workstation}"


def format_aktenzeichen(office_code: str, year: int, number: int) -> str:
    """E.g. ``MW-2026-00042``. Office codes are unique in the network, so no two
    offices can issue the same number even while both are offline."""
    return f"{office_code}-{year}-{number:05d}"
