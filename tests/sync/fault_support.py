"""Helpers of the sync fault tests: workstations, what each side holds, child processes that
die or run with a shifted clock, and a loopback TCP proxy that loses requests and answers.

Everything is real: the proxy forwards bytes to a real server on 127.0.0.1, a child process is
``python -m kommune_desk.cli`` (or a few lines of this module calling our services), and the
comparisons read the server's store and the office's SQLite file as they are.

Run as a module, this file is the child's entry point for a local change made under a shifted
clock: ``python -m tests.sync.fault_support follow-up DATA_DIR LOGIN APPLICATION_ID YYYY-MM-DD``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CLOCK_OFFSET_VARIABLE = "KOMMUNE_DESK_TEST_CLOCK_OFFSET"
CHILD_TIMEOUT_S = 120

# --- workstations -------------------------------------------------------------------------


def enrol_workstation(
    server_db: Any, url: str, town: Any, folder: Path, login: str, clerk_name: str = ""
) -> Any:
    """A fresh data folder enrolled at ``url`` (the server or a proxy in front of it) for
    ``town``'s office, opened as ``login``."""
    from kommune_desk.server import admin
    from kommune_desk.services.sync import enrol
    from kommune_desk.services.workspace import load_workspace
    from kommune_desk.storage.database import Database

    db = Database.open(folder)
    code = admin.enrolment_code(server_db, town.office_id)
    enrol(db, url, code, clerk_name=clerk_name or f"Erste Person {town.name}", os_login=login)
    ws = load_workspace(db, login)
    assert ws is not None
    return ws


def second_office(server_db: Any, town: Any, name: str, code: str) -> Any:
    """Another office (Außenstelle) of ``town``, as a Town record naming that office."""
    from kommune_desk.server import admin
    from tests.sync.harness import Town

    return Town(town.municipality_id, admin.add_office(server_db, town.ags, name, code), town.ags, town.name)


def reopen(folder: Path, login: str) -> Any:
    """The workspace of a data folder, opened again (after a child process worked on it)."""
    from kommune_desk.services.workspace import load_workspace
    from kommune_desk.storage.database import Database

    ws = load_workspace(Database.open(folder, create=False), login)
    assert ws is not None
    return ws


def register(ws: Any, applicant: str = "Roß, Ingrid") -> str:
    """A paper application for a Baumfällgenehmigung; returns its id."""
    from kommune_desk.domain.applications import NewApplication
    from kommune_desk.domain.records import Channel
    from kommune_desk.services.applications import register_application
    from kommune_desk.storage.reference import list_services

    conn = ws.db.reader()
    try:
        service = next(s for s in list_services(conn, ws.municipality.id) if s.name == "Baumfällgenehmigung")
    finally:
        conn.close()
    received = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    return register_application(
        ws, NewApplication(service.id, applicant, Channel.PAPIER, received, form_data={"baumart": "Linde"})
    )


def expire_access_token(db: Any) -> None:
    """The office's access token has run out (15 minutes later): its next round refreshes first."""
    from kommune_desk.sync import credentials

    store_id = state(db, "store_id")
    held = credentials.load(store_id)
    assert store_id is not None and held is not None
    credentials.save(store_id, dataclasses.replace(held, access_expires_at=0.0))


# --- what the office holds ----------------------------------------------------------------


def rows(db: Any, sql: str, *params: object) -> list[tuple]:
    """Rows of the office's database (``db`` a Database or a data folder), read-only."""
    if isinstance(db, Path):
        conn = sqlite3.connect(f"file:{db / 'kommune-desk.sqlite3'}?mode=ro", uri=True)
    else:
        conn = db.reader()
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def state(db: Any, key: str) -> str | None:
    found = rows(db, "SELECT value FROM settings WHERE key = ?", f"sync.{key}")
    return found[0][0] if found else None


def access_token(db: Any) -> str:
    """The enrolled workstation's current access token, from its keyring entry."""
    from kommune_desk.sync import credentials

    creds = credentials.load(state(db, "store_id") or "")
    assert creds is not None
    return creds.access_token


def outbox(db: Any) -> list[tuple[int, str, str, str | None, str | None, str]]:
    """(seq, mutation_id, name, pushed_at, outcome, created_at), by seq."""
    return rows(db, "SELECT seq, mutation_id, name, pushed_at, outcome, created_at FROM outbox ORDER BY seq")


def pending(db: Any) -> list[str]:
    return [r[1] for r in outbox(db) if r[3] is None]


def local_cursors(db: Any) -> dict[str, int]:
    return dict(rows(db, "SELECT scope, version FROM sync_cursors"))


def local_view(db: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """Every replicated table of the office: kind → id → row."""
    from kommune_desk.domain.replication import KINDS

    view: dict[str, dict[str, dict[str, Any]]] = {}
    conn = db.reader()
    try:
        for kind in KINDS:
            cursor = conn.execute(f"SELECT * FROM {kind.name}")
            names = [d[0] for d in cursor.description]
            view[kind.name] = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    finally:
        conn.close()
    return view


# --- what the server holds ----------------------------------------------------------------


def server_rows(server_db: Any, sql: str, *params: object) -> list[tuple]:
    with server_db.transaction() as tx:
        return tx.all(sql, params)


def server_view(server_db: Any, scopes: Sequence[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """The live (not deleted) rows of ``scopes`` on the server: kind → id → data."""
    view: dict[str, dict[str, dict[str, Any]]] = {}
    for scope in scopes:
        for kind, entity_id, data, deleted in server_rows(
            server_db, "SELECT kind, id, data, deleted FROM entities WHERE scope = ?", scope
        ):
            if not deleted:
                view.setdefault(kind, {})[entity_id] = json.loads(data)
    return view


def scope_versions(server_db: Any, scopes: Sequence[str]) -> dict[str, int]:
    found = dict(server_rows(server_db, "SELECT scope, version FROM scopes"))
    return {scope: int(found.get(scope, 0)) for scope in scopes}


def processed(server_db: Any) -> list[tuple[str, str, int, str]]:
    """(mutation_id, client_id, seq, outcome) of every processed mutation, by client and seq."""
    return [
        (r[0], r[1], int(r[2]), r[3])
        for r in server_rows(
            server_db,
            "SELECT mutation_id, client_id, seq, outcome FROM processed_mutations ORDER BY client_id, seq",
        )
    ]


def office_scopes(db: Any) -> list[str]:
    from kommune_desk.domain.replication import POOL_SCOPE, SHARED_SCOPE, municipality_scope

    municipality_id = rows(db, "SELECT municipality_id FROM offices WHERE id = ?", state(db, "office_id"))[0][
        0
    ]
    return [municipality_scope(municipality_id), POOL_SCOPE, SHARED_SCOPE]


def differences(db: Any, server_db: Any) -> list[str]:
    """How the office's replicated rows differ from the server's rows of its scopes (empty: equal).

    A row is compared by id and by the columns both sides know (the server keeps only the public
    columns of pool rows; a municipality row written by the admin has no address yet)."""
    mine = local_view(db)
    theirs = server_view(server_db, office_scopes(db))
    found = []
    for kind, local_rows in mine.items():
        server_rows_ = theirs.get(kind, {})
        for missing in sorted(set(server_rows_) - set(local_rows)):
            found.append(f"{kind} {missing}: only on the server")
        for extra in sorted(set(local_rows) - set(server_rows_)):
            found.append(f"{kind} {extra}: only in the office")
        for row_id in sorted(set(local_rows) & set(server_rows_)):
            local, server = local_rows[row_id], server_rows_[row_id]
            for column in sorted(set(local) & set(server)):
                if local[column] != server[column]:
                    found.append(
                        f"{kind} {row_id}.{column}: office {local[column]!r}, server {server[column]!r}"
                    )
    return found


def assert_converged(db: Any, server_db: Any) -> None:
    """The office holds exactly the server's rows of its scopes, nothing waits in its outbox,
    every mutation it sent was processed exactly once, and its cursors are the scope versions."""
    assert differences(db, server_db) == []
    assert pending(db) == []
    sent = [r[1] for r in outbox(db)]
    on_server = [r[0] for r in processed(server_db)]
    assert len(on_server) == len(set(on_server))  # one row per mutation, never two
    assert set(sent) <= set(on_server)
    scopes = office_scopes(db)
    assert local_cursors(db) == scope_versions(server_db, scopes)


def sync_until_quiet(workspaces: Sequence[Any], rounds: int = 6) -> None:
    """Sync every office in turn until a whole pass pushes and pulls nothing."""
    from kommune_desk.services.sync import sync_once

    for _ in range(rounds):
        reports = [sync_once(ws.db) for ws in workspaces]
        if all(r.pushed == 0 and r.pulled == 0 for r in reports):
            return
    raise AssertionError(f"no quiet pass after {rounds} rounds")


def overlapping_blocking_loans(server_db: Any) -> list[tuple[str, str]]:
    """Pairs of live blocking loans of one device with overlapping days, on the server (both in
    the replicated rows and in the pool's booking relation)."""
    from kommune_desk.domain.pool import BLOCKING_STATUSES

    def clashes(periods: list[tuple[str, str, str, str]]) -> list[tuple[str, str]]:
        found = []
        for i, (a, device_a, start_a, end_a) in enumerate(periods):
            for b, device_b, start_b, end_b in periods[i + 1 :]:
                if device_a == device_b and start_a <= end_b and start_b <= end_a:
                    found.append((a, b))
        return found

    loans = [
        json.loads(data)
        for (data,) in server_rows(
            server_db, "SELECT data FROM entities WHERE kind = 'loans' AND NOT deleted"
        )
    ]
    blocking = [
        (loan["id"], loan["device_id"], loan["start_date"], loan["end_date"])
        for loan in loans
        if loan["status"] in BLOCKING_STATUSES
    ]
    booked = [
        (r[0], r[1], str(r[2]), str(r[3]))
        for r in server_rows(
            server_db,
            "SELECT loan_id, device_id, start_date, end_date FROM pool_bookings WHERE blocking = TRUE",
        )
    ]
    return clashes(blocking) + clashes(booked)


# --- child processes ----------------------------------------------------------------------

_SITECUSTOMIZE = '''\
"""Test only: this process's wall clock runs KOMMUNE_DESK_TEST_CLOCK_OFFSET seconds off."""
import datetime as _dt
import os as _os
import time as _time

_OFFSET = float(_os.environ.get("KOMMUNE_DESK_TEST_CLOCK_OFFSET", "0") or 0)
if _OFFSET:
    _real_time, _real_time_ns = _time.time, _time.time_ns
    _time.time = lambda: _real_time() + _OFFSET
    _time.time_ns = lambda: _real_time_ns() + int(_OFFSET * 1e9)
    _RealDatetime, _RealDate = _dt.datetime, _dt.date
    _DELTA = _dt.timedelta(seconds=_OFFSET)

    class _Meta(type):
        def __instancecheck__(cls, obj):
            return isinstance(obj, cls.__bases__[0])

        def __subclasscheck__(cls, sub):
            return issubclass(sub, cls.__bases__[0])

    class datetime(_RealDatetime, metaclass=_Meta):
        @classmethod
        def now(cls, tz=None):
            return _RealDatetime.now(tz) + _DELTA

        @classmethod
        def utcnow(cls):
            return _RealDatetime.utcnow() + _DELTA

        @classmethod
        def today(cls):
            return _RealDatetime.today() + _DELTA

    class date(_RealDate, metaclass=_Meta):
        @classmethod
        def today(cls):
            return (_RealDatetime.now() + _DELTA).date()

    _dt.datetime, _dt.date = datetime, date
'''


def child_env(
    tmp: Path, *, failpoint: str | None = None, clock_offset: dt.timedelta | None = None
) -> dict[str, str]:
    """The test's environment (keyring backend included) for a child, with a failpoint and a
    shifted clock (a sitecustomize on PYTHONPATH) if asked."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("KOMMUNE_DESK_FAILPOINT", None)
    if failpoint:
        env["KOMMUNE_DESK_FAILPOINT"] = failpoint
    paths = [str(REPO)]
    if clock_offset is not None:
        site = tmp / "shifted-clock"
        site.mkdir(parents=True, exist_ok=True)
        (site / "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
        paths.insert(0, str(site))
        env[CLOCK_OFFSET_VARIABLE] = str(clock_offset.total_seconds())
    env["PYTHONPATH"] = os.pathsep.join([*paths, *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def run_cli(data_dir: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m kommune_desk.cli --data-dir DATA_DIR ARGS`` as a child process."""
    return subprocess.run(
        [sys.executable, "-m", "kommune_desk.cli", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False, env=env, cwd=REPO,
    )  # fmt: skip


def run_child(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m tests.sync.fault_support ARGS`` (a local change in a child process)."""
    return subprocess.run(
        [sys.executable, "-m", "tests.sync.fault_support", *args],
        capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False, env=env, cwd=REPO,
    )  # fmt: skip


def cli_sync(data_dir: Path, tmp: Path, **options: Any) -> subprocess.CompletedProcess[str]:
    return run_cli(data_dir, "sync", "--json", env=child_env(tmp, **options))


# --- interruptions in this process --------------------------------------------------------


class InterruptedRoundError(Exception):
    """Raised at a failpoint instead of a kill (the process goes on, the round is abandoned)."""


@contextmanager
def interrupt_at(name: str) -> Iterator[None]:
    """Within the block, reaching failpoint ``name`` raises InterruptedRoundError (as a crash would stop
    the round there; open SQLite transactions roll back)."""
    from kommune_desk.sync import failpoints

    original = failpoints.reach

    def reach(point: str) -> None:
        if point == name:
            raise InterruptedRoundError(point)
        original(point)

    failpoints.reach = reach
    try:
        yield
    finally:
        failpoints.reach = original


# --- a loopback proxy that loses things ---------------------------------------------------


@dataclass
class _Rule:
    path: str
    nth: int  # fires at the nth request of ``path`` counted from when the rule was added
    action: str  # "drop-request" | "drop-response" | "forward"
    hook: Callable[[], None] | None
    seen: int = 0


class LoopbackProxy:
    """A TCP proxy on 127.0.0.1 in front of a server port, one request per connection.

    Rules make it close the client's connection without an answer: before forwarding a request
    (it never reaches the server) or after the server answered (the server committed, the client
    never hears of it), with an optional hook run at that moment (restart or kill the server).
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self.requests: list[str] = []  # the paths forwarded or dropped, in order
        self.dropped: list[tuple[str, str]] = []
        self._closed = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def drop_response(self, path: str, nth: int = 1, hook: Callable[[], None] | None = None) -> None:
        self._add(_Rule(path, nth, "drop-response", hook))

    def drop_request(self, path: str, nth: int = 1, hook: Callable[[], None] | None = None) -> None:
        self._add(_Rule(path, nth, "drop-request", hook))

    def before_forward(self, path: str, hook: Callable[[], None], nth: int = 1) -> None:
        self._add(_Rule(path, nth, "forward", hook))

    def _add(self, rule: _Rule) -> None:
        with self._lock:
            self._rules.append(rule)

    def disarm(self) -> None:
        with self._lock:
            self._rules.clear()

    def armed(self) -> int:
        with self._lock:
            return len(self._rules)

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):  # wake the blocked accept()
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        self._thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._closed:
                client.close()
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _rule_for(self, path: str) -> _Rule | None:
        with self._lock:
            self.requests.append(path)
            for rule in self._rules:
                if rule.path == path:
                    rule.seen += 1
                    if rule.seen == rule.nth:
                        self._rules.remove(rule)
                        return rule
        return None

    def _serve(self, client: socket.socket) -> None:
        with client:
            client.settimeout(60)
            try:
                request = _read_request(client)
            except (OSError, ValueError):
                return
            if request is None:
                return
            path, raw = request
            rule = self._rule_for(path)
            if rule is not None and rule.action == "drop-request":
                self.dropped.append((path, "request"))
                if rule.hook:
                    rule.hook()
                return  # closed without a word: the server never saw it
            if rule is not None and rule.action == "forward" and rule.hook:
                rule.hook()
            try:
                with socket.create_connection(("127.0.0.1", self.target_port), timeout=60) as upstream:
                    upstream.sendall(raw)
                    response = _read_to_end(upstream)
            except OSError:
                return  # the server is down: the client sees the connection close
            if rule is not None and rule.action == "drop-response":
                self.dropped.append((path, "response"))
                if rule.hook:
                    rule.hook()
                return  # the server answered (and committed); the client never hears of it
            try:
                client.sendall(response)
            except OSError:
                return


def _read_request(sock: socket.socket) -> tuple[str, bytes] | None:
    """One HTTP/1.1 request: (path, bytes to forward with ``Connection: close``)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    method_line, headers = lines[0], lines[1:]
    path = method_line.split(b" ")[1].decode("ascii").split("?")[0]
    length, chunked = 0, False
    kept = []
    for line in headers:
        name, _, value = line.partition(b":")
        lowered = name.strip().lower()
        if lowered == b"content-length":
            length = int(value.strip())
        elif lowered == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        if lowered not in (b"connection", b"keep-alive"):
            kept.append(line)
    if chunked:
        while not body.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                raise ValueError("request body cut short")
            body += chunk
    else:
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                raise ValueError("request body cut short")
            body += chunk
    raw = b"\r\n".join([method_line, *kept, b"Connection: close"]) + b"\r\n\r\n" + body
    return path, raw


def _read_to_end(sock: socket.socket) -> bytes:
    parts = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)


# --- the child's entry point --------------------------------------------------------------


def _child_main(argv: Sequence[str]) -> int:
    """``follow-up DATA_DIR LOGIN APPLICATION_ID DATE``: set a Wiedervorlage (in this process's clock)."""
    from kommune_desk.services.workflow import set_follow_up

    command, data_dir, login, application_id, on = argv
    if command != "follow-up":
        return 2
    ws = reopen(Path(data_dir), login)
    try:
        set_follow_up(ws, application_id, dt.date.fromisoformat(on), note=f"Wiedervorlage {on}")
    finally:
        ws.db.close()
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
