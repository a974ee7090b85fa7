"""``kommune-desk-cli pool …`` on a real database: the counter's day from a script.

The CLI runs in-process (``cli.main``) for speed; one test runs it as a child process like the
other CLI tests, so the registration in ``kommune-desk-cli`` is covered end to end.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from kommune_desk.cli import main
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.pool import loan_number
from kommune_desk.domain.records import Address, Municipality, MunicipalityKind
from kommune_desk.services.borrowers import Borrower, create_borrower
from kommune_desk.services.clerks import set_pool_manager
from kommune_desk.services.pool import find_device, register_device
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage.capture import capture_suppressed
from kommune_desk.storage.reference import insert_municipality

from .conftest import LOGIN
from .test_cli import cli

PERSON = "Zoë Ağaoğlu-Schmitt"
ACCESSORIES = ["Ladegerät", "Tasche"]
TRIPLE = "Wärmebildkamera"


@pytest.fixture
def run(data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """``run(*args)`` → (exit code, stdout, stderr) of ``kommune-desk-cli --data-dir … pool …``."""
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, LOGIN)

    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = main(["--data-dir", str(data_dir), "pool", *args])
        except SystemExit as exc:  # argparse: wrong call
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def _town(ws: Workspace, ags: str, name: str) -> str:
    """A partner town as the sync would have pulled it."""
    town = Municipality(
        uuid7(), ags, name, MunicipalityKind.GEMEINDE, Address("Rathausplatz 1", "64500", name)
    )
    with ws.db.write() as conn, capture_suppressed(conn):
        insert_municipality(conn, town, "2026-11-20T08:00:00+00:00")
    return town.id


@pytest.fixture
def pool(workspace: Workspace) -> Workspace:
    """Three cameras of Nauheim: at Mörfelden-Walldorf, at Trebur and at home; one person with address."""
    walldorf = _town(workspace, "06433008", "Mörfelden-Walldorf")
    trebur = _town(workspace, "06433014", "Trebur")
    for number, where in (("NAU-WBK-01", walldorf), ("NAU-WBK-02", trebur), ("NAU-WBK-03", None)):
        register_device(
            workspace, number, "Wärmebildkamera FLIR E8 Pro", TRIPLE, f"SN-{number}",
            accessories=ACCESSORIES, replacement_value_cents=219_900, deposit_cents=5_000,
            **({"location_municipality_id": where} if where else {}),
        )  # fmt: skip
    create_borrower(
        workspace,
        Borrower(
            "", "buerger", PERSON, street="Hauptstraße 1", postal_code="64569", city="Nauheim",
            email="zoe@example.org",
        ),
    )  # fmt: skip
    return workspace


def _rows(ws: Workspace, sql: str) -> list[tuple]:
    conn = ws.db.reader()
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


def _book(run, number: str, start: str, end: str, who: str = PERSON) -> str:
    code, out, err = run("book", number, "--from", start, "--to", end, "--borrower", who, "--json",
                         "--today", "2026-11-24")  # fmt: skip
    assert code == 0, err
    return json.loads(out)["id"]


# --- devices and free ----------------------------------------------------------------------------


def test_devices_lists_every_device_as_text_and_json(pool: Workspace, run) -> None:
    code, out, _ = run("devices", "--today", "2026-11-24")
    assert code == 0
    assert out.splitlines()[0].startswith("NAU-WBK-01  Wärmebildkamera FLIR E8 Pro")
    assert "in Trebur – verfügbar" in out
    code, out, _ = run("devices", "--json")
    rows = json.loads(out)
    assert [r["inventarnummer"] for r in rows] == ["NAU-WBK-01", "NAU-WBK-02", "NAU-WBK-03"]
    assert rows[1]["standort"] == "Trebur" and rows[1]["eigentuemer"] == "Gemeinde Nauheim"


def test_free_orders_by_distance_from_the_town_asked_for(pool: Workspace, run) -> None:
    args = ("free", "--type", "wärmebildkamera", "--from", "2026-12-03", "--to", "2026-12-05")
    code, out, err = run(*args, "--near", "Trebur", "--today", "2026-11-24")
    assert code == 0, err
    lines = [line.split()[0] for line in out.splitlines()[1:]]
    assert lines == ["NAU-WBK-02", "NAU-WBK-03", "NAU-WBK-01"]
    assert "vor Ort" in out.splitlines()[1] and " km " in out.splitlines()[2]
    # By AGS, from Mörfelden-Walldorf the order turns round; JSON carries the distance in km.
    code, out, _ = run(*args, "--near", "06433008", "--json", "--today", "2026-11-24")
    found = json.loads(out)["frei"]
    assert [f["inventarnummer"] for f in found] == ["NAU-WBK-01", "NAU-WBK-03", "NAU-WBK-02"]
    assert found[0]["entfernung_km"] == 0.0 and 5 < found[1]["entfernung_km"] < 15
    # Without --near: from the own town, and "3,4 km" is written the German way.
    code, out, _ = run(*args, "--today", "2026-11-24")
    assert out.splitlines()[1].split()[0] == "NAU-WBK-03"
    assert re.search(r"\b\d+,\d km\b", out.splitlines()[2])


def test_free_names_the_earliest_day_when_nothing_is_free(pool: Workspace, run) -> None:
    # A camera goes out for a week at most: the busy ones are booked week after week.
    for number, weeks in (("NAU-WBK-01", 2), ("NAU-WBK-02", 1), ("NAU-WBK-03", 3)):
        for week in range(weeks):
            start = f"2026-12-{3 + 7 * week:02d}"
            _book(run, number, start, f"2026-12-{9 + 7 * week:02d}", f"Person {number} {week}")
    code, out, _ = run(
        "free", "--type", TRIPLE, "--from", "2026-12-05", "--to", "2026-12-08", "--today", "2026-11-24"
    )
    assert code == 0
    assert out.strip() == "Kein Gerät frei; frühestens ab 10.12.2026 (NAU-WBK-02)"


def test_free_refuses_an_unknown_town_or_type(pool: Workspace, run) -> None:
    period = ("--from", "2026-12-03", "--to", "2026-12-05")
    code, out, err = run("free", "--type", TRIPLE, *period, "--near", "Atlantis")
    assert (code, out) == (1, "") and "Den Ort »Atlantis« kennt die Datenbank nicht" in err
    code, _, err = run("free", "--type", "Lastenrad", *period)
    assert code == 1 and "Die Geräteart »Lastenrad« gibt es im Pool nicht" in err


# --- book, handover, return ----------------------------------------------------------------------


def test_book_handover_and_return_with_a_missing_charger(pool: Workspace, run, tmp_path: Path) -> None:
    loan = _book(run, "NAU-WBK-03", "2026-11-24", "2026-11-27")
    contract = tmp_path / "leihvertrag.pdf"
    code, out, err = run(
        "handover", "NAU-WBK-03", "--deposit", "50,00", "--method", "bar", "-o", str(contract),
        "--today", "2026-11-24",
    )  # fmt: skip
    assert code == 0, err
    assert "Ausweis gesehen und Einweisung gegeben – bestätigt von Zoë Ağaoğlu" in out
    assert "Rückgabe bis 27.11.2026" in out
    text = _pdf_text(contract)
    for expected in ("Leihvertrag", PERSON, "NAU-WBK-03", "Übergabeprotokoll", "Ladegerät", "50,00"):
        assert expected in text, expected
    assert _rows(pool, f"SELECT status FROM loans WHERE id = '{loan}'") == [("ausgegeben",)]

    protocol = tmp_path / "rueckgabe.pdf"
    code, out, err = run(
        "return", "NAU-WBK-03", "--missing", "ladegerät", "--keep-deposit", "20",
        "--reason", "Ladegerät fehlt", "-o", str(protocol), "--today", "2026-11-28",
    )  # fmt: skip
    assert code == 0, err
    assert "Das Gerät ist jetzt in Wartung" in out and "1 Tag verspätet" in out
    assert "Kaution: 30,00 € zurückgezahlt, 20,00 € einbehalten." in out
    device = find_device(pool, "NAU-WBK-03")
    assert device is not None and device.status == "wartung"
    text = _pdf_text(protocol)
    assert "Rückgabeprotokoll" in text and "28.11.2026 (1 Tag verspätet)" in text
    # The charger's box is empty and remarked "fehlt"; the bag's is ticked.
    lines = text.splitlines()
    charger = lines.index("Ladegerät")
    assert lines[charger - 1] == "☐" and lines[charger + 1] == "fehlt"
    assert lines[lines.index("Tasche") - 1] == "☒"
    flat = " ".join(text.split())
    assert "Kaution: 50,00 € – erstattet: 30,00 €, einbehalten: 20,00 € (Ladegerät fehlt)" in flat


def test_handover_needs_a_reservation_due_today_and_the_deposit(pool: Workspace, run) -> None:
    code, _, err = run("handover", "NAU-WBK-03", "--today", "2026-11-24")
    assert code == 1 and "keine Reservierung" in err
    _book(run, "NAU-WBK-03", "2026-11-24", "2026-11-27")
    code, _, err = run("handover", "NAU-WBK-03", "--today", "2026-11-24")
    assert code == 1 and "Kaution von 50,00 € vorgesehen" in err
    code, _, err = run("return", "NAU-WBK-03", "--missing", "Stativ", "--today", "2026-11-24")
    assert code == 1 and "keine laufende Ausleihe" in err


def test_cancel_by_the_beginning_of_the_loan_number(pool: Workspace, run) -> None:
    loan = _book(run, "NAU-WBK-01", "2026-12-03", "2026-12-05")
    code, out, err = run("cancel", loan[:13], "--today", "2026-11-24")
    assert code == 0, err
    assert out.strip() == f"Reservierung {loan_number(loan)} storniert."
    assert _rows(pool, f"SELECT status FROM loans WHERE id = '{loan}'") == [("storniert",)]


def test_cancel_by_the_leihnummer_as_printed(pool: Workspace, run) -> None:
    loan = _book(run, "NAU-WBK-01", "2026-12-03", "2026-12-05")
    spoken = loan_number(loan).lower().replace("-", " ")  # "l 3f9a 1c2b", as typed from the phone
    code, _, err = run("cancel", spoken, "--today", "2026-11-24")
    assert code == 0, err
    assert _rows(pool, f"SELECT status FROM loans WHERE id = '{loan}'") == [("storniert",)]


# --- overdue and reminders -----------------------------------------------------------------------


def test_overdue_and_two_reminders_are_written_and_logged(pool: Workspace, run, tmp_path: Path) -> None:
    loan = _book(run, "NAU-WBK-02", "2026-11-24", "2026-11-26")
    assert (
        run("handover", "NAU-WBK-02", "--deposit", "50", "--method", "EC-Karte", "--today", "2026-11-24")[0]
        == 0
    )
    code, out, _ = run("overdue", "--today", "2026-12-01")
    assert code == 0 and "NAU-WBK-02" in out and "5 Tage überfällig, noch nicht gemahnt" in out
    code, out, _ = run("overdue", "--json", "--today", "2026-12-01")
    (row,) = json.loads(out)
    assert (row["id"], row["tage_ueberfaellig"], row["mahnstufe"]) == (loan, 5, 0)
    assert row["leihnummer"] == loan_number(loan) and re.fullmatch(
        r"L-[0-9A-F]{4}-[0-9A-F]{4}", row["leihnummer"]
    )

    last = tmp_path / "letzte.pdf"
    code, _, err = run("remind", loan, "--level", "2", "-o", str(last), "--today", "2026-12-01")
    assert code == 1 and "setzt eine Erinnerung (Stufe 1) voraus" in err and not last.exists()

    first = tmp_path / "erinnerung.pdf"
    code, out, err = run("remind", loan, "--level", "1", "-o", str(first), "--today", "2026-12-01")
    assert code == 0, err
    text = _pdf_text(first)
    assert "Erinnerung" in text and "seit fünf Tagen überfällig" in text and "Hauptstraße 1" in text
    code, _, err = run("remind", loan, "--level", "2", "-o", str(last), "--today", "2026-12-09")
    assert code == 0, err
    assert "letzte Aufforderung" in _pdf_text(last)
    assert _rows(pool, "SELECT level, channel, sent_on FROM loan_reminders ORDER BY level") == [
        (1, "brief", "2026-12-01"), (2, "brief", "2026-12-09"),
    ]  # fmt: skip
    assert "gemahnt (Stufe 2)" in run("overdue", "--today", "2026-12-09")[1]
    # Neither a third reminder nor one going back: the log stays as it is, the clerk learns what next.
    for level in ("2", "1"):
        code, _, err = run(
            "remind", loan_number(loan)[:6], "--level", level, "--email", "--today", "2026-12-12"
        )
        assert code == 1 and "Beide Mahnstufen sind bereits vermerkt" in err and "vermisst" in err
    assert _rows(pool, "SELECT count(*) FROM loan_reminders") == [(2,)]


def test_a_reminder_by_email_prints_the_draft_and_logs_the_channel(pool: Workspace, run) -> None:
    loan = _book(run, "NAU-WBK-02", "2026-11-24", "2026-11-26")
    run("handover", "NAU-WBK-02", "--deposit", "50", "--method", "bar", "--today", "2026-11-24")
    code, out, err = run("remind", loan[:10], "--level", "1", "--email", "--today", "2026-11-30")
    assert code == 0, err
    assert out.startswith("An: zoe@example.org\nBetreff: Erinnerung: Rückgabe eines Leihgeräts")
    assert f"Guten Tag {PERSON}," in out and "seit vier Tagen überfällig" in out
    assert _rows(pool, "SELECT level, channel FROM loan_reminders") == [(1, "email")]


def test_no_reminder_for_a_loan_that_is_not_overdue(pool: Workspace, run, tmp_path: Path) -> None:
    loan = _book(run, "NAU-WBK-02", "2026-11-24", "2026-11-26")
    code, _, err = run("remind", loan, "--level", "1", "-o", str(tmp_path / "x.pdf"), "--today", "2026-11-25")
    assert code == 1 and "nicht überfällig" in err
    assert _rows(pool, "SELECT count(*) FROM loan_reminders") == [(0,)]


# --- waiting list, labels ------------------------------------------------------------------------


def test_wait_and_offers(pool: Workspace, run) -> None:
    for number in ("NAU-WBK-01", "NAU-WBK-02", "NAU-WBK-03"):
        _book(run, number, "2026-12-01", "2026-12-07", f"Person {number}")
    code, out, err = run("wait", "--type", TRIPLE, "--from", "2026-12-03", "--to", "2026-12-05",
                         "--borrower", "Dora Warte", "--today", "2026-11-24")  # fmt: skip
    assert code == 0, err
    assert "Auf die Warteliste gesetzt: Wärmebildkamera vom 03.12.2026" in out
    code, out, _ = run("offers", "--today", "2026-11-24")
    assert code == 0 and out.startswith("Warteliste geprüft")


def test_labels_carry_qr_codes_of_the_inventory_numbers(pool: Workspace, run, tmp_path: Path) -> None:
    target = tmp_path / "etiketten.pdf"
    code, _, err = run("labels", "-o", str(target), "NAU-WBK-03", "KD-GERAET:NAU-WBK-01")
    assert code == 0, err
    assert _qr_payloads(target.read_bytes()) == ["KD-GERAET:NAU-WBK-03", "KD-GERAET:NAU-WBK-01"]
    code, _, err = run("labels", "-o", str(target), "NAU-XXX-99")
    assert code == 1 and "NAU-XXX-99" in err


def _qr_payloads(pdf: bytes) -> list[str]:
    """QR contents in reading order (top to bottom, left to right) of every page."""
    import pypdfium2 as pdfium
    from pyzbar.pyzbar import ZBarSymbol, decode

    found = []
    document = pdfium.PdfDocument(pdf)
    try:
        for page in document:
            image = page.render(scale=300 / 72, grayscale=True).to_pil()
            symbols = decode(image, symbols=[ZBarSymbol.QRCODE])
            found += [
                s.data.decode("utf-8")
                for s in sorted(symbols, key=lambda s: (s.rect.top // 100, s.rect.left))
            ]
    finally:
        document.close()
    return found


# --- import --------------------------------------------------------------------------------------

HEADER = ";".join(
    ("Inventarnummer", "Bezeichnung", "Geräteart", "Hersteller", "Modell", "Seriennummer", "Zubehör",
     "Wiederbeschaffungswert", "Zustand")
)  # fmt: skip


def _csv(tmp_path: Path, rows: list[str], encoding: str = "utf-8-sig", name: str = "inventar.csv") -> Path:
    path = tmp_path / name
    path.write_bytes("\r\n".join([HEADER, *rows]).encode(encoding) + b"\r\n")
    return path


def test_import_devices_takes_over_a_whole_list(pool: Workspace, run, tmp_path: Path) -> None:
    path = _csv(tmp_path, [
        "KGG-WBK-01;Wärmebildkamera testo 865;Wärmebildkamera;testo;865;T-1;Ladegerät, Tasche,;1.234,50;gut",
        "KGG-EM-01;Energiekostenmessgerät;Strommessgerät;Voltcraft;SEM-3600;;;39,90;neu",
        "KGG-CO2-01;CO₂-Ampel;CO₂-Messgerät;;;;;;",
    ])  # fmt: skip
    code, _, err = run("import-devices", str(path))
    assert code == 1 and "Die Geräteart »Strommessgerät« gibt es im Pool nicht" in err  # a typo?
    code, out, err = run("import-devices", str(path), "--new-types")
    assert code == 0, err
    assert out.strip() == "3 Geräte in den Pool übernommen."
    device = find_device(pool, "kgg-wbk-01")
    assert device is not None
    assert (device.make, device.model, device.serial_number, device.condition) == (
        "testo",
        "865",
        "T-1",
        "gut",
    )
    assert device.accessories == ("Ladegerät", "Tasche") and device.replacement_value_cents == 123_450
    assert device.home_municipality_id == pool.municipality.id
    assert _rows(pool, "SELECT count(*) FROM outbox WHERE name = 'register_device'") == [(6,)]


def test_one_bad_row_imports_nothing(pool: Workspace, run, tmp_path: Path) -> None:
    path = _csv(tmp_path, [
        "KGG-WBK-10;Wärmebildkamera;Wärmebildkamera;;;;;100;",
        "KGG-WBK-11;Wärmebildkamera;Wärmebildkamera;;;;;100;",
        "NAU-WBK-01;Wärmebildkamera;Wärmebildkamera;;;;;100;",
        "KGG-WBK-12;Wärmebildkamera;Wärmebildkamera;;;;;100;",
    ])  # fmt: skip
    before = _rows(pool, "SELECT count(*) FROM devices")
    code, out, err = run("import-devices", str(path))
    assert (code, out) == (1, "")
    assert err.strip() == "Zeile 4: Inventarnummer NAU-WBK-01 ist schon vergeben."
    assert _rows(pool, "SELECT count(*) FROM devices") == before

    path = _csv(tmp_path, [
        "KGG-WBK-10;Wärmebildkamera;Wärmebildkamera;;;;;100;",
        ";ohne Nummer;Wärmebildkamera;;;;;100;",
        "KGG-WBK-11;Kamera;Wärmebildkamera;;;;;zwölf Euro;",
        "kgg-wbk-10;doppelt;Wärmebildkamera;;;;;;",
        "NAU-WBK-02;schon da;Wärmebildkamera;;;;;;",
        "KGG-WBK-13;Tippfehler;Waermebildkamera;;;;;;",
        "KGG-YY-01;Zu wenig Spalten",
    ], name="kaputt.csv")  # fmt: skip
    code, _, err = run("import-devices", str(path))
    assert code == 1
    # Every problem at once, in the order of the file: one round of corrections is enough.
    assert err.splitlines() == [
        "Zeile 3: Bitte geben Sie die Inventarnummer an, z.\u00a0B. KGG-KS-025.",
        "Zeile 4: Wiederbeschaffungswert »zwölf Euro« ist kein Betrag (z.\u00a0B. 1.234,50).",
        "Zeile 5: Inventarnummer kgg-wbk-10 steht schon in Zeile 2.",
        "Zeile 6: Inventarnummer NAU-WBK-02 ist schon vergeben.",
        "Zeile 7: Die Geräteart »Waermebildkamera« gibt es im Pool nicht (bekannt: Wärmebildkamera). "
        "Neue Gerätearten mit --new-types.",
        "Zeile 8: Bitte geben Sie die Geräteart an, z.\u00a0B. Wärmebildkamera.",
    ]
    assert _rows(pool, "SELECT count(*) FROM devices") == before


def test_import_reads_windows_1252_and_refuses_a_wrong_header(pool: Workspace, run, tmp_path: Path) -> None:
    path = _csv(
        tmp_path, ["KGG-LM-01;Luftgütemessgerät;Luftqualität;;;;Netzteil;2.199,00;gebraucht"], "cp1252"
    )
    code, _, err = run("import-devices", str(path), "--new-types")
    assert code == 0, err
    device = find_device(pool, "KGG-LM-01")
    assert device is not None and device.name == "Luftgütemessgerät" and device.accessories == ("Netzteil",)
    wrong = tmp_path / "falsch.csv"
    wrong.write_text("Nummer,Name\nA,B\n", encoding="utf-8")
    code, _, err = run("import-devices", str(wrong))
    assert code == 1 and err.startswith(
        "Zeile 1: Es fehlen die Spalten Inventarnummer, Bezeichnung, Geräteart"
    )


def test_hostile_names_import_and_print_on_labels(pool: Workspace, run, tmp_path: Path) -> None:
    path = _csv(tmp_path, [
        f"KGG-X-01;{'Ä' * 600};Wärmebildkamera;;;;;;",
        'KGG-X-02;"<b>Kamera</b> & Co; ""quoted""";Wärmebildkamera;;;;;;',
        "KGG-X-03;\u202eaermaK\u202c Wärmebild 😀🌡️;Wärmebildkamera;;;;;;",
    ])  # fmt: skip
    code, _, err = run("import-devices", str(path))
    assert code == 0, err
    device = find_device(pool, "KGG-X-02")
    assert device is not None and device.name == '<b>Kamera</b> & Co; "quoted"'
    target = tmp_path / "etiketten.pdf"
    code, _, err = run("labels", "-o", str(target), "KGG-X-01", "KGG-X-02", "KGG-X-03")
    assert code == 0, err
    assert _qr_payloads(target.read_bytes()) == [
        "KD-GERAET:KGG-X-01",
        "KD-GERAET:KGG-X-02",
        "KD-GERAET:KGG-X-03",
    ]


# --- retention and wrong calls -------------------------------------------------------------------


def test_retention_dry_run_counts_and_changes_nothing(pool: Workspace, run) -> None:
    _book(run, "NAU-WBK-03", "2026-11-24", "2026-11-25")
    run("handover", "NAU-WBK-03", "--deposit", "50", "--method", "bar", "--today", "2026-11-24")
    assert run("return", "NAU-WBK-03", "--today", "2026-11-25")[0] == 0
    before = _rows(pool, "SELECT name, anonymised_at FROM borrowers ORDER BY name")
    code, out, _ = run("retention", "--dry-run", "--today", "2028-01-01")
    assert (
        code == 0
        and out.startswith("1 Person würde anonymisiert (1 Ausleihvermerk, 0 Wartelisteneinträge)")
        and "Zoë" not in out
    )
    assert _rows(pool, "SELECT name, anonymised_at FROM borrowers ORDER BY name") == before
    code, out, _ = run("retention", "--today", "2028-01-01")
    assert code == 0 and "1 Person wurde anonymisiert" in out and "Zoë" not in out
    assert PERSON not in {r[0] for r in _rows(pool, "SELECT name FROM borrowers")}


@pytest.mark.parametrize(
    "args",
    [
        ("book", "NAU-WBK-01", "--from", "2026-13-01", "--to", "2026-12-05", "--borrower", "X"),
        ("book", "NAU-WBK-01", "--from", "2026-12-01", "--to", "2026-12-05"),
        ("remind", "0123456789", "--level", "3", "-o", "x.pdf"),
        ("remind", "0123456789", "--level", "1"),
        ("handover", "NAU-WBK-01", "--deposit", "viel"),
        ("labels", "NAU-WBK-01"),
        ("fly",),
    ],
)
def test_wrong_calls_exit_2_in_german(pool: Workspace, run, args: tuple[str, ...]) -> None:
    code, out, err = run(*args)
    assert (code, out) == (2, "")
    assert err.startswith("Aufruf fehlerhaft:")


def test_refusals_exit_1_with_the_reason(pool: Workspace, run) -> None:
    code, out, err = run(
        "book", "NAU-WBK-99", "--from", "2026-12-01", "--to", "2026-12-05", "--borrower", "X"
    )
    assert (code, out) == (1, "") and "Inventarnummer »NAU-WBK-99« gibt es im Pool nicht" in err
    _book(run, "NAU-WBK-01", "2026-12-01", "2026-12-05")
    code, _, err = run("book", "NAU-WBK-01", "--from", "2026-12-03", "--to", "2026-12-04", "--borrower", "Y",
                       "--today", "2026-11-24")  # fmt: skip
    assert code == 1 and "anderen Zeitraum" in err
    code, _, err = run("cancel", "ffffffff-0000")
    assert code == 1 and "hat Ihre Kommune nicht" in err


def test_the_pool_command_in_a_child_process(pool: Workspace, data_dir: Path) -> None:
    result = cli("--data-dir", str(data_dir), "pool", "devices", "--json", login=LOGIN)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 3
    missing = cli("--data-dir", str(data_dir / "leer"), "pool", "devices", login=LOGIN)
    assert missing.returncode == 1 and "noch nicht eingerichtet" in missing.stderr


def test_policy_is_shown_to_everybody_and_set_by_the_pool_manager_only(pool: Workspace, run) -> None:
    code, out, _ = run("policy", "--type", TRIPLE)
    assert code == 0 and "7 Tage, höchstens 1-mal verlängerbar, Kaution keine, Abholfrist 3 Tage" in out
    assert "Standard, nicht festgelegt" in out
    code, _, err = run("policy", "--type", TRIPLE, "--deposit", "60")
    assert code == 1 and "Poolverwaltung" in err
    assert _rows(pool, "SELECT count(*) FROM device_types") == [(0,)]
    set_pool_manager(pool, LOGIN, True)
    code, out, err = run("policy", "--type", TRIPLE, "--deposit", "60", "--days", "10")
    assert code == 0, err
    assert out.strip().endswith(
        "10 Tage, höchstens 1-mal verlängerbar, Kaution 60,00 €, Abholfrist 3 Tage – gilt jetzt."
    )
    code, _, err = run("policy", "--type", TRIPLE, "--days", "0")
    assert code == 1 and "zwischen 1 und 90 Tagen" in err
    assert _rows(pool, "SELECT loan_days, deposit_cents FROM device_types") == [(10, 6000)]


def test_cancelling_twice_says_so_and_a_search_needs_a_sensible_period(pool: Workspace, run) -> None:
    loan = _book(run, "NAU-WBK-01", "2026-12-03", "2026-12-05")
    assert run("cancel", loan_number(loan), "--today", "2026-11-24")[0] == 0
    code, out, _ = run("cancel", loan_number(loan), "--today", "2026-11-24")
    assert (
        code == 0
        and out.strip() == f"Die Reservierung {loan_number(loan)} war bereits storniert; nichts geändert."
    )
    code, out, err = run(
        "free", "--type", TRIPLE, "--from", "2026-12-28", "--to", "2026-12-22", "--today", "2026-11-24"
    )
    assert (code, out) == (1, "") and "vor ihrem Beginn" in err
    code, _, err = run(
        "free", "--type", TRIPLE, "--from", "2025-12-01", "--to", "2025-12-03", "--today", "2026-11-24"
    )
    assert code == 1 and "Vergangenheit" in err
