"""``kommune-desk-cli``: the headless entry point for admins, scripts and tests."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .locations import resolve_data_dir
from .logging_setup import configure_logging

log = logging.getLogger(__name__)


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("muss 0 oder größer sein")
    return value


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("Datum im Format JJJJ-MM-TT erwartet") from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kommune-desk-cli",
        description="KommuneDesk ohne Oberfläche: Demo-Daten, Prüfung, Auskunft.",
    )
    parser.add_argument("--version", action="version", version=f"KommuneDesk {__version__}")
    parser.add_argument(
        "--data-dir", help="Datenordner (Standard: $KOMMUNE_DESK_DATA_DIR oder lokaler App-Ordner)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="BEFEHL")

    demo = commands.add_parser("demo", help="Demo-Datenbank des Kreises Groß-Gerau erzeugen")
    demo.add_argument("--applications", type=_positive, default=10_000, help="Anzahl Anträge")
    demo.add_argument("--events", type=_positive, default=100_000, help="Anzahl Nutzungsereignisse")
    demo.add_argument("--seed", type=int, default=1, help="Startwert des Zufallsgenerators")
    demo.add_argument("--today", type=_date, default=None, help="Stichtag (JJJJ-MM-TT), Standard heute")
    demo.add_argument("--login", default=None, help="Anmeldename, der der Demo-Teamleitung zugeordnet wird")

    commands.add_parser("check", help="Datenbank prüfen (integrity_check)")
    backup = commands.add_parser("backup", help="Geprüfte Sicherung anlegen (alte werden rotiert)")
    backup.add_argument("--to", help="Zielordner (Standard: DATENORDNER/sicherungen)")
    backup.add_argument("--keep", type=_positive, default=14, help="Wie viele Sicherungen bleiben")
    backup.add_argument("--list", action="store_true", help="Vorhandene Sicherungen auflisten")
    restore = commands.add_parser(
        "restore", help="Sicherung zurückspielen (die jetzige Datenbank bleibt erhalten)"
    )
    restore.add_argument(
        "backup", help="Ordner der Sicherung, z. B. …/sicherungen/kommune-desk-20261124-170000"
    )
    info = commands.add_parser("info", help="Überblick über Dienststelle und Datenbestand")
    info.add_argument("--json", action="store_true", help="Ausgabe als JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging()
    data_dir = resolve_data_dir(args.data_dir)
    from .storage.errors import StorageError

    try:
        return _COMMANDS[args.command](args, data_dir)
    except StorageError as exc:
        log.warning("command %s failed: %s", args.command, type(exc).__name__)
        print(f"{exc.title}: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Abgebrochen. Es wurde nichts gespeichert.", file=sys.stderr)
        return 130


def _demo(args: argparse.Namespace, data_dir: Path) -> int:
    from .demo.generator import DemoOptions
    from .domain.formatting import format_count
    from .domain.validation import ValidationError
    from .services.demo import build_demo
    from .services.workspace import current_os_login, open_database

    options = DemoOptions(
        applications=args.applications,
        events=args.events,
        seed=args.seed,
        today=args.today or dt.date.today(),
        os_login=args.login or current_os_login() or "demo",
    )
    db = open_database(data_dir)
    started = time.perf_counter()
    try:
        summary = build_demo(db, options, _print_progress)
    except ValidationError as exc:
        print("\n".join(exc.messages), file=sys.stderr)
        return 1
    finally:
        db.close()
    seconds = time.perf_counter() - started
    print(
        f"\nDemo erzeugt in {seconds:.1f} s: {format_count(summary.applications)} Anträge, "
        f"{format_count(summary.attachments)} Anlagen, {format_count(summary.events)} "
        f"Nutzungsereignisse, {summary.devices} Geräte, {format_count(summary.loans)} Ausleihen."
    )
    log.info(
        "demo built: %d applications, %d events in %.1f s", summary.applications, summary.events, seconds
    )
    return 0


def _print_progress(percent: int, text: str) -> None:
    if sys.stdout.isatty():
        print(f"\r{percent:3d} % {text:<50}", end="", flush=True)


def _check(args: argparse.Namespace, data_dir: Path) -> int:
    from .storage.database import Database
    from .storage.migrations import schema_version

    db = Database.open(data_dir, create=False)
    conn = db.reader()
    try:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        version = schema_version(conn)
    finally:
        conn.close()
        db.close()
    if problems != ["ok"]:
        print("Die Datenbank ist beschädigt:", *problems[:20], sep="\n  ", file=sys.stderr)
        return 1
    print(f"Datenbank in Ordnung (Schema-Version {version}): {db.path}")
    return 0


def _info(args: argparse.Namespace, data_dir: Path) -> int:
    from .services.workspace import load_workspace
    from .storage.database import Database
    from .storage.overview import table_counts

    db = Database.open(data_dir, create=False)
    try:
        workspace = load_workspace(db)
        conn = db.reader()
        try:
            counts = table_counts(conn)
        finally:
            conn.close()
    finally:
        db.close()
    report = {
        "datenordner": str(data_dir),
        "gemeinde": workspace.municipality.name if workspace else None,
        "dienststelle": workspace.office.name if workspace else None,
        "sachbearbeitung": workspace.clerk.display_name if workspace and workspace.clerk else None,
        "tabellen": counts,
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(f"Datenordner:  {report['datenordner']}")
        print(f"Gemeinde:     {report['gemeinde'] or '(nicht eingerichtet)'}")
        print(f"Dienststelle: {report['dienststelle'] or '-'}")
        print(f"Angemeldet:   {report['sachbearbeitung'] or '(Anmeldung nicht zugeordnet)'}")
        for name, count in counts.items():
            print(f"  {name:<16} {count:>10,}".replace(",", "."))
    return 0


def _backup_root(args: argparse.Namespace, data_dir: Path) -> Path:
    from .storage.backup import DEFAULT_BACKUP_DIR

    return Path(args.to).expanduser() if args.to else data_dir / DEFAULT_BACKUP_DIR


def _backup(args: argparse.Namespace, data_dir: Path) -> int:
    from .storage.backup import create_backup, list_backups
    from .storage.database import Database

    root = _backup_root(args, data_dir)
    if args.list:
        backups = list_backups(root)
        for path in backups:
            print(path)
        if not backups:
            print(f"Keine Sicherungen in {root}.")
        return 0
    db = Database.open(data_dir, create=False)
    try:
        path = create_backup(db, root, keep=args.keep)
    finally:
        db.close()
    log.info("backup created")
    print(f"Sicherung angelegt und geprüft: {path}")
    return 0


def _restore(args: argparse.Namespace, data_dir: Path) -> int:
    from .storage.backup import restore_backup
    from .storage.errors import DatabaseLockedError

    if _app_is_running(data_dir):
        raise DatabaseLockedError(
            f"KommuneDesk ist mit {data_dir} geöffnet. Bitte schließen Sie das Programm an allen "
            "Arbeitsplätzen, bevor Sie eine Sicherung zurückspielen. Es wurde nichts verändert."
        )
    kept = restore_backup(Path(args.backup).expanduser(), data_dir)
    log.info("backup restored")
    print(f"Sicherung zurückgespielt. Die bisherige Datenbank liegt unverändert unter {kept}.")
    return 0


def _app_is_running(data_dir: Path) -> bool:
    """Whether a KommuneDesk window holds the data folder's lock file."""
    from PySide6.QtCore import QLockFile

    lock = QLockFile(str(data_dir / "kommune-desk.lock"))
    if lock.tryLock(0):
        lock.unlock()
        return False
    return True


_COMMANDS = {
    "demo": _demo,
    "check": _check,
    "info": _info,
    "backup": _backup,
    "restore": _restore,
}


if __name__ == "__main__":
    sys.exit(main())
