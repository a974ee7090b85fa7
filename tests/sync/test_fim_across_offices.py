"""FIM schemas and corrected case data through the real server: a schema imported in one town
labels another town's cases; a correction reaches the other workstation of the same office, and
two offline corrections of the same field surface as a conflict."""

from __future__ import annotations

import json
from pathlib import Path

from kommune_desk.domain.corrections import CaseCorrection
from kommune_desk.intake import write_submission
from kommune_desk.services.case_corrections import correct_case, original_data
from kommune_desk.services.cases import read_case
from kommune_desk.services.conflicts import list_conflicts
from kommune_desk.services.form_schemas import import_schemas
from kommune_desk.services.intake import import_submission
from kommune_desk.services.sync import sync_once
from kommune_desk.services.workspace import Workspace
from tests.sync.harness import ServerThread, add_town, enrolled_workstation

FIXTURES = Path(__file__).parent.parent / "fixtures" / "fim"
SCHEMA_URI = "https://schema.fitko.de/fim/s06000123_1.0.schema.json"


def _fim_case(ws: Workspace, tmp_path: Path) -> str:
    source = write_submission(
        tmp_path / "fim",
        leika_id="99108008001000",
        data_bytes=(FIXTURES / "hundesteuer-anmeldung.data.json").read_bytes(),
        schema_uri=SCHEMA_URI,
    )
    result = import_submission(ws, source)
    assert result.application_id
    return result.application_id


def test_a_schema_imported_in_one_town_labels_the_cases_of_another(
    server: ServerThread, tmp_path: Path
) -> None:
    nauheim = enrolled_workstation(
        server, add_town(server.db, "06433009", "Nauheim", "NAU"), tmp_path / "n", "nina"
    )
    trebur = enrolled_workstation(
        server, add_town(server.db, "06433014", "Trebur", "TRE"), tmp_path / "t", "theo"
    )
    case = _fim_case(trebur, tmp_path)
    assert read_case(trebur, case).form_note  # ids only, for now

    import_schemas(nauheim, [FIXTURES / "hundesteuer-anmeldung.schema.json"])
    assert sync_once(nauheim.db).conflicts == 0
    assert sync_once(trebur.db).conflicts == 0

    labelled = read_case(trebur, case)
    assert labelled.form_note == ""
    assert ("Name des Hundes", "Bello") in [(line.label, line.value) for line in labelled.form_lines]
    # Trebur's case never went to Nauheim.
    conn = nauheim.db.reader()
    try:
        assert conn.execute("SELECT count(*) FROM applications WHERE id = ?", (case,)).fetchone()[0] == 0
    finally:
        conn.close()


def test_a_correction_reaches_the_other_workstation_and_a_clash_is_surfaced(
    server: ServerThread, tmp_path: Path
) -> None:
    town = add_town(server.db, "06433009", "Nauheim", "NAU")
    first = enrolled_workstation(server, town, tmp_path / "a", "anna", "Anna Admin")
    case = _fim_case(first, tmp_path)
    sync_once(first.db)
    second = enrolled_workstation(server, town, tmp_path / "b", "anna")

    correct_case(
        first,
        case,
        CaseCorrection(reason="Telefonat am 06.12.", applicant={"applicant_street": "Ringstraße 4"}),
    )
    sync_once(first.db)
    sync_once(second.db)
    on_second = read_case(second, case)
    assert on_second.applicant_street == "Ringstraße 4"
    assert on_second.corrected  # and the data as received came along
    kept = original_data(second, case)
    assert kept is not None and ("Straße und Hausnummer", "Mainzer Straße 12a") in kept.applicant

    # Both correct the city while offline: the second to push gets a conflict, not a silent loss.
    correct_case(
        first, case, CaseCorrection(reason="Brief kam zurück", applicant={"applicant_city": "Trebur"})
    )
    correct_case(second, case, CaseCorrection(reason="Anruf", applicant={"applicant_city": "Nauheim"}))
    assert sync_once(first.db).conflicts == 0
    sync_once(second.db)
    conflicts = list_conflicts(second)
    assert len(conflicts) == 1
    assert "Trebur" in json.dumps([c.__dict__ for c in conflicts], ensure_ascii=False, default=str)
