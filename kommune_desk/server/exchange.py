"""Push and pull: the protocol's two halves, on top of the arbiter and the entity store.

Push: mutations are processed in sequence order, each in its own transaction that also records
``(client, seq, mutation_id, outcome)``. A repeated sequence number returns the stored outcome;
a sequence number beyond the next expected one stops the round with ``gap``; a sequence number
already used for a *different* mutation means the client's database went back in time.
Pull: pages of one scope above the client's cursor, or ``reset_required``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from kommune_desk.domain.formatting import utc_now_iso

from . import entities
from .arbiter import (
    APPLIED,
    CONFLICT,
    NOT_ACCEPTED,
    REJECTED,
    Principal,
    RefusalError,
    apply_mutation,
    record_conflict,
)
from .db import AccessRefusedError, IntegrityConflictError, ServerDatabase, Tx

MAX_PAGE = 5000
_BOOKED = "Das Gerät ist in diesem Zeitraum bereits reserviert."


@dataclass
class PushResult:
    results: list[dict[str, Any]] = field(default_factory=list)
    expected_seq: int | None = None  # set when the round stopped at a gap
    stale_client: bool = False  # the client's sequence numbers went backwards


def epoch(tx: Tx) -> str:
    row = tx.one("SELECT value FROM meta WHERE key = 'epoch'")
    return row[0] if row else ""


def push(db: ServerDatabase, who: Principal, mutations: list[dict[str, Any]]) -> PushResult:
    """Process ``mutations`` (ascending ``seq``) and report each outcome."""
    result = PushResult()
    for mutation in sorted(mutations, key=lambda m: m["seq"]):
        with db.transaction(who.scopes) as tx:
            stored = _stored_outcome(tx, who, mutation)
            if stored == "stale":
                result.stale_client = True
                return result
            if stored is not None:
                result.results.append(stored)
                continue
            last = _last_seq(tx, who.client_id)
            if mutation["seq"] != last + 1:
                result.expected_seq = last + 1
                return result
            outcome, detail = _process(tx, who, mutation)
            tx.execute(
                "INSERT INTO processed_mutations (mutation_id, client_id, seq, name, outcome, detail,"
                " processed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (mutation["mutation_id"], who.client_id, mutation["seq"], mutation["name"], outcome, detail,
                 utc_now_iso()),
            )  # fmt: skip
            tx.execute("UPDATE clients SET last_seq = ? WHERE id = ?", (mutation["seq"], who.client_id))
        result.results.append(_answer(mutation, outcome, detail))
    return result


def _answer(mutation: dict[str, Any], outcome: str, detail: str) -> dict[str, Any]:
    return {
        "seq": mutation["seq"],
        "mutation_id": mutation["mutation_id"],
        "outcome": outcome,
        "detail": detail,
    }


def _stored_outcome(tx: Tx, who: Principal, mutation: dict[str, Any]) -> dict[str, Any] | str | None:
    row = tx.one(
        "SELECT mutation_id, outcome, detail FROM processed_mutations WHERE client_id = ? AND seq = ?",
        (who.client_id, mutation["seq"]),
    )
    if row is not None:
        return _answer(mutation, row[1], row[2]) if row[0] == mutation["mutation_id"] else "stale"
    # The same mutation sent before under another client id (before a re-enrolment):
    # its outcome stands; this client's sequence moves on.
    row = tx.one(
        "SELECT outcome, detail FROM processed_mutations WHERE mutation_id = ?", (mutation["mutation_id"],)
    )
    if row is None:
        return None
    last = _last_seq(tx, who.client_id)
    if mutation["seq"] != last + 1:
        return None  # let the gap check answer
    tx.execute("UPDATE clients SET last_seq = ? WHERE id = ?", (mutation["seq"], who.client_id))
    return _answer(mutation, row[0], row[1])


def _last_seq(tx: Tx, client_id: str) -> int:
    row = tx.one("SELECT last_seq FROM clients WHERE id = ?", (client_id,))
    return int(row[0]) if row else 0


def _process(tx: Tx, who: Principal, mutation: dict[str, Any]) -> tuple[str, str]:
    """Apply in a savepoint; a refusal (or a constraint) rolls it back and becomes a conflict."""
    tx.execute("SAVEPOINT mutation")
    try:
        apply_mutation(tx, who, mutation)
    except RefusalError as refusal:
        tx.execute("ROLLBACK TO SAVEPOINT mutation")
        record_conflict(tx, who, mutation, refusal)
        return refusal.outcome, refusal.reason
    except AccessRefusedError:
        tx.execute("ROLLBACK TO SAVEPOINT mutation")
        refusal = RefusalError(REJECTED, NOT_ACCEPTED)
        record_conflict(tx, who, mutation, refusal)
        return REJECTED, NOT_ACCEPTED
    except IntegrityConflictError as exc:
        # The second wall (the exclusion constraint on PostgreSQL) caught a concurrent booking.
        tx.execute("ROLLBACK TO SAVEPOINT mutation")
        reason = _BOOKED if "overlap" in str(exc) else "Der Datensatz widerspricht einem anderen."
        record_conflict(tx, who, mutation, RefusalError(CONFLICT, reason, "loans"))
        return CONFLICT, reason
    tx.execute("RELEASE SAVEPOINT mutation")
    return APPLIED, ""


@dataclass(frozen=True)
class PullPage:
    """One page; ``changes`` are JSON texts as stored, so a page is sent without re-encoding."""

    epoch: str
    scope: str
    changes: list[str]
    cursor: int
    has_more: bool
    reset_required: bool = False

    def to_json(self) -> bytes:
        head = json.dumps(
            {"epoch": self.epoch, "scope": self.scope, "cursor": self.cursor, "has_more": self.has_more,
             "reset_required": self.reset_required},
            ensure_ascii=False,
        )  # fmt: skip
        return (head[:-1] + ', "changes": [' + ",".join(self.changes) + "]}").encode("utf-8")


def pull(
    db: ServerDatabase, who: Principal, scope: str, cursor: int, client_epoch: str, limit: int
) -> PullPage:
    """One page of ``scope`` after ``cursor``; ``reset_required`` when the cursor cannot be served."""
    limit = max(1, min(limit, MAX_PAGE))
    with db.transaction(who.scopes) as tx:
        server_epoch = epoch(tx)
        version, floor = entities.scope_state(tx, scope)
        if (client_epoch and client_epoch != server_epoch) or cursor > version or 0 < cursor < floor:
            return PullPage(server_epoch, scope, [], 0, False, reset_required=True)
        rows = entities.page(tx, scope, cursor, limit)
    changes = [
        f'{{"kind":{json.dumps(kind)},"id":{json.dumps(row_id)},"version":{version},'
        f'"deleted":{"true" if deleted else "false"},"data":{"null" if deleted else data}}}'
        for kind, row_id, data, deleted, version in rows
    ]
    return PullPage(server_epoch, scope, changes, rows[-1][4] if rows else cursor, len(rows) == limit)


__all__ = ["APPLIED", "CONFLICT", "REJECTED", "PullPage", "PushResult", "pull", "push"]
