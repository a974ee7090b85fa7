"""Text blocks of letters as Teamleitung and Administration maintain them: per municipality, or
per service, each save a new version; the built-in wording is version 0."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from kommune_desk.documents.model import LetterKind
from kommune_desk.domain import letter_templates as rules
from kommune_desk.domain.formatting import parse_timestamp, utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.letter_texts import specific_text
from kommune_desk.domain.records import Role
from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage import letter_templates as repo
from kommune_desk.storage import reference
from kommune_desk.storage.outbox import municipality_scope

from .applications import find_service
from .changes import Actor, record_change
from .workflow import current_actor
from .workspace import Workspace

_EDITORS = frozenset({Role.TEAMLEITUNG, Role.ADMINISTRATION})


@dataclass(frozen=True)
class TemplateBlock:
    """One version of a text block; ``id`` None and version 0 for the built-in wording."""

    id: str | None
    service_id: str | None  # None: the municipality's default for every service
    service_name: str
    kind: LetterKind
    block: str
    block_label: str
    version: int
    body: str
    created_at: dt.datetime | None
    created_by_name: str


@dataclass(frozen=True)
class ResolvedBlock:
    """The text a letter uses for one block and where it came from (stored with the notice)."""

    block: str
    body: str
    version: int
    service_id: str | None
    template_id: str | None

    def reference(self) -> dict[str, object]:
        return {
            "block": self.block,
            "version": self.version,
            "service_id": self.service_id,
            "id": self.template_id,
        }


def placeholders() -> list[tuple[str, str]]:
    """(name, German label) of every placeholder a block may use."""
    return list(rules.PLACEHOLDERS.items())


def list_templates(ws: Workspace) -> list[TemplateBlock]:
    """The current version of every block: the municipality's defaults (saved or built-in) for
    every kind, then each service's own blocks."""
    conn = ws.db.reader()
    try:
        saved = repo.current_templates(conn, ws.municipality.id)
    finally:
        conn.close()
    defaults = {(row["kind"], row["block"]): row for row in saved if row["service_id"] is None}
    result = []
    for kind, blocks in rules.KIND_BLOCKS.items():
        for block in blocks:
            row = defaults.get((kind.value, block))
            result.append(_block(row) if row else _built_in(kind, block))
        own = [row for row in saved if row["service_id"] is not None and row["kind"] == kind.value]
        result.extend(_block(row) for row in sorted(own, key=lambda r: (r["service_name"], _order(r))))
    return result


def template_history(
    ws: Workspace, service_id: str | None, kind: LetterKind, block: str
) -> list[TemplateBlock]:
    """Every version of one block, newest first; a municipality default ends with version 0."""
    conn = ws.db.reader()
    try:
        rows = repo.history(conn, ws.municipality.id, service_id, kind.value, block)
    finally:
        conn.close()
    versions = [_block(row) for row in rows]
    if service_id is None and block in rules.KIND_BLOCKS.get(kind, ()):
        versions.append(_built_in(kind, block))
    return versions


def save_template(
    ws: Workspace, service_id: str | None, kind: LetterKind, block: str, body: str
) -> TemplateBlock:
    """Save a block as a new version (never an update); the text is checked first (markup,
    placeholders). Only Teamleitung and Administration may; saving the same text again writes
    nothing and returns the current version."""
    actor = current_actor(ws)
    if actor.role not in _EDITORS:
        raise ValidationError(["Textbausteine ändern dürfen nur die Teamleitung und die Administration."])
    if block not in rules.KIND_BLOCKS.get(kind, ()):
        raise ValidationError(
            [f"Den Textbaustein »{rules.block_label(block)}« gibt es bei »{kind.label}« nicht."]
        )
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    rules.check_template(text, rules.block_label(block), required=(kind, block) in rules.REQUIRED_BLOCKS)
    at = utc_now_iso()
    with ws.db.write() as conn:
        if service_id is not None and find_service(conn, ws, service_id) is None:
            raise ValidationError(["Die gewählte Leistung gibt es in dieser Gemeinde nicht."])
        current = effective_blocks(conn, ws.municipality.id, service_id, kind).get(block)
        if current and current.service_id == service_id and current.body == text:
            return (
                _current(conn, ws, service_id, kind, block) if current.template_id else _built_in(kind, block)
            )
        row = {
            "id": uuid7(),
            "municipality_id": ws.municipality.id,
            "service_id": service_id,
            "kind": kind.value,
            "block": block,
            "version": repo.next_version(conn, ws.municipality.id, service_id, kind.value, block),
            "body": text,
            "created_at": at,
            "created_by": actor.clerk_id,
        }
        repo.insert_template(conn, row)
        record_change(
            conn,
            Actor(actor.clerk_id, ws.municipality.id),
            at=at,
            mutation="save_letter_template",
            scope=municipality_scope(ws.municipality.id),
            args=row,
            entity="letter_template",
            entity_id=str(row["id"]),
            action="gespeichert",
            changes={
                "kind": kind.value,
                "block": block,
                "version": [int(row["version"]) - 1, row["version"]],
            },
        )
        return _current(conn, ws, service_id, kind, block)


def effective_blocks(
    conn: sqlite3.Connection, municipality_id: str, service_id: str | None, kind: LetterKind
) -> dict[str, ResolvedBlock]:
    """block → the text a letter of ``kind`` for ``service_id`` uses now: the service's own
    block, else the municipality's default, else the built-in wording (version 0).

    An Anzeige's own built-in wording (e.g. the Gewerbeanzeige's receipt after § 15 Abs. 1 GewO)
    comes before the municipality's default: that default was written for Anträge ("über Ihren
    Antrag entscheiden …") and would put decision words into a receipt."""
    saved = repo.effective_templates(conn, municipality_id, service_id, kind.value)
    leika_id, procedure = reference.service_leika_and_procedure(conn, service_id)
    result = {}
    for block in rules.KIND_BLOCKS.get(kind, ()):
        row = saved.get(block)
        specific = specific_text(kind, block, procedure, leika_id)
        if row and (row["service_id"] is not None or specific is None):
            result[block] = ResolvedBlock(block, row["body"], row["version"], row["service_id"], row["id"])
        else:
            result[block] = ResolvedBlock(
                block, rules.default_body(kind, block, procedure, leika_id), 0, None, None
            )
    return result


def _current(
    conn: sqlite3.Connection, ws: Workspace, service_id: str | None, kind: LetterKind, block: str
) -> TemplateBlock:
    return _block(repo.history(conn, ws.municipality.id, service_id, kind.value, block)[0])


def _order(row: dict[str, object]) -> int:
    blocks = rules.KIND_BLOCKS.get(LetterKind(str(row["kind"])), ())
    return blocks.index(str(row["block"])) if row["block"] in blocks else len(blocks)


def _block(row: dict[str, object]) -> TemplateBlock:
    return TemplateBlock(
        id=str(row["id"]),
        service_id=str(row["service_id"]) if row["service_id"] else None,
        service_name=str(row["service_name"]),
        kind=LetterKind(str(row["kind"])),
        block=str(row["block"]),
        block_label=rules.block_label(str(row["block"])),
        version=int(str(row["version"])),
        body=str(row["body"]),
        created_at=parse_timestamp(str(row["created_at"])),
        created_by_name=str(row["created_by_name"]),
    )


def _built_in(kind: LetterKind, block: str) -> TemplateBlock:
    return TemplateBlock(
        id=None,
        service_id=None,
        service_name="",
        kind=kind,
        block=block,
        block_label=rules.block_label(block),
        version=0,
        body=rules.default_body(kind, block),
        created_at=None,
        created_by_name="KommuneDesk (Standardtext)",
    )
