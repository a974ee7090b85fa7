"""Administration of the sync server: municipalities, offices, enrolment codes, clients, portal."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.replication import POOL_SCOPE, municipality_scope

from . import auth, entities
from .db import ServerDatabase, Tx
from .schema import create_schema

KINDS = ("gemeinde", "stadt", "kreis")


class AdminError(Exception):
    """A refused admin command; the message is German and says what to do."""


def prepare(db: ServerDatabase) -> str:
    """Create the schema if needed and make sure the store has an epoch; return the epoch."""
    with db.transaction() as tx:
        create_schema(tx)
        auth.ensure_token_key(tx)
        row = tx.one("SELECT value FROM meta WHERE key = 'epoch'")
        if row is not None:
            return row[0]
        epoch = secrets.token_hex(8)
        tx.execute("INSERT INTO meta (key, value) VALUES ('epoch', ?)", (epoch,))
        return epoch


def new_epoch(db: ServerDatabase) -> str:
    """After a restore: every client rebuilds from a snapshot and re-sends what the server lost."""
    epoch = secrets.token_hex(8)
    with db.transaction() as tx:
        tx.execute("UPDATE meta SET value = ? WHERE key = 'epoch'", (epoch,))
    return epoch


def _municipality(tx: Tx, ags_or_id: str) -> tuple[str, str, str]:
    row = tx.one("SELECT id, ags, name FROM municipalities WHERE ags = ? OR id = ?", (ags_or_id, ags_or_id))
    if row is None:
        raise AdminError(f"Es gibt keine Kommune mit dem Schlüssel {ags_or_id}.")
    return row[0], row[1], row[2]


def add_municipality(
    db: ServerDatabase, ags: str, name: str, kind: str, municipality_id: str | None = None
) -> str:
    """Register a municipality (its own scope) and make it a member of the equipment pool."""
    ags, name = ags.strip(), name.strip()
    if not (ags.isdigit() and len(ags) == 8):
        raise AdminError("Der Amtliche Gemeindeschlüssel hat 8 Ziffern, z. B. 06433009.")
    if not name or kind not in KINDS:
        raise AdminError(f"Bitte einen Namen und eine Art ({', '.join(KINDS)}) angeben.")
    new_id = municipality_id or uuid7()
    now = utc_now_iso()
    with db.transaction() as tx:
        if tx.one("SELECT 1 FROM municipalities WHERE ags = ? OR id = ?", (ags, new_id)):
            raise AdminError(f"Die Kommune mit dem Schlüssel {ags} ist schon angelegt.")
        tx.execute(
            "INSERT INTO municipalities (id, ags, name, kind, created_at) VALUES (?, ?, ?, ?, ?)",
            (new_id, ags, name, kind, now),
        )
        row = {"id": new_id, "ags": ags, "name": name, "kind": kind, "created_at": now, "updated_at": now}
        entities.store(tx, "municipalities", new_id, municipality_scope(new_id), row)
        entities.store(
            tx, "pool_members", new_id, POOL_SCOPE, {"id": new_id, "ags": ags, "name": name, "kind": kind}
        )
    return new_id


def add_office(
    db: ServerDatabase, municipality: str, name: str, code: str, office_id: str | None = None
) -> str:
    """Register an office (Rathaus, Außenstelle) of a municipality; ``office_id`` adopts the id of
    a workstation that was set up before the server existed."""
    name, code = name.strip(), code.strip().upper()
    if not name or not (code.isalnum() and 2 <= len(code) <= 6):
        raise AdminError("Bitte einen Namen und ein Kürzel aus 2 bis 6 Buchstaben oder Ziffern angeben.")
    office_id = office_id or uuid7()
    now = utc_now_iso()
    with db.transaction() as tx:
        municipality_id, _, _ = _municipality(tx, municipality)
        tx.execute(
            "INSERT INTO offices (id, municipality_id, name, code, created_at) VALUES (?, ?, ?, ?, ?)",
            (office_id, municipality_id, name, code, now),
        )
        row = {"id": office_id, "municipality_id": municipality_id, "name": name, "code": code,
               "created_at": now, "updated_at": now}  # fmt: skip
        entities.store(tx, "offices", office_id, municipality_scope(municipality_id), row)
    return office_id


def enrolment_code(db: ServerDatabase, office: str) -> str:
    """A one-time code for one office (its id, or its code such as NAU); shown once, only its
    hash is kept."""
    with db.transaction() as tx:
        return auth.new_enrolment_code(tx, _office_id(tx, office))


def _office_id(tx: Tx, id_or_code: str) -> str:
    """The office with this id, else the one office with this code (codes are per municipality,
    so two towns may share one: then the id is needed)."""
    if tx.one("SELECT 1 FROM offices WHERE id = ?", (id_or_code,)) is not None:
        return id_or_code
    code = id_or_code.strip().upper()
    found = tx.all(
        "SELECT o.id, m.name FROM offices o JOIN municipalities m ON m.id = o.municipality_id"
        " WHERE o.code = ? ORDER BY m.name",
        (code,),
    )
    if len(found) > 1:
        towns = ", ".join(row[1] for row in found)
        raise AdminError(
            f"Das Kürzel {code} haben mehrere Dienststellen ({towns}). Bitte die Kennung angeben "
            "(admin offices)."
        )
    if not found:
        raise AdminError(f"Es gibt keine Dienststelle mit der Kennung oder dem Kürzel {id_or_code}.")
    return found[0][0]


def portal_credential(db: ServerDatabase, municipality: str) -> str:
    """The online portal's intake secret for one municipality; shown once."""
    with db.transaction() as tx:
        municipality_id, _, _ = _municipality(tx, municipality)
        return auth.new_portal_credential(tx, municipality_id)


@dataclass(frozen=True)
class ClientInfo:
    id: str
    office: str
    municipality: str
    name: str
    created_at: str
    last_seen_at: str | None
    revoked_at: str | None
    last_seq: int
    replaced_by: str | None  # the client it was enrolled again as


def list_clients(db: ServerDatabase) -> list[ClientInfo]:
    with db.transaction() as tx:
        rows = tx.all(
            "SELECT c.id, o.name, m.name, c.name, c.created_at, c.last_seen_at, c.revoked_at, c.last_seq,"
            " c.replaced_by FROM clients c JOIN offices o ON o.id = c.office_id"
            " JOIN municipalities m ON m.id = c.municipality_id"
            " ORDER BY m.name, o.name, c.created_at"
        )
    return [ClientInfo(*r[:7], int(r[7]), r[8]) for r in rows]


def list_offices(db: ServerDatabase) -> list[tuple[str, str, str, str]]:
    """(office id, municipality name, office name, code)."""
    with db.transaction() as tx:
        return [
            tuple(r)  # type: ignore[misc]
            for r in tx.all(
                "SELECT o.id, m.name, o.name, o.code FROM offices o"
                " JOIN municipalities m ON m.id = o.municipality_id"
                " ORDER BY m.name, o.name"
            )
        ]
