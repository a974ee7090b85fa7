"""Correcting a case's data (Art. 16 DSGVO): with a reason, audited old → new, queued for the
sync, used by the next letter, the original kept unchanged and viewable."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from kommune_desk.documents.model import LetterKind
from kommune_desk.domain.corrections import CaseCorrection
from kommune_desk.domain.validation import ValidationError
from kommune_desk.intake import write_submission
from kommune_desk.services.case_corrections import correct_case, original_data
from kommune_desk.services.cases import export_attachment, read_case
from kommune_desk.services.intake import import_submission
from kommune_desk.services.notices import NoticeDetails, preview_notice
from kommune_desk.services.workspace import Workspace

REASON = "Anruf der Antragstellerin am 06.12.2026"


def _case(ws: Workspace, tmp_path: Path, **applicant: str) -> str:
    person = {"vorname": "Erika", "nachname": "Mustermann", "strasse": "Heidestraße", "hausnummer": "17",
              "plz": "64569", "ort": "Nauheim", "email": "erika@example.org", **applicant}  # fmt: skip
    source = write_submission(tmp_path / "einreichung", applicant=person)
    result = import_submission(ws, source)
    assert result.application_id
    return result.application_id


def _rows(ws: Workspace, sql: str, *params: object) -> list[tuple]:
    conn = ws.db.reader()
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _state(ws: Workspace, case: str) -> tuple:
    """Everything a refused correction must leave as it was."""
    return (
        _rows(ws, "SELECT * FROM applications WHERE id = ?", case),
        _rows(ws, "SELECT count(*) FROM audit_log")[0][0],
        _rows(ws, "SELECT count(*) FROM outbox")[0][0],
    )


def test_a_correction_is_stored_audited_and_queued_and_keeps_the_original(
    workspace: Workspace, tmp_path: Path
) -> None:
    case = _case(workspace, tmp_path)
    changed = correct_case(
        workspace,
        case,
        CaseCorrection(
            reason=REASON,
            applicant={"applicant_street": "Heidestraße 19", "applicant_name": "Musterfrau, Erika"},
            form={"rasse": "Rauhaardackel"},
        ),
    )
    assert changed == 3
    detail = read_case(workspace, case)
    assert (detail.applicant_name, detail.applicant_street) == ("Musterfrau, Erika", "Heidestraße 19")
    assert ("Rasse", "Rauhaardackel") in [(line.label, line.value) for line in detail.form_lines]
    assert detail.corrected

    entry = detail.history[-1]
    assert entry.what == "Angaben berichtigt (Art. 16 DSGVO)"
    assert "Name: Mustermann, Erika → Musterfrau, Erika" in entry.details
    assert "Straße und Hausnummer: Heidestraße 17 → Heidestraße 19" in entry.details
    assert "Angabe »Rasse«: Dackel → Rauhaardackel" in entry.details
    assert f"Grund der Berichtigung: {REASON}" in entry.details

    (effects,) = _rows(workspace, "SELECT effects FROM outbox WHERE name = 'correct_case_data'")[0]
    (update,) = [e for e in json.loads(effects) if e["kind"] == "applications"]
    assert update["set"]["applicant_street"] == "Heidestraße 19"
    assert update["base"]["applicant_street"] == "Heidestraße 17"  # the server sees a clash

    original = original_data(workspace, case)
    assert original is not None
    assert ("Name", "Mustermann, Erika") in original.applicant
    assert ("Rasse", "Dackel") in [(line.label, line.value) for line in original.form]
    # The submission as received is archived unchanged.
    data_file = next(a for a in detail.attachments if a.purpose == "data")
    (tmp_path / "kopie").mkdir()
    archived = json.loads(export_attachment(workspace, data_file.id, tmp_path / "kopie").read_bytes())
    assert archived["antragsteller"]["strasse"] == "Heidestraße"

    correct_case(workspace, case, CaseCorrection(reason=REASON, applicant={"applicant_city": "Groß-Gerau"}))
    again = original_data(workspace, case)
    assert again is not None and ("Ort", "Nauheim") in again.applicant  # the first original stays


@pytest.mark.parametrize(
    ("correction", "message"),
    [
        (CaseCorrection(reason="", applicant={"applicant_city": "Trebur"}), "Grund für die Berichtigung"),
        (CaseCorrection(reason=REASON, applicant={"applicant_postal_code": "6456"}), "fünf Ziffern"),
        (CaseCorrection(reason=REASON, applicant={"applicant_email": "erika@"}), "E-Mail-Adresse"),
        (CaseCorrection(reason=REASON, applicant={"applicant_name": "  "}), "Name"),
        (CaseCorrection(reason=REASON, form={"gibt_es_nicht": "x"}), "nicht hat"),
        (CaseCorrection(reason=REASON, applicant={"applicant_city": "Nauheim"}), "nichts geändert"),
        (CaseCorrection(reason=REASON, applicant={"aktenzeichen": "X"}), "nicht hat"),
    ],
)
def test_a_refused_correction_changes_nothing(
    workspace: Workspace, tmp_path: Path, correction: CaseCorrection, message: str
) -> None:
    case = _case(workspace, tmp_path)
    before = _state(workspace, case)
    with pytest.raises(ValidationError) as refused:
        correct_case(workspace, case, correction)
    assert message in "\n".join(refused.value.messages)
    assert _state(workspace, case) == before


def test_the_next_letter_uses_the_corrected_address(workspace: Workspace, tmp_path: Path) -> None:
    case = _case(workspace, tmp_path, strasse="", hausnummer="")
    details = NoticeDetails(letter_date=dt.date(2026, 12, 7))
    with pytest.raises(ValidationError) as refused:
        preview_notice(workspace, case, LetterKind.EINGANGSBESTAETIGUNG, details)
    assert "Straße und Hausnummer" in "\n".join(refused.value.messages)
    correct_case(
        workspace, case, CaseCorrection(reason=REASON, applicant={"applicant_street": "Lindenweg 5"})
    )
    pdf = preview_notice(workspace, case, LetterKind.EINGANGSBESTAETIGUNG, details)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Lindenweg 5" in text


def test_hostile_text_is_stored_as_text(workspace: Workspace, tmp_path: Path) -> None:
    case = _case(workspace, tmp_path)
    hostile = "<img src=x onerror=alert(1)>\u202e'; DROP TABLE applications;--\x00"
    correct_case(workspace, case, CaseCorrection(reason=REASON, applicant={"applicant_name": hostile}))
    assert (
        read_case(workspace, case).applicant_name
        == "<img src=x onerror=alert(1)>\u202e'; DROP TABLE applications;--"
    )


def test_a_corrected_date_must_be_a_date_and_is_stored_like_every_date(
    workspace: Workspace, tmp_path: Path
) -> None:
    case = _case(workspace, tmp_path)  # Hundesteuer: "Haltung seit" is a date field
    before = _state(workspace, case)
    with pytest.raises(ValidationError) as refused:
        correct_case(workspace, case, CaseCorrection(reason=REASON, form={"haltung_seit": "32.13.2027"}))
    assert refused.value.messages == [
        "Haltung seit: Bitte ein Datum im Format TT.MM.JJJJ eingeben, z. B. 24.11.2026."
    ]
    assert _state(workspace, case) == before

    correct_case(workspace, case, CaseCorrection(reason=REASON, form={"haltung_seit": "15.10.2026"}))
    (form,) = _rows(workspace, "SELECT form_data FROM applications WHERE id = ?", case)[0]
    assert json.loads(form)["haltung_seit"] == "2026-10-15"
    detail = read_case(workspace, case)
    assert ("Haltung seit", "15.10.2026") in [(line.label, line.value) for line in detail.form_lines]
    assert "Angabe »Haltung seit«: 01.11.2026 → 15.10.2026" in detail.history[-1].details


def test_a_fim_date_is_checked_by_its_schema(workspace: Workspace, tmp_path: Path) -> None:
    from kommune_desk.services.form_schemas import import_schemas

    fixtures = Path(__file__).parent / "fixtures" / "fim"
    source = write_submission(
        tmp_path / "fim", data_bytes=(fixtures / "hundesteuer-anmeldung.data.json").read_bytes(),
        schema_uri="https://schema.fitko.de/fim/s06000123_1.0.schema.json",
    )  # fmt: skip
    case = import_submission(workspace, source).application_id
    assert case
    import_schemas(workspace, [fixtures / "hundesteuer-anmeldung.schema.json"])
    key = "G06000100.1.F06000103"  # Hund 1 › Wurfdatum (format: date)
    with pytest.raises(ValidationError) as refused:
        correct_case(workspace, case, CaseCorrection(reason=REASON, form={key: "31.02.2024"}))
    assert refused.value.messages[0].startswith("Wurfdatum: Bitte ein Datum")
    correct_case(workspace, case, CaseCorrection(reason=REASON, form={key: "18.03.2024"}))
    (form,) = _rows(workspace, "SELECT form_data FROM applications WHERE id = ?", case)[0]
    assert json.loads(form)[key] == "2024-03-18"
