"""Faults around a sync round, each provoked deterministically on loopback with real parts:
a client killed (SIGKILL) at named points, answers lost after the server committed, requests
repeated and reordered, the server restarted, killed and restored from a backup, the client's
database restored from an old copy, and the client's clock days off.

After every fault one more ordinary round must leave nothing lost and nothing doubled: the
office holds exactly the server's rows, its outbox is drained, each mutation was processed once.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kommune_desk.server import admin
from kommune_desk.server.db import SQLITE_FILE, ServerDatabase, SqliteServerDatabase
from kommune_desk.services.cases import add_note
from kommune_desk.services.pool import book_device, register_device
from kommune_desk.services.sync import sync_once
from kommune_desk.services.workflow import set_follow_up
from kommune_desk.storage import replica
from kommune_desk.sync import credentials
from kommune_desk.sync.errors import OfflineError
from tests.sync.fault_support import (
    InterruptedRoundError,
    LoopbackProxy,
    assert_converged,
    child_env,
    cli_sync,
    enrol_workstation,
    expire_access_token,
    interrupt_at,
    outbox,
    overlapping_blocking_loans,
    pending,
    processed,
    register,
    reopen,
    rows,
    run_child,
    server_rows,
    server_view,
    state,
    sync_until_quiet,
)
from tests.sync.harness import ServerThread, Town, add_town, running_server
from tests.sync.server_process import ServerProcess, server_cli

TODAY = dt.date(2026, 11, 25)
LOGIN = "anna"


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[ServerThread]:
    """The expensive fault tests run against the embedded SQLite backend."""
    db = SqliteServerDatabase(tmp_path / "server" / SQLITE_FILE)
    with running_server(db) as running:
        yield running
    db.close()


def _local_work(ws, application_id: str) -> None:  # type: ignore[no-untyped-def]
    """A little of everything: two notes, a Wiedervorlage, a device and a booking of it."""
    add_note(ws, application_id, "Ortstermin am Montag vereinbart.")
    add_note(ws, application_id, "Gutachten liegt vor.")
    set_follow_up(ws, application_id, dt.date(2026, 12, 1), "Gutachten prüfen")
    camera = register_device(ws, "KGG-KS-001", "Wärmebildkamera testo 865", "Wärmebildkamera")
    book_device(ws, camera, dt.date(2026, 12, 1), dt.date(2026, 12, 5), "Erika Mustermann", today=TODAY)


def _entity_count(server_db: ServerDatabase, kind: str) -> int:
    return server_rows(server_db, "SELECT count(*) FROM entities WHERE kind = ? AND NOT deleted", kind)[0][0]


# --- 1. the client killed at named points -------------------------------------------------


@pytest.mark.parametrize(
    "point", ["push:before-send", "push:after-send", "pull:before-apply", "pull:inside-apply"]
)
def test_client_killed_at_a_failpoint_loses_and_doubles_nothing(
    point: str, sqlite_server: ServerThread, tmp_path: Path
) -> None:
    town = add_town(sqlite_server.db, "06433009", "Nauheim", "NAU")
    folder = tmp_path / "ws"
    ws = enrol_workstation(sqlite_server.db, sqlite_server.url, town, folder, LOGIN)
    application_id = register(ws)
    sync_once(ws.db)
    _local_work(ws, application_id)
    waiting = pending(ws.db)
    assert len(waiting) == 5
    cursors_before = dict(rows(ws.db, "SELECT scope, version FROM sync_cursors"))
    processed_before = processed(sqlite_server.db)
    ws.db.close()  # the app is closed; the CLI does the round

    killed = cli_sync(folder, tmp_path, failpoint=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    # What the kill left behind, on both sides.
    on_server = {r[0] for r in processed(sqlite_server.db)} - {r[0] for r in processed_before}
    left = pending(folder)
    cursors_after = dict(rows(folder, "SELECT scope, version FROM sync_cursors"))
    if point == "push:before-send":
        assert on_server == set() and left == waiting
    elif point == "push:after-send":
        # The server committed every mutation; the client never recorded an answer.
        assert on_server == set(waiting) and left == waiting
    else:
        # Pushed and recorded; the pull's page (and its cursor) never made it into the file.
        assert on_server == set(waiting) and left == []
        assert cursors_after == cursors_before
    assert _entity_count(sqlite_server.db, "application_notes") == (0 if point == "push:before-send" else 2)

    finished = cli_sync(folder, tmp_path)
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    assert report["pending"] == 0 and report["conflicts"] == 0 and not report["rebound"]

    ws = reopen(folder, LOGIN)
    try:
        assert [r[4] for r in outbox(ws.db) if r[1] in waiting] == ["applied"] * 5
        assert _entity_count(sqlite_server.db, "application_notes") == 2
        assert _entity_count(sqlite_server.db, "loans") == 1
        assert rows(ws.db, "SELECT follow_up_on FROM applications WHERE id = ?", application_id) == [
            ("2026-12-01",)
        ]
        mine = [r for r in processed(sqlite_server.db) if r[0] in waiting]
        assert sorted(r[2] for r in mine) == sorted({r[2] for r in mine})  # one seq each
        assert len(mine) == 5 and all(r[3] == "applied" for r in mine)
        assert_converged(ws.db, sqlite_server.db)
    finally:
        ws.db.close()


# --- 2. the answer lost after the server committed ----------------------------------------


def test_lost_push_answer_is_resent_and_answered_from_the_stored_outcomes(
    sqlite_server: ServerThread, tmp_path: Path
) -> None:
    proxy = LoopbackProxy(sqlite_server.port)
    try:
        town = add_town(sqlite_server.db, "06433009", "Nauheim", "NAU")
        ws = enrol_workstation(sqlite_server.db, proxy.url, town, tmp_path / "ws", LOGIN)
        application_id = register(ws)
        sync_once(ws.db)
        _local_work(ws, application_id)
        waiting = pending(ws.db)

        proxy.drop_response("/v1/push")
        with pytest.raises(OfflineError):
            sync_once(ws.db)
        assert proxy.dropped == [("/v1/push", "response")]
        assert state(ws.db, "last_error") and "nicht erreichbar" in state(ws.db, "last_error")
        # The server applied everything; the office still waits for the answer.
        assert pending(ws.db) == waiting
        assert {r[0] for r in processed(sqlite_server.db)} >= set(waiting)
        versions_before = dict(
            server_rows(sqlite_server.db, "SELECT kind || ':' || id, version FROM entities")
        )

        report = sync_once(ws.db)
        assert report.pushed == len(waiting) and report.conflicts == 0 and report.pending == 0
        # Answered from the stored outcomes: no row was applied (or versioned) a second time.
        after = dict(server_rows(sqlite_server.db, "SELECT kind || ':' || id, version FROM entities"))
        assert {k: after[k] for k in versions_before} == versions_before
        assert _entity_count(sqlite_server.db, "application_notes") == 2
        assert len([r for r in processed(sqlite_server.db) if r[0] in waiting]) == len(waiting)
        assert rows(ws.db, "SELECT count(*) FROM application_notes") == [(2,)]
        assert_converged(ws.db, sqlite_server.db)
    finally:
        proxy.close()


# --- 3. repeated, out-of-order and premature requests (both backends) ----------------------


def _push(url: str, token: str, mutations: list[dict]) -> dict:
    answer = httpx.post(
        f"{url}/v1/push", json={"mutations": mutations}, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_repeated_reordered_and_premature_pushes(server: ServerThread, tmp_path: Path) -> None:
    town = add_town(server.db, "06433009", "Nauheim", "NAU")
    ws = enrol_workstation(server.db, server.url, town, tmp_path / "ws", LOGIN)
    application_id = register(ws)
    sync_once(ws.db)
    for text in ("eins", "zwei", "drei", "vier", "fünf", "sechs"):
        add_note(ws, application_id, f"Notiz {text}")
    with ws.db.write() as conn:
        offset = int(replica.get_state(conn, "seq_offset") or 0)
        batch = replica.outbox_batch(conn, replica.first_unsent_seq(conn) - 1, 100)
        store_id = replica.get_state(conn, "store_id")
    token = credentials.load(store_id).access_token
    mutations = [
        {k: row[k] for k in ("mutation_id", "name", "scope", "args", "effects", "created_at")}
        | {"seq": row["local_seq"] - offset}
        for row in batch
    ]
    first, second = mutations[:3], mutations[3:]

    def state_of_server() -> tuple:
        return (
            server_rows(server.db, "SELECT kind, id, version, data FROM entities ORDER BY kind, id"),
            processed(server.db),
        )

    # A batch that starts beyond the next expected sequence number: the gap is named, nothing applied.
    before = state_of_server()
    gap = _push(server.url, token, second)
    assert gap["results"] == [] and gap["expected_seq"] == first[0]["seq"]
    assert state_of_server() == before

    # The same batch twice: the same outcomes, the state unchanged by the second.
    once = _push(server.url, token, first)
    assert [r["outcome"] for r in once["results"]] == ["applied"] * 3 and once["expected_seq"] is None
    after_once = state_of_server()
    twice = _push(server.url, token, first)
    assert twice == once
    assert state_of_server() == after_once

    # Reversed in one request: processed by sequence number all the same.
    reversed_answer = _push(server.url, token, list(reversed(second)))
    assert [r["seq"] for r in reversed_answer["results"]] == [m["seq"] for m in second]
    assert [r["outcome"] for r in reversed_answer["results"]] == ["applied"] * 3
    seqs = {r[0]: r[2] for r in processed(server.db)}
    assert [seqs[m["mutation_id"]] for m in mutations] == [m["seq"] for m in mutations]

    # A used sequence number with a different mutation: the client went back in time.
    impostor = {**first[0], "mutation_id": "00000000-0000-7000-8000-000000000001"}
    stale = _push(server.url, token, [impostor])
    assert stale["stale_client"] is True and stale["results"] == []

    bodies = sorted(
        r[0] for r in server_rows(server.db, "SELECT data FROM entities WHERE kind = 'application_notes'")
    )
    assert len(bodies) == 6

    # The office learns the outcomes on its next round (re-sent, answered from the store).
    report = sync_once(ws.db)
    assert report.pending == 0 and report.conflicts == 0 and not report.rebound
    assert_converged(ws.db, server.db)


# --- 4. the server restarted or killed in the middle of a round -----------------------------


def _server_with_town(tmp_path: Path) -> tuple[Path, SqliteServerDatabase, Town]:
    server_dir = tmp_path / "server"
    server_db = SqliteServerDatabase(server_dir / SQLITE_FILE)
    admin.prepare(server_db)
    return server_dir, server_db, add_town(server_db, "06433009", "Nauheim", "NAU")


def _kill(server: ServerProcess) -> None:
    assert server.process is not None
    server.process.send_signal(signal.SIGKILL)
    assert server.process.wait(10) == -signal.SIGKILL
    server.process = None


@pytest.mark.parametrize("how", ["restart", "kill"])
def test_server_restarted_between_push_and_pull(how: str, tmp_path: Path) -> None:
    server_dir, server_db, town = _server_with_town(tmp_path)
    server = ServerProcess(server_dir).start()
    proxy = LoopbackProxy(server.port)
    try:
        ws = enrol_workstation(server_db, proxy.url, town, tmp_path / "ws", LOGIN)
        application_id = register(ws)
        sync_once(ws.db)
        _local_work(ws, application_id)
        waiting = pending(ws.db)

        if how == "restart":
            # Stopped after the push and started again on the same port before the pull arrives.
            proxy.before_forward("/v1/pull", lambda: (server.stop(), server.start()))
            report = sync_once(ws.db)
            assert report.pushed == len(waiting) and report.pending == 0
        else:
            # Killed after the push; the pull finds nobody; started again later.
            proxy.before_forward("/v1/pull", lambda: _kill(server))
            with pytest.raises(OfflineError):
                sync_once(ws.db)
            assert pending(ws.db) == []  # the push was answered before the kill
            server.start()
            report = sync_once(ws.db)
            assert report.pushed == 0 and report.pending == 0
        assert proxy.armed() == 0
        assert _entity_count(server_db, "application_notes") == 2
        assert_converged(ws.db, server_db)
    finally:
        proxy.close()
        server.stop()
        server_db.close()


def test_server_killed_right_after_committing_a_push(tmp_path: Path) -> None:
    """SIGKILL between the commit and the answer: the committed mutations survive the crash
    (synchronous=FULL), the client re-sends after the restart and gets the stored outcomes."""
    server_dir, server_db, town = _server_with_town(tmp_path)
    server = ServerProcess(server_dir).start()
    proxy = LoopbackProxy(server.port)
    try:
        ws = enrol_workstation(server_db, proxy.url, town, tmp_path / "ws", LOGIN)
        application_id = register(ws)
        sync_once(ws.db)
        _local_work(ws, application_id)
        waiting = pending(ws.db)
        server_db.close()  # nobody else holds the file while the server dies

        proxy.drop_response("/v1/push", hook=lambda: _kill(server))
        with pytest.raises(OfflineError):
            sync_once(ws.db)
        assert pending(ws.db) == waiting
        server.start()
        server_db = SqliteServerDatabase(server_dir / SQLITE_FILE)
        assert {r[0] for r in processed(server_db)} >= set(waiting)

        report = sync_once(ws.db)
        assert report.pushed == len(waiting) and report.pending == 0 and report.conflicts == 0
        assert _entity_count(server_db, "application_notes") == 2
        assert_converged(ws.db, server_db)
    finally:
        proxy.close()
        server.stop()
        server_db.close()


# --- 5. the server restored from an older backup -------------------------------------------


def test_server_restored_from_an_older_backup(tmp_path: Path) -> None:
    server_dir, server_db, nauheim = _server_with_town(tmp_path)
    trebur = add_town(server_db, "06433012", "Trebur", "TRE")
    server = ServerProcess(server_dir).start()
    try:
        north = enrol_workstation(server_db, server.url, nauheim, tmp_path / "n", "anna")
        south = enrol_workstation(server_db, server.url, trebur, tmp_path / "t", "tom")
        application_id = register(north)
        camera = register_device(north, "KGG-KS-001", "Wärmebildkamera testo 865", "Wärmebildkamera")
        sync_until_quiet([north, south])
        backup = tmp_path / "backup.sqlite3"
        server_cli(server_dir, "backup", str(backup))

        # Work the backup does not have: both offices push, both see each other's pool rows.
        add_note(north, application_id, "Nach der Sicherung notiert.")
        set_follow_up(north, application_id, dt.date(2026, 12, 3), "Nachfassen")
        first = book_device(
            north, camera, dt.date(2026, 12, 1), dt.date(2026, 12, 3), "Erika M.", today=TODAY
        )
        second = book_device(south, camera, dt.date(2026, 12, 7), dt.date(2026, 12, 9), "Max B.", today=TODAY)
        sync_until_quiet([north, south])
        lost = {r[0] for r in processed(server_db)}
        loans_before = set(server_view(server_db, ["pool"])["loans"])
        old_epoch = state(north.db, "epoch")

        server.stop()
        server_db.close()
        server_cli(server_dir, "restore", str(backup))
        server.start()
        server_db = SqliteServerDatabase(server_dir / SQLITE_FILE)
        assert _entity_count(server_db, "loans") == 0  # the backup knows nothing of them

        reports = [sync_once(ws.db) for ws in (south, north)]
        assert all(r.rebuilt for r in reports)
        assert state(north.db, "epoch") != old_epoch
        assert [r.pushed for r in reports] == [1, 3]  # exactly what the backup lacks, from the kept outbox
        sync_until_quiet([north, south])

        assert {r[0] for r in processed(server_db)} >= lost
        assert set(server_view(server_db, ["pool"])["loans"]) == loans_before == {first, second}
        assert _entity_count(server_db, "application_notes") == 1
        assert rows(north.db, "SELECT follow_up_on FROM applications WHERE id = ?", application_id) == [
            ("2026-12-03",)
        ]
        for ws in (north, south):
            assert_converged(ws.db, server_db)
            assert rows(ws.db, "SELECT count(*) FROM sync_conflicts") == [(0,)]
    finally:
        server.stop()
        server_db.close()


# --- 6. the client's database restored from an old copy ------------------------------------


@pytest.mark.parametrize("new_changes", [1, 6], ids=["fewer-than-lost", "more-than-lost"])
def test_client_database_restored_from_an_old_copy(
    new_changes: int, sqlite_server: ServerThread, tmp_path: Path
) -> None:
    town = add_town(sqlite_server.db, "06433009", "Nauheim", "NAU")
    folder = tmp_path / "ws"
    ws = enrol_workstation(sqlite_server.db, sqlite_server.url, town, folder, LOGIN)
    application_id = register(ws)
    sync_once(ws.db)
    ws.db.close()
    shutil.copytree(folder, tmp_path / "old-copy")  # while the app is closed

    ws = reopen(folder, LOGIN)
    add_note(ws, application_id, "Nur in der neueren Datenbank.")
    set_follow_up(ws, application_id, dt.date(2026, 12, 1), "Gutachten")
    add_note(ws, application_id, "Auch nur in der neueren.")
    sync_once(ws.db)
    old_client = state(ws.db, "client_id")
    lost = [r[1] for r in outbox(ws.db)]
    ws.db.close()

    shutil.rmtree(folder)
    shutil.copytree(tmp_path / "old-copy", folder)
    ws = reopen(folder, LOGIN)
    try:
        for n in range(new_changes):
            add_note(ws, application_id, f"Nach der Rücksicherung {n + 1}")
        fresh = pending(ws.db)

        report = sync_once(ws.db)
        assert report.rebound and report.pending == 0 and report.conflicts == 0
        new_client = state(ws.db, "client_id")
        assert new_client != old_client
        assert credentials.load(state(ws.db, "store_id")).client_id == new_client
        (old,) = server_rows(
            sqlite_server.db, "SELECT revoked_at, replaced_by FROM clients WHERE id = ?", old_client
        )
        assert old[0] is not None and old[1] == new_client
        # The new work went up under the new identity, numbered from 1.
        mine = [(r[0], r[2], r[3]) for r in processed(sqlite_server.db) if r[1] == new_client]
        assert [m[0] for m in mine] == fresh and [m[1] for m in mine] == list(range(1, new_changes + 1))
        # Nothing of the server's was lost: the newer database's work came back by pull.
        assert {r[0] for r in processed(sqlite_server.db)} >= set(lost)
        assert rows(ws.db, "SELECT follow_up_on FROM applications WHERE id = ?", application_id) == [
            ("2026-12-01",)
        ]
        assert rows(ws.db, "SELECT count(*) FROM application_notes") == [(2 + new_changes,)]
        assert _entity_count(sqlite_server.db, "application_notes") == 2 + new_changes
        assert_converged(ws.db, sqlite_server.db)
        assert sync_once(ws.db).rebound is False  # once is enough
    finally:
        ws.db.close()


def test_server_restore_drops_rows_only_the_lost_history_had(tmp_path: Path) -> None:
    """A double booking decided after the backup: after the restore the other office re-sends
    first and wins this time. Its old conflict record (and the loser's withdrawn loan) existed
    only in the lost history; the rebuilt offices must not keep them."""
    server_dir, server_db, nauheim = _server_with_town(tmp_path)
    trebur = add_town(server_db, "06433012", "Trebur", "TRE")
    server = ServerProcess(server_dir).start()
    try:
        north = enrol_workstation(server_db, server.url, nauheim, tmp_path / "n", "anna")
        south = enrol_workstation(server_db, server.url, trebur, tmp_path / "t", "tom")
        camera = register_device(north, "KGG-KS-001", "Wärmebildkamera testo 865", "Wärmebildkamera")
        sync_until_quiet([north, south])
        backup = tmp_path / "backup.sqlite3"
        server_cli(server_dir, "backup", str(backup))

        first = book_device(
            north, camera, dt.date(2026, 12, 1), dt.date(2026, 12, 3), "Erika M.", today=TODAY
        )
        second = book_device(south, camera, dt.date(2026, 12, 2), dt.date(2026, 12, 4), "Max B.", today=TODAY)
        sync_until_quiet([north, south])
        (lost_conflict,) = rows(south.db, "SELECT id, entity_id FROM sync_conflicts")
        assert lost_conflict[1] == second

        server.stop()
        server_db.close()
        server_cli(server_dir, "restore", str(backup))
        server.start()
        server_db = SqliteServerDatabase(server_dir / SQLITE_FILE)

        # South re-sends first (its booking stands now); its rebuild is broken off once and resumes.
        with interrupt_at("pull:inside-apply"), pytest.raises(InterruptedRoundError):
            sync_once(south.db)
        assert rows(south.db, "SELECT id FROM sync_conflicts") == [(lost_conflict[0],)]
        assert state(south.db, "rebuild")
        assert sync_once(south.db).rebuilt
        assert state(south.db, "rebuild") is None
        assert sync_once(north.db).conflicts == 1
        sync_until_quiet([north, south])

        assert set(server_view(server_db, ["pool"])["loans"]) == {second}
        assert overlapping_blocking_loans(server_db) == []
        assert rows(south.db, "SELECT id FROM sync_conflicts") == []  # the lost history's verdict is gone
        assert rows(north.db, "SELECT entity_id FROM sync_conflicts") == [(first,)]
        for ws in (north, south):
            assert rows(ws.db, "SELECT id FROM loans") == [(second,)]
            assert_converged(ws.db, server_db)
    finally:
        server.stop()
        server_db.close()


def test_server_restore_keeps_workstations_that_refreshed_their_tokens_since(tmp_path: Path) -> None:
    server_dir, server_db, town = _server_with_town(tmp_path)
    server = ServerProcess(server_dir).start()
    try:
        ws = enrol_workstation(server_db, server.url, town, tmp_path / "ws", LOGIN)
        sync_once(ws.db)
        backup = tmp_path / "backup.sqlite3"
        server_cli(server_dir, "backup", str(backup))
        # The access token runs out (15 minutes later): the next round rotates the tokens.
        expire_access_token(ws.db)
        sync_once(ws.db)

        server.stop()
        server_db.close()
        server_cli(server_dir, "restore", str(backup))
        server.start()
        server_db = SqliteServerDatabase(server_dir / SQLITE_FILE)
        assert sync_once(ws.db).rebuilt
    finally:
        server.stop()
        server_db.close()


# --- 7. the client's clock days off ---------------------------------------------------------


def _refreshes(server_db: ServerDatabase) -> int:
    # Each refresh moves a client's refresh token one generation on (enrolment issues the first).
    return server_rows(server_db, "SELECT coalesce(sum(refresh_generation - 1), 0) FROM clients")[0][0]


def test_client_clock_days_off_orders_nothing(sqlite_server: ServerThread, tmp_path: Path) -> None:
    town = add_town(sqlite_server.db, "06433009", "Nauheim", "NAU")
    folder = tmp_path / "ws"
    ws = enrol_workstation(sqlite_server.db, sqlite_server.url, town, folder, LOGIN)
    application_id = register(ws)
    sync_once(ws.db)
    store_id = state(ws.db, "store_id")
    ws.db.close()

    # Three Wiedervorlagen, each set in a child whose clock is off: later by sequence number,
    # earlier by the clock every time.
    wanted = [(3, "2026-12-01"), (0, "2026-12-02"), (-5, "2026-12-03")]
    for days, on in wanted:
        env = child_env(tmp_path, clock_offset=dt.timedelta(days=days))
        done = run_child("follow-up", str(folder), LOGIN, application_id, on, env=env)
        assert done.returncode == 0, done.stderr
    changes = [r for r in outbox(folder) if r[3] is None]
    assert [r[2] for r in changes] == ["set_follow_up"] * 3
    stamps = [dt.datetime.fromisoformat(r[5]) for r in changes]
    assert stamps == sorted(stamps, reverse=True)  # the wall clock ran backwards …
    assert dt.timedelta(days=2, hours=23) < stamps[0] - stamps[1] < dt.timedelta(days=3, hours=1)
    assert dt.timedelta(days=4, hours=23) < stamps[1] - stamps[2] < dt.timedelta(days=5, hours=1)

    # A sync from a clock three days ahead: the access token looks expired, so the client
    # refreshes early (the server judges by its own clock) and the round goes through.
    refreshed = _refreshes(sqlite_server.db)
    ahead = cli_sync(folder, tmp_path, clock_offset=dt.timedelta(days=3))
    assert ahead.returncode == 0, ahead.stderr
    assert json.loads(ahead.stdout)["pending"] == 0
    assert _refreshes(sqlite_server.db) == refreshed + 1
    assert credentials.load(store_id).access_expires_at > time.time() + 2 * 86400

    # … and the server applied by sequence number: the last one set wins, not the latest clock.
    mine = [r for r in processed(sqlite_server.db) if r[0] in {c[1] for c in changes}]
    assert [r[0] for r in sorted(mine, key=lambda r: r[2])] == [c[1] for c in changes]
    (data,) = server_rows(
        sqlite_server.db, "SELECT data FROM entities WHERE kind = 'applications' AND id = ?", application_id
    )[0]
    assert json.loads(data)["follow_up_on"] == "2026-12-03"

    # Back on the right clock, the client believes its token good for three more days; the
    # server's clock says it ran out. One refusal, one refresh, and the round goes on.
    ws = reopen(folder, LOGIN)
    try:
        add_note(ws, application_id, "Mit richtiger Uhr notiert.")
        # The server voids every access token issued before the next second.
        not_before = int(time.time()) + 1
        with sqlite_server.db.transaction() as tx:
            tx.execute("UPDATE clients SET access_not_before = ?", (not_before,))
        time.sleep(max(0.0, not_before - time.time()) + 0.05)
        report = sync_once(ws.db)
        assert report.pushed == 1 and report.pending == 0
        assert _refreshes(sqlite_server.db) == refreshed + 2
        assert rows(ws.db, "SELECT follow_up_on FROM applications WHERE id = ?", application_id) == [
            ("2026-12-03",)
        ]
    finally:
        ws.db.close()

    # A clock three days behind: the token looks fresh and is; nothing else depends on it.
    behind = cli_sync(folder, tmp_path, clock_offset=dt.timedelta(days=-3))
    assert behind.returncode == 0, behind.stderr
    ws = reopen(folder, LOGIN)
    try:
        assert_converged(ws.db, sqlite_server.db)
    finally:
        ws.db.close()
