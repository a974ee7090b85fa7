"""``kommune-desk-cli notice``: a case's letter as PDF, as preview or archived as Entwurf."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli_args import iso_date
from .documents.model import LetterKind, SignatureMode
from .domain.notices import NOTICE_KINDS

if TYPE_CHECKING:
    from .services.workspace import Workspace

HELP = "Schreiben oder Bescheid eines Antrags als PDF (Vorschau; mit --issue auch als Entwurf archiviert)"


def add_notice_parser(
    commands: Any, add_command: Callable[..., argparse.ArgumentParser], handler: Callable[..., int]
) -> None:
    """Register the ``notice`` command (run by ``handler``, which opens the workspace)."""
    notice = add_command(commands, "notice", handler, HELP)
    notice.add_argument("aktenzeichen", metavar="AKTENZEICHEN", help="z. B. NAU-2026-00042")
    notice.add_argument(
        "--kind",
        required=True,
        choices=[kind.value for kind in NOTICE_KINDS],
        metavar="ART",
        help="eingangsbestaetigung, anforderung_unterlagen, bewilligung, ablehnung oder gebuehrenbescheid",
    )
    notice.add_argument(
        "-o", "--output", required=True, type=Path, metavar="DATEI", help="Ziel, z. B. bescheid.pdf"
    )
    notice.add_argument(
        "--issue",
        action="store_true",
        help="das Schreiben zusätzlich unveränderlich als Entwurf archivieren (Freigabe in KommuneDesk)",
    )
    notice.add_argument(
        "--datum", type=iso_date, metavar="JJJJ-MM-TT", help="Datum des Schreibens (Standard heute)"
    )
    notice.add_argument(
        "--begruendung", default="", metavar="TEXT", help="Begründung (Ablehnung, teilweise Bewilligung)"
    )
    notice.add_argument(
        "--nebenbestimmung",
        action="append",
        default=[],
        metavar="TEXT",
        help="Nebenbestimmung (mehrfach möglich)",
    )
    notice.add_argument(
        "--unterlage",
        action="append",
        default=[],
        metavar="TEXT",
        help="fehlende Unterlage (mehrfach möglich)",
    )
    notice.add_argument("--frist", type=iso_date, metavar="JJJJ-MM-TT", help="Frist für die Unterlagen")
    notice.add_argument(
        "--gezeichnet", action="store_true", help="»gez. Name« statt des Hinweises auf maschinelle Erstellung"
    )


def run_notice(workspace: Workspace, args: argparse.Namespace) -> str:
    """Write the PDF to ``args.output``; return the line to print. German ValidationError or
    StorageError on failure (cli.main turns them into exit code 1)."""
    from .domain.validation import ValidationError
    from .services.notices import NoticeDetails, find_case, issue_notice, notice_pdf, preview_notice
    from .storage.errors import describe_os_error

    kind = LetterKind(args.kind)
    details = NoticeDetails(
        missing_documents=tuple(args.unterlage),
        documents_due=args.frist,
        reasons=args.begruendung,
        conditions=tuple(args.nebenbestimmung),
        signature=SignatureMode.GEZEICHNET if args.gezeichnet else SignatureMode.MASCHINELL,
        letter_date=args.datum,
    )
    application_id = find_case(workspace, args.aktenzeichen)
    if application_id is None:
        raise ValidationError(
            [f"Einen Antrag mit dem Aktenzeichen »{args.aktenzeichen}« gibt es in Ihrer Gemeinde nicht."]
        )
    if args.issue:
        summary = issue_notice(workspace, application_id, kind, details)
        pdf = notice_pdf(workspace, summary.id)
    else:
        pdf = preview_notice(workspace, application_id, kind, details)
    try:
        args.output.write_bytes(pdf)
    except OSError as exc:
        kept = " Das Schreiben ist trotzdem als Entwurf archiviert." if args.issue else ""
        raise ValidationError(
            [f"{args.output} kann nicht geschrieben werden: {describe_os_error(exc)}.{kept}"]
        ) from exc
    if args.issue:
        return (
            f"{kind.label} als Entwurf archiviert (Version {summary.version}) und gespeichert: {args.output}"
        )
    return f"Vorschau ({kind.label}, nicht archiviert) gespeichert: {args.output}"
