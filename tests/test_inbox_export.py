"""The Posteingang as CSV, Excel and Druckliste: the rows of the view and its filters, all of them,
in German, safe for spreadsheets, written whole or not at all."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pdfplumber
import pytest

from kommune_desk.cli import main as cli_main
from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.inbox_views import InboxFilter, InboxView
from kommune_desk.domain.list_export import describe_filter, export_file_name, spreadsheet_safe
from kommune_desk.domain.records import ApplicationStatus, Channel
from kommune_desk.domain.validation import ValidationError
from kommune_desk.services.applications import register_application
from kommune_desk.services.inbox_export import (
    InboxExport,
    export_inbox,
    inbox_table,
    print_list,
    resolve_view,
)
from kommune_desk.services.saved_views import save_view
from kommune_desk.services.workflow import claim_case
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage.reference import list_services

from .conftest import LOGIN

NOW = dt.datetime(2026, 12, 6, 14, 5)
HOSTILE = (
    '=HYPERLINK("http://böse.example";"klick") <img src="file:///etc/passwd"/> \u202eabc 👨‍👩‍👧 ' + "x" * 400
)


def _register(ws: Workspace, name: str, service_name: str, received: dt.date) -> str:
    conn = ws.db.reader()
    service = next(s for s in list_services(conn, ws.municipality.id) if s.name == service_name)
    conn.close()
    at = dt.datetime(received.year, received.month, received.day, 9, 0, tzinfo=dt.UTC)
    return register_application(ws, NewApplication(service.id, name, Channel.PAPIER, at))


@pytest.fixture
def filled(workspace: Workspace) -> Workspace:
    """Three Gewerbeanmeldungen (one claimed, one hostile name) and a Baumfällgenehmigung."""
    _register(workspace, "Roß, Ingrid", "Baumfällgenehmigung", dt.date(2026, 11, 2))
    mine = _register(workspace, "Nowak, Łukasz", "Gewerbeanmeldung", dt.date(2026, 11, 10))
    _register(workspace, "Brandt, Olaf", "Gewerbeanmeldung", dt.date(2026, 11, 20))
    _register(workspace, HOSTILE, "Gewerbeanmeldung", dt.date(2026, 11, 21))
    claim_case(workspace, mine)
    return workspace


def _service_id(ws: Workspace, name: str) -> str:
    conn = ws.db.reader()
    try:
        return next(s.id for s in list_services(conn, ws.municipality.id) if s.name == name)
    finally:
        conn.close()


def _read_csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: German Excel opens it as it is
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_has_bom_semicolons_german_dates_and_only_the_filtered_rows(
    filled: Workspace, tmp_path: Path
) -> None:
    query = InboxFilter(service_id=_service_id(filled, "Gewerbeanmeldung"))
    target = tmp_path / "liste.csv"
    count = export_inbox(filled, InboxExport("Gewerbe", query), "csv", target, NOW)

    rows = _read_csv(target)
    assert count == 3 and len(rows) == 4
    assert rows[0] == [
        "Aktenzeichen",
        "Eingang",
        "Leistung",
        "Antragsteller/in",
        "Status",
        "Frist",
        "Bearbeitung",
    ]
    assert {row[2] for row in rows[1:]} == {"Gewerbeanmeldung"}
    # Newest first, as the table shows it by default; dates as 21.11.2026.
    assert [row[1] for row in rows[1:]] == ["21.11.2026", "20.11.2026", "10.11.2026"]
    assert rows[3][3] == "Nowak, Łukasz" and rows[3][6] == "Zoë Ağaoğlu"
    assert rows[2][6] == ""  # nobody assigned: an empty cell, not a dash
    # A name that would run as a formula gets a leading apostrophe.
    assert rows[1][3] == "'" + HOSTILE
    assert b";" in target.read_bytes().splitlines()[0]


def test_the_order_of_the_table_is_kept(filled: Workspace, tmp_path: Path) -> None:
    target = tmp_path / "sortiert.csv"
    export_inbox(filled, InboxExport("Alle Anträge", InboxFilter(), "applicant", False), "csv", target, NOW)
    names = [row[3] for row in _read_csv(target)[1:]]
    assert names[1:] == ["Brandt, Olaf", "Nowak, Łukasz", "Roß, Ingrid"]  # after "=HYPERLINK…"


def test_xlsx_has_real_dates_a_header_and_the_filters_in_words(filled: Workspace, tmp_path: Path) -> None:
    query = InboxFilter(view=InboxView.MEINE)
    target = tmp_path / "meine.xlsx"
    assert export_inbox(filled, InboxExport("Meine", query), "xlsx", target, NOW) == 1

    book = openpyxl.load_workbook(target)
    sheet = book["Posteingang"]
    values = list(sheet.values)
    assert values[0][:3] == ("Aktenzeichen", "Eingang", "Leistung")
    assert len(values) == 2
    assert values[1][3] == "Nowak, Łukasz"
    received = sheet.cell(2, 2)
    assert received.value.date() == dt.date(2026, 11, 10) and received.number_format == "DD.MM.YYYY"
    assert sheet.freeze_panes == "A2"
    notes = [row[0] for row in book["Hinweise"].values]
    assert notes[0] == "Posteingang – Meine" and "Stand: 06.12.2026, 14:05 Uhr" in notes


def test_xlsx_keeps_a_formula_like_name_as_text(filled: Workspace, tmp_path: Path) -> None:
    target = tmp_path / "alle.xlsx"
    export_inbox(filled, InboxExport("Alle Anträge", InboxFilter()), "xlsx", target, NOW)
    sheet = openpyxl.load_workbook(target)["Posteingang"]
    cell = sheet.cell(2, 4)
    assert cell.value == "'" + HOSTILE and cell.data_type == "s"


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(
    filled: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "exporte"
    folder.mkdir()
    target = folder / "liste.csv"
    target.write_bytes(b"alt")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("kommune_desk.storage.files.os.fsync", broken)
    with pytest.raises(ValidationError) as refused:
        export_inbox(filled, InboxExport("Alle Anträge", InboxFilter()), "csv", target, NOW)
    assert "nicht gespeichert" in refused.value.messages[0]
    assert target.read_bytes() == b"alt"
    assert [p.name for p in folder.iterdir()] == ["liste.csv"]


def test_pdf_is_a4_landscape_with_header_all_rows_over_pages_and_page_numbers(workspace: Workspace) -> None:
    for number in range(70):
        _register(workspace, f"Lüdenscheidt, Ilse {number:02d}", "Gewerbeanmeldung",
                  dt.date(2026, 11, 1 + number % 28))  # fmt: skip
    _register(workspace, HOSTILE, "Baumfällgenehmigung", dt.date(2026, 11, 30))
    query = InboxFilter(statuses=frozenset({ApplicationStatus.EINGEGANGEN}))
    data = print_list(workspace, InboxExport("Neu eingegangen", query), NOW)

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = pdf.pages
        texts = [page.extract_text() for page in pages]
        assert len(pages) >= 3
        for page in pages:
            assert page.width > page.height  # landscape
            assert (round(page.width), round(page.height)) == (842, 595)
    for number, text in enumerate(texts, start=1):
        assert "Posteingang – Neu eingegangen" in text
        assert "Stand: 06.12.2026, 14:05 Uhr" in text
        assert "Status: Eingegangen" in text and "Gemeinde Nauheim" in text
        assert f"Seite {number} von {len(texts)}" in text
        assert text.count("Aktenzeichen") == 1  # the column heads repeat on every page
    everything = "\n".join(texts)
    for number in range(70):
        assert f"Lüdenscheidt, Ilse {number:02d}" in everything
    assert "71 Einträge" in texts[0]
    assert "<img" in everything and "HYPERLINK" in everything  # shown as text, not run as markup


def test_a_single_page_list_has_no_page_number(filled: Workspace) -> None:
    data = print_list(filled, InboxExport("Meine", InboxFilter(view=InboxView.MEINE)), NOW)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 1
        text = pdf.pages[0].extract_text()
    assert "Seite" not in text and "Nowak, Łukasz" in text and "10.11.2026" in text


def test_an_empty_view_prints_a_sentence(filled: Workspace) -> None:
    data = print_list(filled, InboxExport("Wiedervorlage", InboxFilter(view=InboxView.WIEDERVORLAGE)), NOW)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert "Keine Einträge in dieser Ansicht." in pdf.pages[0].extract_text()


def test_filters_in_words_and_file_names() -> None:
    query = InboxFilter(
        view=InboxView.MEINE,
        statuses=frozenset({ApplicationStatus.KLAERUNG}),
        service_id="s1",
        assignee_id="-",
        received_from=dt.date(2026, 11, 1),
        received_to=dt.date(2026, 11, 30),
        text="  Müller   Roß ",
    )
    assert describe_filter(query, {"s1": "Gewerbeanmeldung"}) == (
        "Ansicht: Meine",
        "Status: Klärung",
        "Leistung: Gewerbeanmeldung",
        "Bearbeitung: nicht zugewiesen",
        "Eingang: 01.11.2026 bis 30.11.2026",
        "Suche: „Müller Roß“",
    )
    day = dt.date(2026, 12, 6)
    assert (
        export_file_name("Posteingang", "Meine offenen", day, "csv")
        == "Posteingang-Meine-offenen-2026-12-06.csv"
    )
    assert (
        export_file_name("Posteingang", "Frist ≤ 3 Tage", day, "xlsx")
        == "Posteingang-Frist-3-Tage-2026-12-06.xlsx"
    )
    assert export_file_name("Posteingang", "../..\\:*?", day, "pdf") == "Posteingang-2026-12-06.pdf"
    assert [spreadsheet_safe(t) for t in ("=1+1", "+49 6105", "-3", "@SUM(A1)", "Roß")] == [
        "'=1+1", "'+49 6105", "'-3", "'@SUM(A1)", "Roß",
    ]  # fmt: skip


def test_a_saved_view_is_found_by_name_and_titled_with_it(filled: Workspace) -> None:
    query = InboxFilter(view=InboxView.TEAM, service_id=_service_id(filled, "Gewerbeanmeldung"))
    save_view(filled, "Gewerbe offen", query)
    export = resolve_view(filled, "gewerbe OFFEN")
    table = inbox_table(filled, export, NOW)
    assert table.title == "Posteingang – Gewerbe offen"
    assert table.description == ("Ansicht: Team", "Leistung: Gewerbeanmeldung")
    assert len(table.rows) == 3
    assert resolve_view(filled, "überfällig").query == InboxFilter(view=InboxView.UEBERFAELLIG)
    with pytest.raises(ValidationError):
        resolve_view(filled, "Gibt es nicht")


def test_cli_exports_a_view(filled: Workspace, data_dir: Path, tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):  # getpass reads these: the clerk's login
        monkeypatch.setenv(name, LOGIN)
    target = tmp_path / "meine.csv"
    assert cli_main(["--data-dir", str(data_dir), "inbox", "export", "--format", "csv", "--view", "Meine",
                     str(target)]) == 0  # fmt: skip
    assert "1 Antrag der Ansicht »Meine« gespeichert" in capsys.readouterr().out
    assert [row[3] for row in _read_csv(target)[1:]] == ["Nowak, Łukasz"]
    assert cli_main(["--data-dir", str(data_dir), "inbox", "export", "--format", "pdf", "--view", "Nix",
                     str(tmp_path / "x.pdf")]) == 1  # fmt: skip
    assert "Nix" in capsys.readouterr().err and not (tmp_path / "x.pdf").exists()
