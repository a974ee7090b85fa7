"""``kommune-desk-cli enrol`` and ``sync``: set up the workstation's sync, run one round."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def add_sync_parsers(commands: Any, add_command: Callable[..., argparse.ArgumentParser]) -> None:
    """Register ``enrol`` and ``sync``."""
    enrol = add_command(
        commands, "enrol", run_enrol, "Arbeitsplatz mit einem Einrichtungscode für den Abgleich einrichten"
    )
    enrol.add_argument(
        "--server", required=True, metavar="ADRESSE", help="z. B. https://abgleich.kreis-gg.de"
    )
    enrol.add_argument("--code", required=True, metavar="CODE", help="Einmal-Code der Administration")
    enrol.add_argument(
        "--name",
        default="",
        metavar="NAME",
        help="Name der ersten Person (nur beim ersten Arbeitsplatz einer neuen Kommune nötig)",
    )
    sync = add_command(commands, "sync", run_sync, "Einen Abgleich mit dem Server durchführen")
    sync.add_argument("--json", action="store_true", help="Ausgabe als JSON")


def run_enrol(args: argparse.Namespace, data_dir: Path) -> int:
    from .services.sync import enrol
    from .storage.database import Database

    db = Database.open(data_dir)
    try:
        enrolment = enrol(db, args.server, args.code, clerk_name=args.name)
    finally:
        db.close()
    print(enrolment.message())
    return 0


def run_sync(args: argparse.Namespace, data_dir: Path) -> int:
    from .services.sync import sync_once, sync_status
    from .storage.database import Database
    from .sync.errors import NotAuthorisedError

    db = Database.open(data_dir, create=False)
    try:
        report = sync_once(db)
        status = sync_status(db)
    except NotAuthorisedError as exc:
        server = sync_status(db).server_url or "ADRESSE"
        raise NotAuthorisedError(
            f"{exc}\nMit dem neuen Code: kommune-desk-cli --data-dir {data_dir} enrol --server {server} "
            "--code NEUER-CODE"
        ) from exc
    finally:
        db.close()
    if args.json:
        print(json.dumps({**report.__dict__, "open_conflicts": status.open_conflicts}, ensure_ascii=False))
        return 0
    print(
        f"Abgleich erledigt: {report.pushed} Änderungen übertragen, {report.pulled} empfangen, "
        f"{report.pending} warten noch."
    )
    if report.conflicts:
        print(f"{report.conflicts} Änderungen wurden vom Server abgelehnt; siehe Konflikte in KommuneDesk.")
    if report.rebuilt:
        print(
            "Der Datenbestand wurde vom Server neu aufgebaut; Ihre eigenen Änderungen wurden erneut gesendet."
        )
    return 0
