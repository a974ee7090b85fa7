"""``kommune-desk-server``: run the sync server, or administer it (``admin …``).

kommune-desk-server --data-dir DIR --host 127.0.0.1 --port 8765
kommune-desk-server --database-url postgresql://… --port 8765
kommune-desk-server --data-dir DIR admin municipality --ags 06433009 --name "Gemeinde Nauheim"
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from kommune_desk.cli_args import GermanArgumentParser

from . import admin
from .db import SQLITE_FILE, ServerDatabase, SqliteServerDatabase, open_server_database

log = logging.getLogger("kommune_desk.server")


def build_parser() -> argparse.ArgumentParser:
    parser = GermanArgumentParser(
        prog="kommune-desk-server",
        description="KommuneDesk-Abgleichsserver. Ohne Befehl startet der Server.",
        epilog="Rückgabewert: 0 erledigt, 1 Fehler, 2 fehlerhafter Aufruf.",
    )
    parser.add_argument(
        "--data-dir", type=Path, metavar="ORDNER", help="Datenordner (eingebettete SQLite-Datenbank)"
    )
    parser.add_argument("--database-url", metavar="URL", help="postgresql://… statt SQLite")
    parser.add_argument("--host", default="127.0.0.1", help="Adresse (Standard 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="Port (Standard 8765)")
    parser.add_argument("--ssl-certfile", type=Path, metavar="DATEI", help="TLS-Zertifikat (PEM)")
    parser.add_argument("--ssl-keyfile", type=Path, metavar="DATEI", help="privater TLS-Schlüssel (PEM)")
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
    code.add_argument("--office", required=True, metavar="KENNUNG")
    clients = actions.add_parser("clients", help="Arbeitsplätze auflisten")
    clients.add_argument("--json", action="store_true")
    revoke = actions.add_parser("revoke", help="Arbeitsplatz sperren")
    revoke.add_argument("client_id", metavar="KENNUNG")
    portal = actions.add_parser(
        "portal-credential", help="Zugang des Online-Portals für eine Kommune ausgeben"
    )
    portal.add_argument("--municipality", required=True, metavar="AGS")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "restore":
            return _restore(args)
        db = open_server_database(args.data_dir, args.database_url)
    except (ValueError, OSError) as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    try:
        admin.prepare(db)
        if args.command in (None, "serve"):
            return _serve(db, args)
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
    finally:
        db.close()
    return 2


def _serve(db: ServerDatabase, args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    tls = {}
    if args.ssl_certfile or args.ssl_keyfile:
        tls = {"ssl_certfile": str(args.ssl_certfile), "ssl_keyfile": str(args.ssl_keyfile)}
    # uvicorn's access log prints client addresses and query strings; ours names only the route.
    uvicorn.run(create_app(db), host=args.host, port=args.port, access_log=False, log_level="info", **tls)
    return 0


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


def _restore(args: argparse.Namespace) -> int:
    if args.database_url or args.data_dir is None:
        print("Fehler: restore gilt für die SQLite-Datenbank (--data-dir). "
              "PostgreSQL: pg_restore, dann new-epoch.",
              file=sys.stderr)  # fmt: skip
        return 1
    check = sqlite3.connect(args.source)
    try:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            print("Fehler: Die Sicherung ist beschädigt; es wurde nichts verändert.", file=sys.stderr)
            return 1
        args.data_dir.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(args.data_dir / SQLITE_FILE)  # the server must be stopped
        try:
            check.backup(target)
        finally:
            target.close()
    finally:
        check.close()
    db = SqliteServerDatabase(args.data_dir / SQLITE_FILE)
    try:
        print(f"Wiederhergestellt; neue Epoche {admin.new_epoch(db)}: die Arbeitsplätze gleichen neu ab.")
    finally:
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
