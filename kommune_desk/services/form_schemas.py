"""FIM submission schemas: import them (all or nothing), and find the one a case names.

An imported schema goes through the outbox into the sync's shared scope, so every office of
every town labels the same Fachdaten alike.
"""

from __future__ import annotations

import functools
import hashlib
import json
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from kommune_desk.domain.form_schema import FormSchema, parse_schema
from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.replication import SHARED_SCOPE
from kommune_desk.domain.validation import ValidationError
from kommune_desk.intake.errors import SubmissionRejected
from kommune_desk.intake.strict_json import loads_strict
from kommune_desk.storage import form_schemas as repo

from .changes import Actor, record_change
from .workflow import current_actor
from .workspace import Workspace

MAX_SCHEMA_BYTES = 5 * 1024 * 1024  # the largest FIM schemas are a few hundred KB
_MAX_DEPTH = 64


@dataclass(frozen=True)
class ImportedSchema:
    uri: str
    title: str
    new: bool  # False: this very schema was stored already


def import_schemas(ws: Workspace, paths: list[Path]) -> list[ImportedSchema]:
    """Validate every file, then store them all in one transaction, or none: a bad file raises
    ``ValidationError`` naming it and nothing is stored."""
    if not paths:
        raise ValidationError(["Bitte mindestens eine Schemadatei angeben."])
    read: list[tuple[FormSchema, str, str]] = []
    problems: list[str] = []
    for path in paths:
        try:
            read.append(_read(path))
        except ValidationError as error:
            problems.extend(f"{path.name}: {message}" for message in error.messages)
    uris = [schema.uri for schema, _, _ in read]
    doubled = sorted({uri for uri in uris if uris.count(uri) > 1})
    problems.extend(f"Das Schema {uri} ist mehrfach angegeben." for uri in doubled)
    if problems:
        raise ValidationError([*problems, "Es wurde kein Schema übernommen."])
    actor = current_actor(ws)
    at = utc_now_iso()
    results = []
    with ws.db.write() as conn:
        for schema, content, sha256 in read:
            if repo.has_schema(conn, schema.uri, sha256):
                results.append(ImportedSchema(schema.uri, schema.title, new=False))
                continue
            row_id = uuid7()
            repo.insert_schema(
                conn,
                {
                    "id": row_id, "municipality_id": ws.municipality.id, "uri": schema.uri,
                    "title": schema.title, "sha256": sha256, "content": content,
                    "created_at": at, "updated_at": at,
                },
            )  # fmt: skip
            record_change(
                conn, Actor(actor.clerk_id, ws.municipality.id), at=at, mutation="import_form_schema",
                scope=SHARED_SCOPE, args={"id": row_id, "uri": schema.uri, "clerk_id": actor.clerk_id},
                entity="form_schema", entity_id=row_id, action="importiert",
                changes={"uri": [None, schema.uri]},
            )  # fmt: skip
            results.append(ImportedSchema(schema.uri, schema.title, new=True))
    return results


def schema_named(ws: Workspace, uri: str) -> FormSchema | None:
    """The stored schema a case names; None while it has not arrived (or names none)."""
    if not uri:
        return None
    with closing(ws.db.reader()) as conn:
        found = repo.schema_content(conn, uri)
    return _parsed(*found) if found else None


def list_schemas(ws: Workspace) -> list[tuple[str, str, str]]:
    """(uri, title, imported at) of every schema this office has."""
    with closing(ws.db.reader()) as conn:
        return repo.list_schemas(conn)


@functools.lru_cache(maxsize=32)
def _parsed(sha256: str, content: str) -> FormSchema:
    """Parsed once per content (a case view re-reads its case after every step)."""
    return FormSchema(json.loads(content))


def _read(path: Path) -> tuple[FormSchema, str, str]:
    try:
        size = path.stat().st_size
        if size > MAX_SCHEMA_BYTES:
            raise ValidationError(
                [f"Die Datei ist größer als erlaubt ({MAX_SCHEMA_BYTES // 1024 // 1024} MB)."]
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError(["Die Datei wurde nicht gefunden."]) from None
    except IsADirectoryError:
        raise ValidationError(["Das ist ein Ordner, keine Schemadatei."]) from None
    except OSError:
        raise ValidationError(["Die Datei kann nicht gelesen werden."]) from None
    try:
        document = loads_strict(raw, path.name, _MAX_DEPTH)
    except SubmissionRejected as error:
        raise ValidationError([str(error)]) from None
    schema = parse_schema(document)
    # Stored canonical, so the same schema from two offices has the same hash.
    content = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return schema, content, hashlib.sha256(content.encode()).hexdigest()
