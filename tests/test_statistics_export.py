"""Statistik exports read back: CSV with the csv module (German Excel's dialect), XLSX with
openpyxl (real numbers and dates, hidden values empty), the PDF report with pdfplumber; charts as
PNG, SVG and PDF; the CLI's report and export commands."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest
from openpyxl import load_workbook

from kommune_desk.domain.usage import UsageEvent
from kommune_desk.domain.validation import ValidationError
from kommune_desk.services.dashboard import Filters, build_dashboard
from kommune_desk.services.statistics import Period
from kommune_desk.services.statistics_export import export_data, export_report
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage import usage_stats

HUNDESTEUER = "99108008001000"
GEWERBE = "99050012104000"
PARKEN = "99108007054000"  # Bewohnerparkausweis
NOVEMBER = Filters(Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)))


@pytest.fixture
def figures(workspace: Workspace) -> Workspace:
    """Hundesteuer: 30 started, 21 submitted, 18 of them paid by PayPal. Gewerbe: 3 started (hidden);
    Bewohnerparkausweis: 6 (hidden with it, so that Gesamt does not give Gewerbe's 3 away)."""
    events = []
    for leika, started, submitted in ((HUNDESTEUER, 30, 21), (GEWERBE, 3, 3), (PARKEN, 6, 6)):
        for i in range(started):
            at = dt.datetime(2026, 11, 2 + i % 20, 9, tzinfo=dt.UTC)
            session = f"{leika}-{i}"
            events.append(UsageEvent(f"{session}-s", leika, session, at, "gestartet", 1, channel="web"))
            if i < submitted:
                events.append(UsageEvent(f"{session}-a", leika, session, at, "abgeschickt", 3))
            if i < 18 and leika == HUNDESTEUER:
                events.append(
                    UsageEvent(f"{session}-p", leika, session, at, "bezahlt", payment_method="PAYPAL")
                )
    with workspace.db.write() as conn:
        usage_stats.add_events(conn, workspace.municipality.id, events)
    return workspace


def test_csv_opens_in_german_excel_and_hides_small_values(figures: Workspace, tmp_path: Path) -> None:
    path = export_data(figures, NOVEMBER, "csv", tmp_path / "zahlen.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    total, *services = rows
    assert total["Leistung"] == "Gesamt" and total["gestartet"] == "39"
    dog = next(r for r in services if r["LeiKa-Schlüssel"] == HUNDESTEUER)
    assert (dog["gestartet"], dog["abgeschickt"], dog["abgebrochen"]) == ("30", "21", "9")
    assert dog["Abbruchquote"] == "0,3000"  # decimal comma
    assert dog["Zahlart PayPal"] == "18"  # the method as the clerk knows it
    trade = next(r for r in services if r["LeiKa-Schlüssel"] == GEWERBE)
    assert trade["gestartet"] == "" and trade["abgeschickt"] == ""  # < 5: an empty field
    assert trade["abgebrochen"] == "0"  # zero stays zero
    # Gesamt 39 = 30 + 3 + 6: with Gewerbe hidden, the smallest partner (6) is hidden too.
    parking = next(r for r in services if r["LeiKa-Schlüssel"] == PARKEN)
    assert parking["gestartet"] == "" and parking["abgeschickt"] == ""


def test_xlsx_has_real_numbers_dates_and_empty_hidden_cells(figures: Workspace, tmp_path: Path) -> None:
    path = export_data(figures, NOVEMBER, "xlsx", tmp_path / "zahlen.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["Leistungen", "Monate", "Hinweise"]
    sheet = book["Leistungen"]
    headers = [cell.value for cell in sheet[1]]
    rows = [dict(zip(headers, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    dog = next(r for r in rows if r["LeiKa-Schlüssel"] == HUNDESTEUER)
    trade = next(r for r in rows if r["LeiKa-Schlüssel"] == GEWERBE)
    assert dog["abgeschickt"] == 21 and isinstance(dog["abgeschickt"], int)
    assert dog["Abbruchquote"] == pytest.approx(0.3) and isinstance(dog["Abbruchquote"], float)
    assert trade["gestartet"] is None and trade["abgebrochen"] == 0
    months = book["Monate"]
    assert months["A2"].value == dt.datetime(2026, 11, 1)  # a real date cell
    notes = book["Hinweise"]
    assert notes["B2"].value == dt.datetime(2026, 11, 1) and notes["B3"].value == dt.datetime(2026, 11, 30)
    assert any("Werte von 1 bis 4" in str(row[0].value) for row in notes.iter_rows())


def test_the_pdf_report_names_town_period_figures_and_the_rules(figures: Workspace, tmp_path: Path) -> None:
    path = export_report(figures, NOVEMBER, tmp_path / "bericht.pdf")
    with pdfplumber.open(path) as pdf:
        pages = [page.extract_text() or "" for page in pdf.pages]
        assert pdf.pages[0].width == pytest.approx(595.3, abs=1)  # A4
    title = pages[0]
    assert "Statistik der Online-Dienste" in title and figures.municipality.name in title
    assert "Zeitraum: 01.11.2026 bis 30.11.2026" in title
    assert f"Erstellt am {dt.date.today():%d.%m.%Y}" in title
    assert "Online-Anträge" in title and "Abbruchquote" in title
    text = "\n".join(pages)
    assert "Kennzahlen je Leistung" in text and "Hundesteuer – Anmeldung" in text
    assert "< 5" in text  # Gewerbe's three sessions
    flat = " ".join(text.split())  # the footnotes wrap anywhere
    assert (
        "Werte von 1 bis 4 werden nicht gezeigt" in flat and "Abbruchquote = abgebrochen ÷ gestartet" in flat
    )
    assert all("Seite" in page for page in pages)


def test_a_file_that_cannot_be_written_gets_a_german_message(figures: Workspace, tmp_path: Path) -> None:
    missing = tmp_path / "gibt-es-nicht" / "zahlen.csv"
    with pytest.raises(ValidationError, match="konnte nicht gespeichert werden"):
        export_data(figures, NOVEMBER, "csv", missing)
    assert not missing.parent.exists()


def test_hostile_service_and_town_names_never_break_the_report(figures: Workspace, tmp_path: Path) -> None:
    with figures.db.write() as conn:
        conn.execute(
            "UPDATE services SET name = ? WHERE leika_id = ?",
            ("<b>Hund</b> & Katze \u202e\x07 " + "X" * 300 + " 😀", HUNDESTEUER),
        )
    path = export_report(figures, NOVEMBER, tmp_path / "bericht.pdf")
    with pdfplumber.open(path) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "<b>Hund</b> & Katze" in text  # shown as text, never taken as markup
    import warnings

    from kommune_desk.documents.charts import export

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph the font lacks would warn: none may reach a chart
        for spec in build_dashboard(figures, NOVEMBER).charts:
            assert export(spec, "png").startswith(b"\x89PNG")


def test_dashboard_charts_export_as_png_svg_and_pdf(figures: Workspace) -> None:
    from kommune_desk.documents.charts import export

    dashboard = build_dashboard(figures, NOVEMBER)
    for spec in dashboard.charts:
        assert export(spec, "png").startswith(b"\x89PNG")
        assert export(spec, "pdf").startswith(b"%PDF")
        assert spec.title.split(":")[0] in export(spec, "svg").decode("utf-8")


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kommune_desk.cli", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip


def test_report_and_export_from_the_command_line(figures: Workspace, data_dir: Path, tmp_path: Path) -> None:
    figures.db.close()
    period = ("--from", "2026-11-01", "--to", "2026-11-30")
    report = _cli(data_dir, "stats", "report", *period, "-o", str(tmp_path / "bericht.pdf"))
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "bericht.pdf").read_bytes().startswith(b"%PDF")
    for file_format in ("csv", "xlsx"):
        target = tmp_path / f"zahlen.{file_format}"
        done = _cli(data_dir, "stats", "export", *period, "--format", file_format, "-o", str(target))
        assert done.returncode == 0, done.stderr
        assert target.stat().st_size > 100
    wrong = _cli(data_dir, "stats", "export", *period, "--format", "ods", "-o", str(tmp_path / "x.ods"))
    assert wrong.returncode == 2 and "unbekannte Auswahl: »ods«" in wrong.stderr
