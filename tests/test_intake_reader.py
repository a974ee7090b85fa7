"""Intake of decrypted FIT-Connect submissions: valid folders and ZIPs read back completely,
hostile input is rejected with a German reason and leaves nothing behind."""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kommune_desk.intake import (
    FIT_CONNECT_LIMITS,
    IntakeLimits,
    SubmissionRejected,
    looks_like_submission,
    read_submission,
    write_submission,
)
from kommune_desk.intake.metadata import load_schema
from kommune_desk.intake.names import display_name
from kommune_desk.intake.source import FolderSource

PAYMENT = {
    "transactionReference": "KZ-2026-0815",
    "transactionId": "tx-4711",
    "paymentMethod": "CREDITCARD",
    "paymentMethodDetail": "Visa",
    "status": "BOOKED",
    "grossAmount": 29.99,
    "transactionTimestamp": "2026-11-20T10:15:00+01:00",
}
ATTACHMENTS = [
    ("Antrag.pdf", b"%PDF-1.7 form", "application/pdf", "form"),
    ("Impfpass.jpg", b"\xff\xd8\xff jpeg bytes", "image/jpeg"),
]
SMALL = IntakeLimits(max_attachment_bytes=64 * 1024, max_submission_bytes=256 * 1024)


def _submission(tmp_path: Path, name: str = "einreichung", **options: object) -> Path:
    options.setdefault("attachments", ATTACHMENTS)
    return write_submission(tmp_path / name, **options)  # type: ignore[arg-type]


def _rejected(path: Path, staging: Path, limits: IntakeLimits = FIT_CONNECT_LIMITS) -> str:
    """The German reason; also checks that a rejection leaves no staged file behind."""
    with pytest.raises(SubmissionRejected) as rejection:
        read_submission(path, staging, limits)
    if staging.exists():
        assert list(staging.iterdir()) == []
    reason = rejection.value.reason
    assert reason.endswith(".") and "Mustermann" not in reason
    return reason


def _metadata(folder: Path) -> dict:
    return json.loads((folder / "metadata.json").read_bytes())


def _attachment_id(folder: Path, index: int) -> str:
    return _metadata(folder)["contentStructure"]["attachments"][index]["attachmentId"]


def _zip_attachment_id(archive: Path, index: int) -> str:
    with zipfile.ZipFile(archive) as opened:
        metadata = json.loads(opened.read("metadata.json"))
    return metadata["contentStructure"]["attachments"][index]["attachmentId"]


def _write_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _folder_entries(folder: Path) -> dict[str, bytes]:
    return {child.name: child.read_bytes() for child in folder.iterdir()}


def _patch_sizes(path: Path, entry: str, size: int, *, local: bool) -> None:
    """Overwrite an entry's declared uncompressed size in the central directory (and in the
    local header), as a hostile sender would."""
    data = bytearray(path.read_bytes())
    name = entry.encode()
    start = 0
    while True:
        start = data.index(b"PK\x01\x02", start)
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if bytes(data[start + 46 : start + 46 + name_length]) == name:
            struct.pack_into("<I", data, start + 24, size)
            break
        start += 4
    if local:
        start = 0
        while True:
            start = data.index(b"PK\x03\x04", start)
            name_length = struct.unpack_from("<H", data, start + 26)[0]
            if bytes(data[start + 30 : start + 30 + name_length]) == name:
                struct.pack_into("<I", data, start + 22, size)
                break
            start += 4
    path.write_bytes(bytes(data))


def _tree(root: Path, skip: Path) -> set[tuple[str, int]]:
    return {
        (str(p.relative_to(root)), p.stat().st_size if p.is_file() else -1)
        for p in root.rglob("*")
        if skip not in p.parents and p != skip
    }


# --- valid submissions -------------------------------------------------------------------


def test_valid_json_folder_reads_back_applicant_form_payment_and_files(tmp_path: Path) -> None:
    folder = _submission(
        tmp_path,
        form={
            "hund_name": "Bello",
            "fahrzeug": {"kennzeichen": "GG-AB 12", "achsen": [2, 3]},
            "gechippt": True,
        },
        extra_data={"hinweis": None, "anzahl": 1.50},
        payment=PAYMENT,
        sender_reference="PORTAL-77",
        reply_email="erika@example.org",
    )
    staging = tmp_path / "staging"

    submission = read_submission(folder, staging)

    assert submission.source_name == "einreichung"
    assert submission.service_identifier == "urn:de:fim:leika:leistung:99108008001000"
    assert submission.leika_id == "99108008001000"
    assert submission.service_name == "Hundesteuer – Anmeldung"
    applicant = submission.applicant
    assert (applicant.name, applicant.street, applicant.postal_code, applicant.city) == (
        "Mustermann, Erika", "Heidestraße 17", "64569", "Nauheim",
    )  # fmt: skip
    assert (applicant.email, applicant.phone) == ("erika.mustermann@example.org", "06152 123456")
    assert list(submission.form_data.items()) == [
        ("hund_name", "Bello"),
        ("fahrzeug.kennzeichen", "GG-AB 12"),
        ("fahrzeug.achsen.1", "2"),
        ("fahrzeug.achsen.2", "3"),
        ("gechippt", "ja"),
        ("hinweis", ""),
        ("anzahl", "1.5"),
    ]
    assert submission.payment is not None
    assert submission.payment.method == "CREDITCARD"
    assert submission.payment.status == "BOOKED"
    assert submission.payment.amount_cents == 2999
    assert submission.payment.reference == "KZ-2026-0815"
    assert submission.payment.transaction_id == "tx-4711"
    assert submission.payment.paid_at == "2026-11-20T10:15:00+01:00"
    assert submission.application_date == "2026-11-20"
    assert submission.sender_reference == "PORTAL-77"
    assert submission.reply_email == "erika@example.org"

    data, form, photo = submission.files
    assert (data.attachment_id, data.purpose, data.media_type, data.display_name) == (
        None, "data", "application/json", "data.json",
    )  # fmt: skip
    assert data.path.read_bytes() == (folder / "data.json").read_bytes()
    assert (form.purpose, form.display_name, form.media_type) == ("form", "Antrag.pdf", "application/pdf")
    assert (photo.purpose, photo.display_name, photo.attachment_id) == (
        "attachment", "Impfpass.jpg", _attachment_id(folder, 1),
    )  # fmt: skip
    for staged, content in zip(submission.files[1:], (a[1] for a in ATTACHMENTS), strict=True):
        assert staged.path.read_bytes() == content
        assert staged.sha256 == hashlib.sha256(content).hexdigest()
        assert staged.size_bytes == len(content)
        assert staged.path == staging / staged.sha256
    assert sorted(p.name for p in staging.iterdir()) == sorted(f.sha256 for f in submission.files)


@pytest.mark.parametrize("zip_root", [None, "fit-connect-export-2026-11-20"])
def test_zip_reads_back_like_the_folder(tmp_path: Path, zip_root: str | None) -> None:
    folder = _submission(tmp_path, payment=PAYMENT)
    archive = _submission(tmp_path, "einreichung.ZIP", as_zip=True, zip_root=zip_root, payment=PAYMENT)

    from_folder = read_submission(folder, tmp_path / "s1")
    from_zip = read_submission(archive, tmp_path / "s2")

    assert from_zip.source_name == "einreichung.ZIP"
    assert from_zip.key == from_folder.key
    assert from_zip.applicant == from_folder.applicant
    assert from_zip.form_data == from_folder.form_data
    assert from_zip.payment == from_folder.payment
    assert [f.sha256 for f in from_zip.files] == [f.sha256 for f in from_folder.files]
    for staged in from_zip.files:
        assert hashlib.sha256(staged.path.read_bytes()).hexdigest() == staged.sha256


def test_xml_fachdaten_follow_the_same_convention(tmp_path: Path) -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<a:antrag xmlns:a="urn:example:antrag" version="2">'
        "<a:antragsteller><a:vorname> Jürgen </a:vorname><a:nachname>Öztürk</a:nachname>"
        "<a:strasse>Am Markt</a:strasse><a:hausnummer>3a</a:hausnummer><a:plz>64569</a:plz>"
        "<a:ort>Nauheim</a:ort><a:geburtsdatum>1980-02-29</a:geburtsdatum></a:antragsteller>"
        '<a:angaben><a:hund_name typ="rufname">Bello</a:hund_name>'
        "<a:fahrzeug><a:kennzeichen>GG-AB 12</a:kennzeichen></a:fahrzeug>"
        "<a:kind>Anna</a:kind><a:kind>Ben</a:kind></a:angaben>"
        "<a:bemerkung>Bitte &amp; danke</a:bemerkung>"
        "</a:antrag>"
    ).encode()
    folder = _submission(tmp_path, data_format="xml", data_bytes=xml)

    submission = read_submission(folder, tmp_path / "staging")

    assert submission.applicant.name == "Öztürk, Jürgen"
    assert submission.applicant.street == "Am Markt 3a"
    assert submission.applicant.email == ""
    assert submission.form_data == {
        "antragsteller.geburtsdatum": "1980-02-29",
        "hund_name": "Bello",
        "fahrzeug.kennzeichen": "GG-AB 12",
        "kind.1": "Anna",
        "kind.2": "Ben",
        "bemerkung": "Bitte & danke",
    }
    assert submission.files[0].media_type == "application/xml"
    assert submission.files[0].display_name == "data.xml"


def test_builder_xml_round_trips(tmp_path: Path) -> None:
    folder = _submission(tmp_path, data_format="xml", form={"hund_name": "Bello", "rasse": "Dackel"})
    submission = read_submission(folder, tmp_path / "staging")
    assert submission.applicant.name == "Mustermann, Erika"
    assert submission.form_data == {"hund_name": "Bello", "rasse": "Dackel"}


def test_key_is_the_same_for_folder_and_zip_and_differs_for_other_data(tmp_path: Path) -> None:
    first = read_submission(_submission(tmp_path, "a"), tmp_path / "s1")
    same_as_zip = read_submission(_submission(tmp_path, "b.zip", as_zip=True), tmp_path / "s2")
    other = read_submission(_submission(tmp_path, "c", form={"hund_name": "Rex"}), tmp_path / "s3")

    assert len(first.key) == 64 and int(first.key, 16) >= 0
    assert first.key == same_as_zip.key
    assert other.key != first.key


def test_submission_without_fachdaten_has_an_empty_applicant(tmp_path: Path) -> None:
    folder = _submission(tmp_path, data_format=None, leika_id=None, service_identifier="urn:xoev:dienst:42")
    submission = read_submission(folder, tmp_path / "staging")
    assert submission.applicant.name == ""
    assert submission.form_data == {}
    assert submission.leika_id is None
    assert submission.service_identifier == "urn:xoev:dienst:42"
    assert [f.purpose for f in submission.files] == ["form", "attachment"]


@pytest.mark.parametrize(
    ("amount", "cents"), [(0.07, 7), (0.29, 29), (19.99, 1999), (1234.56, 123456), (5, 500)]
)
def test_amounts_floats_cannot_divide_exactly_are_valid(tmp_path: Path, amount: float, cents: int) -> None:
    folder = _submission(tmp_path, payment={**PAYMENT, "grossAmount": amount})
    payment = read_submission(folder, tmp_path / "staging").payment
    assert payment is not None and payment.amount_cents == cents


def test_an_amount_beyond_64_bit_cents_is_rejected(tmp_path: Path) -> None:
    folder = _submission(tmp_path, payment={**PAYMENT, "grossAmount": 1e300})
    assert _rejected(folder, tmp_path / "staging") == (
        "Der Betrag in den Zahlungsinformationen ist größer als darstellbar."
    )


def test_fachdaten_nesting_up_to_the_limit_is_accepted_one_more_is_not(tmp_path: Path) -> None:
    limits = IntakeLimits(max_depth=5)

    def nested(levels: int) -> bytes:  # the top-level object is level 1
        return ("{" + '"a":{' * (levels - 1) + '"b":1' + "}" * levels).encode()

    ok = read_submission(_submission(tmp_path, "ok", data_bytes=nested(5)), tmp_path / "s1", limits)
    assert ok.form_data == {"a.a.a.a.b": "1"}
    deep = _submission(tmp_path, "deep", data_bytes=nested(6))
    assert "tiefer verschachtelt" in _rejected(deep, tmp_path / "s2", limits)


def test_too_many_form_fields_are_rejected(tmp_path: Path) -> None:
    data = json.dumps({"angaben": {f"feld{i}": i for i in range(11)}}).encode()
    folder = _submission(tmp_path, data_bytes=data)
    reason = _rejected(folder, tmp_path / "staging", IntakeLimits(max_form_fields=10))
    assert reason == "data.json enthält mehr Felder als erlaubt (10)."


def test_the_schema_is_packaged_and_a_valid_2020_12_schema() -> None:
    from jsonschema import Draft202012Validator

    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith("/fit-connect/metadata/1.0.0/metadata.schema.json")


def test_looks_like_submission(tmp_path: Path) -> None:
    folder = _submission(tmp_path)
    archive = _submission(tmp_path, "x.Zip", as_zip=True)
    (tmp_path / "leer").mkdir()
    (tmp_path / "brief.pdf").write_bytes(b"%PDF")
    assert looks_like_submission(folder)
    assert looks_like_submission(archive)
    assert not looks_like_submission(tmp_path / "leer")
    assert not looks_like_submission(tmp_path / "brief.pdf")
    assert not looks_like_submission(tmp_path / "gibt-es-nicht.zip")


# --- hostile metadata.json ---------------------------------------------------------------

DEEP = 100_000


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        (b'{"contentStructure": {"attachments": [}', "metadata.json ist kein gültiges JSON."),
        (b'{"contentStructure": {"attachments": []}, "x": NaN}', "NaN ist nicht erlaubt"),
        (b'{"contentStructure": {"attachments": []}, "x": -Infinity}', "-Infinity ist nicht erlaubt"),
        (b'{"contentStructure": {"attachments": []}, "x": 1e400}', "Zahl außerhalb"),
        (
            b'{"contentStructure": {"attachments": []}, "contentStructure": {"attachments": []}}',
            "metadata.json ist kein gültiges JSON (doppelter Schlüssel).",
        ),
        (b"[" * DEEP + b"]" * DEEP, "zu tief verschachtelt"),
        (b'{"a":' * DEEP + b"1" + b"}" * DEEP, "zu tief verschachtelt"),
        (
            b'{"contentStructure": {"attachments": []}, "x": "\xff\xfe"}',
            "metadata.json ist kein gültiges UTF-8.",
        ),
        (b'{"contentStructure": {"attachments": []}, "x": "\\ud800"}', "ungültiges Unicode-Zeichen"),
        (b'["contentStructure"]', "metadata.json enthält kein JSON-Objekt."),
        (b"{}", "(Pflichtangabe fehlt: contentStructure)"),
        (b'{"contentStructure": {"attachments": "viele"}}', "Schema 1.0.0 (contentStructure.attachments)"),
    ],
)
def test_hostile_metadata_is_rejected(tmp_path: Path, metadata: bytes, expected: str) -> None:
    folder = _submission(tmp_path)
    (folder / "metadata.json").write_bytes(metadata)
    assert expected in _rejected(folder, tmp_path / "staging")


def test_schema_violation_names_the_location_but_not_the_value(tmp_path: Path) -> None:
    folder = _submission(tmp_path)
    metadata = _metadata(folder)
    metadata["contentStructure"]["attachments"][0]["hash"]["content"] = "Erika-Mustermann-Geheim"
    (folder / "metadata.json").write_text(json.dumps(metadata))
    reason = _rejected(folder, tmp_path / "staging")
    assert reason == (
        "Die Metadaten entsprechen nicht dem FIT-Connect-Schema 1.0.0 "
        "(contentStructure.attachments[0].hash.content)."
    )


def test_metadata_larger_than_the_limit_is_not_read(tmp_path: Path) -> None:
    folder = _submission(tmp_path)
    (folder / "metadata.json").write_bytes(b" " * 2048 + (folder / "metadata.json").read_bytes())
    assert "metadata.json ist größer als erlaubt (1 KB)" in _rejected(
        folder, tmp_path / "staging", IntakeLimits(max_metadata_bytes=1024)
    )


def test_the_schemas_backtracking_signature_pattern_cannot_hang(tmp_path: Path) -> None:
    # With Python's re the original pattern needs ~40 minutes for this string.
    folder = _submission(tmp_path)
    metadata = _metadata(folder)
    metadata["contentStructure"]["data"]["signature"] = {
        "signatureFormat": "cms", "detachedSignature": True, "content": "!" + "a" * 500_000 + "!",
    }  # fmt: skip
    (folder / "metadata.json").write_text(json.dumps(metadata))
    started = time.perf_counter()
    assert "(contentStructure.data.signature.content)" in _rejected(folder, tmp_path / "staging")
    assert time.perf_counter() - started < 5

    metadata["contentStructure"]["data"]["signature"]["content"] = "QUJD" * 100_000
    (folder / "metadata.json").write_text(json.dumps(metadata))
    assert read_submission(folder, tmp_path / "staging").applicant.name == "Mustermann, Erika"


def test_duplicate_attachment_ids_are_rejected(tmp_path: Path) -> None:
    folder = _submission(tmp_path)
    metadata = _metadata(folder)
    first, second = metadata["contentStructure"]["attachments"]
    second["attachmentId"] = first["attachmentId"].upper()
    (folder / "metadata.json").write_text(json.dumps(metadata))
    assert "Anlage 2 doppelt" in _rejected(folder, tmp_path / "staging")


def test_more_attachments_than_allowed_are_rejected(tmp_path: Path) -> None:
    folder = _submission(tmp_path)
    reason = _rejected(folder, tmp_path / "staging", IntakeLimits(max_attachments=1))
    assert reason == "Die Einreichung hat mehr Anlagen als erlaubt (1)."


# --- hostile Fachdaten -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"angaben": {"a": 1,}}', "data.json ist kein gültiges JSON."),
        (b'{"angaben": {"a": NaN}}', "data.json ist kein gültiges JSON (NaN ist nicht erlaubt)."),
        (b'{"angaben": {"a": 1, "a": 2}}', "data.json ist kein gültiges JSON (doppelter Schlüssel)."),
        (b"[" * DEEP + b"]" * DEEP, "data.json ist kein gültiges JSON (zu tief verschachtelt)."),
        (b'{"a":' * 500 + b"1" + b"}" * 500, "data.json ist tiefer verschachtelt als erlaubt (32 Ebenen)."),
        (b'{"angaben": {"name": "M\xfcller"}}', "data.json ist kein gültiges UTF-8."),
        (b'"nur ein Text"', "data.json enthält kein JSON-Objekt."),
    ],
)
def test_hostile_data_json_is_rejected(tmp_path: Path, data: bytes, expected: str) -> None:
    folder = _submission(tmp_path, data_bytes=data)  # with a correct hash: the parser must refuse it
    assert _rejected(folder, tmp_path / "staging") == expected


def test_data_json_with_bom_and_huge_number_is_accepted(tmp_path: Path) -> None:
    big = "9" * 10_000  # int() would refuse more than 4300 digits; the text is kept as given
    data = b'\xef\xbb\xbf{"angaben": {"betrag": 12.50, "n": ' + big.encode() + b"}}"
    folder = _submission(tmp_path, data_bytes=data)
    assert read_submission(folder, tmp_path / "staging").form_data == {"betrag": "12.50", "n": big}


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n<antrag><angaben><x>&lol9;</x></angaben></antrag>"
)
XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE antrag [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b"<antrag><angaben><x>&xxe;</x></angaben></antrag>"
)
XXE_PARAMETER = (
    b'<?xml version="1.0"?>\n<!DOCTYPE antrag [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n<antrag/>'
)
EXTERNAL_DTD = b'<?xml version="1.0"?>\n<!DOCTYPE antrag SYSTEM "http://example.org/x.dtd">\n<antrag/>'


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, XXE, XXE_PARAMETER, EXTERNAL_DTD])
def test_xml_with_dtd_or_entities_is_rejected_without_expanding_them(tmp_path: Path, xml: bytes) -> None:
    folder = _submission(tmp_path, data_format="xml", data_bytes=xml)
    started = time.perf_counter()
    reason = _rejected(folder, tmp_path / "staging")
    assert reason == "data.xml enthält eine DTD oder Entitäten; das ist aus Sicherheitsgründen nicht erlaubt."
    assert time.perf_counter() - started < 2
    assert "root" not in reason


def test_deeply_nested_xml_is_rejected_cleanly(tmp_path: Path) -> None:
    xml = b"<antrag>" + b"<a>" * DEEP + b"x" + b"</a>" * DEEP + b"</antrag>"
    folder = _submission(tmp_path, data_format="xml", data_bytes=xml)
    started = time.perf_counter()
    reason = _rejected(folder, tmp_path / "staging")
    assert reason == "data.xml ist tiefer verschachtelt als erlaubt (32 Ebenen)."
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    "xml", [b"<antrag><a>offen</antrag>", b"\xff\xfe<antrag/>", b"", b'<antrag><x y="1" y="2"/></antrag>']
)
def test_malformed_xml_is_rejected(tmp_path: Path, xml: bytes) -> None:
    folder = _submission(tmp_path, data_format="xml", data_bytes=xml)
    assert _rejected(folder, tmp_path / "staging") == "data.xml ist kein gültiges XML."


# --- missing and tampered files ----------------------------------------------------------


def test_missing_attachment_is_rejected(tmp_path: Path) -> None:
    folder = _submission(tmp_path)
    (folder / _attachment_id(folder, 1)).unlink()
    assert _rejected(folder, tmp_path / "staging") == "Die Anlage 2 fehlt in der Einreichung."


def test_missing_metadata_and_missing_fachdaten_are_rejected(tmp_path: Path) -> None:
    folder = _submission(tmp_path)
    (folder / "data.json").unlink()
    assert _rejected(folder, tmp_path / "s1") == "Die Fachdaten (data.json) fehlen in der Einreichung."
    (folder / "metadata.json").unlink()
    assert _rejected(folder, tmp_path / "s2") == "Die Einreichung enthält keine metadata.json."


def test_tampered_attachment_is_rejected_and_earlier_staged_files_are_removed(tmp_path: Path) -> None:
    folder = _submission(tmp_path)
    target = folder / _attachment_id(folder, 1)
    content = bytearray(target.read_bytes())
    content[3] ^= 0x01
    target.write_bytes(bytes(content))
    staging = tmp_path / "staging"
    reason = _rejected(folder, staging)  # data.json and Anlage 1 were staged before, now removed
    assert reason == (
        "Die Prüfsumme (SHA-512) der Anlage 2 stimmt nicht: die Datei wurde verändert oder ist beschädigt."
    )
    assert staging.is_dir()


def test_tampered_data_json_is_rejected(tmp_path: Path) -> None:
    folder = _submission(tmp_path)
    data = folder / "data.json"
    data.write_bytes(data.read_bytes().replace(b"Bello", b"Rex!!"))
    reason = _rejected(folder, tmp_path / "staging")
    assert "Prüfsumme (SHA-512) der Fachdaten (data.json) stimmt nicht" in reason


def test_a_file_that_grows_while_it_is_read_is_rejected(tmp_path: Path) -> None:
    folder = _submission(tmp_path)
    source = FolderSource(folder)
    assert source.size("data.json", "data.json") == (folder / "data.json").stat().st_size
    with (folder / "data.json").open("ab") as grow:
        grow.write(b" " * 10)
    with pytest.raises(SubmissionRejected, match="während des Lesens verändert"):
        b"".join(source.chunks("data.json"))


def test_oversized_attachment_is_rejected_before_anything_is_copied(tmp_path: Path) -> None:
    folder = _submission(tmp_path, attachments=[("gross.bin", b"\0" * (70 * 1024), "text/plain")])
    reason = _rejected(folder, tmp_path / "staging", SMALL)
    assert reason == "Die Anlage 1 ist größer als erlaubt (64 KB je Anlage)."


# --- names and where things are written ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("..\\..\\x.exe", "x.exe"),
        ("../../etc/passwd", "passwd"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("LPT9.tar.gz", "_LPT9.tar.gz"),
        ("Rechnung\u202efdp.exe", "Rechnungfdp.exe"),
        ("\u2067Bild\u2069.png\u200f", "Bild.png"),
        ("  ..versteckt.pdf. . ", "versteckt.pdf"),
        ("Zeile\neins\x00.pdf", "Zeileeins.pdf"),
        ('Frage?:"x"<y>|*.pdf', "Frage___x__y___.pdf"),
        ("", "Anlage"),
        ("..", "Anlage"),
        ("\u202e", "Anlage"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
    ],
)
def test_display_name(raw: str, shown: str) -> None:
    assert display_name(raw) == shown


def test_hostile_attachment_names_are_display_text_only(tmp_path: Path) -> None:
    outside = tmp_path / "einreichung"
    folder = _submission(
        tmp_path,
        attachments=[
            ("..\\..\\x.exe", b"MZ evil", "application/octet-stream"),
            ("CON", b"device", "text/plain"),
            ("rechnung\u202egnp.exe", b"spoof", "image/png"),
            ("../../../../tmp/ausbruch", b"climb", "text/plain"),
        ],
    )
    staging = tmp_path / "work" / "staging"
    before = _tree(tmp_path, staging)

    submission = read_submission(folder, staging)

    names = [f.display_name for f in submission.files[1:]]
    assert names == ["x.exe", "_CON", "rechnunggnp.exe", "ausbruch"]
    assert _tree(tmp_path, staging) == before | {("work", -1)}  # staging itself is skipped
    assert {p.name for p in staging.iterdir()} == {f.sha256 for f in submission.files}
    assert not (tmp_path.parent / "x.exe").exists() and not (outside / "CON").exists()


def test_the_source_folder_is_not_modified(tmp_path: Path) -> None:
    folder = _submission(tmp_path)
    before = _folder_entries(folder)
    read_submission(folder, tmp_path / "staging")
    assert _folder_entries(folder) == before


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
@pytest.mark.parametrize("which", ["metadata.json", "data.json", "attachment"])
def test_symlinks_in_the_folder_are_rejected(tmp_path: Path, which: str) -> None:
    folder = _submission(tmp_path)
    name = _attachment_id(folder, 0) if which == "attachment" else which
    real = tmp_path / "elsewhere"
    (folder / name).rename(real)
    (folder / name).symlink_to(real)
    assert "Verknüpfung (Symlink)" in _rejected(folder, tmp_path / "staging")


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_a_symlinked_submission_folder_or_fifo_is_rejected(tmp_path: Path) -> None:
    folder = _submission(tmp_path)
    link = tmp_path / "link"
    link.symlink_to(folder, target_is_directory=True)
    assert "Verknüpfung (Symlink)" in _rejected(link, tmp_path / "s1")
    fifo = tmp_path / "pipe.zip"
    os.mkfifo(fifo)
    assert _rejected(fifo, tmp_path / "s2") == "Die Einreichung ist weder ein Ordner noch eine ZIP-Datei."


# --- hostile ZIPs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../evil", "einen Pfad, der aus dem Ordner hinausführt"),
        ("..\\evil", "einen Pfad, der aus dem Ordner hinausführt"),
        ("x/../../evil", "einen Pfad, der aus dem Ordner hinausführt"),
        ("x/.. /evil", "einen Pfad, der aus dem Ordner hinausführt"),
        ("/abs", "einen absoluten Pfad"),
        ("\\abs", "einen absoluten Pfad"),
        ("C:/Windows/evil", "einen absoluten Pfad"),
    ],
)
def test_zip_entries_that_leave_the_folder_are_rejected(tmp_path: Path, name: str, expected: str) -> None:
    entries = _folder_entries(_submission(tmp_path))
    archive = _write_zip(tmp_path / "x.zip", {**entries, name: b"evil"})
    assert expected in _rejected(archive, tmp_path / "staging")
    assert not (tmp_path.parent / "evil").exists()


def test_zip_declaring_3_gb_is_rejected_before_extracting(tmp_path: Path) -> None:
    archive = _submission(tmp_path, "x.zip", as_zip=True)
    _patch_sizes(archive, _zip_attachment_id(archive, 0), 3 * 1024**3, local=False)
    # _rejected also checks that nothing was staged
    assert (
        _rejected(archive, tmp_path / "staging")
        == "Die ZIP-Datei ist größer als erlaubt (2 GB je Einreichung)."
    )


def test_zip_whose_header_understates_the_size_cannot_defeat_the_limit(tmp_path: Path) -> None:
    big = b"\0" * (1024 * 1024)  # 1 MB, limits allow 64 KB per attachment
    archive = _submission(tmp_path, "x.zip", as_zip=True, attachments=[("a.bin", big, "text/plain")])
    _patch_sizes(archive, _zip_attachment_id(archive, 0), 1000, local=True)
    assert "beschädigt" in _rejected(archive, tmp_path / "staging", SMALL)


def test_zip_bomb_is_rejected_from_the_central_directory(tmp_path: Path) -> None:
    bomb = b"\0" * (20 * 1024 * 1024)
    archive = _submission(tmp_path, "bomb.zip", as_zip=True, attachments=[("bomb.bin", bomb, "text/plain")])
    assert archive.stat().st_size < 100 * 1024
    started = time.perf_counter()
    assert "größer als erlaubt" in _rejected(archive, tmp_path / "staging", SMALL)
    assert time.perf_counter() - started < 1


def test_zip_with_symlink_entry_is_rejected(tmp_path: Path) -> None:
    entries = _folder_entries(_submission(tmp_path))
    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for name, data in entries.items():
            out.writestr(name, data)
        link = zipfile.ZipInfo("passwd")
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        out.writestr(link, "/etc/passwd")
    assert "Verknüpfung (Symlink)" in _rejected(archive, tmp_path / "staging")


def test_encrypted_duplicate_and_too_many_zip_entries_are_rejected(tmp_path: Path) -> None:
    entries = _folder_entries(_submission(tmp_path))
    encrypted = _write_zip(tmp_path / "enc.zip", entries)
    data = bytearray(encrypted.read_bytes())
    start = data.index(b"PK\x01\x02")
    data[start + 8] |= 0x01  # general purpose flag bit 0 in the central directory: encrypted
    encrypted.write_bytes(bytes(data))
    assert "verschlüsselt" in _rejected(encrypted, tmp_path / "s1")

    duplicate = tmp_path / "dup.zip"
    with zipfile.ZipFile(duplicate, "w") as out, pytest.warns(UserWarning, match="Duplicate name"):
        for name, content in entries.items():
            out.writestr(name, content)
        out.writestr("metadata.json", b"{}")
    assert _rejected(duplicate, tmp_path / "s2") == "Die ZIP-Datei enthält einen Dateinamen doppelt."

    crowded = _write_zip(tmp_path / "crowded.zip", {**entries, **{f"extra{i}.txt": b"" for i in range(300)}})
    assert "zu viele Einträge" in _rejected(crowded, tmp_path / "s3")


def test_zip_layout_must_be_flat_or_one_folder(tmp_path: Path) -> None:
    entries = _folder_entries(_submission(tmp_path))
    in_a = {f"a/{name}": content for name, content in entries.items()}
    two_roots = _write_zip(tmp_path / "two.zip", {**in_a, "b/x.txt": b"x"})
    assert "genau einem Ordner" in _rejected(two_roots, tmp_path / "s1")
    mixed = _write_zip(tmp_path / "mixed.zip", {**entries, "unter/x.txt": b"x"})
    assert "genau einem Ordner" in _rejected(mixed, tmp_path / "s2")

    mac = _write_zip(
        tmp_path / "mac.zip",
        {**{f"antrag/{n}": d for n, d in entries.items()}, "__MACOSX/antrag/._metadata.json": b"\0\5"},
    )
    assert read_submission(mac, tmp_path / "s3").applicant.name == "Mustermann, Erika"


@pytest.mark.parametrize("damage", ["truncated", "garbage", "crc", "empty"])
def test_corrupt_zip_is_rejected(tmp_path: Path, damage: str) -> None:
    archive = tmp_path / "x.zip"
    entries = _folder_entries(_submission(tmp_path))
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as out:
        for name, data in entries.items():
            out.writestr(name, data)
    raw = archive.read_bytes()
    if damage == "truncated":
        archive.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        archive.write_bytes(b"PK\x03\x04 das ist keine ZIP-Datei" * 10)
    elif damage == "crc":
        position = raw.index(b"Erika")  # inside the stored data.json; the CRC no longer fits
        archive.write_bytes(raw[:position] + b"X" + raw[position + 1 :])
    else:
        archive.write_bytes(b"")
    assert "ZIP-Datei ist beschädigt" in _rejected(archive, tmp_path / "staging")


# --- properties ----------------------------------------------------------------------------

_VALID_ZIP = io.BytesIO()
with zipfile.ZipFile(_VALID_ZIP, "w", compression=zipfile.ZIP_DEFLATED) as _archive:
    _archive.writestr("metadata.json", b'{"contentStructure": {"attachments": []}}')
    _archive.writestr("extra.txt", b"hallo " * 50)
VALID_ZIP = _VALID_ZIP.getvalue()
# database=None: the property tests leave no .hypothesis folder in the checkout.
_PROPERTY = settings(max_examples=200, deadline=None, database=None)


def _only_rejections(folder_or_zip: Path, work: Path) -> None:
    try:
        read_submission(folder_or_zip, work / "staging")
    except SubmissionRejected as rejection:
        assert rejection.reason
        assert not (work / "staging").exists() or list((work / "staging").iterdir()) == []


@_PROPERTY
@given(st.binary(max_size=2000) | st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
).map(lambda value: json.dumps({"contentStructure": value}).encode()))  # fmt: skip
def test_any_metadata_bytes_only_ever_raise_submission_rejected(metadata: bytes) -> None:
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        (work / "sub").mkdir()
        (work / "sub" / "metadata.json").write_bytes(metadata)
        _only_rejections(work / "sub", work)


@_PROPERTY
@given(
    st.binary(max_size=3000)
    | st.lists(
        st.tuples(st.integers(0, len(VALID_ZIP) - 1), st.integers(0, 255)), min_size=1, max_size=8
    ).map(lambda flips: bytes(dict(flips).get(i, b) for i, b in enumerate(VALID_ZIP)))
)
def test_any_zip_bytes_only_ever_raise_submission_rejected(archive: bytes) -> None:
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        (work / "x.zip").write_bytes(archive)
        _only_rejections(work / "x.zip", work)
