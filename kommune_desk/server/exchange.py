"""Push and pull: the protocol's two halves, on top of the arbiter and the entity store.

Push: a batch of mutations is processed in sequence order in one transaction (a mutation of
several effects in its own savepoint), recording ``(client, seq, mutation_id, outcome)``. A
repeated sequence number returns the stored outcome; a sequence number beyond the next expected
one stops the round with ``gap``; a sequence number already used for a *different* mutation
means the client's database went back in time.
Pull: pages of one scope above the client's cursor, or ``reset_required``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
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
    """Process ``mutations`` (ascending ``seq``) and report each outcome.

    The whole batch is one transaction, so a batch costs one commit, not one per mutation; rows
    are written once at its end (``entities.defer_writes``). A deadlock or serialization failure
    runs it again from the start (``ServerDatabase.run``)."""
    ordered = sorted(mutations, key=lambda m: m["seq"])
    try:
        return db.run(lambda tx: _push_batch(tx, who, ordered, careful=False), who.scopes)
    except (_NeedsSavepointsError, AccessRefusedError, IntegrityConflictError):
        # A statement failed (at once or when the deferred rows were written): the transaction
        # is gone; the batch runs again, each mutation written at once in its own savepoint,
        # so the failing one becomes a conflict and the others stand.
        return db.run(lambda tx: _push_batch(tx, who, ordered, careful=True), who.scopes)


def _push_batch(tx: Tx, who: Principal, mutations: list[dict[str, Any]], careful: bool) -> PushResult:
    result = PushResult()
    if not mutations:
        return result
    # The client's row is locked first: two pushes of one client (a resend while the first is
    # still running) run one after the other, the second answered from stored outcomes.
    lock = " FOR UPDATE" if tx.dialect == "postgresql" else ""
    row = tx.one(f"SELECT last_seq FROM clients WHERE id = ?{lock}", (who.client_id,))
    last = int(row[0]) if row else 0
    stored = {
        int(seq): (mutation_id, outcome, detail)
        for seq, mutation_id, outcome, detail in tx.all(
            "SELECT seq, mutation_id, outcome, detail FROM processed_mutations"
            " WHERE client_id = ? AND seq BETWEEN ? AND ?",
            (who.client_id, mutations[0]["seq"], mutations[-1]["seq"]),
        )
    }
    earlier = _outcomes_under_other_ids(tx, who, [m for m in mutations if m["seq"] not in stored])
    entities.preload(tx, _rows_read(m for m in mutations if m["seq"] not in stored))
    if not careful:
        entities.defer_writes(tx)
    processed: list[tuple[Any, ...]] = []
    for mutation in mutations:
        seq = mutation["seq"]
        if seq in stored:
            mutation_id, outcome, detail = stored[seq]
            if mutation_id != mutation["mutation_id"]:
                result.stale_client = True  # the client's database went back in time
                break
            result.results.append(_answer(mutation, outcome, detail))
            continue
        if seq != last + 1:
            result.expected_seq = last + 1
            break
        if mutation["mutation_id"] in earlier:
            # Sent before under another client id (before a re-enrolment): its outcome stands;
            # this client's sequence moves on.
            outcome, detail = earlier[mutation["mutation_id"]]
        else:
            outcome, detail = _process(tx, who, mutation, careful)
            earlier[mutation["mutation_id"]] = (outcome, detail)  # the same id twice in one batch
            processed.append(
                (mutation["mutation_id"], who.client_id, seq, mutation["name"], outcome, detail,
                 utc_now_iso())
            )  # fmt: skip
        last = seq
        result.results.append(_answer(mutation, outcome, detail))
    entities.flush(tx)  # a constraint or row-level security refusing a row fails the batch here
    if processed:
        tx.insert_rows(
            "processed_mutations",
            ("mutation_id", "client_id", "seq", "name", "outcome", "detail", "processed_at"),
            processed,
        )
    if row is not None and last != int(row[0]):
        tx.execute("UPDATE clients SET last_seq = ? WHERE id = ?", (last, who.client_id))
    return result


def _rows_read(mutations: Iterable[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """(kind, id) of every row the mutations name: their effects' rows and the clerks they cite."""
    for mutation in mutations:
        args = mutation.get("args")
        if isinstance(args, dict) and isinstance(args.get("clerk_id"), str):
            yield "clerks", args["clerk_id"]
        for effect in mutation.get("effects") or ():
            if (
                isinstance(effect, dict)
                and isinstance(effect.get("kind"), str)
                and isinstance(effect.get("id"), str)
            ):
                yield effect["kind"], effect["id"]


def _outcomes_under_other_ids(
    tx: Tx, who: Principal, mutations: list[dict[str, Any]]
) -> dict[str, tuple[str, str]]:
    """Stored outcomes of these mutation ids, processed for another client id of this office."""
    ids = [m["mutation_id"] for m in mutations]
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for mutation_id, outcome, detail in tx.all(
            f"SELECT mutation_id, outcome, detail FROM processed_mutations WHERE mutation_id IN ({marks})",
            chunk,
        ):
            found[mutation_id] = (outcome, detail)
    return found


def _answer(mutation: dict[str, Any], outcome: str, detail: str) -> dict[str, Any]:
    return {
        "seq": mutation["seq"],
        "mutation_id": mutation["mutation_id"],
        "outcome": outcome,
        "detail": detail,
    }


class _NeedsSavepointsError(Exception):
    """A statement failed in a mutation processed without a savepoint: the transaction is lost,
    and the batch runs again with a savepoint around every mutation."""


def _process(tx: Tx, who: Principal, mutation: dict[str, Any], careful: bool) -> tuple[str, str]:
    """Apply ``mutation``; a refusal (or a constraint) leaves no trace of it and becomes a conflict.

    A mutation of one effect needs no savepoint: the arbiter refuses before it writes anything
    of it, and only a failing statement (a constraint, row-level security) could leave half of
    it behind; that aborts the batch, which then runs ``careful``: each mutation in a savepoint.
    """
    effects = mutation.get("effects")
    if not careful and not (isinstance(effects, list) and len(effects) > 1):
        try:
            apply_mutation(tx, who, mutation)
        except RefusalError as refusal:
            record_conflict(tx, who, mutation, refusal)
            return refusal.outcome, refusal.reason
        except (AccessRefusedError, IntegrityConflictError) as exc:
            raise _NeedsSavepointsError from exc
        return APPLIED, ""
    # The savepoint takes back what reached the database; the rows held in memory (the cache,
    # the deferred writes of the batch) go back to this copy. Emptying the cache instead would
    # read rows as the database has them, without this batch's earlier mutations.
    cache = dict(tx.cache) if tx.cache is not None else None
    deferred = dict(tx.deferred) if tx.deferred is not None else None
    tx.execute("SAVEPOINT mutation")
    try:
        apply_mutation(tx, who, mutation)
    except (RefusalError, AccessRefusedError, IntegrityConflictError) as exc:
        tx.execute("ROLLBACK TO SAVEPOINT mutation")
        tx.cache, tx.deferred = cache, deferred
        refusal = _as_refusal(exc)
        record_conflict(tx, who, mutation, refusal)
        return refusal.outcome, refusal.reason
    tx.execute("RELEASE SAVEPOINT mutation")
    return APPLIED, ""


def _as_refusal(exc: Exception) -> RefusalError:
    if isinstance(exc, RefusalError):
        return exc
    if isinstance(exc, AccessRefusedError):
        return RefusalError(REJECTED, NOT_ACCEPTED)
    # The second wall (the exclusion constraint on PostgreSQL) caught a concurrent booking.
    reason = _BOOKED if "overlap" in str(exc) else "Der Datensatz widerspricht einem anderen."
    return RefusalError(CONFLICT, reason, "loans")


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
