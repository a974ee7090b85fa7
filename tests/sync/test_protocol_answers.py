"""The client checks every answer against the protocol module before it changes anything: an
answer of another protocol version or of the wrong shape stops the round with a German message,
and the next round with a proper server goes on as if nothing happened (both backends)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from kommune_desk.domain.protocol import PROTOCOL_HEADER
from kommune_desk.server.app import create_app
from kommune_desk.services.sync import sync_once
from kommune_desk.sync.errors import ProtocolMismatchError, SyncError
from tests.sync.fault_support import access_token, enrol_workstation, local_cursors, outbox, pending, register
from tests.sync.harness import ServerThread, add_town, blob_dir_for

_HEADER = PROTOCOL_HEADER.lower().encode("ascii")
Asgi = Callable[..., Any]


def _speaking(app: Asgi, version: bytes) -> Asgi:
    """The real app, but its answers claim another protocol version."""

    async def wrapped(scope: dict, receive: Callable, send: Callable) -> None:
        async def relabel(message: dict) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k != _HEADER]
                message["headers"] = [*kept, (_HEADER, version)]
            await send(message)

        await app(scope, receive, relabel)

    return wrapped


def _garbling_push(app: Asgi) -> Asgi:
    """The real app (it processes the push), but the answer reaches the client misshapen."""

    async def wrapped(scope: dict, receive: Callable, send: Callable) -> None:
        if scope.get("path") != "/v1/push":
            await app(scope, receive, send)
            return
        start: dict = {}
        body = bytearray()

        async def hold(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.extend(message.get("body", b""))
            if not message.get("more_body"):
                garbled = bytes(body).replace(b'"applied"', b'"vielleicht"')
                headers = [(k, v) for k, v in start["headers"] if k != b"content-length"]
                await send({**start, "headers": [*headers, (b"content-length", str(len(garbled)).encode())]})
                await send({"type": "http.response.body", "body": garbled})

        await app(scope, receive, hold)

    return wrapped


def _workstation(server: ServerThread, folder: Path) -> Any:
    town = add_town(server.db, "06433009", "Nauheim", "NAU")
    return enrol_workstation(server.db, server.url, town, folder, "anna")


def _restart(server: ServerThread, app: Asgi | None = None) -> ServerThread:
    server.stop()
    return ServerThread(server.db, port=server.port, app=app).start()


def test_an_answer_of_another_protocol_version_changes_nothing(server: ServerThread, tmp_path: Path) -> None:
    ws = _workstation(server, tmp_path / "ws")
    register(ws, "Weiß, Jürgen")
    before_outbox, before_cursors = outbox(ws.db), local_cursors(ws.db)
    newer = _restart(server, _speaking(create_app(server.db, blob_dir=blob_dir_for(server.db)), b"2"))
    try:
        with pytest.raises(ProtocolMismatchError, match=r"andere Version des Abgleichs \(2\).*Kreis-IT"):
            sync_once(ws.db)
        assert outbox(ws.db) == before_outbox and local_cursors(ws.db) == before_cursors
    finally:
        newer.stop()
    same = _restart(newer)
    try:
        sync_once(ws.db)
        assert pending(ws.db) == []
    finally:
        same.stop()


def test_a_misshapen_push_answer_is_refused_and_the_next_round_settles_it(
    server: ServerThread, tmp_path: Path
) -> None:
    ws = _workstation(server, tmp_path / "ws")
    case = register(ws, "Öztürk, Ayşe")
    waiting = pending(ws.db)
    assert waiting
    garbling = _restart(server, _garbling_push(create_app(server.db, blob_dir=blob_dir_for(server.db))))
    try:
        expected = r"unerwartete Antwort geschickt \(PushResponse.results\[0\].outcome"
        with pytest.raises(SyncError, match=expected):
            sync_once(ws.db)
        assert pending(ws.db) == waiting, "no outcome was recorded from the refused answer"
    finally:
        garbling.stop()
    proper = _restart(garbling)
    try:
        report = sync_once(ws.db)  # the server answers from its stored outcomes: applied once
        assert pending(ws.db) == [] and report.conflicts == 0
        with proper.db.transaction() as tx:
            assert tx.one(
                "SELECT count(*) FROM entities WHERE kind = 'applications' AND id = ?", (case,)
            ) == (1,)
    finally:
        proper.stop()


def test_the_server_refuses_a_client_of_another_protocol_version(
    server: ServerThread, tmp_path: Path
) -> None:
    ws = _workstation(server, tmp_path / "ws")
    headers = {"Authorization": f"Bearer {access_token(ws.db)}", PROTOCOL_HEADER: "2"}
    answer = httpx.post(f"{server.url}/v1/push", json={"mutations": []}, headers=headers)
    assert answer.status_code == 426
    assert "andere Version des Abgleichs (2)" in answer.json()["detail"]
    assert httpx.get(f"{server.url}/v1/hello", headers={**headers, PROTOCOL_HEADER: "1"}).status_code == 200
