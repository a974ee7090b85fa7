"""The one arbiter: replay a client's mutation on the server's state, or refuse it as a conflict.

A mutation's effects are checked row by row against what the server holds:
- the kind must be replicated and writable by this client (its own town's rows, the pool);
- an update must start from the values the server still has for the changed columns (the
  *base*); another office's different value for the same column is a same-field conflict;
- the pool's rules hold: an inventory number once, and never two blocking bookings of one
  device on overlapping days (``domain.pool``).
A refused mutation changes no row. It becomes a conflict record in the office's own scope with
both versions, and the rows it touched are sent again as the server has them (or as deleted),
so the office's copy returns to the truth at its next pull.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.pool import BLOCKING_STATUSES, Booking, booking_refusal, overlapping
from kommune_desk.domain.pool_rights import pool_row_writable
from kommune_desk.domain.replication import (
    POOL,
    POOL_SCOPE,
    SHARED_SCOPE,
    Kind,
    kind_named,
    municipality_scope,
)

from . import entities
from .db import AccessRefusedError, Tx

NOT_ACCEPTED = "Die Änderung wurde nicht angenommen."
_FIXED = "Dieser Teil des Datensatzes kann nicht mehr geändert werden."
_INCOMPLETE = "Die Änderung ist unvollständig übermittelt worden."
_NO_DEVICE = "Das Gerät ist im Pool nicht (mehr) vorhanden."
# Bookkeeping columns every local write sets: never a same-field conflict, the last write's stays.
_STAMPS = frozenset({"updated_at"})

APPLIED = "applied"
CONFLICT = "conflict"
REJECTED = "rejected"


@dataclass(frozen=True)
class Principal:
    """Who pushes: a client of one office of one municipality."""

    client_id: str
    office_id: str
    municipality_id: str

    @property
    def scopes(self) -> tuple[str, ...]:
        return (municipality_scope(self.municipality_id), POOL_SCOPE, SHARED_SCOPE)


class RefusalError(Exception):
    """A mutation the domain refuses: processed as ``conflict`` (or ``rejected`` if malformed)."""

    # A refusal that needs no decision (the same portal submission taken over twice) is filed
    # as already resolved, so the Konflikte inbox holds only what a clerk must decide.
    auto_resolution: str | None = None

    def __init__(self, outcome: str, reason: str, kind: str = "", entity_id: str = "", theirs: Any = None):
        super().__init__(reason)
        self.outcome, self.reason, self.kind, self.entity_id, self.theirs = (
            outcome,
            reason,
            kind,
            entity_id,
            theirs,
        )


def apply_mutation(tx: Tx, who: Principal, mutation: dict[str, Any]) -> None:
    """Apply every effect of ``mutation`` or raise RefusalError (the caller rolls back)."""
    effects = mutation.get("effects")
    if not isinstance(effects, list):
        raise RefusalError(REJECTED, _INCOMPLETE)
    manager = _pool_manager(tx, who, mutation.get("args"))
    for effect in effects:
        _apply_effect(tx, who, effect, manager)


def _pool_manager(tx: Tx, who: Principal, args: Any) -> bool:
    """Whether the clerk a mutation names holds the pool manager's role in the pushing town's own
    clerk records (a clerk of another town is never found: the scope must match)."""
    clerk_id = args.get("clerk_id") if isinstance(args, dict) else None
    if not isinstance(clerk_id, str):
        return False
    clerk = entities.load(tx, "clerks", clerk_id)
    return (
        clerk is not None
        and not clerk.deleted
        and clerk.scope == municipality_scope(who.municipality_id)
        and bool(clerk.data.get("pool_manager"))
    )


def _apply_effect(tx: Tx, who: Principal, effect: Any, pool_manager: bool = False) -> None:
    if not isinstance(effect, dict):
        raise RefusalError(REJECTED, _INCOMPLETE)
    kind = kind_named(effect.get("kind"))
    entity_id = effect.get("id")
    op = effect.get("op")
    if (
        kind is None
        or not isinstance(entity_id, str)
        or not entity_id
        or op not in ("insert", "update", "delete")
    ):
        raise RefusalError(REJECTED, "Die Änderung betrifft Daten, die nicht abgeglichen werden.")
    current = visible(tx, who, kind.name, entity_id)
    if current is None and op == "insert" and entities.load(tx, kind.name, entity_id) is not None:
        # An id taken in another scope: never overwritten, and nothing said about the other row.
        raise RefusalError(REJECTED, NOT_ACCEPTED, kind.name, entity_id)
    if op == "insert":
        data = _insert(kind, who, current, effect.get("set"))
    elif op == "update":
        data = _update(tx, kind, who, current, effect.get("set"), effect.get("base"), pool_manager)
    else:
        _delete(tx, kind, current)
        return
    if data is None:
        return  # already so on the server: a no-op
    if kind.public_columns:
        data = {k: v for k, v in data.items() if k in kind.public_columns}
    scope = kind.scope_of(data)
    _shared_rules(tx, kind, data)
    entities.store(tx, kind.name, entity_id, scope, data)


def visible(tx: Tx, who: Principal, kind: str, entity_id: str) -> entities.Entity | None:
    """The row if this client may see it; a row of another tenant is treated as absent."""
    current = entities.load(tx, kind, entity_id)
    return current if current is not None and current.scope in who.scopes else None


def _insert(kind: Kind, who: Principal, current: entities.Entity | None, values: Any) -> dict | None:
    if not isinstance(values, dict) or values.get("id") is None:
        raise RefusalError(REJECTED, _INCOMPLETE)
    if not kind.client_inserts:
        raise RefusalError(REJECTED, "Solche Datensätze legt nur der Server an.", kind.name, values["id"])
    if values.get(kind.owner_column) != who.municipality_id:
        raise RefusalError(REJECTED, "Datensätze anderer Kommunen können nicht angelegt werden.", kind.name)
    if current is not None and not current.deleted:
        if current.data == values:
            return None
        raise RefusalError(
            CONFLICT, "Diesen Datensatz gibt es auf dem Server bereits mit anderem Inhalt.",
            kind.name, values["id"], [current.data],
        )  # fmt: skip
    return dict(values)


def _update(
    tx: Tx,
    kind: Kind,
    who: Principal,
    current: entities.Entity | None,
    values: Any,
    base: Any,
    pool_manager: bool = False,
) -> dict | None:
    if not isinstance(values, dict) or not isinstance(base, dict):
        raise RefusalError(REJECTED, _INCOMPLETE)
    if current is None or current.deleted:
        raise RefusalError(CONFLICT, "Der Datensatz ist auf dem Server nicht (mehr) vorhanden.", kind.name)
    if kind.insert_only or set(values) & kind.fixed_columns():
        raise RefusalError(REJECTED, _FIXED, kind.name)
    if kind.settled_by and current.data.get(kind.settled_by):
        # Settled at another workstation first: that answer stands, and this office gets it back.
        entities.store(tx, kind.name, current.id, current.scope, current.data)
        return None
    if kind.family == POOL and not _may_change_pool_row(
        tx, kind, who, current.data, set(values), pool_manager
    ):
        raise RefusalError(REJECTED, "Nur die eigene Kommune kann diesen Eintrag ändern.", kind.name)
    clashing = [
        column for column, new in values.items()
        if column not in _STAMPS  # every write stamps it: no field a clerk edits
        and current.data.get(column) != base.get(column) and current.data.get(column) != new
    ]  # fmt: skip
    if clashing:
        raise RefusalError(
            CONFLICT,
            "Ein anderer Arbeitsplatz hat dieselben Angaben inzwischen anders geändert.",
            kind.name, current.id, [current.data],
        )  # fmt: skip
    merged = {**current.data, **values}
    return None if merged == current.data else merged


def _delete(tx: Tx, kind: Kind, current: entities.Entity | None) -> None:
    if current is None or current.deleted:
        return
    if kind.insert_only or kind.immutable:
        raise RefusalError(REJECTED, "Dieser Datensatz kann nicht gelöscht werden.", kind.name)
    entities.store(tx, kind.name, current.id, current.scope, current.data, deleted=True)


def _may_change_pool_row(
    tx: Tx, kind: Kind, who: Principal, row: dict[str, Any], columns: set[str], pool_manager: bool
) -> bool:
    """Asked of ``domain.pool_rights``: the owner, a loan's device home town, the pool manager."""
    home = None
    if kind.name == "loans":
        device = entities.load(tx, "devices", str(row.get("device_id")))
        home = device.data.get("home_municipality_id") if device else None
    return pool_row_writable(
        kind.name,
        row.get(kind.owner_column),
        who.municipality_id,
        columns=frozenset(columns),
        device_home=home,
        pool_manager=pool_manager,
    )


def _shared_rules(tx: Tx, kind: Kind, row: dict[str, Any]) -> None:
    """Rules across rows that one office alone cannot keep."""
    if kind.name == "applications" and row.get("submission_id"):
        _claim_submission(tx, row)
    elif kind.name == "devices":
        _claim_inventory_number(tx, row)
    elif kind.name == "loans":
        _check_booking(tx, row)


def _claim_submission(tx: Tx, application: dict[str, Any]) -> None:
    """A portal submission becomes one application, however many offices take it over."""
    holder = tx.one(
        "SELECT application_id FROM submission_claims WHERE municipality_id = ? AND submission_id = ?",
        (application["municipality_id"], application["submission_id"]),
    )
    if holder is not None and holder[0] != application["id"]:
        other = entities.load(tx, "applications", holder[0])
        refusal = RefusalError(
            CONFLICT, "Diese Einreichung hat ein anderer Arbeitsplatz bereits als Antrag übernommen.",
            "applications", application["id"], [other.data] if other else [],
        )  # fmt: skip
        refusal.auto_resolution = "doppelt_uebernommen"
        raise refusal
    tx.execute(
        "INSERT INTO submission_claims (municipality_id, submission_id, application_id) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (application["municipality_id"], application["submission_id"], application["id"]),
    )


def _claim_inventory_number(tx: Tx, device: dict[str, Any]) -> None:
    number = str(device.get("inventory_number") or "")
    holder = tx.one("SELECT id FROM pool_devices WHERE inventory_number = ?", (number,))
    if holder is not None and holder[0] != device["id"]:
        other = entities.load(tx, "devices", holder[0])
        raise RefusalError(
            CONFLICT, f"Die Inventarnummer {number} ist im Pool schon vergeben.",
            "devices", device["id"], [other.data] if other else [],
        )  # fmt: skip
    tx.execute(
        "INSERT INTO pool_devices (id, inventory_number, home_municipality_id) VALUES (?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET inventory_number = excluded.inventory_number",
        (device["id"], number, device.get("home_municipality_id")),
    )


def _check_booking(tx: Tx, loan: dict[str, Any]) -> None:
    try:
        candidate = Booking(
            loan_id=loan["id"],
            device_id=loan["device_id"],
            start=dt.date.fromisoformat(loan["start_date"]),
            end=dt.date.fromisoformat(loan["end_date"]),
            status=loan["status"],
            municipality_id=loan["borrower_municipality_id"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RefusalError(REJECTED, _INCOMPLETE, "loans") from exc
    if entities.load(tx, "devices", candidate.device_id) is None:
        raise RefusalError(CONFLICT, _NO_DEVICE, "loans", candidate.loan_id)
    lock = " FOR UPDATE" if tx.dialect == "postgresql" else ""
    rows = tx.all(
        "SELECT loan_id, start_date, end_date, municipality_id FROM pool_bookings"
        f" WHERE device_id = ? AND blocking = TRUE AND loan_id <> ?{lock}",
        (candidate.device_id, candidate.loan_id),
    )
    others = [Booking(r[0], candidate.device_id, _date(r[1]), _date(r[2]), "reserviert", r[3]) for r in rows]
    refusal = booking_refusal(candidate, others)
    if refusal:
        theirs = [
            _public_loan(entities.load(tx, "loans", clash.loan_id))
            for clash in overlapping(candidate, others)
        ]
        raise RefusalError(CONFLICT, refusal, "loans", candidate.loan_id, theirs)
    tx.execute(
        "INSERT INTO pool_bookings (loan_id, device_id, start_date, end_date, municipality_id, blocking)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (loan_id) DO UPDATE SET start_date = excluded.start_date,"
        " end_date = excluded.end_date, blocking = excluded.blocking",
        (
            candidate.loan_id, candidate.device_id, loan["start_date"], loan["end_date"],
            candidate.municipality_id, candidate.status in BLOCKING_STATUSES,
        ),
    )  # fmt: skip


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _public_loan(entity: entities.Entity | None) -> dict[str, Any]:
    return dict(entity.data) if entity else {}


def record_conflict(tx: Tx, who: Principal, mutation: dict[str, Any], refusal: RefusalError) -> None:
    """The refused mutation as a conflict record in the office's scope; the rows it touched are
    sent again as the server holds them, so the office's copy returns to the truth."""
    scope = municipality_scope(who.municipality_id)
    now = utc_now_iso()
    conflict_id = uuid7()
    entities.store(
        tx,
        "sync_conflicts",
        conflict_id,
        scope,
        {
            "id": conflict_id,
            "municipality_id": who.municipality_id,
            "mutation_id": mutation.get("mutation_id", ""),
            "mutation_name": str(mutation.get("name", "")),
            "entity_kind": refusal.kind,
            "entity_id": refusal.entity_id,
            "reason": refusal.reason,
            "mine": _json_text({"args": mutation.get("args", {}), "effects": mutation.get("effects", [])}),
            "theirs": _json_text(refusal.theirs or []),
            "created_at": now,
            "resolved_at": now if refusal.auto_resolution else None,
            "resolved_by": None,
            "resolution": refusal.auto_resolution,
            "updated_at": now,
        },
    )
    resend_touched(tx, who, mutation)


def resend_touched(tx: Tx, who: Principal, mutation: dict[str, Any]) -> None:
    """Send every row the mutation touched again: as the server has it, or as deleted."""
    for effect in mutation.get("effects") or []:
        if not isinstance(effect, dict):
            continue
        kind = kind_named(effect.get("kind"))
        entity_id = effect.get("id")
        if kind is None or not isinstance(entity_id, str):
            continue
        current = entities.load(tx, kind.name, entity_id)
        if current is not None:
            if current.scope in who.scopes:
                entities.store(tx, kind.name, entity_id, current.scope, current.data, deleted=current.deleted)
            continue
        values = effect.get("set")
        if effect.get("op") != "insert" or not isinstance(values, dict):
            continue  # nothing on the server to send again
        try:
            scope = kind.scope_of(values)
        except ValueError:
            continue
        if scope in who.scopes:  # the refused new row is withdrawn at the office
            _withdraw(tx, kind.name, entity_id, scope)


def _withdraw(tx: Tx, kind: str, entity_id: str, scope: str) -> None:
    """A tombstone for a refused new row; if the id lives in another scope (PostgreSQL's row-level
    security refuses the write there), that row is left alone and nothing is sent."""
    tx.execute("SAVEPOINT withdraw")
    try:
        entities.store(tx, kind, entity_id, scope, {"id": entity_id}, deleted=True)
    except AccessRefusedError:
        tx.execute("ROLLBACK TO SAVEPOINT withdraw")
        return
    tx.execute("RELEASE SAVEPOINT withdraw")


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
