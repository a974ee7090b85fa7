"""The authority's data after the first start (issue 14, point 3): Teamleitung and Administration
change kind, name, phone, e-mail and address; bad input is refused in German; every change is
audited and pushed; the next letter prints it. Also from the command line and in the dialog."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest

from kommune_desk.documents.model import LetterKind
from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.authority import AuthorityData
from kommune_desk.domain.records import Channel, MunicipalityKind, Role
from kommune_desk.domain.validation import ValidationError
from kommune_desk.services.applications import register_application
from kommune_desk.services.authority import AuthorityError, authority_settings, set_authority
from kommune_desk.services.clerks import add_clerk
from kommune_desk.services.notices import NoticeDetails, build_letter
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.storage import reference

from .conftest import LOGIN
from .test_cli import cli

STADT = AuthorityData(
    "stadt", "Mörfelden-Walldorf", "06105 938-0", "info@moerfelden-walldorf.de", "Westendstraße 8", "64546",
    "Mörfelden-Walldorf",
)  # fmt: skip


def _colleague(ws: Workspace, login: str, role: Role) -> Workspace:
    add_clerk(ws, login, login.title(), role)
    other = load_workspace(ws.db, login)
    assert other is not None
    return other


def _rows(ws: Workspace, sql: str) -> list[tuple[object, ...]]:
    conn = ws.db.reader()
    try:
        return [tuple(row) for row in conn.execute(sql)]
    finally:
        conn.close()


def test_the_first_start_data_can_be_read_back(workspace: Workspace) -> None:
    assert authority_settings(workspace) == AuthorityData(
        "gemeinde", "Nauheim", "", "", "Weingartenstraße 46", "64569", "Nauheim"
    )


def test_only_teamleitung_and_administration_change_it_and_bad_input_is_named(workspace: Workspace) -> None:
    with pytest.raises(ValidationError, match="nur die Teamleitung und die Administration"):
        set_authority(workspace, STADT)
    lead = _colleague(workspace, "t.leitung", Role.TEAMLEITUNG)
    bad = replace(STADT, name="Stadt Mörfelden", phone="0610 abc", email="info@", postal_code="6454")
    with pytest.raises(AuthorityError) as refused:
        set_authority(lead, bad)
    assert set(refused.value.errors) == {"name", "phone", "email", "postal_code"}
    assert "ohne »Stadt« oder »Gemeinde«" in refused.value.errors["name"]
    assert "nur Ziffern" in refused.value.errors["phone"]
    assert _rows(workspace, "SELECT kind, name FROM municipalities") == [("gemeinde", "Gemeinde Nauheim")]


def test_a_change_is_audited_pushed_and_printed_in_the_next_letter(workspace: Workspace) -> None:
    admin = _colleague(workspace, "a.admin", Role.ADMINISTRATION)
    conn = workspace.db.reader()
    service = next(
        s for s in reference.list_services(conn, workspace.municipality.id) if s.name == "Bewohnerparkausweis"
    )
    conn.close()
    case = register_application(
        workspace,
        NewApplication(
            service.id, "Roß, Ingrid", Channel.PAPIER, dt.datetime(2025, 2, 3, 9, tzinfo=dt.UTC),
            applicant_street="Hauptstraße 1", applicant_postal_code="64569", applicant_city="Nauheim",
        ),
    )  # fmt: skip
    before = build_letter(workspace, case, LetterKind.EINGANGSBESTAETIGUNG, NoticeDetails())
    assert before.sender.authority == "Gemeinde Nauheim – Der Gemeindevorstand"

    assert set_authority(admin, STADT) is True
    assert set_authority(admin, STADT) is False  # the same data again writes nothing
    letter = build_letter(workspace, case, LetterKind.EINGANGSBESTAETIGUNG, NoticeDetails())
    assert letter.sender.authority == "Stadt Mörfelden-Walldorf – Der Magistrat"
    assert letter.closing.endswith("Der Magistrat der Stadt Mörfelden-Walldorf")
    assert (letter.sender.phone, letter.sender.email) == ("06105 938-0", "info@moerfelden-walldorf.de")
    assert (letter.info.phone, letter.info.email) == ("06105 938-0", "info@moerfelden-walldorf.de")
    assert letter.sender.address.street == "Westendstraße 8"
    conn = workspace.db.reader()
    try:
        municipality = reference.get_municipality(conn, workspace.municipality.id)
    finally:
        conn.close()
    assert municipality is not None and municipality.kind is MunicipalityKind.STADT

    [(changes,)] = _rows(workspace, "SELECT changes FROM audit_log WHERE action = 'behoerde_geaendert'")
    recorded = json.loads(str(changes))
    assert recorded["kind"] == ["gemeinde", "stadt"] and recorded["phone"] == ["", "06105 938-0"]
    assert _rows(workspace, "SELECT count(*) FROM outbox WHERE name = 'set_authority'") == [(1,)]


def test_the_command_line_shows_and_sets_it(workspace: Workspace, data_dir: Path) -> None:
    _colleague(workspace, "a.admin", Role.ADMINISTRATION)
    base = ("--data-dir", str(data_dir), "authority")
    refused = cli(*base, "set", "--kind", "stadt", login=LOGIN)  # a Sachbearbeiterin may not
    assert refused.returncode != 0 and "nur die Teamleitung und die Administration" in refused.stderr
    bad = cli(*base, "set", "--email", "kein-at", login="a.admin")
    assert bad.returncode != 0 and "E-Mail: Die E-Mail-Adresse ist nicht vollständig" in bad.stderr
    done = cli(
        *base, "set", "--kind", "stadt", "--name", "Teststadt", "--phone", "06152 1234-0", login="a.admin"
    )
    assert done.returncode == 0, done.stderr
    assert "Angaben gespeichert." in done.stdout
    shown = cli(*base, "show", login=LOGIN)
    assert (
        "Art: stadt" in shown.stdout
        and "Name: Teststadt" in shown.stdout
        and "Telefon: 06152 1234-0" in shown.stdout
    )
