"""The case file: opening is audited, notes are searchable, payments and Klärung are recorded,
attachments open only when their hash still matches."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest

from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.inbox_views import InboxFilter, InboxView
from kommune_desk.domain.payments import PaymentMethod, PaymentStatus, kassenzeichen
from kommune_desk.domain.records import ApplicationStatus, Channel
from kommune_desk.domain.validation import ValidationError
from kommune_desk.domain.workflow import Decision, Step, WorkflowError
from kommune_desk.services.applications import create_application, register_application
from kommune_desk.services.cases import (
    AttachmentDamagedError,
    add_note,
    confirm_receipt,
    export_attachment,
    open_case,
    read_case,
    record_payment,
)
from kommune_desk.services.inbox import InboxReader
from kommune_desk.services.workflow import assign_service, claim_case, take_step
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage import reference
from kommune_desk.storage.files import blob_path
from kommune_desk.storage.reference import list_services

RECEIVED = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _service(ws: Workspace, name: str):  # type: ignore[no-untyped-def]
    conn = ws.db.reader()
    try:
        return next(s for s in list_services(conn, ws.municipality.id) if s.name == name)
    finally:
        conn.close()


def _register(ws: Workspace, scans: tuple[Path, ...] = (), **form: str) -> str:
    service = _service(ws, "Gewerbeanmeldung")
    return register_application(
        ws,
        NewApplication(
            service.id,
            "Łukasz Nowak",
            Channel.SCHALTER,
            RECEIVED,
            applicant_street="Hauptstraße 1",
            applicant_postal_code="64569",
            applicant_city="Nauheim",
            applicant_phone="06152 123",
            form_data={"betrieb": "Nowak Fahrräder", "taetigkeit": "Fahrradreparatur", **form},
        ),
        scans=scans,
    )


def _audit_actions(ws: Workspace, application_id: str) -> list[str]:
    conn = ws.db.reader()
    try:
        return [
            r[0]
            for r in conn.execute(
                "SELECT action FROM audit_log WHERE entity_id = ? ORDER BY rowid", (application_id,)
            )
        ]
    finally:
        conn.close()


def test_opening_a_case_is_audited_and_shows_labels_fee_and_kassenzeichen(workspace: Workspace) -> None:
    application_id = _register(workspace)
    detail = open_case(workspace, application_id)
    assert _audit_actions(workspace, application_id) == ["angelegt", "geoeffnet"]
    assert [(line.label, line.value) for line in detail.form_lines[:2]] == [
        ("Name des Betriebs", "Nowak Fahrräder"),
        ("Angemeldete Tätigkeit", "Fahrradreparatur"),
    ]
    assert detail.fee_cents == 2600
    assert detail.payment_status is PaymentStatus.OFFEN
    assert detail.kassenzeichen == kassenzeichen(detail.aktenzeichen)
    assert detail.applicant_phone == "06152 123"
    assert [entry.what for entry in detail.history] == ["Antrag erfasst", "Vorgang geöffnet"]
    assert detail.history[0].who == "Zoë Ağaoğlu"
    assert "Status: Eingegangen" in detail.history[0].details
    assert Step.BEARBEITEN in detail.steps and detail.can_claim
    # re-reading after a change is not another opening
    read_case(workspace, application_id)
    assert _audit_actions(workspace, application_id).count("geoeffnet") == 1


def test_unknown_form_keys_get_readable_labels(workspace: Workspace) -> None:
    detail = read_case(workspace, _register(workspace, **{"fahrzeug.kennzeichen": "GG-AB 12"}))
    assert ("Fahrzeug › Kennzeichen", "GG-AB 12") in [(line.label, line.value) for line in detail.form_lines]


def test_notes_are_searchable_and_in_the_history(workspace: Workspace) -> None:
    application_id = _register(workspace)
    add_note(workspace, application_id, "Rückruf wegen Gewerbeerlaubnis – Meisterbrief fehlt")
    reader = InboxReader(workspace.db, workspace.municipality.id)
    try:
        found = reader.rows(reader.handles(InboxFilter(text="meisterbr")))
    finally:
        reader.close()
    assert [row.id for row in found.values()] == [application_id]
    detail = read_case(workspace, application_id)
    assert detail.notes[0].body.startswith("Rückruf") and detail.notes[0].author == "Zoë Ağaoğlu"
    assert detail.history[-1].what == "Notiz hinzugefügt"
    with pytest.raises(ValidationError):
        add_note(workspace, application_id, "   ")


def test_counter_payment_is_recorded_with_history(workspace: Workspace) -> None:
    application_id = _register(workspace)
    record_payment(workspace, application_id, PaymentMethod.EC_KARTE, 2600, dt.date(2026, 11, 3))
    detail = read_case(workspace, application_id)
    assert detail.payment_status is PaymentStatus.BEZAHLT
    assert detail.payment_method is PaymentMethod.EC_KARTE
    assert (detail.paid_cents, detail.paid_at) == (2600, dt.date(2026, 11, 3))
    lines = detail.history[-1].details
    assert "Zahlungsstatus: Offen → Bezahlt" in lines and "Bezahlter Betrag: 26,00 €" in lines
    with pytest.raises(ValidationError):
        record_payment(workspace, application_id, PaymentMethod.BAR, 0, dt.date(2026, 11, 3))


def test_receipt_confirmation_is_logged_and_queued_for_sync(workspace: Workspace) -> None:
    application_id = _register(workspace)
    confirm_receipt(workspace, application_id, "E-Mail")
    conn = workspace.db.reader()
    names = [r[0] for r in conn.execute("SELECT name FROM outbox ORDER BY seq")]
    conn.close()
    assert names[-1] == "confirm_receipt"
    assert read_case(workspace, application_id).history[-1].what == "Eingangsbestätigung versandt"


def test_a_case_in_klaerung_gets_its_service_deadline_and_kassenzeichen(workspace: Workspace) -> None:
    with workspace.db.write() as conn:
        row = create_application(
            conn, workspace, None, RECEIVED, {"channel": "fit_connect", "applicant_name": "Zoë Ağaoğlu"}, (),
            action="importiert",
        )  # fmt: skip
    assert row["status"] == "klaerung" and row["due_date"] is None
    with pytest.raises(WorkflowError):
        take_step(workspace, row["id"], Step.LEISTUNG_ZUORDNEN)
    service = _service(workspace, "Gewerbeanmeldung")
    assign_service(workspace, row["id"], service.id)
    detail = read_case(workspace, row["id"])
    assert detail.status is ApplicationStatus.EINGEGANGEN
    assert detail.service == service
    assert detail.due_date == dt.date(2026, 11, 5)  # 3 days from receipt on 2 Nov (§ 15 Abs. 1 GewO)
    assert detail.fee_cents == 2600 and detail.kassenzeichen == kassenzeichen(detail.aktenzeichen)
    assert "Leistung: Gewerbeanmeldung" in detail.history[-1].details


def test_attachments_open_only_when_the_hash_matches(workspace: Workspace, tmp_path: Path) -> None:
    scan = tmp_path / "..\\..\\Scan Ausweis.exe"
    scan.write_bytes(b"%PDF-1.4 scan")
    application_id = _register(workspace, scans=(scan,))
    attachment = read_case(workspace, application_id).attachments[0]
    assert attachment.purpose_label == "Scan" and attachment.size_bytes == 13
    out = tmp_path / "out"
    out.mkdir()
    opened = export_attachment(workspace, attachment.id, out)
    assert opened.parent == out and opened.read_bytes() == b"%PDF-1.4 scan"
    assert opened.suffix == ".bin"  # never .exe from a citizen's file name
    blob_path(workspace.db.attachments_dir, attachment.sha256).write_bytes(b"tampered")
    with pytest.raises(AttachmentDamagedError) as raised:
        export_attachment(workspace, attachment.id, out)
    assert "beschädigt" in raised.value.messages[0]


def test_another_municipality_cannot_open_annotate_or_read_a_case(workspace: Workspace) -> None:
    """Two tenants in one file (as after a sync of the Kreis): ids of the other stay invisible."""
    application_id = _register(workspace)
    attachment_free = read_case(workspace, application_id)
    at = "2026-11-01T00:00:00+00:00"
    other_municipality = replace(workspace.municipality, id=uuid7(), ags="06433002", name="Biebesheim")
    other_office = replace(workspace.office, id=uuid7(), municipality_id=other_municipality.id, code="BIS")
    other_clerk = replace(
        workspace.clerk, id=uuid7(), municipality_id=other_municipality.id, office_id=other_office.id
    )
    with workspace.db.write() as conn:
        reference.insert_municipality(conn, other_municipality, at)
        reference.insert_office(conn, other_office, at)
        reference.insert_clerk(conn, other_clerk, at)
    other = Workspace(workspace.db, other_municipality, other_office, other_clerk, "testerin")
    for call in (
        lambda: open_case(other, application_id),
        lambda: read_case(other, application_id),
        lambda: add_note(other, application_id, "x"),
        lambda: confirm_receipt(other, application_id, "Brief"),
        lambda: claim_case(other, application_id),
    ):
        with pytest.raises(WorkflowError):
            call()
    reader = InboxReader(workspace.db, other_municipality.id, other_clerk.id)
    try:
        assert reader.handles() == [] and reader.handles(InboxFilter(text="Nowak")) == []
    finally:
        reader.close()
    assert read_case(workspace, application_id) == attachment_free  # nothing was written


def test_view_counts_and_filters(workspace: Workspace) -> None:
    first, second = _register(workspace), _register(workspace)
    claim_case(workspace, first)
    take_step(workspace, second, Step.BEARBEITEN, today=dt.date(2026, 11, 3))
    take_step(workspace, second, Step.UNTERLAGEN_ANFORDERN, today=dt.date(2026, 11, 3))
    reader = InboxReader(
        workspace.db, workspace.municipality.id, workspace.clerk.id if workspace.clerk else None
    )
    try:
        counts = reader.counts(today=dt.date(2026, 11, 3))
        assert counts[next(v for v in counts if v.value == "meine")] == 2
        assert {v.value: n for v, n in counts.items() if n} == {
            "alle": 2,
            "neu": 1,
            "meine": 2,
            "team": 2,
            "wartet": 1,
            "frist_bald": 1,  # due 5 Nov (an Anzeige: three days); the waiting case's clock rests
        }
        rows = reader.rows(reader.handles(InboxFilter(statuses=frozenset({ApplicationStatus.EINGEGANGEN}))))
        assert [r.id for r in rows.values()] == [first]
        service = _service(workspace, "Gewerbeanmeldung")
        assert len(reader.handles(InboxFilter(service_id=service.id))) == 2
        assert reader.handles(InboxFilter(assignee_id="-")) == []
        assert len(reader.handles(InboxFilter(received_from=dt.date(2026, 11, 2)))) == 2
        assert reader.handles(InboxFilter(received_to=dt.date(2026, 11, 1))) == []
        waiting = reader.rows(
            reader.handles(
                InboxFilter(text="Nowak", statuses=frozenset({ApplicationStatus.WARTET_AUF_UNTERLAGEN}))
            )
        )
        assert [r.paused_days for r in waiting.values()] == [2]  # paused on 3 Nov, due on 5 Nov
    finally:
        reader.close()


def test_saved_filter_round_trips_and_drops_unknown_values() -> None:
    query = InboxFilter(
        statuses=frozenset({ApplicationStatus.KLAERUNG}),
        received_from=dt.date(2026, 1, 1),
        text="Müller",
    )
    assert InboxFilter.from_dict(json.loads(json.dumps(query.to_dict()))) == query
    assert InboxFilter.from_dict(
        {"view": "zukunft", "statuses": ["gibt_es_nicht"], "received_to": "kaputt"}
    ) == (InboxFilter())


def test_copies_opened_for_viewing_stay_in_the_data_folder_and_are_cleared(
    workspace: Workspace, tmp_path: Path
) -> None:
    from kommune_desk.services.opened_copies import clear_opened_copies, opened_copies_dir

    scan = tmp_path / "Bauplan.pdf"
    scan.write_bytes(b"%PDF-1.4 plan")
    application_id = _register(workspace, scans=(scan,))
    attachment = read_case(workspace, application_id).attachments[0]
    first = export_attachment(workspace, attachment.id)
    second = export_attachment(workspace, attachment.id)  # opened twice: two copies, no clash
    folder = opened_copies_dir(workspace)
    assert first != second and first.is_relative_to(folder) and second.read_bytes() == first.read_bytes()
    assert folder.is_relative_to(workspace.db.data_dir)  # never the shared system temp folder
    assert clear_opened_copies(workspace) == 0
    assert not folder.exists() and not first.exists()
    assert clear_opened_copies(workspace) == 0  # nothing left: nothing to do


def test_an_eingangsbestaetigung_is_logged_only_before_the_decision(workspace: Workspace) -> None:
    case = _register(workspace)
    assert read_case(workspace, case).can_confirm_receipt
    confirm_receipt(workspace, case, "Brief")
    take_step(workspace, case, Step.BEARBEITEN)
    take_step(workspace, case, Step.EMPFANG_BESCHEINIGEN)  # a Gewerbeanmeldung is an Anzeige
    assert not read_case(workspace, case).can_confirm_receipt
    with pytest.raises(WorkflowError, match="schon entschieden"):
        confirm_receipt(workspace, case, "Brief")


def test_drafted_decisions_wait_in_zur_freigabe(workspace: Workspace) -> None:
    service = _service(workspace, "Bewohnerparkausweis")
    case = register_application(
        workspace, NewApplication(service.id, "Roß, Ingrid", Channel.PAPIER, RECEIVED)
    )
    take_step(workspace, case, Step.BEARBEITEN)
    take_step(workspace, case, Step.ENTSCHEIDUNG_ENTWERFEN, Decision.BEWILLIGT)
    reader = InboxReader(
        workspace.db, workspace.municipality.id, workspace.clerk.id if workspace.clerk else None
    )
    try:
        assert reader.counts()[InboxView.FREIGABE] == 1
        handles = reader.handles(InboxFilter(view=InboxView.FREIGABE))
        assert [row.id for row in reader.rows(handles).values()] == [case]
    finally:
        reader.close()
