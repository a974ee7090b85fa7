"""One sync round: handshake, push the outbox, pull every scope.

- Handshake (``/v1/hello``): a changed server epoch (the server was restored) resets the cursors
  and makes the client re-send what the server no longer has; a server that knows more of this
  client than its database does means the database was restored: the client continues under a
  new client id (``/v1/rebind``).
- Push: outbox rows in sequence order, in batches; the server's stored outcomes are written back;
  a gap is answered by re-sending from the sequence number the server expects.
- Pull: pages per scope, each applied with its cursor in one transaction.
- Afterwards the Kreisvergleich (``/v1/statistics/comparison``) replaces the stored one; that it
  cannot be fetched is logged and never fails the round.
A failure leaves everything as it was committed so far; the next round goes on from there.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from kommune_desk.domain.comparison import read_figures
from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.domain.protocol import (
    OUTBOX_HEADER,
    PROTOCOL_VERSION,
    Hello,
    PullResponse,
    PushResponse,
    TokenResponse,
)
from kommune_desk.storage import comparison, portal_submissions, replica
from kommune_desk.storage.database import Database

from . import credentials, failpoints, files, stopping
from .credentials import Credentials
from .errors import (
    SIGN_IN_INVALID,
    TOKENS_MISSING,
    NotAuthorisedError,
    OfflineError,
    ProtocolMismatchError,
    SyncError,
    WorkstationRevokedError,
)
from .transport import OFFLINE, Transport, other_protocol

log = logging.getLogger(__name__)

PUSH_BATCH = 200
PULL_PAGE = 2000
COMPARISON_PATH = "/v1/statistics/comparison"
COMPARISON_REFRESH_S = 3600


def _age_s(stamp: str) -> float:
    import datetime as dt

    try:
        return (dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(stamp)).total_seconds()
    except (ValueError, TypeError):
        return float("inf")


@dataclass
class RoundReport:
    pushed: int = 0
    conflicts: int = 0
    pulled: int = 0
    rebuilt: bool = False
    rebound: bool = False
    pending: int = 0
    files: int = 0
    portal_waiting: bool = False  # delivered portal submissions not yet taken over here
    scopes: list[str] = field(default_factory=list)


class SyncEngine:
    """Sync of one local database with its server (both given); one round at a time."""

    def __init__(self, db: Database, transport: Transport, store_id: str) -> None:
        self.db = db
        self.transport = transport
        self.store_id = store_id
        self._reader: sqlite3.Connection | None = None  # the round's, see _reading

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A read connection: the round's own (a new one loads the whole schema, which costs more
        than most of the round's reads), or a fresh one outside a round."""
        if self._reader is not None:
            yield self._reader
            return
        conn = self.db.reader()
        try:
            yield conn
        finally:
            conn.close()

    # --- authentication ------------------------------------------------------------------

    def _credentials(self) -> Credentials:
        creds = credentials.load(self.store_id)
        if creds is None:
            raise NotAuthorisedError(TOKENS_MISSING)
        if creds.access_expires_at - 60 < time.time():
            creds = self._refresh(creds)
        return creds

    def _refresh(self, creds: Credentials) -> Credentials:
        """Rotate the tokens. The request id is stored before the request goes out, so after a
        lost answer or a crash the same request is repeated and answered (see server.auth)."""
        if creds.refresh_request is None:
            creds = replace(creds, refresh_request=secrets.token_hex(16))
            credentials.save(self.store_id, creds)
        failpoints.reach("token:before-send")
        try:
            answer = self.transport.request(
                "POST", "/v1/token", shape=TokenResponse,
                json={"refresh_token": creds.refresh_token, "request_id": creds.refresh_request},
            )  # fmt: skip
        except WorkstationRevokedError:
            raise
        except NotAuthorisedError as exc:
            raise NotAuthorisedError(SIGN_IN_INVALID) from exc
        failpoints.reach("token:after-send")
        fresh = Credentials.from_answer(answer)
        credentials.save(self.store_id, fresh)
        failpoints.reach("token:after-save")
        return fresh

    def _call(
        self,
        method: str,
        path: str,
        json: Any = None,
        content: bytes | None = None,
        shape: type | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        stopping.check(self.db)  # a safe point: what came before is committed (see sync.stopping)
        creds = self._credentials()
        options = {"json": json, "content": content, "shape": shape, "headers": headers}
        try:
            return self.transport.request(method, path, token=creds.access_token, **options)
        except WorkstationRevokedError:
            raise
        except NotAuthorisedError:
            # The access token may have been voided early (a refresh whose answer was lost): refresh once.
            creds = self._refresh(creds)
            return self.transport.request(method, path, token=creds.access_token, **options)

    def check_access(self) -> None:
        """Does the server take this workstation's sign-in? NotAuthorisedError if not."""
        self._call("GET", "/v1/hello", shape=Hello)

    # --- the round ------------------------------------------------------------------------

    def run_round(self) -> RoundReport:
        stopping.check(self.db)
        # A cheap, unauthenticated look first: offline, no token is refreshed or spent.
        if not self.transport.probe():
            raise OfflineError(OFFLINE)
        self._reader = self.db.reader()
        try:
            return self._round()
        finally:
            self._reader.close()
            self._reader = None

    def _round(self) -> RoundReport:
        report = RoundReport()
        hello = self._call("GET", "/v1/hello", shape=Hello, headers={OUTBOX_HEADER: self._outbox_report()})
        if hello.protocol != PROTOCOL_VERSION:
            raise ProtocolMismatchError(other_protocol(str(hello.protocol)))
        report.scopes = list(hello.scopes)
        server_last = self._handshake(hello, report)
        self._push(server_last, report)
        for scope in hello.scopes:
            self._pull_scope(scope, hello.epoch, report)
        report.files = files.fetch_missing(self.db, self._call)
        with self.db.write() as conn:
            replica.set_state(conn, "last_success_at", utc_now_iso())
            replica.set_state(conn, "last_error", None)
            replica.set_state(conn, "locked_out", None)
            report.pending = conn.execute("SELECT count(*) FROM outbox WHERE pushed_at IS NULL").fetchone()[0]
            report.portal_waiting = portal_submissions.any_waiting(conn)
        self._fetch_comparison()
        return report

    def _fetch_comparison(self) -> None:
        """Replace the stored Kreisvergleich with the server's, in one transaction. The round has
        succeeded by now: whatever goes wrong here (an older server without the route, a lost
        answer, a malformed one) is logged, the previous figures stay, and the next round tries
        again."""
        if stopping.stop_requested(self.db):
            return  # the app is closing; the figures come with the next round
        with self._reading() as conn:
            stored = comparison.computed_at(conn)
        if stored and _age_s(stored) < COMPARISON_REFRESH_S:
            return  # the server recomputes hourly: a village line need not fetch it every minute
        try:
            computed_at, figures = read_figures(self._call("GET", COMPARISON_PATH))
            with self.db.write() as conn:
                comparison.replace_all(conn, figures, computed_at)
        except Exception as exc:  # the figures can wait; the round's work is committed
            log.warning("Kreisvergleich nicht abgerufen (%s): %s", type(exc).__name__, exc)

    def _outbox_report(self) -> str:
        """``<waiting>;<oldest created_at>`` of the outbox, for the Kreis IT's overview."""
        with self._reading() as conn:
            count, oldest = conn.execute(
                "SELECT count(*), min(created_at) FROM outbox WHERE pushed_at IS NULL"
            ).fetchone()
        return f"{count};{oldest or ''}"

    def _handshake(self, hello: Hello, report: RoundReport) -> int:
        """Settle epoch and identity; return the last sequence number the server has of us."""
        with self._reading() as conn:  # only this round writes these (exclusive_round)
            known_epoch = replica.get_state(conn, "epoch")
            offset = int(replica.get_state(conn, "seq_offset") or 0)
            last_sent = replica.last_local_seq(conn) - offset
        if known_epoch != hello.epoch:  # a durable write only when there is something to write
            with self.db.write() as conn:
                if known_epoch:
                    replica.reset_cursors(conn)  # rebuild from a snapshot; the outbox is kept
                    replica.mark_rebuild(conn, hello.scopes)
                    report.rebuilt = True
                replica.set_state(conn, "epoch", hello.epoch)
        if hello.last_seq > last_sent:
            # The server has seen later mutations of ours than this database holds: restored copy.
            self._rebind(report)
            return 0
        return hello.last_seq

    def _rebind(self, report: RoundReport) -> None:
        creds = self._credentials()
        answer = self.transport.request("POST", "/v1/rebind", token=creds.access_token, shape=TokenResponse)
        credentials.save(self.store_id, Credentials.from_answer(answer))
        with self.db.write() as conn:
            first = replica.first_unsent_seq(conn)
            offset = (first - 1) if first is not None else replica.last_local_seq(conn)
            replica.set_state(conn, "seq_offset", str(offset))
            replica.set_state(conn, "client_id", answer.client_id)
        report.rebound = True

    def _push(self, server_last: int, report: RoundReport) -> None:
        next_seq = server_last + 1
        with self.db.write() as conn:
            offset = int(replica.get_state(conn, "seq_offset") or 0)
            first_unsent = replica.first_unsent_seq(conn)
        if first_unsent is not None and first_unsent - offset <= server_last:
            # Sent before, answer lost (connection cut, crash): send again from there; the server
            # answers from its stored outcomes, or says this database went back in time.
            next_seq = max(1, first_unsent - offset)
        rebound_once = False
        while True:
            with self.db.write() as conn:
                offset = int(replica.get_state(conn, "seq_offset") or 0)
                batch = replica.outbox_batch(conn, next_seq + offset - 1, PUSH_BATCH)
            if not batch:
                return
            if batch[0]["local_seq"] != next_seq + offset:
                # The rows the server lacks were pruned long ago: continue under a new identity.
                if rebound_once:
                    raise SyncError("Der Abgleich konnte die Reihenfolge der Änderungen nicht herstellen.")
                self._rebind(report)
                rebound_once, next_seq = True, 1
                continue
            mutations = [
                {k: row[k] for k in ("mutation_id", "name", "scope", "args", "effects", "created_at")}
                | {"seq": row["local_seq"] - offset}
                for row in batch
            ]
            files.upload_for(self.db, batch, self._call)
            failpoints.reach("push:before-send")
            answer = self._call("POST", "/v1/push", {"mutations": mutations}, shape=PushResponse)
            failpoints.reach("push:after-send")
            if answer.stale_client:
                if rebound_once:
                    raise SyncError("Der Abgleich konnte die Reihenfolge der Änderungen nicht herstellen.")
                self._rebind(report)
                rebound_once, next_seq = True, 1
                continue
            at = utc_now_iso()
            results = answer.results
            with self.db.write() as conn:
                replica.record_outcomes(conn, [(r.mutation_id, r.outcome, r.detail, at) for r in results])
            report.pushed += len(results)
            report.conflicts += sum(1 for r in results if r.outcome != "applied")
            if answer.expected_seq is not None:
                next_seq = answer.expected_seq
            elif results:
                next_seq = results[-1].seq + 1
            else:
                return

    def _pull_scope(self, scope: str, epoch: str, report: RoundReport) -> None:
        with self._reading() as conn:
            rebuilding = scope in replica.rebuild_scopes(conn)
        if rebuilding:
            with self.db.write() as conn:
                replica.set_cursor(conn, scope, 0)  # an interrupted rebuild starts over: it sees every row
            report.rebuilt = True
        seen: set[tuple[str, str]] = set()
        with self._reading() as conn:
            cursor = replica.cursors(conn).get(scope, 0)
        while True:
            page = self._call(
                "POST", "/v1/pull", {"scope": scope, "cursor": cursor, "epoch": epoch, "limit": PULL_PAGE},
                shape=PullResponse,
            )  # fmt: skip
            changes = [
                vars(change) for change in page.changes
            ]  # the checked records, as the replica reads them
            if page.reset_required:
                if cursor == 0:
                    raise SyncError("Der Abgleichsserver verlangt einen Neuaufbau, liefert aber keine Daten.")
                with self.db.write() as conn:
                    replica.set_cursor(conn, scope, 0)
                    replica.mark_rebuild(conn, [scope])
                rebuilding, seen, cursor = True, set(), 0
                report.rebuilt = True
                continue
            failpoints.reach("pull:before-apply")
            if rebuilding:
                seen.update((change["kind"], change["id"]) for change in changes)
            missing = files.missing_files(self.db, changes)
            with self.db.replica_write() as conn:
                replica.apply_changes(conn, changes)
                replica.set_cursor(conn, scope, page.cursor)
                files.note_missing(conn, missing)
                if rebuilding and not page.has_more:
                    replica.drop_unseen(conn, scope, seen)  # what only the lost history had goes
                failpoints.reach("pull:inside-apply")
            cursor = page.cursor
            report.pulled += len(changes)
            if not page.has_more:
                return
