"""The Konflikte inbox: what the server refused, both versions in words, and the clerk's answer.

A conflict record arrives by the pull (the server wrote it when it refused a mutation). The
clerk either accepts the server's version (*zur Kenntnis*) or, for plain case details, writes
the own values again over the server's version as a new change (*erneut anwenden*). Either
answer marks the record resolved in one transaction; change capture turns that update into
the ``resolve_conflict`` mutation's effect, so every workstation of the town sees it resolved.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kommune_desk.domain.formatting import format_date, parse_timestamp, utc_now_iso
from kommune_desk.domain.history import describe_changes
from kommune_desk.domain.pool import LOAN_STATUS_LABELS, period_text
from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage import conflicts as repo
from kommune_desk.storage.outbox import municipality_scope
from kommune_desk.storage.reference import list_clerks, list_services

from .changes import Actor, record_change
from .workflow import change_case, current_actor
from .workspace import Workspace

ACKNOWLEDGE = "zur_kenntnis"  # the server's version stands
REAPPLY = "erneut_anwenden"  # my values again, as a new change over the server's version
RESOLUTION_LABELS = {ACKNOWLEDGE: "Zur Kenntnis genommen", REAPPLY: "Meine Angaben erneut übernommen"}

# Workflow fields move only through the workflow's own steps, which check who may take them.
_WORKFLOW_FIELDS = frozenset({"status", "decision", "drafted_by", "assignee_id"})
# The case details change_case may write; re-applying them bypasses no rule of the workflow.
_REAPPLICABLE = frozenset(
    {
        "follow_up_on", "follow_up_note", "due_date", "paused_remaining_days", "service_id",
        "clarification_reason", "fee_cents", "kassenzeichen", "payment_status", "payment_method",
        "paid_cents", "paid_at", "payment_transaction", "decided_at",
    }
)  # fmt: skip
_BOOKKEEPING = frozenset({"id", "municipality_id", "created_at", "updated_at", "deleted_at", "pool"})

_DEVICE_FIELDS = {
    "inventory_number": "Inventarnummer", "name": "Bezeichnung", "category": "Kategorie",
    "serial_number": "Seriennummer", "status": "Status", "notes": "Hinweise",
}  # fmt: skip
_KIND_NAMES = {
    "application_notes": "Notiz", "attachments": "Anlage", "notices": "Schreiben", "clerks": "Person",
    "services": "Leistung", "offices": "Dienststelle", "municipalities": "Gemeinde",
    "letter_templates": "Textbaustein", "loan_borrowers": "Angaben zur Ausleihe",
    "usage_events": "Nutzungsstatistik", "portal_submissions": "Online-Einreichung",
    "sync_conflicts": "Erledigung eines Konflikts",
}  # fmt: skip
_MUTATION_NAMES = {
    "set_follow_up": "Wiedervorlage", "take_step": "Bearbeitungsschritt", "assign": "Zuständigkeit",
    "assign_service": "Leistungszuordnung", "book_device": "Reservierung", "cancel_loan": "Stornierung",
    "register_device": "Gerät", "resolve_conflict": "Erledigung eines Konflikts",
    "reapply_change": "Erneut übernommene Angaben",
}  # fmt: skip
_NOTHING_ON_SERVER = "Auf dem Server nicht (mehr) vorhanden."


class ConflictResolutionError(ValidationError):
    """A resolution that is not possible; the message says why, in German."""

    def __init__(self, message: str) -> None:
        super().__init__([message])


@dataclass(frozen=True)
class ConflictInfo:
    """One conflict as the Konflikte page shows it; every text is German and ready to display."""

    id: str
    what: str  # "Antrag NAU-2026-00012", "Reservierung Wärmebildkamera KGG-KS-003"
    reason: str  # the server's explanation
    mine: tuple[str, ...]  # "Notiz zur Wiedervorlage: Unterlagen prüfen"
    theirs: tuple[str, ...]
    created_at: str  # as stored (UTC, ISO 8601)
    when: str  # "24.11.2026, 14:05", local time
    actions: tuple[str, ...]  # the resolutions open to the clerk (empty once resolved)
    reapply_refusal: str | None  # why "erneut_anwenden" is not offered, if it is not
    resolution: str | None
    resolved_at: str | None


@dataclass(frozen=True)
class _Row:
    id: str
    mutation_name: str
    entity_kind: str
    entity_id: str
    reason: str
    mine: dict[str, Any]
    theirs: list[dict[str, Any]]
    created_at: str
    resolved_at: str | None
    resolution: str | None

    def my_effects(self) -> list[dict[str, Any]]:
        """The refused mutation's effects on the conflict's row (all of them if it names none)."""
        effects = [e for e in self.mine.get("effects", []) if isinstance(e, dict)]
        if not self.entity_kind:
            return effects
        own = [e for e in effects if e.get("kind") == self.entity_kind and e.get("id") == self.entity_id]
        return own or [e for e in effects if e.get("kind") == self.entity_kind]

    def my_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for effect in self.my_effects():
            if isinstance(effect.get("set"), dict):
                values.update(effect["set"])
        return {k: v for k, v in values.items() if k not in _BOOKKEEPING}


def list_conflicts(ws: Workspace, include_resolved: bool = False) -> list[ConflictInfo]:
    """The town's conflicts, newest first; only the open ones unless ``include_resolved``."""
    conn = ws.db.reader()
    try:
        rows = [_row(r) for r in repo.list_rows(conn, ws.municipality.id, include_resolved)]
        if not rows:
            return []
        names = _Names(conn, ws.municipality.id)
        return [_describe(row, names) for row in rows]
    finally:
        conn.close()


def resolve_conflict(ws: Workspace, conflict_id: str, resolution: str) -> None:
    """Answer a conflict: ``zur_kenntnis`` or ``erneut_anwenden``; refused in German (nothing
    written) when it is unknown, already resolved, or my values cannot be applied again."""
    actor = current_actor(ws)
    if resolution not in RESOLUTION_LABELS:
        raise ConflictResolutionError("Diese Entscheidung über einen Konflikt gibt es nicht.")
    municipality_id = ws.municipality.id
    at = utc_now_iso()
    with ws.db.write() as conn:
        found = repo.find_row(conn, municipality_id, conflict_id)
        if found is None:
            raise ConflictResolutionError("Diesen Konflikt gibt es nicht (mehr).")
        row = _row(found)
        if row.resolved_at:
            raise ConflictResolutionError(
                f"Dieser Konflikt wurde bereits am {_when(row.resolved_at)} erledigt "
                f"({RESOLUTION_LABELS.get(row.resolution or '', row.resolution or 'ohne Angabe')})."
            )
        if resolution == REAPPLY:
            values = _reapply_values(row)
            # Before the conflict's own update: each mutation takes the changes captured so far.
            change_case(
                ws, row.entity_id, lambda _case, _current: values, mutation="reapply_change",
                action="erneut_uebernommen", extra={"conflict_id": conflict_id}, conn=conn,
            )  # fmt: skip
        repo.mark_resolved(conn, conflict_id, at, actor.clerk_id, resolution)
        record_change(
            conn, Actor(actor.clerk_id, municipality_id), at=at, mutation="resolve_conflict",
            scope=municipality_scope(municipality_id), args={"id": conflict_id, "resolution": resolution},
            entity="sync_conflict", entity_id=conflict_id, action="konflikt_geloest",
            changes={"resolution": [None, resolution]},
        )  # fmt: skip


# --- what may be applied again ----------------------------------------------------------------


def _reapply_values(row: _Row) -> dict[str, Any]:
    """My values to write again, or ConflictResolutionError saying why they cannot be."""
    problem = _reapply_problem(row)
    if problem:
        raise ConflictResolutionError(problem)
    return row.my_values()


def _reapply_problem(row: _Row) -> str | None:
    if row.entity_kind in ("loans", "devices"):
        return (
            "Eine abgelehnte Änderung im Geräteverleih lässt sich nicht erneut übernehmen. Bitte wählen "
            "Sie im Geräteverleih einen anderen Zeitraum oder ein anderes Gerät."
        )
    if row.entity_kind != "applications":
        return "Nur Angaben zu Anträgen lassen sich erneut übernehmen."
    if any(e.get("op") != "update" for e in row.my_effects()):
        return "Nur geänderte Angaben eines Antrags lassen sich erneut übernehmen, kein neuer Antrag."
    values = row.my_values()
    if not values:
        return "Die abgelehnte Änderung enthält keine Angaben, die sich erneut übernehmen lassen."
    if set(values) & _WORKFLOW_FIELDS:
        return (
            "Bearbeitungsschritte (Status, Entscheidung, Zuständigkeit) lassen sich nicht erneut "
            "übernehmen. Bitte führen Sie den Schritt am Antrag neu aus, wenn er noch passt."
        )
    if set(values) - _REAPPLICABLE:
        return "Diese Angaben des Antrags lassen sich nicht erneut übernehmen."
    return None


# --- German descriptions ----------------------------------------------------------------------


class _Names:
    """Display names the descriptions need, read once per listing."""

    def __init__(self, conn: sqlite3.Connection, municipality_id: str) -> None:
        self._conn = conn
        self.people: dict[str, str] = {c.id: c.display_name for c in list_clerks(conn, municipality_id)}
        self.people.update({s.id: s.name for s in list_services(conn, municipality_id)})
        self._towns: dict[str, str] | None = None

    def aktenzeichen(self, application_id: str) -> str | None:
        return repo.aktenzeichen(self._conn, application_id)

    def device(self, device_id: str) -> tuple[str, str] | None:
        return repo.device_label(self._conn, device_id)

    def loan_device(self, loan_id: str) -> str | None:
        return repo.loan_device(self._conn, loan_id)

    def town(self, municipality_id: str) -> str:
        if self._towns is None:
            self._towns = repo.town_names(self._conn)
        return self._towns.get(municipality_id, "eine andere Gemeinde")


def _describe(row: _Row, names: _Names) -> ConflictInfo:
    if row.entity_kind == "applications":
        what, mine, theirs = _application(row, names)
    elif row.entity_kind == "loans":
        what, mine, theirs = _loan(row, names)
    elif row.entity_kind == "devices":
        what, mine, theirs = _device(row, names)
    else:
        what, mine, theirs = _other(row, names)
    refusal = _reapply_problem(row)
    if row.resolved_at:
        actions: tuple[str, ...] = ()
    else:
        actions = (ACKNOWLEDGE,) if refusal else (ACKNOWLEDGE, REAPPLY)
    return ConflictInfo(
        id=row.id, what=what, reason=row.reason, mine=mine, theirs=theirs, created_at=row.created_at,
        when=_when(row.created_at), actions=actions, reapply_refusal=refusal,
        resolution=row.resolution, resolved_at=row.resolved_at,
    )  # fmt: skip


Described = tuple[str, tuple[str, ...], tuple[str, ...]]


def _application(row: _Row, names: _Names) -> Described:
    server = row.theirs[0] if row.theirs else None
    number = names.aktenzeichen(row.entity_id) or (server or {}).get("aktenzeichen")
    what = f"Antrag {number}" if number else "Antrag (nicht mehr vorhanden)"
    mine_values = row.my_values()
    if any(e.get("op") == "insert" for e in row.my_effects()):
        mine = ("Neu erfasster Antrag",)
    else:
        mine = _field_lines(mine_values, names.people)
    if server is None:
        return what, mine, (_NOTHING_ON_SERVER,)
    return what, mine, _field_lines({k: server.get(k) for k in mine_values}, names.people)


def _loan(row: _Row, names: _Names) -> Described:
    values = row.my_values()
    device_id = values.get("device_id") or next(
        (r.get("device_id") for r in row.theirs if r.get("device_id")), None
    ) or names.loan_device(row.entity_id)  # fmt: skip
    device = names.device(str(device_id)) if device_id else None
    what = f"Reservierung {device[0]} {device[1]}" if device else "Reservierung eines Geräts"
    mine: list[str] = []
    period = _period(values)
    if period:
        mine.append(f"Ihre Reservierung: {period}")
    if "status" in values and any(e.get("op") == "update" for e in row.my_effects()):
        mine.append(f"Status: {LOAN_STATUS_LABELS.get(values['status'], values['status'])}")
    theirs = []
    for loan in row.theirs:  # the pool's rows: a town and its days, never a person
        town = names.town(str(loan.get("borrower_municipality_id", "")))
        status = LOAN_STATUS_LABELS.get(str(loan.get("status")), str(loan.get("status") or ""))
        theirs.append(f"{town}: {_period(loan) or 'Zeitraum unbekannt'} ({status})".replace(" ()", ""))
    return what, tuple(mine) or ("Änderung an der Reservierung",), tuple(theirs) or (_NOTHING_ON_SERVER,)


def _device(row: _Row, names: _Names) -> Described:
    values = row.my_values()
    local = names.device(row.entity_id)
    name, number = local or (values.get("name", ""), values.get("inventory_number", ""))
    what = " ".join(str(p) for p in ("Gerät", name, number) if p)
    theirs: list[str] = []
    for other in row.theirs:  # the device as the server has it (or the one holding the number)
        theirs.extend(_labelled({k: other.get(k) for k in values or _DEVICE_FIELDS}, _DEVICE_FIELDS))
        if other.get("home_municipality_id"):
            theirs.append(f"Heimatort: {names.town(str(other['home_municipality_id']))}")
    return what, _labelled(values, _DEVICE_FIELDS), tuple(theirs) or (_NOTHING_ON_SERVER,)


def _other(row: _Row, names: _Names) -> Described:
    kind = row.entity_kind or next((str(e.get("kind")) for e in row.my_effects() if e.get("kind")), "")
    what = _KIND_NAMES.get(kind) or _MUTATION_NAMES.get(row.mutation_name) or "Änderung"
    values = row.my_values()
    application_id = values.get("application_id") or next(
        (r.get("application_id") for r in row.theirs if r.get("application_id")), None
    )  # fmt: skip
    number = names.aktenzeichen(str(application_id)) if application_id else None
    if number:
        what = f"{what} zu Antrag {number}"
    if kind == "loan_borrowers":  # a person's data: named in the own town's loan list, not here
        return what, ("Angaben zur ausleihenden Person",), ("Angaben zur ausleihenden Person",)
    mine = _field_lines(values, names.people)
    theirs = [
        line for other in row.theirs for line in _field_lines({k: other.get(k) for k in values}, names.people)
    ]
    return what, mine, tuple(theirs) or (_NOTHING_ON_SERVER,)


def _field_lines(values: Mapping[str, Any], names: Mapping[str, str]) -> tuple[str, ...]:
    """``Label: value`` per field: the case history's labels and formats, else the column name."""
    lines = []
    for key, value in values.items():
        described = describe_changes({key: value}, names)
        lines.extend(described or [f"{key}: {_plain(value)}"])
    return tuple(lines)


def _labelled(values: Mapping[str, Any], labels: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(
        f"{labels.get(k, k)}: {_plain(v)}"
        for k, v in values.items()
        if k not in _BOOKKEEPING and v is not None
    )


def _plain(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    return str(value)


def _period(values: Mapping[str, Any]) -> str | None:
    try:
        return period_text(
            dt.date.fromisoformat(values["start_date"]), dt.date.fromisoformat(values["end_date"])
        )
    except (KeyError, TypeError, ValueError):
        return None


def _when(stored: str) -> str:
    """A stored UTC timestamp in the clerk's local time: ``24.11.2026, 14:05``."""
    try:
        moment = parse_timestamp(stored)
    except ValueError:
        return stored
    local = moment.astimezone() if moment.tzinfo else moment
    return f"{format_date(local.date())}, {local:%H:%M}"


def _row(values: tuple[Any, ...]) -> _Row:
    """A row of ``_SELECT``, its JSON columns read."""
    mine = _json(values[5], {})
    theirs = _json(values[6], [])
    return _Row(
        id=values[0], mutation_name=values[1], entity_kind=values[2] or "", entity_id=values[3] or "",
        reason=values[4], mine=mine if isinstance(mine, dict) else {},
        theirs=[r for r in theirs if isinstance(r, dict)] if isinstance(theirs, list) else [],
        created_at=values[7], resolved_at=values[8], resolution=values[9],
    )  # fmt: skip


def _json(text: str | None, default: Any) -> Any:
    """A JSON column; a value this version cannot read is shown as empty, not as a crash."""
    try:
        return json.loads(text) if text else default
    except ValueError:
        return default
