"""Token refresh under faults, on both backends: a lost answer or a crash at any point of a refresh
never locks a workstation out; a copied refresh token still does; a workstation locked out is
enrolled again in the same folder and its stranded work reaches the server exactly once."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx
import pytest

from kommune_desk.domain.replication import PROBLEM_HEADER, WORKSTATION_REVOKED
from kommune_desk.server import admin
from kommune_desk.server.auth import revoke_client
from kommune_desk.server.db import ServerDatabase
from kommune_desk.services.cases import add_note
from kommune_desk.services.sync import ALREADY_ENROLLED, enrol, sync_once, sync_status
from kommune_desk.sync import credentials
from kommune_desk.sync.errors import NotAuthorisedError, OfflineError, SyncError, WorkstationRevokedError
from kommune_desk.sync.lock import exclusive_round
from tests.sync.fault_support import (
    LoopbackProxy,
    assert_converged,
    cli_sync,
    enrol_workstation,
    expire_access_token,
    outbox,
    pending,
    processed,
    register,
    reopen,
    server_rows,
    state,
)
from tests.sync.harness import ServerThread, Town, add_town

LOGIN = "anna"


def _client(server_db: ServerDatabase, client_id: str) -> tuple[int, str | None]:
    """(refresh generation, revoked_at) of a client on the server."""
    ((generation, revoked_at),) = server_rows(
        server_db, "SELECT refresh_generation, revoked_at FROM clients WHERE id = ?", client_id
    )
    return int(generation), revoked_at


def _nauheim(server: ServerThread) -> Town:
    return add_town(server.db, "06433009", "Nauheim", "NAU")


# --- a lost answer ---------------------------------------------------------------------------


def test_a_lost_refresh_answer_locks_nothing_out(server: ServerThread, tmp_path: Path) -> None:
    """The report's reproduction: the CLI through a proxy that drops one /v1/token answer."""
    proxy = LoopbackProxy(server.port)
    folder = tmp_path / "ws"
    ws = enrol_workstation(server.db, proxy.url, _nauheim(server), folder, LOGIN)
    try:
        application_id = register(ws)
        client_id = state(ws.db, "client_id")
        generation, _ = _client(server.db, client_id)
        expire_access_token(ws.db)
        ws.db.close()

        proxy.drop_response("/v1/token")
        lost = cli_sync(folder, tmp_path)
        assert lost.returncode == 1 and "nicht erreichbar" in lost.stderr
        assert proxy.dropped == [("/v1/token", "response")]
        # The server rotated and committed; the office never heard of it and still waits.
        assert _client(server.db, client_id) == (generation + 1, None)
        assert len(pending(folder)) == 1

        finished = cli_sync(folder, tmp_path)
        assert finished.returncode == 0, finished.stderr
        report = json.loads(finished.stdout)
        assert report["pushed"] == 1 and report["pending"] == 0
        assert _client(server.db, client_id) == (generation + 1, None)  # the lost one issued again
        assert server_rows(server.db, "SELECT count(*) FROM entities WHERE id = ?", application_id)[0][0] == 1

        ws = reopen(folder, LOGIN)
        assert sync_status(ws.db).locked_out is None
        assert_converged(ws.db, server.db)
        # The next refresh is an ordinary one again.
        expire_access_token(ws.db)
        sync_once(ws.db)
        assert _client(server.db, client_id) == (generation + 2, None)
    finally:
        proxy.close()
        ws.db.close()


# --- a crash at each point of the refresh ----------------------------------------------------


@pytest.mark.parametrize("point", ["token:before-send", "token:after-send", "token:after-save"])
def test_the_cli_killed_during_a_refresh_locks_nothing_out(
    point: str, server: ServerThread, tmp_path: Path
) -> None:
    folder = tmp_path / "ws"
    ws = enrol_workstation(server.db, server.url, _nauheim(server), folder, LOGIN)
    application_id = register(ws)
    waiting = pending(ws.db)
    client_id, store_id = state(ws.db, "client_id"), state(ws.db, "store_id")
    generation, _ = _client(server.db, client_id)
    expire_access_token(ws.db)
    before = credentials.load(store_id)
    ws.db.close()

    killed = cli_sync(folder, tmp_path, failpoint=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    held = credentials.load(store_id)
    if point == "token:before-send":
        # The request id is stored before anything goes out; the server saw nothing.
        assert _client(server.db, client_id) == (generation, None)
        assert held.refresh_token == before.refresh_token and held.refresh_request
    elif point == "token:after-send":
        # The server rotated; the keyring still holds the previous token and the request id.
        assert _client(server.db, client_id) == (generation + 1, None)
        assert held.refresh_token == before.refresh_token and held.refresh_request
    else:
        assert _client(server.db, client_id) == (generation + 1, None)
        assert held.refresh_token != before.refresh_token and held.refresh_request is None
    assert pending(folder) == waiting

    finished = cli_sync(folder, tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout)["pending"] == 0
    assert _client(server.db, client_id)[1] is None
    assert server_rows(server.db, "SELECT count(*) FROM entities WHERE id = ?", application_id)[0][0] == 1
    ws = reopen(folder, LOGIN)
    try:
        assert [r[4] for r in outbox(ws.db) if r[1] in waiting] == ["applied"]
        assert_converged(ws.db, server.db)
    finally:
        ws.db.close()


# --- real reuse still locks out --------------------------------------------------------------


def _enrolled_tokens(http: httpx.Client, server_db: ServerDatabase, town: Town) -> dict:
    answer = http.post("/v1/enrol", json={"code": admin.enrolment_code(server_db, town.office_id)})
    assert answer.status_code == 200
    return answer.json()


def _refresh(http: httpx.Client, token: str, request_id: str | None) -> httpx.Response:
    body = {"refresh_token": token} | ({"request_id": request_id} if request_id else {})
    return http.post("/v1/token", json=body)


def _locked_out(answer: httpx.Response) -> bool:
    return answer.status_code == 401 and answer.headers.get(PROBLEM_HEADER) == WORKSTATION_REVOKED


def test_a_copied_refresh_token_still_locks_the_workstation_out(server: ServerThread) -> None:
    town = _nauheim(server)
    with httpx.Client(base_url=server.url, headers={"X-KommuneDesk-Schema": "99"}) as http:

        def rotated(token: str, request_id: str) -> dict:
            answer = _refresh(http, token, request_id)
            assert answer.status_code == 200, answer.text
            return answer.json()

        # An older generation than the previous one.
        first = _enrolled_tokens(http, server.db, town)
        second = rotated(first["refresh_token"], "anfrage-1")
        rotated(second["refresh_token"], "anfrage-2")
        assert _locked_out(_refresh(http, first["refresh_token"], "anfrage-1"))
        assert _client(server.db, first["client_id"])[1] is not None

        # The previous generation after the new one was used (its access token answered).
        first = _enrolled_tokens(http, server.db, town)
        second = rotated(first["refresh_token"], "anfrage-1")
        hello = http.get("/v1/hello", headers={"Authorization": f"Bearer {second['access_token']}"})
        assert hello.status_code == 200
        assert _locked_out(_refresh(http, first["refresh_token"], "anfrage-1"))
        # … and from then on every token of that workstation says so.
        assert _locked_out(_refresh(http, second["refresh_token"], "anfrage-2"))
        assert _locked_out(
            http.get("/v1/hello", headers={"Authorization": f"Bearer {second['access_token']}"})
        )

        # The previous generation with another request id, or with none: not the same request.
        for other in ("anfrage-9", None):
            first = _enrolled_tokens(http, server.db, town)
            rotated(first["refresh_token"], "anfrage-1")
            assert _locked_out(_refresh(http, first["refresh_token"], other))

        # The same request again, before the new generation was used: answered, twice even, each
        # time with a new secret — so whoever holds a lost answer holds a void token.
        first = _enrolled_tokens(http, server.db, town)
        lost = rotated(first["refresh_token"], "anfrage-1")
        again = rotated(first["refresh_token"], "anfrage-1")
        once_more = rotated(first["refresh_token"], "anfrage-1")
        assert len({lost["refresh_token"], again["refresh_token"], once_more["refresh_token"]}) == 3
        assert (
            http.get("/v1/hello", headers={"Authorization": f"Bearer {lost['access_token']}"}).status_code
            == 401
        )
        assert _locked_out(_refresh(http, lost["refresh_token"], "anfrage-2"))

    # A token that is not ours is simply invalid: no lock-out, no hint.
    with httpx.Client(base_url=server.url) as http:
        forged = _refresh(http, "r.x.1.y.z", "anfrage-1")
        assert forged.status_code == 401 and PROBLEM_HEADER not in forged.headers


# --- enrolled again after a lock-out ---------------------------------------------------------


def test_a_locked_out_workstation_is_enrolled_again_and_sends_its_stranded_work_once(
    server: ServerThread, tmp_path: Path
) -> None:
    proxy = LoopbackProxy(server.port)
    town = _nauheim(server)
    trebur = add_town(server.db, "06433012", "Trebur", "TRE")
    ws = enrol_workstation(server.db, proxy.url, town, tmp_path / "ws", LOGIN)
    try:
        application_id = register(ws)
        sync_once(ws.db)
        old_client, workstation = state(ws.db, "client_id"), state(ws.db, "workstation")
        # One change reaches the server but its answer is lost; one never leaves the office.
        add_note(ws, application_id, "Ortstermin vereinbart.")
        proxy.drop_response("/v1/push")
        with pytest.raises(OfflineError):
            sync_once(ws.db)
        add_note(ws, application_id, "Gutachten liegt vor.")
        stranded = pending(ws.db)
        assert len(stranded) == 2

        # The Kreis IT locks the workstation out (say, after a copied token was reported).
        assert revoke_client(server.db, old_client)
        with pytest.raises(WorkstationRevokedError) as refused:
            sync_once(ws.db)
        assert "gesperrt" in str(refused.value) and "neuen Einrichtungscode" in str(refused.value)
        assert sync_status(ws.db).locked_out == "gesperrt" and pending(ws.db) == stranded

        # A code of another office is refused by the server, unspent, and nothing changes here.
        wrong = admin.enrolment_code(server.db, trebur.office_id)
        with pytest.raises(SyncError, match="anderen Dienststelle"):
            enrol(ws.db, proxy.url, wrong, os_login=LOGIN)
        assert state(ws.db, "client_id") == old_client and pending(ws.db) == stranded
        assert server_rows(
            server.db, "SELECT used_at FROM enrolment_codes WHERE office_id = ?", trebur.office_id
        ) == [(None,)]

        done = enrol(ws.db, proxy.url, admin.enrolment_code(server.db, town.office_id), os_login=LOGIN)
        assert done.again and done.sent == 2 and done.pending == 0
        assert done.message() == (
            "Arbeitsplatz neu eingerichtet (Rathaus Nauheim). "
            "2 noch nicht übertragene Änderungen wurden gesendet."
        )
        new_client = state(ws.db, "client_id")
        assert new_client != old_client and state(ws.db, "workstation") == workstation
        assert sync_status(ws.db).locked_out is None and sync_status(ws.db).last_error is None
        ((replaced_by, revoked_at),) = server_rows(
            server.db, "SELECT replaced_by, revoked_at FROM clients WHERE id = ?", old_client
        )
        assert replaced_by == new_client and revoked_at is not None
        # Exactly once: the change the server had is answered from its stored outcome.
        mine = [r for r in processed(server.db) if r[0] in stranded]
        assert sorted(r[0] for r in mine) == sorted(stranded)
        assert {r[1] for r in mine} == {old_client, new_client}
        assert server_rows(server.db, "SELECT count(*) FROM entities WHERE kind = 'application_notes'") == [
            (2,)
        ]
        assert_converged(ws.db, server.db)

        # Working again, it needs no further code.
        with pytest.raises(SyncError, match="Ein neuer Code ist nicht nötig"):
            enrol(ws.db, proxy.url, admin.enrolment_code(server.db, town.office_id), os_login=LOGIN)
        assert ALREADY_ENROLLED.startswith("Dieser Arbeitsplatz ist bereits eingerichtet")
    finally:
        proxy.close()
        ws.db.close()


def test_tokens_lost_from_the_keyring_are_replaced_by_a_new_code(
    server: ServerThread, tmp_path: Path
) -> None:
    town = _nauheim(server)
    ws = enrol_workstation(server.db, server.url, town, tmp_path / "ws", LOGIN)
    try:
        register(ws)
        old_client = state(ws.db, "client_id")
        credentials.forget(state(ws.db, "store_id"))  # a new Windows profile, say
        with pytest.raises(NotAuthorisedError, match="fehlen im Schlüsselspeicher"):
            sync_once(ws.db)
        assert sync_status(ws.db).locked_out == "ungueltig"
        done = enrol(ws.db, server.url, admin.enrolment_code(server.db, town.office_id), os_login=LOGIN)
        assert done.again and done.sent == 1
        # The old client can never come back: its tokens are gone, but a copy would be refused.
        assert _client(server.db, old_client)[1] is not None
        assert_converged(ws.db, server.db)
    finally:
        ws.db.close()


# --- one round at a time per data folder -----------------------------------------------------


def test_a_second_round_of_the_same_folder_waits_its_turn(server: ServerThread, tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    ws = enrol_workstation(server.db, server.url, _nauheim(server), folder, LOGIN)
    register(ws)
    waiting = pending(ws.db)
    expire_access_token(ws.db)
    client_id = state(ws.db, "client_id")
    generation, _ = _client(server.db, client_id)
    try:
        with exclusive_round(folder):  # a round of the open app, say
            refused = cli_sync(folder, tmp_path)
            assert refused.returncode == 1 and "läuft gerade schon ein Abgleich" in refused.stderr
            assert "Traceback" not in refused.stderr
        # Nothing was refreshed or sent meanwhile; afterwards the round goes through.
        assert _client(server.db, client_id) == (generation, None) and pending(ws.db) == waiting
        assert sync_once(ws.db).pending == 0
    finally:
        ws.db.close()
