"""``kommune-desk-cli``: the headless entry point for admins, scripts and tests.

Exit codes: 0 done, 1 the command failed (German message on stderr), 2 wrong call.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from . import __version__
from .cli_args import GermanArgumentParser, folder, iso_date, non_negative, whole_number
from .cli_authority import add_authority_parsers
from .cli_inbox import add_inbox_parsers
from .cli_notice import add_notice_parser
from .cli_pool import add_pool_parsers
from .cli_schema import add_schema_parsers
from .cli_stats import add_stats_parsers
from .cli_sync import add_sync_parsers
from .domain.formatting import count_noun, format_count, format_decimal
from .domain.records import Role
from .locations import resolve_data_dir
from .logging_setup import configure_logging

if TYPE_CHECKING:
    from .services.workspace import Workspace

log = logging.getLogger(__name__)

PROG = "kommune-desk-cli"


class _CliError(Exception):
    """A runtime failure whose German message goes to stderr (exit code 1)."""


def build_parser() -> argparse.ArgumentParser:
    """The German argument parser with all commands."""
    parser = GermanArgumentParser(
        prog=PROG,
        description="KommuneDesk ohne Oberfläche: Import, Demo, Prüfung, Auskunft, Sicherung, Zuordnung, "
        "Schreiben.",
        epilog="Rückgabewert: 0 erledigt, 1 Fehler (Meldung auf stderr), 2 fehlerhafter Aufruf.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"KommuneDesk {__version__}",
        help="Programmversion anzeigen und beenden",
    )
    parser.add_argument(
        "--data-dir",
        type=folder,
        metavar="ORDNER",
        help="Datenordner (Standard: $KOMMUNE_DESK_DATA_DIR oder lokaler App-Ordner)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="BEFEHL", title="Befehle")
    _add_demo_parser(commands)
    _add_command(commands, "check", _check, "Datenbank prüfen (integrity_check)")
    _add_backup_parsers(commands)
    info = _add_command(commands, "info", _info, "Überblick über Dienststelle und Datenbestand")
    info.add_argument("--json", action="store_true", help="Ausgabe als JSON")
    _add_clerk_parsers(commands)
    importing = _add_command(
        commands,
        "import",
        _import,
        "FIT-Connect-Einreichungen (Ordner oder ZIP) als Anträge übernehmen; abgelehnte gehen in die "
        "Quarantäne",
    )
    importing.add_argument(
        "paths", nargs="+", type=Path, metavar="PFAD", help="Einreichungsordner oder ZIP-Datei"
    )
    importing.add_argument("--json", action="store_true", help="Ausgabe als JSON")
    add_notice_parser(commands, _add_command, _notice)
    add_authority_parsers(commands, _add_command, _set_up_workspace)
    add_inbox_parsers(commands, _add_command, _set_up_workspace)
    add_sync_parsers(commands, _add_command)
    add_stats_parsers(commands, _add_command, _set_up_workspace)
    add_pool_parsers(commands, _add_command, _set_up_workspace)
    add_schema_parsers(commands, _add_command, _set_up_workspace)
    return parser


Handler = Callable[[argparse.Namespace, Path], int]


def _add_command(commands: Any, name: str, handler: Handler, text: str) -> argparse.ArgumentParser:
    """A subcommand whose help and description are ``text``; it runs ``handler``."""
    command: argparse.ArgumentParser = commands.add_parser(name, help=text, description=text)
    command.set_defaults(handler=handler)
    return command


def _add_demo_parser(commands: Any) -> None:
    demo = _add_command(commands, "demo", _demo, "Demo-Datenbank des Kreises Groß-Gerau erzeugen")
    demo.add_argument(
        "--applications", type=non_negative, default=10_000, metavar="ANZAHL", help="Anzahl Anträge"
    )
    demo.add_argument(
        "--events", type=non_negative, default=100_000, metavar="ANZAHL", help="Anzahl Nutzungsereignisse"
    )
    demo.add_argument(
        "--seed", type=whole_number, default=1, metavar="ZAHL", help="Startwert des Zufallsgenerators"
    )
    demo.add_argument(
        "--today", type=iso_date, default=None, metavar="JJJJ-MM-TT", help="Stichtag, Standard heute"
    )
    demo.add_argument(
        "--login", default=None, metavar="NAME", help="Anmeldename, der der Demo-Teamleitung zugeordnet wird"
    )


def _add_backup_parsers(commands: Any) -> None:
    backup = _add_command(commands, "backup", _backup, "Geprüfte Sicherung anlegen (alte werden rotiert)")
    backup.add_argument(
        "--to", metavar="ORDNER",
        help="Zielordner (Standard: wie unter Datei → Einstellungen, sonst DATENORDNER/sicherungen)",
    )  # fmt: skip
    backup.add_argument(
        "--keep", type=non_negative, default=None, metavar="ANZAHL",
        help="Wie viele Sicherungen bleiben (Standard: wie eingestellt, sonst 14)",
    )  # fmt: skip
    what = backup.add_mutually_exclusive_group()
    what.add_argument("--list", action="store_true", help="Vorhandene Sicherungen auflisten")
    what.add_argument(
        "--if-due", action="store_true",
        help="Nur sichern, wenn die letzte gute Sicherung älter als 24 Stunden ist (so ruft die geplante "
        "Aufgabe auf)",
    )  # fmt: skip
    what.add_argument(
        "--register-task", action="store_true",
        help="Nur Windows: die geplante Aufgabe für die tägliche Sicherung dieses Datenordners einrichten "
        "(täglich 12:30 Uhr, nachgeholt, wenn der Rechner aus war)",
    )  # fmt: skip
    what.add_argument(
        "--unregister-task", action="store_true",
        help="Nur Windows: die geplante Aufgabe der täglichen Sicherung entfernen",
    )  # fmt: skip
    restore = _add_command(
        commands, "restore", _restore, "Sicherung zurückspielen (die jetzige Datenbank bleibt erhalten)"
    )
    restore.add_argument(
        "backup",
        metavar="SICHERUNG",
        help="Ordner der Sicherung, z. B. …/sicherungen/kommune-desk-20261124-170000",
    )


def _add_clerk_parsers(commands: Any) -> None:
    clerk = commands.add_parser(
        "clerk",
        help="Windows-Anmeldungen den Mitarbeitenden zuordnen",
        description="Nur zugeordnete Anmeldungen sehen in KommuneDesk Daten von Bürgerinnen und Bürgern.",
    )
    actions = clerk.add_subparsers(dest="clerk_command", required=True, metavar="AKTION", title="Befehle")
    add = _add_command(actions, "add", _clerk_add, "Anmeldung einer Person mit Rolle zuordnen")
    add.add_argument("login", metavar="ANMELDUNG", help="Windows-Anmeldename, z. B. a.schmidt")
    add.add_argument("name", metavar="NAME", help="Vor- und Nachname, z. B. »Anna Schmidt«")
    add.add_argument(
        "--role",
        choices=[role.value for role in Role],
        default=Role.SACHBEARBEITUNG.value,
        metavar="ROLLE",
        help="sachbearbeitung (Standard), teamleitung oder administration",
    )
    listing = _add_command(actions, "list", _clerk_list, "Zugeordnete Anmeldungen auflisten")
    listing.add_argument("--json", action="store_true", help="Ausgabe als JSON")
    manager = _add_command(
        actions, "pool-manager", _clerk_pool_manager,
        "Poolverwaltung des Geräteverleihs (Projektmanagementstelle Klimaschutz) geben oder nehmen",
    )  # fmt: skip
    manager.add_argument("login", metavar="ANMELDUNG", help="Windows-Anmeldename, z. B. s.weiss")
    manager.add_argument("--off", action="store_true", help="die Rolle wieder entziehen")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging()
    data_dir = resolve_data_dir(args.data_dir)
    from .domain.validation import ValidationError
    from .storage.errors import StorageError
    from .sync.errors import SyncError

    try:
        return int(args.handler(args, data_dir))
    except StorageError as exc:
        log.warning("command %s failed: %s", args.command, type(exc).__name__)
        print(f"{exc.title}: {exc.message}", file=sys.stderr)
    except ValidationError as exc:
        log.info("command %s refused: invalid input", args.command)
        print("\n".join(exc.messages), file=sys.stderr)
    except (_CliError, SyncError) as exc:
        log.info("command %s refused: %s", args.command, type(exc).__name__)
        print(exc, file=sys.stderr)
    except KeyboardInterrupt:
        print("Abgebrochen. Es wurde nichts gespeichert.", file=sys.stderr)
        return 130
    return 1


# --- output helpers ---------------------------------------------------------------


class _ProgressLine:
    """Progress as one line that overwrites itself, shown only on a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stdout
        self._shown = False

    def __call__(self, percent: int, text: str) -> None:
        if self._stream.isatty():
            print(f"\r{percent:3d} % {text:<50}", end="", flush=True, file=self._stream)
            self._shown = True

    def end(self) -> None:
        """Finish the line, if one was started."""
        if self._shown:
            print(file=self._stream)
            self._shown = False


# --- commands ---------------------------------------------------------------------


def _demo(args: argparse.Namespace, data_dir: Path) -> int:
    from .demo.generator import DemoOptions
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
    progress = _ProgressLine()
    started = time.perf_counter()
    try:
        summary = build_demo(db, options, progress)
    except ValidationError as exc:  # build_demo refuses only a folder that is already set up
        raise _CliError(
            f"Im Datenordner {data_dir} gibt es schon eingerichtete Daten; die Demo wird nur in einen "
            "leeren Ordner geschrieben. Bitte geben Sie mit --data-dir einen neuen Ordner an."
        ) from exc
    finally:
        progress.end()
        db.close()
    seconds = time.perf_counter() - started
    print(
        f"Demo erzeugt in {format_decimal(seconds)} s: "
        f"{count_noun(summary.applications, 'Antrag', 'Anträge')}, "
        f"{count_noun(summary.attachments, 'Anlage', 'Anlagen')}, "
        f"{count_noun(summary.events, 'Nutzungsereignis', 'Nutzungsereignisse')}, "
        f"{count_noun(summary.devices, 'Gerät', 'Geräte')}, "
        f"{count_noun(summary.loans, 'Ausleihe', 'Ausleihen')}."
    )
    log.info(
        "demo built: %d applications, %d events in %.1f s", summary.applications, summary.events, seconds
    )
    return 0


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


_TABLE_LABELS = {
    "municipalities": "Gemeinden",
    "offices": "Dienststellen",
    "clerks": "Sachbearbeitung/Mitarbeitende",
    "services": "Leistungen",
    "applications": "Anträge",
    "attachments": "Anlagen",
    "notices": "Schreiben und Bescheide",
    "letter_templates": "Textbausteine",
    "usage_events": "Nutzungsereignisse",
    "devices": "Geräte",
    "loans": "Ausleihen",
    "outbox": "Ausstehende Änderungen (Outbox)",
    "audit_log": "Protokolleinträge",
    "settings": "Einstellungen",
    "number_ranges": "Nummernkreise",
}


def _user_tables(counts: dict[str, int]) -> dict[str, int]:
    """Row counts without SQLite's internal tables, known tables first."""
    known = [name for name in _TABLE_LABELS if name in counts]
    others = sorted(name for name in counts if name not in _TABLE_LABELS and not name.startswith("sqlite_"))
    return {name: counts[name] for name in known + others}


def _info_report(data_dir: Path, workspace: Workspace | None, counts: dict[str, int]) -> dict[str, Any]:
    """What ``info`` shows, with stable machine-friendly keys."""
    clerk = workspace.clerk if workspace else None
    return {
        "datenordner": str(data_dir),
        "gemeinde": workspace.municipality.name if workspace else None,
        "ags": workspace.municipality.ags if workspace else None,
        "dienststelle": workspace.office.name if workspace else None,
        "kuerzel": workspace.office.code if workspace else None,
        "anmeldung": workspace.os_login if workspace else None,
        "angemeldet": (
            {"name": clerk.display_name, "rolle": clerk.role.value, "anmeldung": clerk.os_login}
            if clerk
            else None
        ),
        "tabellen": _user_tables(counts),
    }


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
    report = _info_report(data_dir, workspace, counts)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_info(report)
    return 0


def _print_info(report: dict[str, Any]) -> None:
    print(f"Datenordner:  {report['datenordner']}")
    if report["gemeinde"] is None:
        print("Gemeinde:     (nicht eingerichtet)")
    else:
        print(f"Gemeinde:     {report['gemeinde']} (AGS {report['ags']})")
        print(f"Dienststelle: {report['dienststelle']} (Kürzel {report['kuerzel']})")
        print(f"Angemeldet:   {_signed_in_text(report)}")
    tables = report["tabellen"]
    width = max((len(_TABLE_LABELS.get(name, name)) for name in tables), default=0)
    print("Datenbestand:")
    for name, count in tables.items():
        print(f"  {_TABLE_LABELS.get(name, name):<{width}} {format_count(count):>10}")


def _signed_in_text(report: dict[str, Any]) -> str:
    clerk = report["angemeldet"]
    if clerk is None:
        login = report["anmeldung"] or "(unbekannt)"
        return f"niemand – die Anmeldung »{login}« ist keiner Person zugeordnet"
    return f"{clerk['name']}, {Role(clerk['rolle']).label} (Anmeldung »{clerk['anmeldung']}«)"


@contextmanager
def _set_up_workspace(data_dir: Path) -> Iterator[Workspace]:
    """The workspace of an existing, set-up database; _CliError if there is none."""
    from .services.workspace import load_workspace
    from .storage.database import Database
    from .storage.location import location_problem

    if not Database.exists(data_dir) and location_problem(data_dir) is None:
        raise _CliError(_not_set_up(data_dir))
    db = Database.open(data_dir, create=False)
    try:
        workspace = load_workspace(db)
        if workspace is None:
            raise _CliError(_not_set_up(data_dir))
        yield workspace
    finally:
        db.close()


def _not_set_up(data_dir: Path) -> str:
    return (
        f"Der Datenordner {data_dir} ist noch nicht eingerichtet. Starten Sie KommuneDesk einmal, "
        "um die Dienststelle einzurichten, oder erzeugen Sie eine Demo."
    )


def _clerk_add(args: argparse.Namespace, data_dir: Path) -> int:
    from .services.clerks import add_clerk

    with _set_up_workspace(data_dir) as workspace:
        clerk = add_clerk(workspace, args.login, args.name, Role(args.role))
    log.info("clerk mapped (role %s)", clerk.role.value)
    print(f"Anmeldung »{clerk.os_login}« ist jetzt {clerk.display_name} ({clerk.role.label}) zugeordnet.")
    return 0


def _clerk_pool_manager(args: argparse.Namespace, data_dir: Path) -> int:
    from .services.clerks import set_pool_manager

    with _set_up_workspace(data_dir) as workspace:
        clerk = set_pool_manager(workspace, args.login, not args.off)
    state = (
        "gehört jetzt zur Poolverwaltung" if clerk.pool_manager else "gehört nicht mehr zur Poolverwaltung"
    )
    print(f"{clerk.display_name} (»{clerk.os_login}«) {state} des Geräteverleihs.")
    return 0


def _clerk_list(args: argparse.Namespace, data_dir: Path) -> int:
    from .services.clerks import list_clerks

    with _set_up_workspace(data_dir) as workspace:
        clerks = list_clerks(workspace)
    if args.json:
        rows = [
            {
                "anmeldung": c.os_login,
                "name": c.display_name,
                "rolle": c.role.value,
                "poolverwaltung": c.pool_manager,
            }
            for c in clerks
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not clerks:
        print("Keine Anmeldung ist einer Person zugeordnet.")
    login_width = max((len(c.os_login) for c in clerks), default=0)
    name_width = max((len(c.display_name) for c in clerks), default=0)
    for c in clerks:
        pool = ", Poolverwaltung" if c.pool_manager else ""
        print(f"{c.os_login:<{login_width}}  {c.display_name:<{name_width}}  {c.role.label}{pool}")
    return 0


def _import(args: argparse.Namespace, data_dir: Path) -> int:
    """Exit 0 when every path was imported or was already there, 1 otherwise."""
    from .services.intake import import_paths

    with _set_up_workspace(data_dir) as workspace:
        results = import_paths(workspace, [path.absolute() for path in args.paths])
    if args.json:
        print(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
    else:
        for result in results:
            print(f"{result.path}: {result.message}")
    return 0 if all(result.ok for result in results) else 1


def _notice(args: argparse.Namespace, data_dir: Path) -> int:
    from .cli_notice import run_notice

    with _set_up_workspace(data_dir) as workspace:
        print(run_notice(workspace, args))
    return 0


def _backup(args: argparse.Namespace, data_dir: Path) -> int:
    if args.register_task or args.unregister_task or args.if_due:
        if args.to or args.keep is not None:
            print(
                "Aufruf fehlerhaft: --to und --keep gelten nicht für --if-due, --register-task und "
                "--unregister-task; die tägliche Sicherung nutzt den unter Datei → Einstellungen "
                "gewählten Ordner. Es wurde nichts verändert.",
                file=sys.stderr,
            )
            return 2
        if args.if_due:
            return _backup_if_due(data_dir)
        return _backup_task(data_dir, register=args.register_task)
    from .services.backups import backup_settings
    from .storage.backup import create_backup, list_backups
    from .storage.database import Database

    db = Database.open(data_dir, create=False)
    try:
        settings = backup_settings(db)  # the folder and number set under Datei → Einstellungen
        root = Path(args.to).expanduser() if args.to else settings.folder
        if args.list:
            backups = list_backups(root)
            for path in backups:
                print(path)
            if not backups:
                print(f"Keine Sicherungen in {root}.")
            return 0
        path = create_backup(db, root, keep=args.keep if args.keep is not None else settings.keep)
    finally:
        db.close()
    log.info("backup created")
    print(f"Sicherung angelegt und geprüft: {path}")
    return 0


def _backup_if_due(data_dir: Path) -> int:
    """What the scheduled task runs: a backup only when the last good one is older than a day."""
    from .domain.formatting import format_date
    from .services.backups import backup_if_due, backup_settings, last_backup
    from .storage.database import Database

    db = Database.open(data_dir, create=False)
    try:
        made = backup_if_due(db)
        last = last_backup(backup_settings(db))
    finally:
        db.close()
    if made is not None:
        log.info("backup created (due)")
        print(f"Sicherung angelegt und geprüft: {made}")
    else:
        log.info("backup not due")
        when = f"{format_date(last.date())}, {last:%H:%M} Uhr" if last else "unbekannt"
        print(f"Keine Sicherung nötig: Die letzte Sicherung ({when}) ist jünger als 24 Stunden.")
    return 0


def _backup_task(data_dir: Path, *, register: bool) -> int:
    """``--register-task`` / ``--unregister-task``: the Windows user's scheduled daily backup."""
    from .services import backup_task
    from .storage.database import Database

    try:
        host = backup_task.this_computer()
    except backup_task.TaskUnavailableError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    try:
        if register:
            if not Database.exists(data_dir):
                raise _CliError(_not_set_up(data_dir))
            backup_task.register(host, data_dir)
            print(
                f"Die geplante Aufgabe »{host.task_name}« ist eingerichtet: Sie sichert den Datenordner "
                f"{data_dir} täglich um {backup_task.DAILY_AT:%H:%M} Uhr, wenn die letzte Sicherung älter "
                "als 24 Stunden ist. War der Rechner zu der Zeit aus, wird die Sicherung nachgeholt."
            )
        elif backup_task.unregister(host):
            print(
                f"Die geplante Aufgabe »{host.task_name}« wurde entfernt. Die vorhandenen Sicherungen "
                "bleiben erhalten; KommuneDesk sichert weiterhin beim Programmstart."
            )
        else:
            print(
                f"Es ist keine geplante Aufgabe »{host.task_name}« eingerichtet; es wurde nichts verändert."
            )
    except backup_task.TaskError as exc:
        log.warning("schtasks failed (exit code %s)", exc.returncode)
        detail = f"\nMeldung von Windows: {exc.detail}" if exc.detail else ""
        raise _CliError(exc.message + detail) from exc
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


if __name__ == "__main__":
    sys.exit(main())
