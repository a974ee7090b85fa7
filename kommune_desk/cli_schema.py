"""``kommune-desk-cli schema import | list``: FIM submission schemas, shared with every office."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

WorkspaceOpener = Callable[[Path], AbstractContextManager[Any]]


def add_schema_parsers(
    commands: Any, add_command: Callable[..., argparse.ArgumentParser], open_workspace: WorkspaceOpener
) -> None:
    """Register ``schema import`` and ``schema list``."""
    schema = commands.add_parser(
        "schema",
        help="Formularschemata (FIM) der Online-Anträge",
        description="Mit dem Schema zeigt KommuneDesk die Angaben eines Online-Antrags mit ihren "
        "Beschriftungen. Importierte Schemata gehen mit dem Abgleich an alle Dienststellen.",
    )
    actions = schema.add_subparsers(dest="schema_command", required=True, metavar="AKTION")
    importing = add_command(
        actions, "import", lambda a, d: _import(a, d, open_workspace),
        "JSON-Schemata übernehmen (geprüft; alle oder keines)",
    )  # fmt: skip
    importing.add_argument("files", nargs="+", type=Path, metavar="DATEI", help="Schemadatei (.json)")
    listing = add_command(
        actions, "list", lambda a, d: _list(a, d, open_workspace), "Vorhandene Schemata auflisten"
    )
    listing.add_argument("--json", action="store_true", help="Ausgabe als JSON")


def _import(args: argparse.Namespace, data_dir: Path, open_workspace: WorkspaceOpener) -> int:
    from .services.form_schemas import import_schemas

    with open_workspace(data_dir) as ws:
        results = import_schemas(ws, list(args.files))
    for result in results:
        state = "übernommen" if result.new else "bereits vorhanden"
        print(f"{result.uri}: {state}" + (f" ({result.title})" if result.title else ""))
    return 0


def _list(args: argparse.Namespace, data_dir: Path, open_workspace: WorkspaceOpener) -> int:
    from .domain.formatting import format_date, local_date, parse_timestamp
    from .services.form_schemas import list_schemas

    with open_workspace(data_dir) as ws:
        rows = list_schemas(ws)
    if args.json:
        print(
            json.dumps([{"uri": u, "title": t, "imported_at": at} for u, t, at in rows], ensure_ascii=False)
        )
        return 0
    if not rows:
        print("Noch keine Formularschemata vorhanden.")
    for uri, title, at in rows:
        print(f"{uri}  {title}  (seit {format_date(local_date(parse_timestamp(at)))})")
    return 0
