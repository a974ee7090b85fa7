"""Saved views: a clerk names a Posteingang filter and finds it again in the view list."""

from __future__ import annotations

import json

from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.inbox_views import InboxFilter, SavedView
from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage import saved_views
from kommune_desk.storage.outbox import municipality_scope

from .changes import Actor, record_change
from .workflow import current_actor
from .workspace import Workspace

MAX_NAME_LENGTH = 60


def save_view(ws: Workspace, name: str, query: InboxFilter) -> SavedView:
    """Save ``query`` under ``name`` for the clerk at the keyboard (same name: replaced)."""
    clean = " ".join(name.split())
    if not clean:
        raise ValidationError(["Bitte geben Sie der Ansicht einen Namen."])
    if len(clean) > MAX_NAME_LENGTH:
        raise ValidationError([f"Der Name darf höchstens {MAX_NAME_LENGTH} Zeichen lang sein."])
    actor = current_actor(ws)
    at = utc_now_iso()
    definition = json.dumps(query.to_dict(), ensure_ascii=False, sort_keys=True)
    with ws.db.write() as conn:
        view_id = saved_views.upsert(conn, uuid7(), actor.clerk_id, clean, definition, at)
        record_change(
            conn,
            Actor(actor.clerk_id, ws.municipality.id),
            at=at,
            mutation="save_view",
            scope=municipality_scope(ws.municipality.id),
            args={"id": view_id, "clerk_id": actor.clerk_id, "name": clean, "definition": definition},
            entity="saved_view",
            entity_id=view_id,
            action="gespeichert",
        )
    return SavedView(view_id, clean, query)


def list_views(ws: Workspace) -> list[SavedView]:
    """The clerk's saved views, by name (none for an unmapped login)."""
    if ws.clerk is None:
        return []
    conn = ws.db.reader()
    try:
        rows = saved_views.list_for(conn, ws.clerk.id)
    finally:
        conn.close()
    return [
        SavedView(i, name, InboxFilter.from_dict(_json_object(definition))) for i, name, definition in rows
    ]


def delete_view(ws: Workspace, view_id: str) -> None:
    actor = current_actor(ws)
    at = utc_now_iso()
    with ws.db.write() as conn:
        if not saved_views.delete(conn, view_id, actor.clerk_id):
            return
        record_change(
            conn,
            Actor(actor.clerk_id, ws.municipality.id),
            at=at,
            mutation="delete_view",
            scope=municipality_scope(ws.municipality.id),
            args={"id": view_id},
            entity="saved_view",
            entity_id=view_id,
            action="geloescht",
        )


def _json_object(text: str) -> dict[str, object]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
