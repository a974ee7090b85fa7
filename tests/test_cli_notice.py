"""``kommune-desk-cli notice`` as an admin's script runs it: a real child process."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.records import Channel
from kommune_desk.domain.workflow import Decision, Step
from kommune_desk.services.applications import register_application
from kommune_desk.services.notices import list_notices
from kommune_desk.services.workflow import take_step
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage.reference import list_services

from .conftest import LOGIN
from .test_cli import cli


def _rejected_case(ws: Workspace) -> str:
    """A Bewohnerparkausweis (no 4-eyes), decided "abgelehnt" and approved by the clerk (a
    Gewerbeanmeldung is an Anzeige: it is not decided on)."""
    conn = ws.db.reader()
    service = next(s for s in list_services(conn, ws.municipality.id) if s.name == "Bewohnerparkausweis")
    conn.close()
    case = register_application(
        ws,
        NewApplication(
            service.id,
            "Nowak, Łukasz",
            Channel.SCHALTER,
            dt.datetime(2025, 2, 3, 9, tzinfo=dt.UTC),
            applicant_street="Hauptstraße 1",
            applicant_postal_code="64569",
            applicant_city="Nauheim",
        ),
    )
    for step, decision in (
        (Step.BEARBEITEN, None),
        (Step.ENTSCHEIDUNG_ENTWERFEN, Decision.ABGELEHNT),
        (Step.FREIGEBEN, None),
    ):
        take_step(ws, case, step, decision)
    return case


def test_preview_and_issue_a_notice(workspace: Workspace, data_dir: Path, tmp_path: Path) -> None:
    case = _rejected_case(workspace)
    target = tmp_path / "ablehnung.pdf"
    args = ("--data-dir", str(data_dir), "notice", "NAU-2025-00001", "--kind", "ablehnung", "-o", str(target))
    reason = ("--begruendung", "Die Tätigkeit ist erlaubnispflichtig.", "--datum", "2025-03-03")

    preview = cli(*args, *reason, login=LOGIN)
    assert preview.returncode == 0, preview.stderr
    assert "Vorschau (Ablehnungsbescheid, nicht archiviert)" in preview.stdout
    assert target.read_bytes().startswith(b"%PDF")
    assert list_notices(workspace, case) == []

    issued = cli(*args, *reason, "--issue", login=LOGIN)
    assert issued.returncode == 0, issued.stderr
    assert "als Entwurf archiviert (Version 1)" in issued.stdout
    [notice] = list_notices(workspace, case)
    assert (notice.kind.value, notice.status.value, notice.letter_date) == (
        "ablehnung",
        "entwurf",
        dt.date(2025, 3, 3),
    )
    assert target.read_bytes().startswith(b"%PDF")


def test_errors_are_german_and_exit_non_zero(workspace: Workspace, data_dir: Path, tmp_path: Path) -> None:
    _rejected_case(workspace)
    target = tmp_path / "x.pdf"
    base = ("--data-dir", str(data_dir), "notice")

    no_reason = cli(*base, "NAU-2025-00001", "--kind", "ablehnung", "-o", str(target), login=LOGIN)
    assert no_reason.returncode == 1
    assert (
        "Bitte ergänzen: Begründung der Sachbearbeitung (im Textbaustein {{begruendung}})."
        in no_reason.stderr
    )

    wrong_kind = cli(*base, "NAU-2025-00001", "--kind", "bewilligung", "-o", str(target), login=LOGIN)
    assert wrong_kind.returncode == 1
    assert "dazu passt ein Ablehnungsbescheid" in wrong_kind.stderr

    unknown = cli(*base, "NAU-1999-00001", "--kind", "ablehnung", "-o", str(target), login=LOGIN)
    assert unknown.returncode == 1
    assert "Aktenzeichen »NAU-1999-00001« gibt es in Ihrer Gemeinde nicht" in unknown.stderr

    stranger = cli(*base, "NAU-2025-00001", "--kind", "eingangsbestaetigung", "-o", str(target), login="gast")
    assert stranger.returncode == 1 and "keiner Person zugeordnet" in stranger.stderr

    empty = cli(
        "--data-dir", str(tmp_path / "leer"), "notice", "A-1", "--kind", "ablehnung", "-o", str(target)
    )
    assert empty.returncode == 1 and "noch nicht eingerichtet" in empty.stderr

    bad_call = cli(*base, "NAU-2025-00001", "--kind", "leihvertrag", "-o", str(target), login=LOGIN)
    assert bad_call.returncode == 2 and "Aufruf fehlerhaft" in bad_call.stderr
    assert not target.exists()
    assert "Traceback" not in no_reason.stderr + wrong_kind.stderr + unknown.stderr + stranger.stderr


def test_help_explains_preview_and_issue() -> None:
    shown = cli("notice", "--help")
    assert shown.returncode == 0
    assert "--issue" in shown.stdout and "Entwurf" in shown.stdout and "--unterlage" in shown.stdout
