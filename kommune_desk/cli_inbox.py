"""``kommune-desk-cli inbox export``: a Posteingang view as CSV, Excel or Druckliste (PDF)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

WorkspaceOpener = Callable[[Path], AbstractContextManager[Any]]


def add_inbox_parsers(
    commands: Any, add_command: Callable[..., argparse.ArgumentParser], open_workspace: WorkspaceOpener
) -> None:
    """Register ``inbox export``."""
    inbox = commands.add_parser("inbox", help="Posteingang ausgeben")
    actions = inbox.add_subparsers(dest="inbox_command", required=True, metavar="AKTION", title="Befehle")
    export = add_command(
        actions, "export", lambda a, d: _export(a, d, open_workspace),
        "Eine Ansicht des Posteingangs mit allen Zeilen als CSV, Excel (XLSX) oder Druckliste (PDF)",
    )  # fmt: skip
    export.add_argument("--format", required=True, choices=("csv", "xlsx", "pdf"), help="csv, xlsx oder pdf")
    export.add_argument(
        "--view", default="Alle Anträge", metavar="NAME",
        help="Ansicht (z. B. »Meine«, »Überfällig«) oder Name einer gespeicherten Ansicht "
        "(Standard: Alle Anträge)",
    )  # fmt: skip
    export.add_argument("output", type=Path, metavar="DATEI", help="Zieldatei")


def _export(args: argparse.Namespace, data_dir: Path, open_workspace: WorkspaceOpener) -> int:
    from .domain.formatting import count_noun
    from .services.inbox_export import export_inbox, resolve_view

    with open_workspace(data_dir) as workspace:
        export = resolve_view(workspace, args.view)
        count = export_inbox(workspace, export, args.format, args.output.absolute())
    print(f"{count_noun(count, 'Antrag', 'Anträge')} der Ansicht »{export.name}« gespeichert: {args.output}")
    return 0
