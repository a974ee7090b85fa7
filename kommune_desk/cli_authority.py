"""``kommune-desk-cli authority show | set``: the authority's kind, name, contact data and address,
as every letter prints them (Teamleitung or Administration may change them)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

WorkspaceOpener = Callable[[Path], AbstractContextManager[Any]]
_OPTIONS = (
    ("name", "--name", "Name ohne »Stadt«/»Gemeinde«, z. B. Nauheim"),
    ("phone", "--phone", "Telefon, z. B. »06152 639-0« (leer: keine Angabe)"),
    ("email", "--email", "E-Mail der Dienststelle (leer: keine Angabe)"),
    ("street", "--street", "Straße und Hausnummer der Dienststelle"),
    ("postal_code", "--postal-code", "Postleitzahl"),
    ("city", "--city", "Ort"),
)


def add_authority_parsers(
    commands: Any, add_command: Callable[..., argparse.ArgumentParser], open_workspace: WorkspaceOpener
) -> None:
    """Register ``authority show`` and ``authority set``."""
    authority = commands.add_parser(
        "authority",
        help="Behörde und Kontaktdaten (Stadt/Gemeinde, Name, Telefon, E-Mail, Anschrift)",
        description="Die Angaben stehen in jedem Schreiben; in einer Stadt zeichnet der Magistrat, in "
        "einer Gemeinde der Gemeindevorstand.",
    )
    actions = authority.add_subparsers(dest="authority_command", required=True, metavar="AKTION")
    add_command(actions, "show", lambda a, d: _show(d, open_workspace), "Aktuelle Angaben zeigen")
    setting = add_command(
        actions, "set", lambda a, d: _set(a, d, open_workspace), "Angaben ändern (nur genannte Felder)"
    )
    setting.add_argument("--kind", choices=("stadt", "gemeinde"), help="Stadt oder Gemeinde")
    for field, option, text in _OPTIONS:
        setting.add_argument(option, dest=field, metavar="TEXT", help=text)


def _show(data_dir: Path, open_workspace: WorkspaceOpener) -> int:
    from .services.authority import LABELS, authority_settings

    with open_workspace(data_dir) as ws:
        data = authority_settings(ws)
    for key, value in asdict(data).items():
        print(f"{LABELS[key]}: {value}")
    return 0


def _set(args: argparse.Namespace, data_dir: Path, open_workspace: WorkspaceOpener) -> int:
    from .services.authority import authority_settings, set_authority

    with open_workspace(data_dir) as ws:
        current = authority_settings(ws)
        given = {
            field: getattr(args, field)
            for field, _option, _text in _OPTIONS
            if getattr(args, field) is not None
        }
        if args.kind:
            given["kind"] = args.kind
        changed = set_authority(ws, replace(current, **given))
    print("Angaben gespeichert." if changed else "Keine Änderung.")
    return 0
