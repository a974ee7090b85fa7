"""``admin demo``: the Kreis Groß-Gerau of the desktop demo on the server, to try the sync.

The 13 towns and the Kreis, each with one office under the demo's code (NAU, MW, KGG, …), as
the desktop demo names them. Safe to run again: what is there already stays as it is. The
names come from ``kommune_desk.demo.content``, which is plain data (no Qt, no sqlite-utils),
so a server installed without the desktop stack can import it.
"""

from __future__ import annotations

from dataclasses import dataclass

from kommune_desk.demo import content

from . import admin
from .db import ServerDatabase


@dataclass(frozen=True)
class SeedResult:
    municipalities_added: int
    offices_added: int
    offices: list[tuple[str, str]]  # (code, municipality name) of every demo office


def office_name(kind: str) -> str:
    """The office's name as in the desktop demo."""
    return "Kreisverwaltung" if kind == "kreis" else "Bürgerbüro"


def seed_demo_kreis(db: ServerDatabase) -> SeedResult:
    """Add what is missing of the demo's municipalities and offices."""
    municipalities_added = offices_added = 0
    offices = []
    for ags, name, kind, code, _street, _postal_code in (*content.TOWNS, content.KREIS):
        with db.transaction() as tx:
            known = tx.one("SELECT id FROM municipalities WHERE ags = ?", (ags,))
            has_office = known is not None and tx.one(
                "SELECT 1 FROM offices WHERE municipality_id = ? AND code = ?", (known[0], code)
            )
        if known is None:
            admin.add_municipality(db, ags, name, kind)
            municipalities_added += 1
        if not has_office:
            admin.add_office(db, ags, office_name(kind), code)
            offices_added += 1
        offices.append((code, name))
    return SeedResult(municipalities_added, offices_added, offices)
