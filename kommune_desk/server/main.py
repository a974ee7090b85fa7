"""``kommune-desk-server``: run the sync server, or administer it (``admin …``).

kommune-desk-server --data-dir DIR --host 127.0.0.1 --port 8765
kommune-desk-server --database-url postgresql://… --blob-dir DIR --workers 4 --port 8765
kommune-desk-server --data-dir DIR admin municipality --ags 06433009 --name "Gemeinde Nauheim"

Every server flag also has an environment variable (``KOMMUNE_DESK_SERVER_…``, see config.py);
a flag wins over its variable.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from kommune_desk.cli_args import GermanArgumentParser

from . import admin, config, logs
from .db import SQLITE_FILE, ServerDatabase, SqliteServerDatabase, open_server_database


def build_parser() -> argparse.ArgumentParser:
    parser = GermanArgumentParser(
        prog="kommune-desk-server",
        description="KommuneDesk-Abgleichsserver. Ohne Befehl startet der Server.",
        epilog="Jede Option lässt sich auch als Umgebungsvariable setzen (hinter dem Hilfetext); "
        "die Option gilt vor der Variablen. Rückgabewert: 0 erledigt, 1 Fehler, 2 fehlerhafter Aufruf.",
    )
    config.add_arguments(parser)
    commands = parser.add_subparsers(dest="command", metavar="BEFEHL", title="Befehle")
    commands.add_parser("serve", help="Server starten (Standard)")
    _add_admin(commands)
    backup = commands.add_parser("backup", help="Sicherung der SQLite-Datenbank schreiben")
    backup.add_argument("target", type=Path, metavar="DATEI")
    restore = commands.add_parser(
        "restore", help="Sicherung zurückspielen (neue Epoche: Arbeitsplätze gleichen neu ab)"
    )
    restore.add_argument("source", type=Path, metavar="DATEI")
    commands.add_parser("new-epoch", help="Nach einer Wiederherstellung mit pg_restore: neue Epoche setzen")
    return parser


def _add_admin(commands: argparse._SubParsersAction) -> None:
    admin_parser = commands.add_parser(
        "admin", help="Kommunen, Dienststellen, Einrichtungscodes, Arbeitsplätze"
    )
    actions = admin_parser.add_subparsers(dest="action", required=True, metavar="AKTION")
    municipality = actions.add_parser(
        "municipality", help="Kommune anlegen (und in den Geräte-Pool aufnehmen)"
    )
    municipality.add_argument("--ags", required=True, help="Amtlicher Gemeindeschlüssel (8 Ziffern)")
    municipality.add_argument("--name", required=True)
    municipality.add_argument("--kind", default="gemeinde", choices=admin.KINDS)
    municipality.add_argument("--id", help="Kennung übernehmen (bestehende Arbeitsplatz-Datenbank)")
    office = actions.add_parser("office", help="Dienststelle anlegen")
    office.add_argument("--municipality", required=True, metavar="AGS")
    office.add_argument("--name", required=True)
    office.add_argument("--code", required=True, help="Kürzel für Aktenzeichen, z. B. NAU")
    office.add_argument("--id", help="Kennung übernehmen (bestehende Arbeitsplatz-Datenbank)")
    actions.add_parser("offices", help="Dienststellen auflisten")
    code = actions.add_parser("enrolment-code", help="Einmal-Einrichtungscode für eine Dienststelle ausgeben")
    code.add_argument(
        "--office", required=True, metavar="KENNUNG", help="Kennung oder Kürzel der Dienststelle, z. B. NAU"
    )
    clients = actions.add_parser("clients", help="Arbeitsplätze auflisten")
    clients.add_argument("--json", action="store_true")
    revoke = actions.add_parser("revoke", help="Arbeitsplatz sperren")
    revoke.add_argument("client_id", metavar="KENNUNG")
    portal = actions.add_parser(
        "portal-credential", help="Zugang des Online-Portals für eine Kommune ausgeben"
    )
    portal.add_argument("--municipality", required=True, metavar="AGS")
    status = actions.add_parser(
        "status", help="Lage je Kommune und Dienststelle: Arbeitsplätze, letzter Kontakt, wartende Änderungen"
    )
    status.add_argument("--json", action="store_true", help="maschinenlesbar")
    actions.add_parser(
        "demo",
        help="Demo: die 13 Städte und Gemeinden und den Kreis Groß-Gerau anlegen (je eine Dienststelle)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    serving = args.command in (None, "serve")
    try:
        settings = config.resolve(args, os.environ, stderr_is_tty=sys.stderr.isatty())
        if serving:
            settings.check_serving()
    except config.ConfigError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    logs.configure(settings.log_format)
    if args.command == "restore":
        try:
            return _restore(settings, args.source)
        except (sqlite3.Error, OSError) as exc:
            print(f"Fehler: Die Sicherung ließ sich nicht lesen ({_first_line(exc)}).", file=sys.stderr)
            return 1
    try:
        db = open_server_database(settings.data_dir, settings.database_url)
    except (ValueError, OSError) as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    try:
        admin.prepare(db)
        if args.command == "admin":
            return _admin(db, args)
        if args.command == "backup":
            return _backup(db, args.target)
        if args.command == "new-epoch":
            print(f"Neue Epoche: {admin.new_epoch(db)}")
            return 0
    except admin.AdminError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    except _database_errors() as exc:
        print(
            f"Fehler: Die Datenbank ist nicht erreichbar oder meldet einen Fehler ({_first_line(exc)}).",
            file=sys.stderr,
        )
        return 1
    finally:
        db.close()  # a server's workers open their own
    return _serve(settings) if serving else 2


def _database_errors() -> tuple[type[BaseException], ...]:
    """What a database that is down, refuses the login or lacks a right raises."""
    errors: list[type[BaseException]] = [sqlite3.Error]
    try:
        import psycopg
        from psycopg_pool import PoolTimeout
    except ImportError:
        return tuple(errors)
    return (*errors, psycopg.Error, PoolTimeout)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _serve(settings: config.ServerConfig) -> int:
    """uvicorn with ``workers`` processes, each building its app from the environment."""
    import uvicorn

    from . import asgi

    assert settings.blob_dir is not None  # check_serving
    settings.blob_dir.mkdir(parents=True, exist_ok=True)
    os.environ.update(settings.environment())
    options: dict[str, object] = {
        "host": settings.host,
        "port": settings.port,
        "workers": settings.workers,
        "factory": True,
        "log_config": logs.log_config(settings.log_format),
        "log_level": "info",
        # uvicorn's access log prints client addresses and query strings; ours names only the route.
        "access_log": False,
        # X-Forwarded-For only from the named proxies: the rate limiter must see the real address.
        "proxy_headers": bool(settings.forwarded_allow_ips),
    }
    if settings.forwarded_allow_ips:
        options["forwarded_allow_ips"] = settings.forwarded_allow_ips
    if settings.ssl_certfile and settings.ssl_keyfile:
        options["ssl_certfile"] = str(settings.ssl_certfile)
        options["ssl_keyfile"] = str(settings.ssl_keyfile)
    with _prometheus_multiprocess(settings.workers):
        uvicorn.run(asgi.FACTORY, **options)  # type: ignore[arg-type]
    return 0


@contextmanager
def _prometheus_multiprocess(workers: int) -> Iterator[None]:
    """Several workers share their metrics through files in a fresh folder (Prometheus'
    multiprocess mode); it is removed when the server ends. One worker needs none."""
    if workers == 1:
        yield
        return
    folder = tempfile.mkdtemp(prefix="kommune-desk-prometheus-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    try:
        yield
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        shutil.rmtree(folder, ignore_errors=True)


def _admin(db: ServerDatabase, args: argparse.Namespace) -> int:
    if args.action == "municipality":
        print(admin.add_municipality(db, args.ags, args.name, args.kind, args.id))
    elif args.action == "office":
        print(admin.add_office(db, args.municipality, args.name, args.code, args.id))
    elif args.action == "offices":
        for office_id, municipality, name, code in admin.list_offices(db):
            print(f"{office_id}  {code:<6}  {municipality} – {name}")
    elif args.action == "enrolment-code":
        code = admin.enrolment_code(db, args.office)
        print(code)
        print("Der Code gilt 14 Tage und nur einmal. Er wird nicht noch einmal angezeigt.", file=sys.stderr)
    elif args.action == "clients":
        clients = admin.list_clients(db)
        if args.json:
            print(json.dumps([c.__dict__ for c in clients], ensure_ascii=False, indent=2))
        for c in [] if args.json else clients:
            state = "ersetzt" if c.replaced_by else "gesperrt" if c.revoked_at else "aktiv"
            print(
                f"{c.id}  {state:<8}  {c.municipality} – {c.office} – {c.name}"
                f"  zuletzt {c.last_seen_at or '–'}" + (f"  → {c.replaced_by}" if c.replaced_by else "")
            )
    elif args.action == "revoke":
        from .auth import revoke_client

        if not revoke_client(db, args.client_id):
            raise admin.AdminError(f"Es gibt keinen Arbeitsplatz mit der Kennung {args.client_id}.")
        print("Arbeitsplatz gesperrt.")
    elif args.action == "portal-credential":
        print(admin.portal_credential(db, args.municipality))
        print("Der Zugang wird nicht noch einmal angezeigt.", file=sys.stderr)
    elif args.action == "status":
        from .status import format_status, server_status

        report = server_status(db)
        print(
            json.dumps(asdict(report), ensure_ascii=False, indent=2)
            if args.json
            else "\n".join(format_status(report))
        )
    elif args.action == "demo":
        from .demo_seed import seed_demo_kreis

        seeded = seed_demo_kreis(db)
        print(
            f"Demo-Kreis Groß-Gerau: {seeded.municipalities_added} Kommunen und {seeded.offices_added} "
            f"Dienststellen neu angelegt ({len(seeded.offices)} insgesamt). Kürzel: "
            + ", ".join(code for code, _ in seeded.offices)
        )
    return 0


def _backup(db: ServerDatabase, target: Path) -> int:
    if not isinstance(db, SqliteServerDatabase):
        raise admin.AdminError("PostgreSQL sichern Sie mit pg_dump; danach ist kein Befehl nötig.")
    source = sqlite3.connect(db.path)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()
    print(f"Sicherung geschrieben: {target}")
    return 0


def _restore(settings: config.ServerConfig, source: Path) -> int:
    data_dir = settings.data_dir
    if settings.database_url or data_dir is None:
        print("Fehler: restore gilt für die SQLite-Datenbank (--data-dir). "
              "PostgreSQL: pg_restore, dann new-epoch (docs/server-sicherung.md).",
              file=sys.stderr)  # fmt: skip
        return 1
    check = sqlite3.connect(source)
    try:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            print("Fehler: Die Sicherung ist beschädigt; es wurde nichts verändert.", file=sys.stderr)
            return 1
        data_dir.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(data_dir / SQLITE_FILE)  # the server must be stopped
        try:
            check.backup(target)
        finally:
            target.close()
    finally:
        check.close()
    db = SqliteServerDatabase(data_dir / SQLITE_FILE)
    try:
        print(f"Wiederhergestellt; neue Epoche {admin.new_epoch(db)}: die Arbeitsplätze gleichen neu ab.")
    finally:
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
