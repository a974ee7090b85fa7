"""FIM-keyed Fachdaten: the applicant found by the FIM base fields, the form labelled by the
submission schema (imported by CLI, all or nothing), labels appearing once the schema arrives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kommune_desk.domain.form_schema import MISSING_SCHEMA_NOTE, FormSchema, display_value, form_lines
from kommune_desk.domain.validation import ValidationError
from kommune_desk.intake import write_submission
from kommune_desk.services.cases import read_case
from kommune_desk.services.form_schemas import import_schemas, list_schemas
from kommune_desk.services.intake import Outcome, import_submission
from kommune_desk.services.workspace import Workspace

from .test_intake_service import _cli

FIXTURES = Path(__file__).parent / "fixtures" / "fim"
SCHEMA_FILE = FIXTURES / "hundesteuer-anmeldung.schema.json"
SCHEMA_URI = "https://schema.fitko.de/fim/s06000123_1.0.schema.json"
HUNDESTEUER = "99108008001000"


def _fim_submission(tmp_path: Path, data: dict | None = None, name: str = "fim") -> Path:
    raw = (
        (FIXTURES / "hundesteuer-anmeldung.data.json").read_bytes()
        if data is None
        else json.dumps(data).encode()
    )
    return write_submission(tmp_path / name, leika_id=HUNDESTEUER, data_bytes=raw, schema_uri=SCHEMA_URI)


def test_the_applicant_comes_from_the_fim_base_fields(workspace: Workspace, tmp_path: Path) -> None:
    result = import_submission(workspace, _fim_submission(tmp_path))
    assert result.outcome is Outcome.IMPORTED
    case = read_case(workspace, result.application_id)
    assert case.applicant_name == "Weiß-Öztürk, Jürgen"  # sorted by surname, like paper entries
    assert (case.applicant_street, case.applicant_postal_code, case.applicant_city) == (
        "Mainzer Straße 12a", "64521", "Groß-Gerau",
    )  # fmt: skip
    assert (case.applicant_email, case.applicant_phone) == ("j.weiss@example.org", "06152 98765")
    assert "Antragstellerin" not in case.clarification_reason  # the name was found


def test_without_the_schema_the_fields_show_their_ids_and_a_note_then_labels_appear(
    workspace: Workspace, tmp_path: Path
) -> None:
    result = import_submission(workspace, _fim_submission(tmp_path))
    before = read_case(workspace, result.application_id)
    assert before.form_note == MISSING_SCHEMA_NOTE
    assert ("G06000100 › 1 › F06000101", "Bello") in [(line.label, line.value) for line in before.form_lines]

    done = _cli(workspace.db.data_dir, "schema", "import", str(SCHEMA_FILE))
    assert done.returncode == 0, done.stderr
    assert f"{SCHEMA_URI}: übernommen (Anmeldung eines Hundes zur Hundesteuer)" in done.stdout

    after = read_case(workspace, result.application_id)  # the same case: no re-import
    assert after.form_note == ""
    shown = [(line.label, line.value, line.level, line.heading) for line in after.form_lines]
    assert ("Antragstellende Person", "", 0, True) in shown
    assert ("Anschrift Inland", "", 1, True) in shown
    assert ("Straße", "Mainzer Straße", 2, False) in shown
    assert shown.index(("Hund 1", "", 0, True)) < shown.index(("Hund 2", "", 0, True))
    assert ("Name des Hundes", "Luna", 1, False) in shown
    assert ("Rasse", "Dackel", 1, False) in shown  # code list label, not "001"
    assert ("Rasse", "Mischling / andere Rasse", 1, False) in shown
    assert ("Wurfdatum", "17.03.2024", 1, False) in shown
    assert ("Gefährlicher Hund nach HundeVO", "nein", 1, False) in shown
    assert ("Schulterhöhe in cm", "24,5", 1, False) in shown
    assert ("Beginn der Hundehaltung", "01.11.2026", 0, False) in shown
    assert ("Vorherige Hundesteuer in anderer Gemeinde", "ja", 0, False) in shown
    assert ("Antragsdatum", "20.11.2026", 0, False) in shown  # from the metadata, not the schema
    assert not any(line.label.startswith(("F0", "G0", "F6")) for line in after.form_lines)


def test_schema_import_is_all_or_nothing_with_a_german_message(workspace: Workspace, tmp_path: Path) -> None:
    broken = tmp_path / "kaputt.json"
    broken.write_text('{"title": "ohne Kennung", "properties": {}}', encoding="utf-8")
    not_json = tmp_path / "text.json"
    not_json.write_text("kein JSON", encoding="utf-8")
    with pytest.raises(ValidationError) as refused:
        import_schemas(workspace, [SCHEMA_FILE, broken, not_json])
    text = "\n".join(refused.value.messages)
    assert "kaputt.json: Dem Schema fehlt seine Kennung ($id)" in text
    assert "text.json:" in text and "Es wurde kein Schema übernommen." in text
    assert list_schemas(workspace) == []

    done = _cli(workspace.db.data_dir, "schema", "import", str(SCHEMA_FILE), str(broken))
    assert done.returncode == 1 and "kaputt.json" in done.stderr
    assert list_schemas(workspace) == []


def test_importing_the_same_schema_again_changes_nothing(workspace: Workspace) -> None:
    first = import_schemas(workspace, [SCHEMA_FILE])
    again = import_schemas(workspace, [SCHEMA_FILE])
    assert [r.new for r in first] == [True] and [r.new for r in again] == [False]
    assert [uri for uri, _title, _at in list_schemas(workspace)] == [SCHEMA_URI]
    conn = workspace.db.reader()
    try:
        pushed = conn.execute(
            "SELECT scope, effects FROM outbox WHERE name = 'import_form_schema'"
        ).fetchall()
    finally:
        conn.close()
    assert len(pushed) == 1 and pushed[0][0] == "shared"  # delivered to every office
    assert json.loads(pushed[0][1])[0]["kind"] == "form_schemas"


def test_an_organisation_with_its_address_beside_the_person(workspace: Workspace, tmp_path: Path) -> None:
    data = {
        "G17003637": {
            "F60000319": "Hundeverein Nauheim e. V.",
            "F60000228": "Erika",
            "F60000227": "Mustermann",
            "G60000085": {"F60000242": "verein@example.org"},
        },
        "G17000001": {"G60000086": {"F60000243": "Am Sportfeld", "F60000244": "3",
                                    "F60000246": "64569", "F60000247": "Nauheim"}},
    }  # fmt: skip
    case = read_case(workspace, import_submission(workspace, _fim_submission(tmp_path, data)).application_id)
    assert case.applicant_name == "Hundeverein Nauheim e. V. (z. Hd. Erika Mustermann)"
    assert (case.applicant_street, case.applicant_city, case.applicant_email) == (
        "Am Sportfeld 3", "Nauheim", "verein@example.org",
    )  # fmt: skip


def test_our_convention_reads_a_nested_address(workspace: Workspace, tmp_path: Path) -> None:
    source = write_submission(
        tmp_path / "verschachtelt",
        leika_id=HUNDESTEUER,
        applicant={
            "vorname": "Anna", "nachname": "Groß",
            "anschrift": {"straße": "Lindenweg", "hausnummer": "5", "postleitzahl": "64569", "ort": "Nauheim",
                          "zusatz": "Hinterhaus"},
        },
    )  # fmt: skip
    case = read_case(workspace, import_submission(workspace, source).application_id)
    assert (case.applicant_street, case.applicant_postal_code, case.applicant_city) == (
        "Lindenweg 5", "64569", "Nauheim",
    )  # fmt: skip
    assert ("Antragsteller › Anschrift › Zusatz", "Hinterhaus") in [
        (x.label, x.value) for x in case.form_lines
    ]


def test_a_hostile_schema_never_crashes_the_labelling() -> None:
    looping = FormSchema(
        {"$id": "urn:x", "properties": {"F1": {"$ref": "#/$defs/A"}},
         "$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}}
    )  # fmt: skip
    remote = FormSchema({"$id": "urn:y", "properties": {"F1": {"$ref": "https://example.org/x.json"}}})
    odd = FormSchema({"$id": "urn:z", "properties": {"F1": {"title": ["keine", "Zeichenkette"], "type": 5}}})
    form = {"F1": "<b>x</b>", "F1.2.3": "\u202etxt", "": "leer"}
    for schema in (looping, remote, odd):
        lines = form_lines(form, schema)
        assert [line.value for line in lines if not line.heading] == ["<b>x</b>", "\u202etxt", "leer"]
    assert display_value("31.02.2026", {"type": "string", "format": "date"}) == "31.02.2026"
    assert display_value("kein Datum", {"format": "date-time"}) == "kein Datum"


def test_a_single_repetition_without_its_number_is_still_labelled() -> None:
    schema = FormSchema(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    lines = form_lines({"G06000100.F06000102": "002"}, schema)  # data.xml: one <G06000100> element
    assert [(line.label, line.value) for line in lines if not line.heading] == [
        ("Rasse", "Labrador Retriever")
    ]
