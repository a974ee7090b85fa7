"""The sync protocol's one typed module: the client's check of answers, and the server's OpenAPI
made from the very same classes."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest

from kommune_desk.domain import protocol
from kommune_desk.domain.protocol import (
    Change,
    Hello,
    MutationOutcome,
    ProtocolError,
    PullResponse,
    PushRequest,
    PushResponse,
    parse,
)

_HELLO = {
    "protocol": 1, "min_client_schema": 6, "epoch": "ab12", "client_id": "c1", "office_id": "o1",
    "municipality_id": "m1", "scopes": ["municipality:m1", "pool", "shared"], "last_seq": 12,
    "server_time": "2026-12-06T10:00:00+00:00",
}  # fmt: skip


def test_a_well_formed_answer_becomes_its_record_and_unknown_fields_are_ignored() -> None:
    hello = parse(Hello, {**_HELLO, "added_by_a_newer_server": True})
    assert hello == Hello(**_HELLO)
    page = parse(
        PullResponse,
        {"epoch": "e", "scope": "pool", "cursor": 7, "has_more": False,
         "changes": [
             {"kind": "devices", "id": "d1", "version": 7, "deleted": False, "data": {"name": "Kamera"}},
             {"kind": "devices", "id": "d2", "version": 6, "deleted": True, "data": None},
         ]},
    )  # fmt: skip
    assert page.changes == [
        Change("devices", "d1", 7, False, {"name": "Kamera"}),
        Change("devices", "d2", 6, True, None),
    ]
    assert page.reset_required is False  # the default of a field the answer left out


@pytest.mark.parametrize(
    ("answer", "where"),
    [
        ({k: v for k, v in _HELLO.items() if k != "epoch"}, "Hello.epoch: fehlt"),
        ({**_HELLO, "last_seq": "12"}, "Hello.last_seq: Zahl erwartet"),
        ({**_HELLO, "last_seq": True}, "Hello.last_seq: Zahl erwartet"),
        ({**_HELLO, "last_seq": -1}, "Hello.last_seq: Wert außerhalb"),
        ({**_HELLO, "client_id": ""}, "Hello.client_id: Länge"),
        ({**_HELLO, "client_id": "x" * 65}, "Hello.client_id: Länge"),
        ({**_HELLO, "scopes": "pool"}, "Hello.scopes: Liste erwartet"),
        ({**_HELLO, "scopes": ["pool", 3]}, r"Hello.scopes\[1\]: Text erwartet"),
        ([_HELLO], "Hello: Objekt erwartet"),
    ],
)
def test_a_malformed_answer_names_the_field(answer: object, where: str) -> None:
    with pytest.raises(ProtocolError, match=where):
        parse(Hello, answer)


def test_outcomes_and_nested_records_are_checked_to_the_leaf() -> None:
    good = {"results": [{"seq": 1, "mutation_id": "m", "outcome": "applied"}], "expected_seq": None}
    assert parse(PushResponse, good).results == [MutationOutcome(1, "m", "applied", "")]
    with pytest.raises(ProtocolError, match=r"results\[0\].outcome: unerwarteter Wert"):
        parse(PushResponse, {"results": [{"seq": 1, "mutation_id": "m", "outcome": "maybe"}]})
    with pytest.raises(ProtocolError, match=r"changes\[0\].data: Objekt erwartet"):
        bad_change = {"kind": "k", "id": "i", "version": 1, "deleted": False, "data": []}
        parse(
            PullResponse,
            {"epoch": "", "scope": "pool", "cursor": 0, "has_more": False, "changes": [bad_change]},
        )


def test_every_shape_of_the_module_can_be_checked() -> None:
    """A field type the client's check does not know would fail here, not at a clerk's desk."""
    shapes = [
        value for value in vars(protocol).values()
        if isinstance(value, type) and dataclasses.is_dataclass(value)
        and value.__module__ == protocol.__name__
    ]  # fmt: skip
    assert len(shapes) >= 18
    for shape in shapes:
        protocol._checker(shape)  # builds lazily: force every field's check
        for hint in typing.get_type_hints(shape, include_extras=True).values():
            protocol._checker(hint)


def test_the_server_publishes_the_same_limits_the_client_checks(tmp_path: Path) -> None:
    from kommune_desk.server import admin
    from kommune_desk.server.app import create_app
    from kommune_desk.server.db import SqliteServerDatabase

    db = SqliteServerDatabase(tmp_path / "server.sqlite3")
    admin.prepare(db)
    schemas = create_app(db).openapi()["components"]["schemas"]
    db.close()
    assert schemas["PushRequest"]["properties"]["mutations"]["maxItems"] == 1000
    assert schemas["PushRequest"]["additionalProperties"] is False  # requests: unknown fields refused
    assert schemas["Mutation"]["properties"]["seq"]["minimum"] == 1
    assert schemas["Hello"]["properties"]["last_seq"]["minimum"] == 0
    assert set(schemas["MutationOutcome"]["properties"]["outcome"]["enum"]) == {
        "applied",
        "conflict",
        "rejected",
    }
    # The request the client builds is what the server's model takes.
    request = PushRequest(mutations=[])
    assert protocol.as_json(request) == {"mutations": []}
