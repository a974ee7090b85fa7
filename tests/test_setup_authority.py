"""The authority at first start: a Stadt's letters are signed by the Magistrat, a Gemeinde's by
the Gemeindevorstand; never "Gemeinde Stadt Teststadt – Der Gemeindevorstand"."""

from __future__ import annotations

import dataclasses

import pytest

from kommune_desk.domain.authority import authority_of
from kommune_desk.domain.records import MunicipalityKind
from kommune_desk.domain.validation import ValidationError
from kommune_desk.services.setup import set_up_office
from kommune_desk.services.workspace import load_workspace
from kommune_desk.storage.database import Database

from .conftest import LOGIN, setup_input


@pytest.mark.parametrize(
    ("name", "kind", "expected_kind", "letterhead"),
    [
        ("Stadt Teststadt", "", MunicipalityKind.STADT, "Stadt Teststadt – Der Magistrat"),
        ("Teststadt", "stadt", MunicipalityKind.STADT, "Stadt Teststadt – Der Magistrat"),
        ("Gemeinde Nauheim", "", MunicipalityKind.GEMEINDE, "Gemeinde Nauheim – Der Gemeindevorstand"),
        ("Nauheim", "gemeinde", MunicipalityKind.GEMEINDE, "Gemeinde Nauheim – Der Gemeindevorstand"),
        ("Nauheim", "", MunicipalityKind.GEMEINDE, "Gemeinde Nauheim – Der Gemeindevorstand"),
    ],
)
def test_the_kind_decides_who_signs(
    db: Database, name: str, kind: str, expected_kind: MunicipalityKind, letterhead: str
) -> None:
    data = setup_input(municipality_name=name)
    set_up_office(db, dataclasses.replace(data, kind=kind, phone="06152  123-0", email="rathaus@example.org"))
    ws = load_workspace(db, LOGIN)
    assert ws is not None
    assert ws.municipality.kind is expected_kind
    assert authority_of(ws.municipality.kind, ws.municipality.name).letterhead == letterhead
    assert (ws.municipality.phone, ws.municipality.email) == ("06152 123-0", "rathaus@example.org")


def test_a_name_that_contradicts_the_chosen_kind_is_refused_and_nothing_is_written(db: Database) -> None:
    with pytest.raises(ValidationError) as refused:
        set_up_office(
            db, dataclasses.replace(setup_input(municipality_name="Gemeinde Teststadt"), kind="stadt")
        )
    assert "passt nicht zur Art »Stadt«" in " ".join(refused.value.messages)
    assert load_workspace(db, LOGIN) is None
