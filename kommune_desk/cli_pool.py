"""``kommune-desk-cli pool …``: the Geräteverleih at the counter and in scripts.

Devices, free devices near a town, booking, cancelling, handover and return (with the
Leihvertrag and Rückgabeprotokoll as PDF), overdue loans and reminders, the waiting list,
labels, the import of an inventory list and the retention of borrowers' data.
Exit codes as everywhere: 0 done, 1 refused (German reason on stderr), 2 wrong call.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli_args import iso_date
from .domain.pool import is_loan_number, is_past_due, loan_number

if TYPE_CHECKING:
    from .services.workspace import Workspace

WorkspaceOpener = Callable[[Path], AbstractContextManager[Any]]
AddCommand = Callable[..., argparse.ArgumentParser]


# --- argument types ------------------------------------------------------------------------------


def euro_amount(text: str) -> int:
    """``50``, ``50,00`` or ``1.234,50`` (€) in cents."""
    from .services.pool_import import parse_amount

    cents = parse_amount(text)
    if cents is None or not text.strip():
        raise argparse.ArgumentTypeError(f"Betrag wie 50 oder 1.234,50 erwartet, nicht »{text}«")
    return cents


def reminder_level(text: str) -> int:
    if text not in ("1", "2"):
        raise argparse.ArgumentTypeError(f"Mahnstufe 1 oder 2 erwartet, nicht »{text}«")
    return int(text)


# --- the parsers ---------------------------------------------------------------------------------


def add_pool_parsers(commands: Any, add_command: AddCommand, open_workspace: WorkspaceOpener) -> None:
    """Register ``pool`` and its actions."""
    pool = commands.add_parser(
        "pool",
        help="Geräteverleih: Geräte, Reservierungen, Ausgabe, Rückgabe, Mahnungen, Etiketten",
        description="Der Geräteverleih des Kreises ohne Oberfläche. Datumsangaben als JJJJ-MM-TT, "
        "Beträge wie 1.234,50.",
    )
    actions = pool.add_subparsers(dest="pool_command", required=True, metavar="AKTION", title="Befehle")

    def action(name: str, handler: Callable[[argparse.Namespace, Workspace], int], text: str) -> Any:
        def run(args: argparse.Namespace, data_dir: Path) -> int:
            with open_workspace(data_dir) as workspace:
                return handler(args, workspace)

        command = add_command(actions, name, run, text)
        command.add_argument("--today", type=iso_date, default=None, help=argparse.SUPPRESS)
        return command

    devices = action("devices", _devices, "Alle Geräte des Pools mit Status, Standort und Ausleihe")
    _json(devices)

    free = action("free", _free, "Freie Geräte einer Geräteart für einen Zeitraum, die nächsten zuerst")
    _type_and_period(free)
    free.add_argument("--near", metavar="ORT", help="Gemeinde (Name oder AGS), Standard: die eigene")
    _json(free)

    book = action("book", _book, "Ein Gerät für eine Person reservieren (gibt die Leihnummer aus)")
    book.add_argument("number", metavar="INVENTARNUMMER", help="Inventarnummer oder gescannter QR-Inhalt")
    _period(book)
    _borrower(book)
    _json(book)

    cancel = action("cancel", _cancel, "Eine Reservierung stornieren")
    cancel.add_argument("loan", metavar="LEIHNUMMER", help="Leihnummer (oder ihr eindeutiger Anfang)")

    handover = action(
        "handover",
        _handover,
        "Die heute fällige Reservierung der eigenen Kommune ausgeben (Prüfliste vollständig, Ausweis "
        "gesehen und Einweisung gegeben bestätigt die aufrufende Person)",
    )
    handover.add_argument("number", metavar="INVENTARNUMMER", help="Inventarnummer oder QR-Inhalt")
    handover.add_argument("--deposit", type=euro_amount, default=0, metavar="EUR", help="erhaltene Kaution")
    handover.add_argument(
        "--method", choices=("bar", "EC-Karte", "Überweisung"), help="wie die Kaution gezahlt wurde"
    )
    _output(handover, "Leihvertrag mit Übergabeprotokoll als PDF", required=False)

    back = action("return", _return, "Ein ausgegebenes Gerät zurücknehmen (Rückgabeprotokoll)")
    back.add_argument("number", metavar="INVENTARNUMMER", help="Inventarnummer oder QR-Inhalt")
    back.add_argument(
        "--missing", action="append", default=[], metavar="TEIL", help="fehlendes Teil (mehrfach möglich)"
    )
    back.add_argument("--damage", default="", metavar="TEXT", help="festgestellter Schaden")
    back.add_argument(
        "--keep-deposit", type=euro_amount, default=None, metavar="EUR", help="einbehaltener Teil der Kaution"
    )
    back.add_argument("--reason", default="", metavar="TEXT", help="Grund für den Einbehalt")
    _output(back, "Rückgabeprotokoll als PDF", required=False)

    overdue = action("overdue", _overdue, "Überfällige Ausleihen des Pools (Namen nur der eigenen Kommune)")
    _json(overdue)

    remind = action("remind", _remind, "Mahnung schreiben und vermerken (Stufe 1 Erinnerung, 2 letzte)")
    remind.add_argument("loan", metavar="LEIHNUMMER", help="Leihnummer (oder ihr eindeutiger Anfang)")
    remind.add_argument("--level", type=reminder_level, required=True, metavar="1|2", help="Mahnstufe")
    way = remind.add_mutually_exclusive_group(required=True)
    way.add_argument("-o", "--output", type=Path, metavar="DATEI.pdf", help="Mahnung als Brief (PDF)")
    way.add_argument(
        "--email",
        action="store_true",
        help="E-Mail-Text ausgeben und die Mahnung als per E-Mail versandt vermerken",
    )

    wait = action("wait", _wait, "Eine Person auf die Warteliste einer Geräteart setzen")
    _type_and_period(wait)
    _borrower(wait)

    action("offers", _offers, "Warteliste prüfen: Angebote machen, abgelaufene beenden")

    labels = action("labels", _labels, "Inventaretiketten (Avery Zweckform 3474) als PDF")
    labels.add_argument("numbers", nargs="*", metavar="INVENTARNUMMER", help="ohne Angabe: alle Geräte")
    labels.add_argument(
        "--start", type=int, default=1, metavar="NR", help="erstes freies Etikett auf dem Bogen (1–24)"
    )
    _output(labels, "Etikettenbogen als PDF", required=True)

    importing = action(
        "import-devices", _import_devices, "Inventarliste (CSV, Semikolon) übernehmen – alles oder nichts"
    )
    importing.add_argument(
        "file",
        type=Path,
        metavar="DATEI.csv",
        help="CSV mit Kopfzeile Inventarnummer;Bezeichnung;Geräteart;Hersteller;Modell;Seriennummer;"
        "Zubehör;Wiederbeschaffungswert;Zustand (die ersten drei Pflicht), UTF-8 oder Windows-1252",
    )
    importing.add_argument(
        "--new-types", action="store_true", help="Gerätearten zulassen, die der Pool noch nicht kennt"
    )

    retention = action(
        "retention", _retention, "Entleiherdaten nach Ablauf der Aufbewahrungsfrist anonymisieren"
    )
    retention.add_argument("--dry-run", action="store_true", help="nur zählen, nichts ändern")

    policy = action(
        "policy", _policy, "Leihbedingungen einer Geräteart zeigen oder (Poolverwaltung) festlegen"
    )
    policy.add_argument("--type", dest="category", required=True, metavar="GERÄTEART")
    policy.add_argument("--days", type=int, metavar="TAGE", help="Leihdauer in Tagen")
    policy.add_argument("--renewals", type=int, metavar="ANZAHL", help="höchstens so oft verlängerbar")
    policy.add_argument("--deposit", type=euro_amount, metavar="EUR", help="Kaution")
    policy.add_argument("--pickup", type=int, metavar="TAGE", help="Abholfrist bei einem Wartelisten-Angebot")


def _json(command: argparse.ArgumentParser) -> None:
    command.add_argument("--json", action="store_true", help="Ausgabe als JSON")


def _period(command: argparse.ArgumentParser) -> None:
    command.add_argument("--from", dest="start", required=True, type=iso_date, metavar="JJJJ-MM-TT")
    command.add_argument("--to", dest="end", required=True, type=iso_date, metavar="JJJJ-MM-TT")


def _type_and_period(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--type", dest="category", required=True, metavar="GERÄTEART", help="z. B. Wärmebildkamera"
    )
    _period(command)


def _borrower(command: argparse.ArgumentParser) -> None:
    command.add_argument("--borrower", required=True, metavar="NAME", help="wer ausleiht (Vor- und Nachname)")
    command.add_argument("--contact", default="", metavar="KONTAKT", help="Telefon oder E-Mail")


def _output(command: argparse.ArgumentParser, text: str, *, required: bool) -> None:
    command.add_argument("-o", "--output", type=Path, required=required, metavar="DATEI.pdf", help=text)


# --- helpers -------------------------------------------------------------------------------------


def _today(args: argparse.Namespace) -> dt.date:
    return args.today or dt.date.today()


def _date(day: dt.date | None) -> str:
    from .domain.formatting import format_date

    return format_date(day) if day else ""


def _print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _refuse(message: str) -> None:
    from .domain.pool import PoolError

    raise PoolError(message)


def _device(ws: Workspace, number: str) -> Any:
    from .services.pool import find_device

    device = find_device(ws, number)
    if device is None:
        _refuse(f"Ein Gerät mit der Inventarnummer »{number.strip()}« gibt es im Pool nicht.")
    return device


def _loan_id(ws: Workspace, text: str) -> str:
    """A Leihnummer (L-3F9A-1C2B), a full loan id, or the unique beginning of one of this town's."""
    from .services.pool import list_loans

    wanted = text.strip().casefold()
    if len(wanted) < 6:
        _refuse("Bitte geben Sie die Leihnummer an, z. B. L-3F9A-1C2B (mindestens »L-3F9A«).")
    own = [loan.loan_id for loan in list_loans(ws, municipality_id=ws.municipality.id)]
    exact = [loan_id for loan_id in own if loan_id.casefold() == wanted or is_loan_number(loan_id, text)]
    matches = exact or [
        loan_id
        for loan_id in own
        if loan_id.casefold().startswith(wanted) or is_loan_number(loan_id, text, beginning=True)
    ]
    if not matches:
        _refuse(f"Eine Ausleihe mit der Leihnummer {text.strip()} hat Ihre Kommune nicht.")
    if len(matches) > 1:
        _refuse(f"Die Leihnummer {text.strip()} ist nicht eindeutig; bitte geben Sie sie vollständig an.")
    return matches[0]


def _write(path: Path, data: bytes) -> Path:
    target = path.expanduser().absolute()
    try:
        target.write_bytes(data)
    except OSError as exc:
        _refuse(f"Die Datei {target} lässt sich nicht schreiben ({exc.strerror or exc}).")
    return target


_KIND_PREFIX = re.compile(r"^(gemeinde|stadt|kreisstadt|kreis|landkreis)\s+", re.IGNORECASE)


def _bare(name: str) -> str:
    return _KIND_PREFIX.sub("", " ".join(name.split())).casefold()


def _town_ags(ws: Workspace, text: str) -> str:
    """The AGS of a partner named by AGS or by name (with or without "Gemeinde"/"Stadt")."""
    from .services.pool import towns

    known = towns(ws)
    wanted = text.strip()
    for town in known:
        if wanted == town.ags or _bare(wanted) == _bare(town.name):
            return town.ags
    names = ", ".join(town.name for town in known)
    _refuse(f"Den Ort »{wanted}« kennt die Datenbank nicht. Bekannt sind: {names}.")
    return ""


def _known_category(ws: Workspace, category: str) -> str:
    from .services.pool import categories

    known = categories(ws)
    for name in known:
        if name.casefold() == " ".join(category.split()).casefold():
            return name
    _refuse(f"Die Geräteart »{category.strip()}« gibt es im Pool nicht. Bekannt sind: {', '.join(known)}.")
    return ""


# --- devices and search --------------------------------------------------------------------------


def _devices(args: argparse.Namespace, ws: Workspace) -> int:
    from .domain.pool import DEVICE_STATUS_LABELS
    from .services.pool import list_devices

    rows = list_devices(ws, _today(args))
    if args.json:
        _print_json(
            [
                {
                    "inventarnummer": d.inventory_number,
                    "bezeichnung": d.name,
                    "geraeteart": d.category,
                    "seriennummer": d.serial_number,
                    "status": d.status,
                    "eigentuemer": d.home_name,
                    "standort": d.location_name,
                    "verliehen": {"an": d.lent.town, "bis": d.lent.end.isoformat()} if d.lent else None,
                    "naechste_reservierung": (
                        {"von": d.next.start.isoformat(), "bis": d.next.end.isoformat(), "fuer": d.next.town}
                        if d.next
                        else None
                    ),
                }
                for d in rows
            ]
        )
        return 0
    if not rows:
        print("Im Pool ist noch kein Gerät erfasst.")
        return 0
    width = max(len(d.inventory_number) for d in rows)
    for d in rows:
        state = DEVICE_STATUS_LABELS.get(d.status, d.status)
        if d.lent:
            state = f"verliehen an {d.lent.town} bis {_date(d.lent.end)}"
            if is_past_due(d.lent.end, _today(args)):
                state += " – ÜBERFÄLLIG"
        elif d.next:
            state += f", reserviert ab {_date(d.next.start)} ({d.next.town})"
        print(f"{d.inventory_number:<{width}}  {d.name} – {d.category} – in {d.location_name} – {state}")
    return 0


def _free(args: argparse.Namespace, ws: Workspace) -> int:
    from .domain.pool_towns import format_km
    from .services.pool_search import find_free

    category = _known_category(ws, args.category)
    near = _town_ags(ws, args.near) if args.near else None
    found = find_free(ws, category, args.start, args.end, near, _today(args))
    if args.json:
        _print_json(
            {
                "geraeteart": found.category,
                "von": found.start.isoformat(),
                "bis": found.end.isoformat(),
                "frei": [
                    {
                        "inventarnummer": o.inventory_number,
                        "bezeichnung": o.name,
                        "standort": o.location,
                        "entfernung_km": None if o.distance_km is None else round(o.distance_km, 1),
                    }
                    for o in found.free
                ],
                "fruehestens_ab": found.next_start.isoformat() if found.next_start else None,
                "fruehestens_geraet": found.next_device,
            }
        )
        return 0
    if not found.free:
        if found.next_start:
            print(f"Kein Gerät frei; frühestens ab {_date(found.next_start)} ({found.next_device})")
        else:
            print("Kein Gerät frei, auch in den nächsten zwölf Monaten nicht für so viele Tage.")
        return 0
    width = max(len(o.inventory_number) for o in found.free)
    print(f"Frei vom {_date(found.start)} bis {_date(found.end)} ({found.category}):")
    for o in found.free:
        print(f"  {o.inventory_number:<{width}}  {format_km(o.distance_km):>8}  in {o.location} – {o.name}")
    return 0


# --- reservations --------------------------------------------------------------------------------


def _book(args: argparse.Namespace, ws: Workspace) -> int:
    from .services.pool import book_device

    device = _device(ws, args.number)
    loan_id = book_device(
        ws, device.id, args.start, args.end, args.borrower, args.contact, today=_today(args)
    )
    if args.json:
        _print_json(
            {
                "leihnummer": loan_number(loan_id),
                "id": loan_id,
                "inventarnummer": device.inventory_number,
                "von": args.start.isoformat(),
                "bis": args.end.isoformat(),
            }
        )
        return 0
    print(f"Reserviert: {device.inventory_number} vom {_date(args.start)} bis {_date(args.end)}.")
    print(f"Leihnummer: {loan_number(loan_id)}")
    return 0


def _cancel(args: argparse.Namespace, ws: Workspace) -> int:
    from .services.pool import cancel_loan

    loan_id = _loan_id(ws, args.loan)
    if cancel_loan(ws, loan_id, _today(args)):
        print(f"Reservierung {loan_number(loan_id)} storniert.")
    else:
        print(f"Die Reservierung {loan_number(loan_id)} war bereits storniert; nichts geändert.")
    return 0


# --- handover and return -------------------------------------------------------------------------


def _handover(args: argparse.Namespace, ws: Workspace) -> int:
    from .domain.pool import CheckedItem, checklist_items
    from .services.pool import list_loans
    from .services.pool_documents import agreement_pdf
    from .services.pool_loans import Handover, handover_device

    day = _today(args)
    device = _device(ws, args.number)
    due = [
        loan
        for loan in list_loans(
            ws, statuses=("reserviert",), municipality_id=ws.municipality.id, device_id=device.id
        )
        if loan.start <= day <= loan.end
    ]
    if not due:
        _refuse(f"Für {device.inventory_number} hat Ihre Kommune heute ({_date(day)}) keine Reservierung.")
    loan = due[0]
    checklist = [CheckedItem(item, True) for item in checklist_items(device.accessories)]
    handover = Handover(
        checklist=checklist,
        condition=device.condition,
        id_seen=True,
        briefing_given=True,
        deposit_cents=args.deposit,
        deposit_method=args.method,
    )
    handover_device(ws, loan.loan_id, handover, day)
    clerk = ws.clerk.display_name if ws.clerk else ws.os_login
    print(
        f"Prüfliste vollständig, Ausweis gesehen und Einweisung gegeben – bestätigt von {clerk} "
        "mit diesem Aufruf."
    )
    print(
        f"Ausgegeben: {device.inventory_number}, Rückgabe bis {_date(loan.end)}. "
        f"Leihnummer: {loan_number(loan.loan_id)}"
    )
    if args.output:
        path = _write(args.output, agreement_pdf(ws, loan.loan_id))
        print(f"Leihvertrag gespeichert: {path}")
    return 0


def _return(args: argparse.Namespace, ws: Workspace) -> int:
    from .domain.formatting import format_amount
    from .domain.pool import CheckedItem, checklist_items
    from .domain.validation import ValidationError
    from .services.pool import list_loans
    from .services.pool_documents import deposit_cents, return_protocol_pdf
    from .services.pool_loans import Return, return_device

    if args.keep_deposit and not args.reason.strip():
        raise ValidationError(["Bitte begründen Sie mit --reason, warum Kaution einbehalten wird."])
    day = _today(args)
    device = _device(ws, args.number)
    running = list_loans(ws, statuses=("ausgegeben",), device_id=device.id)
    if not running:
        _refuse(f"Für {device.inventory_number} ist keine laufende Ausleihe erfasst.")
    loan = running[0]
    items = checklist_items(device.accessories)
    missing = {m.strip().casefold(): m.strip() for m in args.missing if m.strip()}
    unknown = [m for key, m in missing.items() if key not in {i.casefold() for i in items}]
    if unknown:
        raise ValidationError(
            [f"»{m}« steht nicht auf der Prüfliste von {device.inventory_number}." for m in unknown]
            + [f"Prüfliste: {', '.join(items)}."]
        )
    checklist = [
        CheckedItem(i, i.casefold() not in missing, "fehlt" if i.casefold() in missing else "") for i in items
    ]
    deposit = deposit_cents(ws, loan.loan_id)
    kept = args.keep_deposit or 0
    back = Return(
        checklist=checklist,
        condition=device.condition,
        damage=args.damage,
        deposit_returned_cents=None if not kept else deposit - kept,
        deposit_note=args.reason,
    )
    outcome = return_device(ws, loan.loan_id, back, day)
    print(f"Zurückgenommen: {device.inventory_number} (Leihnummer {loan_number(loan.loan_id)}).")
    if outcome.late_days:
        days = "1 Tag" if outcome.late_days == 1 else f"{outcome.late_days} Tage"
        print(f"Die Rückgabe war {days} verspätet.")
    if outcome.to_maintenance:
        print("Das Gerät ist jetzt in Wartung (fehlende Teile oder Schaden).")
    else:
        print("Das Gerät ist wieder verfügbar.")
    if deposit:
        print(
            f"Kaution: {format_amount(deposit - outcome.deposit_retained_cents)} zurückgezahlt, "
            f"{format_amount(outcome.deposit_retained_cents)} einbehalten."
        )
    if outcome.offered:
        print("Das Gerät wurde der Nächsten auf der Warteliste angeboten.")
    if args.output:
        path = _write(args.output, return_protocol_pdf(ws, loan.loan_id, returned_on=day))
        print(f"Rückgabeprotokoll gespeichert: {path}")
    return 0


# --- overdue loans and reminders -----------------------------------------------------------------


def _overdue(args: argparse.Namespace, ws: Workspace) -> int:
    from .services.pool_loans import overdue_loans

    day = _today(args)
    rows = overdue_loans(ws, day)
    if args.json:
        _print_json(
            [
                {
                    "leihnummer": loan_number(r.loan_id),
                    "id": r.loan_id,
                    "inventarnummer": r.inventory_number,
                    "bezeichnung": r.device_name,
                    "kommune": r.town,
                    "entleiher": r.borrower,
                    "bis": r.end.isoformat(),
                    "tage_ueberfaellig": (day - r.end).days,
                    "mahnstufe": r.reminders,
                }
                for r in rows
            ]
        )
        return 0
    if not rows:
        print("Keine Ausleihe ist überfällig.")
        return 0
    for r in rows:
        days = (day - r.end).days
        reminded = f"gemahnt (Stufe {r.reminders})" if r.reminders else "noch nicht gemahnt"
        who = r.borrower or r.town
        print(
            f"{r.inventory_number}  {r.device_name}  {who}  bis {_date(r.end)}, "
            f"{days} {'Tag' if days == 1 else 'Tage'} überfällig, {reminded}  "
            f"(Leihnummer {loan_number(r.loan_id)})"
        )
    return 0


def _remind(args: argparse.Namespace, ws: Workspace) -> int:
    from .services.pool_documents import reminder_email, reminder_pdf
    from .services.pool_loans import overdue_loans, record_reminder

    day = _today(args)
    loan_id = _loan_id(ws, args.loan)
    listing = next((r for r in overdue_loans(ws, day) if r.loan_id == loan_id), None)
    if listing is None:
        _refuse("Diese Ausleihe ist nicht überfällig; eine Mahnung ist nicht nötig.")
    if args.level == 2 and listing.reminders < 1:
        _refuse("Die letzte Aufforderung (Stufe 2) setzt eine Erinnerung (Stufe 1) voraus.")
    if args.email:
        draft = reminder_email(ws, loan_id, args.level, day)
        record_reminder(ws, loan_id, args.level, "email", day)
        print(f"An: {draft.to}\nBetreff: {draft.subject}\n\n{draft.body}")
        return 0
    path = _write(args.output, reminder_pdf(ws, loan_id, args.level, day))
    record_reminder(ws, loan_id, args.level, "brief", day)
    what = "Erinnerung" if args.level == 1 else "Letzte Aufforderung"
    print(f"{what} gespeichert und vermerkt: {path}")
    return 0


# --- waiting list --------------------------------------------------------------------------------


def _wait(args: argparse.Namespace, ws: Workspace) -> int:
    from .services.waitlist import add_to_waitlist, waitlist

    category = _known_category(ws, args.category)
    entry_id = add_to_waitlist(
        ws, category, args.start, args.end, args.borrower, args.contact, today=_today(args)
    )
    print(f"Auf die Warteliste gesetzt: {category} vom {_date(args.start)} bis {_date(args.end)}.")
    entry = next((w for w in waitlist(ws) if w.entry.id == entry_id), None)
    if entry is not None and entry.offered_inventory_number:
        until = f" bis {_date(entry.entry.offer_until)}" if entry.entry.offer_until else ""
        print(f"Ein Gerät ist schon frei und wird angeboten{until}: {entry.offered_inventory_number}")
    return 0


def _offers(args: argparse.Namespace, ws: Workspace) -> int:
    from .services.waitlist import process_offers

    print(process_offers(ws, _today(args)).message())
    return 0


# --- labels, import, retention -------------------------------------------------------------------


def _labels(args: argparse.Namespace, ws: Workspace) -> int:
    from .services.pool_documents import labels_pdf

    ids = [_device(ws, number).id for number in args.numbers] if args.numbers else None
    data = labels_pdf(ws, ids, args.start)
    path = _write(args.output, data)
    print(f"Etiketten gespeichert: {path}")
    return 0


def _import_devices(args: argparse.Namespace, ws: Workspace) -> int:
    from .services.pool_import import import_devices_file

    print(import_devices_file(ws, args.file.expanduser().absolute(), new_types=args.new_types).message())
    return 0


def _policy(args: argparse.Namespace, ws: Workspace) -> int:
    """Without values: show the type's policy; with some: change those (pool manager only)."""
    from dataclasses import replace

    from .domain.formatting import format_amount
    from .domain.pool_policy import DEFAULT_POLICY
    from .services.pool import device_types, set_type_policy

    known = {t.name.casefold(): t for t in device_types(ws)}
    current = known.get(args.category.strip().casefold())
    policy = current.policy if current else DEFAULT_POLICY
    changes = {
        name: value
        for name, value in (
            ("loan_days", args.days), ("max_renewals", args.renewals), ("deposit_cents", args.deposit),
            ("pickup_days", args.pickup),
        )
        if value is not None
    }  # fmt: skip
    name = current.name if current else " ".join(args.category.split())
    if changes:
        policy = replace(policy, **changes)
        set_type_policy(ws, name, policy)
    deposit = format_amount(policy.deposit_cents) if policy.deposit_cents else "keine"
    state = "gilt jetzt" if changes else ("gilt" if current else "gilt (Standard, nicht festgelegt)")
    print(
        f"{name}: {policy.loan_days} Tage, höchstens {policy.max_renewals}-mal verlängerbar, "
        f"Kaution {deposit}, Abholfrist {policy.pickup_days} Tage – {state}."
    )
    return 0


def _retention(args: argparse.Namespace, ws: Workspace) -> int:
    from .services.borrowers import run_retention

    print(run_retention(ws, _today(args), dry_run=args.dry_run).message())
    return 0
