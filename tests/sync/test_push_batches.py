"""A push batch is one transaction with its rows written at the end: what one mutation of the
batch does must stand, whatever a later mutation of the same batch runs into (both backends)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kommune_desk.server import exchange
from kommune_desk.server.arbiter import Principal
from kommune_desk.services.sync import sync_once
from tests.sync.fault_support import enrol_workstation, register, state
from tests.sync.harness import ServerThread, add_town

NOWHERE = "0190ffff-0000-7000-8000-000000000000"


def _principal(server: ServerThread, client_id: str) -> Principal:
    with server.db.transaction() as tx:
        row = tx.one("SELECT id, office_id, municipality_id FROM clients WHERE id = ?", (client_id,))
    assert row is not None
    return Principal(*row)


def _application(server: ServerThread, application_id: str) -> dict[str, Any]:
    with server.db.transaction() as tx:
        row = tx.one("SELECT data FROM entities WHERE kind = 'applications' AND id = ?", (application_id,))
    assert row is not None
    return json.loads(row[0])


def _follow_up(application_id: str, new: str, old: str | None) -> dict[str, Any]:
    return {"kind": "applications", "id": application_id, "op": "update",
            "set": {"follow_up_on": new}, "base": {"follow_up_on": old}}  # fmt: skip


def test_a_refused_mutation_takes_back_only_its_own_effects(server: ServerThread, tmp_path: Path) -> None:
    town = add_town(server.db, "06433009", "Nauheim", "NAU")
    ws = enrol_workstation(server.db, server.url, town, tmp_path / "ws", "anna")
    case = register(ws, "Weiß, Jürgen")
    sync_once(ws.db)
    who = _principal(server, state(ws.db, "client_id"))
    with server.db.transaction() as tx:
        last = int(tx.one("SELECT last_seq FROM clients WHERE id = ?", (who.client_id,))[0])
    mutations = [
        # 1: one effect, applied (written only when the batch ends)
        {"seq": last + 1, "mutation_id": "0190aaaa-0000-7000-8000-000000000001", "name": "set_follow_up",
         "effects": [_follow_up(case, "2027-01-04", None)]},
        # 2: two effects; the first is fine, the second names a row the server does not have
        {"seq": last + 2, "mutation_id": "0190aaaa-0000-7000-8000-000000000002", "name": "probe",
         "effects": [_follow_up(case, "2027-02-01", "2027-01-04"),
                     {"kind": "applications", "id": NOWHERE, "op": "update",
                      "set": {"follow_up_note": "x"}, "base": {"follow_up_note": ""}}]},
        # 3: one effect, applied on top of 1
        {"seq": last + 3, "mutation_id": "0190aaaa-0000-7000-8000-000000000003", "name": "set_follow_up",
         "effects": [{"kind": "applications", "id": case, "op": "update",
                      "set": {"follow_up_note": "Rückruf"}, "base": {"follow_up_note": ""}}]},
    ]  # fmt: skip

    result = exchange.push(server.db, who, mutations)

    assert [r["outcome"] for r in result.results] == ["applied", "conflict", "applied"]
    stored = _application(server, case)
    assert stored["follow_up_on"] == "2027-01-04", "mutation 1 stands; 2's first effect was taken back"
    assert stored["follow_up_note"] == "Rückruf"
    with server.db.transaction() as tx:
        assert tx.one("SELECT last_seq FROM clients WHERE id = ?", (who.client_id,)) == (last + 3,)
        outcomes = tx.all(
            "SELECT seq, outcome FROM processed_mutations WHERE client_id = ? AND seq > ? ORDER BY seq",
            (who.client_id, last),
        )
    assert [(int(s), o) for s, o in outcomes] == [
        (last + 1, "applied"),
        (last + 2, "conflict"),
        (last + 3, "applied"),
    ]
    # The same batch again (its answer was lost): the stored outcomes, nothing applied twice.
    again = exchange.push(server.db, who, mutations)
    assert [r["outcome"] for r in again.results] == ["applied", "conflict", "applied"]
    assert _application(server, case) == stored
