"""``kommune-desk-cli clerk``: admins map Windows logins to clerks (real child processes)."""

from __future__ import annotations

import json
from pathlib import Path

from kommune_desk.storage.database import Database

from .test_cli import cli


def test_added_clerk_is_listed(demo_dir: Path) -> None:
    added = cli(
        "--data-dir", str(demo_dir), "clerk", "add", "a.schmidt", "Anna Schmidt", "--role", "teamleitung"
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "Anmeldung »a.schmidt« ist jetzt Anna Schmidt (Teamleitung) zugeordnet."

    listed = cli("--data-dir", str(demo_dir), "clerk", "list")
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if line.startswith("a.schmidt"))
    assert row.split() == ["a.schmidt", "Anna", "Schmidt", "Teamleitung"]

    rows = json.loads(cli("--data-dir", str(demo_dir), "clerk", "list", "--json").stdout)
    assert {
        "anmeldung": "a.schmidt",
        "name": "Anna Schmidt",
        "rolle": "teamleitung",
        "poolverwaltung": False,
    } in rows


def test_the_pool_manager_role_is_given_and_taken(demo_dir: Path) -> None:
    cli("--data-dir", str(demo_dir), "clerk", "add", "p.klima", "Paula Klima")
    given = cli("--data-dir", str(demo_dir), "clerk", "pool-manager", "p.klima")
    assert given.returncode == 0, given.stderr
    assert (
        given.stdout.strip() == "Paula Klima (»p.klima«) gehört jetzt zur Poolverwaltung des Geräteverleihs."
    )
    listed = cli("--data-dir", str(demo_dir), "clerk", "list").stdout
    assert next(line for line in listed.splitlines() if line.startswith("p.klima")).endswith(
        "Sachbearbeitung, Poolverwaltung"
    )
    taken = cli("--data-dir", str(demo_dir), "clerk", "pool-manager", "p.klima", "--off")
    assert taken.returncode == 0 and "nicht mehr" in taken.stdout
    rows = json.loads(cli("--data-dir", str(demo_dir), "clerk", "list", "--json").stdout)
    assert next(r for r in rows if r["anmeldung"] == "p.klima")["poolverwaltung"] is False
    unknown = cli("--data-dir", str(demo_dir), "clerk", "pool-manager", "niemand")
    assert unknown.returncode == 1 and "»niemand« ist niemandem zugeordnet" in unknown.stderr


def test_role_defaults_to_sachbearbeitung(demo_dir: Path) -> None:
    added = cli("--data-dir", str(demo_dir), "clerk", "add", "k.neu", "Kim Neu")
    assert added.returncode == 0, added.stderr
    assert "(Sachbearbeitung)" in added.stdout


def test_a_login_is_mapped_only_once(demo_dir: Path) -> None:
    first = cli("--data-dir", str(demo_dir), "clerk", "add", "a.schmidt", "Anna Schmidt")
    assert first.returncode == 0, first.stderr
    again = cli("--data-dir", str(demo_dir), "clerk", "add", "A.Schmidt", "Andrea Schmidt")
    assert again.returncode == 1
    assert "Die Anmeldung »A.Schmidt« ist bereits jemandem zugeordnet." in again.stderr
    assert "Traceback" not in again.stderr
    rows = json.loads(cli("--data-dir", str(demo_dir), "clerk", "list", "--json").stdout)
    assert [r["name"] for r in rows if r["anmeldung"].lower() == "a.schmidt"] == ["Anna Schmidt"]


def test_bad_input_gives_every_german_message(demo_dir: Path) -> None:
    result = cli("--data-dir", str(demo_dir), "clerk", "add", "a schmidt", " ")
    assert result.returncode == 1
    assert "keine Leerzeichen" in result.stderr and "Bitte geben Sie den Namen an." in result.stderr


def test_clerk_needs_a_set_up_database(tmp_path: Path) -> None:
    empty = tmp_path / "leer"
    Database.open(empty).close()  # a database, but no office set up
    missing = tmp_path / "fehlt"
    for folder in (empty, missing):
        for args in (("list",), ("add", "a.schmidt", "Anna Schmidt")):
            result = cli("--data-dir", str(folder), "clerk", *args)
            assert result.returncode == 1
            assert f"Der Datenordner {folder} ist noch nicht eingerichtet." in result.stderr
            assert "Traceback" not in result.stderr
    assert not missing.exists()
