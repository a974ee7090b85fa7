"""Typed form fields (issue 14, point 9): German input parsed and normalised, one German message per
faulty field, stored specs read in old and new form, and the service refusing a bad form."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.catalogue import STANDARD_SERVICES
from kommune_desk.domain.form_checks import (
    REQUIRED,
    FieldSpec,
    FieldType,
    FormError,
    check_form,
    display_value,
    parse_amount,
    parse_date,
    parse_decimal,
    specs_from_json,
)
from kommune_desk.domain.records import Channel, Procedure
from kommune_desk.services.applications import register_application
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage import reference

T = FieldType
DATE = FieldSpec("datum", "Datum", T.DATE, required=True)
AMOUNT = FieldSpec("kaufpreis", "Kaufpreis", T.AMOUNT)
NUMBER = FieldSpec("stunden", "Stunden", T.NUMBER, minimum=1)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("24.11.2026", dt.date(2026, 11, 24)),
        (" 1.2.2026 ", dt.date(2026, 2, 1)),
        ("2026-11-24", dt.date(2026, 11, 24)),
        ("29.02.2028", dt.date(2028, 2, 29)),
        ("29.02.2027", None),
        ("31.04.2026", None),
        ("24.11.26", None),
        ("24/11/2026", None),
        ("morgen", None),
        ("24.11.2026; DROP TABLE applications", None),
        ("２４.11.2026", None),  # full-width digits are no date
        ("", None),
    ],
)
def test_dates_are_read_the_german_way(text: str, day: dt.date | None) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1.234,50", 123450),
        ("1234,5", 123450),
        ("12", 1200),
        ("12.50", 1250),  # a portal's decimal point
        ("1.234", 123400),  # German grouping, not 1,234
        ("26,00 €", 2600),
        ("26 EUR", 2600),
        ("1,234", None),  # a tenth of a cent
        ("-5", None),
        ("1e9", None),
        ("NaN", None),
        ("Infinity", None),
        ("12,50,00", None),
        ("1.23.456", None),
        ("9" * 400, None),
    ],
)
def test_amounts_in_cents(text: str, cents: int | None) -> None:
    assert parse_amount(text) == cents


def test_numbers_and_hostile_strings() -> None:
    assert str(parse_decimal("3,5")) == "3.5"
    assert parse_decimal("١٢") is None  # Arabic-Indic digits
    assert parse_decimal("12\u202e") is not None  # a bidi override is stripped, not kept
    result = check_form([NUMBER], {"stunden": "0"})
    assert result.errors == {"stunden": "Bitte eine Zahl ab 1 eingeben."}


def test_a_form_check_gives_one_german_message_per_field_and_normalised_values() -> None:
    result = check_form(
        [
            DATE,
            AMOUNT,
            NUMBER,
            FieldSpec("mail", "E-Mail", T.EMAIL),
            FieldSpec("art", "Art", T.CHOICE, options=("Urne", "Sarg")),
        ],
        {
            "datum": "",
            "kaufpreis": "1.234,5",
            "stunden": "2,50",
            "mail": "nowak@",
            "art": "urne",
            "extra": " frei ",
        },
    )
    assert result.errors == {
        "datum": REQUIRED,
        "mail": "Bitte eine vollständige E-Mail-Adresse eingeben, z. B. name@beispiel.de.",
    }
    assert result.values == {"kaufpreis": "1234.50", "stunden": "2.5", "art": "Urne", "extra": "frei"}
    wrong = check_form([DATE, AMOUNT], {"datum": "31.02.2026", "kaufpreis": "viel"})
    assert wrong.errors == {
        "datum": "Bitte ein Datum im Format TT.MM.JJJJ eingeben, z. B. 24.11.2026.",
        "kaufpreis": "Bitte einen Betrag in Euro eingeben, z. B. 1.234,50.",
    }
    assert check_form([DATE], {"datum": "24.11.2026"}).values == {"datum": "2026-11-24"}
    assert check_form([DATE], {"datum": "x" * 5000}).errors["datum"].startswith("Höchstens 2000 Zeichen")


def test_stored_values_are_shown_in_german() -> None:
    assert display_value(DATE, "2026-11-24") == "24.11.2026"
    assert display_value(AMOUNT, "1234.50") == "1.234,50 €"
    assert display_value(NUMBER, "2.5") == "2,5"
    assert display_value(None, "2026-11-24") == "2026-11-24"
    assert display_value(DATE, "kein Datum") == "kein Datum"


def test_specs_are_read_from_old_pairs_new_objects_and_garbage() -> None:
    stored = json.loads(
        '[["hund_name", "Name des Hundes"],'
        ' {"key": "datum", "label": "Datum", "type": "date", "required": true},'
        ' {"key": "neu", "label": "Neu", "type": "hologram"}, {"label": "ohne Schlüssel"}, 42, ["x"],'
        ' ["hund_name", "doppelt"]]'
    )
    specs = specs_from_json(stored)
    assert specs == (
        FieldSpec("hund_name", "Name des Hundes"),
        FieldSpec("datum", "Datum", T.DATE, required=True),
        FieldSpec("neu", "Neu"),  # an unknown type from a newer client is text
    )
    assert specs_from_json({"not": "a list"}) == ()
    for spec in specs:
        assert FieldSpec.from_json(spec.to_json()) == spec


def test_services_carry_types_and_procedure_and_old_rows_get_the_catalogue_types(
    workspace: Workspace,
) -> None:
    conn = workspace.db.reader()
    try:
        services = {s.name: s for s in reference.list_services(conn, workspace.municipality.id)}
    finally:
        conn.close()
    trade = services["Gewerbeanmeldung"]
    assert trade.procedure is Procedure.ANZEIGE and trade.is_notification
    assert services["Baumfällgenehmigung"].procedure is Procedure.GENEHMIGUNG
    assert dict(trade.form_fields)["beginn"] == "Beginn der Tätigkeit"  # pairs still work
    assert {s.key: s.type for s in trade.specs}["beginn"] is T.DATE
    # A row written by an older client: untyped pairs. The catalogue's types still apply.
    pairs = [
        list(pair) for pair in next(e for e in STANDARD_SERVICES if e.name == "Gewerbeanmeldung").form_fields
    ]
    with workspace.db.write() as conn:
        conn.execute("UPDATE services SET form_fields = ? WHERE id = ?", (json.dumps(pairs), trade.id))
    conn = workspace.db.reader()
    try:
        again = next(s for s in reference.list_services(conn, workspace.municipality.id) if s.id == trade.id)
    finally:
        conn.close()
    assert again.specs == trade.specs


def _count(ws: Workspace, table: str) -> int:
    conn = ws.db.reader()
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def test_the_service_refuses_a_bad_form_and_changes_nothing(workspace: Workspace) -> None:
    conn = workspace.db.reader()
    try:
        service = next(
            s
            for s in reference.list_services(conn, workspace.municipality.id)
            if s.name == "Genehmigung Osterfeuer"
        )
    finally:
        conn.close()
    before = {
        table: _count(workspace, table) for table in ("applications", "outbox", "audit_log", "attachments")
    }
    new = NewApplication(
        service.id, "Roß, Ingrid", Channel.PAPIER, dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
        form_data={"ort": "Festplatz", "datum": "31.04.2026"},
    )  # fmt: skip
    with pytest.raises(FormError) as refused:
        register_application(workspace, new)
    assert refused.value.errors == {
        "datum": "Bitte ein Datum im Format TT.MM.JJJJ eingeben, z. B. 24.11.2026.",
        "verantwortlich": REQUIRED,
    }
    assert "Datum: Bitte ein Datum" in refused.value.messages[0]
    assert {table: _count(workspace, table) for table in before} == before

    fixed = NewApplication(
        service.id, "Roß, Ingrid", Channel.PAPIER, dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
        form_data={"ort": "Festplatz", "datum": "04.04.2026", "verantwortlich": "Freiwillige Feuerwehr"},
    )  # fmt: skip
    case = register_application(workspace, fixed)
    conn = workspace.db.reader()
    try:
        stored = json.loads(
            conn.execute("SELECT form_data FROM applications WHERE id = ?", (case,)).fetchone()[0]
        )
    finally:
        conn.close()
    assert stored == {"ort": "Festplatz", "datum": "2026-04-04", "verantwortlich": "Freiwillige Feuerwehr"}
