"""Letters of the Geräteverleih: Leihvertrag with Übergabeprotokoll, Rückgabeprotokoll, Mahnung.

Pure builders from plain data to :class:`~kommune_desk.documents.model.Letter`; no reportlab,
no database. Citizens' and clerks' text stays plain ``str`` (the renderer escapes it); the
little markup used here comes from our own constants via ``Markup.from_template``, and user
text joins it only escaped (``Markup.__add__``/``join``, ``escape`` inside ``_strong``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from kommune_desk.domain.markup import Markup, escape

from ..domain.deadlines import next_working_day
from ..domain.formatting import format_amount, format_date
from .model import (
    Checklist,
    ChecklistItem,
    InfoBlock,
    Letter,
    LetterKind,
    Recipient,
    Section,
    Sender,
    Signature,
    SignatureMode,
)

RETURN_PERIOD_DAYS = 7  # a reminder asks for the device back within a week
MAX_REMINDER_LEVEL = 2

DEFAULT_ACCESSORIES = ("Ladegerät", "Tasche", "Speicherkarte")


@dataclass(frozen=True)
class Device:
    """A device of the shared pool as the loan documents show it (cf. table ``devices``)."""

    inventory_number: str  # "KGG-KS-007"
    name: str  # "Wärmebildkamera FLIR E8 Pro"
    serial_number: str
    accessories: tuple[str, ...]  # handed over with the device; each becomes a checklist line
    replacement_value_cents: int  # Wiederbeschaffungswert: the ceiling of the borrower's liability
    owner_town: str  # "Kreis Groß-Gerau": the owner, not necessarily the lending town
    category: str = ""  # Geräteart, "Wärmebildkamera": decides whether the device keeps data


@dataclass(frozen=True)
class Borrower:
    """The Entleiher/in: a private person (cf. ``loans.borrower_name``)."""

    name: str
    street: str
    postal_code: str
    city: str
    phone: str = ""
    email: str = ""
    id_document_note: str = ""  # "Personalausweis geprüft" – never the ID number itself


@dataclass(frozen=True)
class LoanTerms:
    """What was agreed for one loan (cf. table ``loans``)."""

    loan_id: str  # Leihnummer, shown as "Unser Zeichen"
    start: dt.date
    end: dt.date  # last day of the loan: the device is due back on this day
    deposit_cents: int  # Kaution; 0 = none
    fee_cents: int  # Nutzungsentgelt; 0 = unentgeltliche Leihe (§§ 598 ff. BGB)
    lending_office: Sender  # the town hall that hands the device over
    clerk: str  # name of the clerk who signs
    conditions: tuple[str, ...] = ()  # further conditions of the lending town, one per line


@dataclass(frozen=True)
class HandoverRecord:
    """What the clerk recorded at the counter (``loans.checklist_out``/``condition_out`` and
    ``loan_borrowers``): with it, the Übergabeprotokoll is printed filled in, not blank."""

    on: dt.date  # day of the handover (``loans.handed_over_at``, local)
    checklist: tuple[ChecklistItem, ...]  # ticked or not, with the clerk's remarks
    condition: str = ""  # Zustand bei Übergabe
    id_seen: bool = False
    briefing_given: bool = False
    deposit_cents: int = 0  # the deposit actually received
    deposit_method: str = ""  # "bar", "EC-Karte", "Überweisung"


# --- helpers ---------------------------------------------------------------------------------

_WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_NUMBER_WORDS = (
    "null", "einem", "zwei", "drei", "vier", "fünf", "sechs",
    "sieben", "acht", "neun", "zehn", "elf", "zwölf",
)  # fmt: skip

_BR = Markup.from_template("<br/>")


# German typesetting: "§ 603 BGB", "Abs. 1", "598 ff." and "100,00 €" must not break at the space.
_NO_BREAK_AFTER = re.compile(r"(§§?|Art\.|Abs\.|Buchst\.|Nr\.|ff\.) ")
_NO_BREAK_BEFORE = re.compile(r"(?<=\d) (ff\.|BGB|DSGVO|€)")


def _nbsp(text: str) -> str:
    return _NO_BREAK_BEFORE.sub("\u00a0\\1", _NO_BREAK_AFTER.sub("\\1\u00a0", text))


def _t(template: str) -> Markup:
    """Markup from our own text constants (checked against the whitelist)."""
    return Markup.from_template(_nbsp(template), "Geräteverleih")


def _amount(cents: int) -> str:
    """``2.199,00 €`` with a no-break space, so the sign never starts a line."""
    return format_amount(cents).replace(" ", "\u00a0")


def _strong(text: str) -> Markup:
    """``text`` in bold: escaped first, then wrapped in our own tag, so it is safe for user text."""
    return Markup(f"<b>{escape(text)}</b>")


def _bold(label: str) -> Markup:
    """A bold label followed by a space, for "Label: value" rows."""
    return _strong(label) + _t(" ")


def _lines(*rows: Markup | str) -> Markup:
    """Rows joined by line breaks; plain ``str`` rows are escaped."""
    return _BR.join(row for row in rows if row)


def weekday_date(day: dt.date) -> str:
    """``Montag, 30.11.2026``."""
    return f"{_WEEKDAYS[day.weekday()]}, {format_date(day)}"


def days_in_words(days: int) -> str:
    """A number of days after "seit"/"um" (dative): ``einem Tag``, ``drei Tagen``, ``14 Tagen``.

    Numbers up to twelve are written out, as German style guides recommend for running text.
    """
    number = _NUMBER_WORDS[days] if 0 <= days < len(_NUMBER_WORDS) else str(days)
    return f"{number} Tag" if days == 1 else f"{number} Tagen"


def late_days(end: dt.date, returned_on: dt.date) -> int:
    """Calendar days a device came back after the last day of the loan (0 when on time)."""
    return max(0, (returned_on - end).days)


def reminder_deadline(today: dt.date) -> dt.date:
    """The date a reminder asks the device back by: a week, moved to the next Hessian working day."""
    return next_working_day(today + dt.timedelta(days=RETURN_PERIOD_DAYS))


def lender_name(sender: Sender) -> str:
    """``Gemeinde Nauheim`` from ``Gemeinde Nauheim – Der Bürgermeister``."""
    return sender.authority.split(" – ")[0].split(" - ")[0].strip() or sender.authority


def lender_signature_line(sender: Sender) -> str:
    """``Für die Gemeinde Nauheim``, ``Für den Kreis Groß-Gerau``, else ``Für den Verleiher: …``."""
    name = lender_name(sender)
    first = name.split(" ", 1)[0]
    if first in {"Stadt", "Gemeinde", "Kreisstadt", "Kreisverwaltung"}:
        return f"Für die {name}"
    if first in {"Kreis", "Kreisausschuss", "Magistrat", "Gemeindevorstand"}:
        return f"Für den {name}"
    return f"Für den Verleiher: {name}"


def default_checklist(device: Device) -> tuple[str, ...]:
    """The Übergabeprotokoll lines for ``device``: its accessories, or the usual ones if none are listed."""
    accessories = device.accessories or DEFAULT_ACCESSORIES
    items = [
        "Gerät vollständig",
        "Akku geladen",
        *accessories,
        "Bedienungsanleitung",
        "Äußerlich unbeschädigt",
        "Funktionstest durchgeführt",
    ]
    seen: set[str] = set()
    unique = []
    for item in items:  # "Bedienungsanleitung" may already be one of the accessories
        if item.casefold() not in seen:
            seen.add(item.casefold())
            unique.append(item)
    return tuple(unique)


# Devices that keep measurements or pictures: § 4 then asks the borrower to delete them.
DATA_CATEGORIES = frozenset(
    {"wärmebildkamera", "datenlogger", "co2-messgerät", "luftqualitätsmessgerät", "blower-door-messset"}
)
# ... and any device whose name, category or accessories mention one of these (a plug-in energy
# meter "mit Datenspeicher", an "SD-Karte", a "Logger", a camera).
DATA_HINTS = ("speicher", "sd-karte", "usb-stick", "logger", "kamera")


def _folded(text: str) -> str:
    return " ".join(text.replace("₂", "2").casefold().split())


def stores_data(device: Device) -> bool:
    """Whether ``device`` may keep the borrower's pictures or measurements (see the docs)."""
    if _folded(device.category) in DATA_CATEGORIES:
        return True
    texts = (device.category, device.name, *device.accessories)
    return any(hint in _folded(text) for text in texts for hint in DATA_HINTS)


def return_place(sender: Sender) -> str:
    """``Bürgerbüro, Westendstraße 8, 64546 Mörfelden-Walldorf``: where the device goes back."""
    address = sender.address
    place = ", ".join(part for part in (sender.office, address.street) if part)
    return f"{place}, {address.postal_code} {address.city}"


def _town_line(borrower: Borrower) -> str:
    return " ".join(part for part in (borrower.postal_code.strip(), borrower.city.strip()) if part)


def _recipient(borrower: Borrower) -> Recipient:
    lines = (borrower.name, borrower.street.strip(), _town_line(borrower))
    return Recipient(lines=tuple(line for line in lines if line))


def _info(terms: LoanTerms, day: dt.date) -> InfoBlock:
    sender = terms.lending_office
    return InfoBlock(
        our_reference=terms.loan_id,
        date=day,
        contact=terms.clerk,
        phone=sender.phone,
        email=sender.email,
    )


def _signature(terms: LoanTerms) -> Signature:
    return Signature(SignatureMode.GEZEICHNET, name=terms.clerk, function="Geräteverleih")


def _salutation(borrower: Borrower) -> str:
    # We do not know how the person wishes to be addressed, so no "Frau"/"Herr".
    return f"Guten Tag {borrower.name},"


def _device_detail(device: Device, *, with_serial: bool = False) -> str:
    """The second line of the subject: ``Wärmebildkamera … (Inventarnummer …[, Seriennummer …])``."""
    numbers = f"Inventarnummer {device.inventory_number}"
    if with_serial and device.serial_number:
        numbers += f", Seriennummer {device.serial_number}"
    return f"{device.name} ({numbers})"


def _device_rows(device: Device) -> tuple[Markup, ...]:
    rows = [_bold("Gerät:") + _device_detail(device, with_serial=True)]
    if device.accessories:
        rows.append(_bold("Zubehör:") + ", ".join(device.accessories))
    rows.append(_bold("Wiederbeschaffungswert:") + _amount(device.replacement_value_cents))
    rows.append(_bold("Eigentümer:") + device.owner_town)
    return tuple(rows)


def _borrower_rows(borrower: Borrower) -> tuple[Markup | str, ...]:
    contact = ", ".join(part.strip() for part in (borrower.phone, borrower.email) if part.strip())
    address = ", ".join(part for part in (borrower.street.strip(), _town_line(borrower)) if part)
    return (
        _bold("Entleiher/in:") + borrower.name,
        address,  # empty for a person known by name only: no stray ","
        (_bold("Erreichbar:") + contact) if contact else "",
        (_bold("Identität:") + borrower.id_document_note) if borrower.id_document_note else "",
    )


def _lender_rows(sender: Sender) -> tuple[Markup | str, ...]:
    return (_bold("Verleiher:") + sender.authority, return_place(sender))


# --- Leihvertrag -----------------------------------------------------------------------------


def loan_agreement(
    device: Device,
    borrower: Borrower,
    terms: LoanTerms,
    checklist: Sequence[str] | None = None,
    handover: HandoverRecord | None = None,
) -> Letter:
    """The Leihvertrag with its Übergabeprotokoll.

    Without ``handover`` (a reservation printed ahead) the protocol is to be filled in by pen:
    ``checklist`` replaces :func:`default_checklist` and every box is left empty
    (``checked=None``); the letter is dated on the first day of the loan. With ``handover`` the
    protocol shows what the clerk recorded – boxes ticked or not, remarks, the condition, ID check,
    briefing and the deposit received – and the letter is dated on the day of the handover.
    """
    sender = terms.lending_office
    value = _amount(device.replacement_value_cents)
    days = (terms.end - terms.start).days + 1
    items = tuple(checklist) if checklist is not None else default_checklist(device)

    parties = Section(
        heading="Vertragsparteien",
        body=_lines(*_lender_rows(sender), _t("– nachfolgend „Verleiher“ –"), _BR)
        + _lines(*_borrower_rows(borrower), _t("– nachfolgend „Entleiher/in“ –")),
    )
    subject_matter = Section(
        heading="§ 1 Leihgegenstand",
        body=_t("Der Verleiher überlässt der Entleiherin / dem Entleiher das folgende Gerät:<br/>")
        + _lines(*_device_rows(device)),
    )
    duration = Section(
        heading="§ 2 Leihdauer und Rückgabe",
        body=_t("Die Leihe beginnt am ")
        + format_date(terms.start)
        + _t(" und endet am ")
        + _strong(weekday_date(terms.end))
        + _t(" (")
        + (f"{days} Tag" if days == 1 else f"{days} Tage")
        + _t(")."),
        numbered=(
            _t(
                "Das Gerät ist spätestens am letzten Tag der Leihe während der Öffnungszeiten "
                "zurückzugeben – vollständig, gereinigt und mit allem Zubehör. Rückgabestelle: "
            )
            + return_place(sender)
            + _t("."),
            _t(
                "Eine Verlängerung ist nur nach vorheriger Absprache möglich, wenn keine andere "
                "Reservierung entgegensteht."
            ),
            _t(
                "Bei verspäteter Rückgabe wird die Entleiherin / der Entleiher gemahnt. Kosten, die "
                "durch die Verspätung entstehen, können in Rechnung gestellt werden."
            ),
        ),
    )
    if terms.fee_cents:
        fee_text = (
            _t("Für die Überlassung wird ein Nutzungsentgelt von ")
            + _amount(terms.fee_cents)
            + _t(" erhoben. Ergänzend gelten die Vorschriften über die Miete (§§ 535 ff. BGB).")
        )
    else:
        fee_text = _t("Die Überlassung ist unentgeltlich (Leihe nach §§ 598 ff. BGB).")
    refund = _t(
        " Sie wird nach vollständiger und unbeschädigter Rückgabe erstattet; "
        "der Verleiher kann sie mit Ansprüchen aus diesem Vertrag verrechnen."
    )
    if handover is not None and handover.deposit_cents:
        deposit_text = (
            _t(" Bei der Übergabe am ")
            + format_date(handover.on)
            + _t(" wurde eine Kaution von ")
            + _strong(_amount(handover.deposit_cents))
            + (f" ({_method_phrase(handover.deposit_method, 'in bar')})" if handover.deposit_method else "")
            + _t(" hinterlegt.")
            + refund
        )
    elif handover is None and terms.deposit_cents:
        deposit_text = (
            _t(" Bei Übergabe ist eine Kaution von ")
            + _strong(_amount(terms.deposit_cents))
            + _t(" zu hinterlegen.")
            + refund
        )
    else:
        deposit_text = _t(" Eine Kaution wird nicht erhoben.")
    money = Section(heading="§ 3 Entgelt und Kaution", body=fee_text + deposit_text)
    keeps_data = stores_data(device)
    duty_lines = [
        _t("das Gerät sorgfältig zu behandeln und die Bedienungsanleitung zu beachten,"),
        _t(
            "das Gerät <b>nicht an Dritte weiterzugeben</b> oder Dritten zum Gebrauch zu überlassen "
            "(§ 603 BGB),"
        ),
        _t("Schäden, Störungen und einen Verlust dem Verleiher unverzüglich zu melden,"),
        _t("das Gerät nicht selbst zu öffnen oder reparieren zu lassen" + ("," if keeps_data else ".")),
    ]
    if keeps_data:  # only devices that keep pictures or measurements (see stores_data)
        duty_lines.append(
            _t("eigene Aufnahmen und Daten vor der Rückgabe vom Gerät und der Speicherkarte zu löschen.")
        )
    duties = Section(
        heading="§ 4 Pflichten der Entleiherin / des Entleihers",
        body=_t("Die Entleiherin / der Entleiher verpflichtet sich,"),
        numbered=tuple(duty_lines),
    )
    liability = Section(
        heading="§ 5 Haftung",
        body=_t(
            "Die Entleiherin / der Entleiher haftet von der Übergabe bis zur Rückgabe für Beschädigung, "
            "Verlust und Diebstahl des Geräts und des Zubehörs, höchstens bis zum Wiederbeschaffungswert "
            "von "
        )
        + _strong(value)
        + _t(
            ". Für die Abnutzung durch den vertragsgemäßen Gebrauch wird nicht gehaftet (§ 602 BGB). "
            "Der Verleiher haftet nur für Vorsatz und grobe Fahrlässigkeit (§ 599 BGB)."
        ),
    )
    parts: list[Section | Checklist] = [parties, subject_matter, duration, money, duties, liability]
    paragraph = 6
    if terms.conditions:
        parts.append(
            Section(
                heading=f"§ {paragraph} Weitere Bedingungen",
                body=_t(""),
                numbered=tuple(escape(line) for line in terms.conditions),
            )
        )
        paragraph += 1
    parts.append(
        Section(
            heading=f"§ {paragraph} Datenschutz",
            body=_t(
                "Der Verleiher verarbeitet die Angaben zur Person nur zur Durchführung dieses Vertrags "
                "(Art. 6 Abs. 1 Buchst. b DSGVO) und löscht sie nach Abschluss der Leihe und Ablauf der "
                "gesetzlichen Aufbewahrungsfristen. Auskunft über die gespeicherten Daten erhalten Sie "
                "unter den oben genannten Kontaktdaten."
            ),
        )
    )
    if handover is None:
        parts.append(
            Checklist(
                heading="Übergabeprotokoll (bei der Übergabe gemeinsam ausfüllen)",
                items=tuple(ChecklistItem(text=item) for item in items),
            )
        )
    else:
        parts.append(
            Checklist(
                heading=f"Übergabeprotokoll vom {format_date(handover.on)}",
                items=tuple(
                    ChecklistItem(i.text, bool(i.checked), " ".join(i.remark.split()))
                    for i in handover.checklist
                )
                or tuple(ChecklistItem(text=item) for item in items),  # nothing recorded: by pen
            )
        )
        parts.append(Section(heading="", body=_handover_rows(handover)))
    parts.append(
        Section(
            heading="Bestätigung",
            body=_t(
                "Das Gerät wurde in dem oben protokollierten Zustand übergeben. Die Entleiherin / der "
                "Entleiher erkennt die Bedingungen dieses Vertrags an und hat eine Ausfertigung erhalten."
            ),
        )
    )
    return Letter(
        kind=LetterKind.LEIHVERTRAG,
        sender=sender,
        recipient=_recipient(borrower),
        info=_info(terms, handover.on if handover is not None else terms.start),
        subject=f"Leihvertrag Nr. {terms.loan_id}",
        subject_detail=_device_detail(device),
        salutation="",
        parts=tuple(parts),
        signature=Signature(SignatureMode.EIGENHAENDIG, name=terms.clerk, function="Geräteverleih"),
        signature_lines=(f"{lender_signature_line(sender)} ({terms.clerk})", "Entleiher/in"),
        title=f"Leihvertrag {terms.loan_id}",
        closing="",
    )


def _method_phrase(method: str, cash: str = "bar") -> str:
    """How the deposit was paid: ``bar`` (or ``cash``), ``per EC-Karte``, ``per Überweisung``."""
    method = " ".join(method.split())
    if not method:
        return ""
    return cash if method.casefold() == "bar" else f"per {method}"


def _handover_rows(handover: HandoverRecord) -> Markup:
    """Condition, ID check, briefing and deposit as recorded at the handover."""
    condition = " ".join(handover.condition.split()) or "ohne Angabe"
    if handover.deposit_cents:
        method = _method_phrase(handover.deposit_method)
        deposit = (
            _bold("Kaution")
            + _amount(handover.deposit_cents)
            + (f" {method}" if method else "")
            + f" erhalten am {format_date(handover.on)}"
        )
    else:
        deposit = _bold("Kaution:") + "keine"
    return _lines(
        _bold("Zustand bei Übergabe:") + condition,
        _bold("Ausweis eingesehen:") + ("ja" if handover.id_seen else "nein"),
        _bold("Einweisung gegeben:") + ("ja" if handover.briefing_given else "nein"),
        deposit,
    )


# --- Rückgabeprotokoll -----------------------------------------------------------------------


def return_protocol(
    device: Device,
    borrower: Borrower,
    terms: LoanTerms,
    returned_on: dt.date,
    checklist_results: Sequence[ChecklistItem],
    damage_note: str,
    deposit_returned_cents: int | None = None,
    deposit_note: str = "",
) -> Letter:
    """The record of what came back, signed by both sides; states late days and the deposit.

    With ``deposit_returned_cents`` the deposit line says what was refunded and what kept (and
    why); without it the deposit is refunded if all is fine and held until clarified otherwise.
    """
    sender = terms.lending_office
    checklist_results = settled_return_checklist(checklist_results)
    flagged = any(item.checked is False for item in checklist_results)
    no_findings = "Keine weiteren (siehe Prüfliste)."
    late = late_days(terms.end, returned_on)
    timing = f"{late} Tag verspätet" if late == 1 else f"{late} Tage verspätet" if late else "fristgerecht"
    # The borrower is in the address field and the device in the subject: the protocol itself
    # stays short enough that the signatures end up on the same page as the checklist.
    facts = (
        _bold("Leihzeitraum:")
        + f"{format_date(terms.start)} bis {format_date(terms.end)}"
        + _t(" · ")
        + _bold("Rückgabe:")
        + f"{format_date(returned_on)} ({timing})"
    )
    closing = [_t("Beide Seiten bestätigen mit ihrer Unterschrift die Angaben dieses Protokolls.")]
    if terms.deposit_cents:
        closing.insert(0, _deposit_line(terms.deposit_cents, checklist_results, damage_note,
                                        deposit_returned_cents, deposit_note))  # fmt: skip
    parts = (
        Section(heading="", body=facts),
        Checklist(heading="Zustand bei der Rückgabe", items=tuple(checklist_results)),
        Section(
            heading="Festgestellte Schäden und Bemerkungen",
            # "Keine." would contradict a checklist line that is not in order
            body=escape(damage_note.strip() or (no_findings if flagged else "Keine.")),
        ),
        Section(heading="", body=_lines(*closing)),
    )
    return Letter(
        kind=LetterKind.RUECKGABEPROTOKOLL,
        sender=sender,
        recipient=_recipient(borrower),
        info=_info(terms, returned_on),
        subject=f"Rückgabeprotokoll zum Leihvertrag Nr. {terms.loan_id}",
        subject_detail=_device_detail(device, with_serial=True),
        salutation="",
        parts=parts,
        # The clerk who takes the device back is named in the caption of her signature line.
        signature=Signature(SignatureMode.EIGENHAENDIG),
        signature_lines=(f"{lender_signature_line(sender)} ({terms.clerk})", "Entleiher/in"),
        title=f"Rückgabeprotokoll {terms.loan_id}",
        closing="",
    )


# Lines that state a check rather than name a part: when not ticked they are "nicht in Ordnung",
# a part that is not ticked "fehlt".
_CHECK_WORDS = ("vollständig", "unbeschädigt", "geprüft", "durchgeführt", "geladen", "gereinigt", "funktion")


def _is_check(text: str) -> bool:
    folded = text.casefold()
    return any(word in folded for word in _CHECK_WORDS)


def settled_return_checklist(items: Sequence[ChecklistItem]) -> tuple[ChecklistItem, ...]:
    """The return checklist as the protocol prints it, never contradicting itself.

    A part not ticked and without remark "fehlt" (a check: "nicht in Ordnung"); while a part is
    missing, a ticked "… vollständig …" line is shown not ticked, naming what is missing.
    """
    missing = [i.text for i in items if i.checked is False and not _is_check(i.text)]
    out = []
    for item in items:
        remark = " ".join(item.remark.split())
        checked = item.checked
        if checked is False and not remark:
            remark = "nicht in Ordnung" if _is_check(item.text) else "fehlt"
        elif checked and missing and "vollständig" in item.text.casefold():
            checked = False
            verb = "fehlt" if len(missing) == 1 else "fehlen"
            remark = "; ".join(r for r in (remark, f"unvollständig: {', '.join(missing)} {verb}") if r)
        out.append(ChecklistItem(item.text, checked, remark))
    return tuple(out)


def _deposit_line(
    deposit: int,
    results: Sequence[ChecklistItem],
    damage_note: str,
    returned: int | None,
    note: str,
) -> Markup:
    head = _bold("Kaution:") + _amount(deposit)
    if returned is None:
        all_fine = not damage_note.strip() and all(item.checked is True for item in results)
        if all_fine:
            return head + _t(" – wird erstattet.")
        return head + _t(" – wird bis zur Klärung der Mängel einbehalten (§ 3 des Leihvertrags).")
    if returned >= deposit:
        return head + _t(" – wird in voller Höhe erstattet.")
    reason = f" ({' '.join(note.split())})" if note.strip() else ""
    if returned <= 0:
        return head + _t(" – wird einbehalten") + reason + _t(" (§ 3 des Leihvertrags).")
    return (
        head + _t(" – erstattet: ") + _amount(returned) + _t(", einbehalten: ") + _amount(deposit - returned)
        + reason + _t(" (§ 3 des Leihvertrags).")
    )  # fmt: skip


# --- Mahnung ---------------------------------------------------------------------------------

_ALREADY_RETURNED = _t(
    "Falls Sie das Gerät inzwischen zurückgegeben haben, betrachten Sie dieses Schreiben bitte als "
    "gegenstandslos."
)


def reminder(device: Device, borrower: Borrower, terms: LoanTerms, today: dt.date, level: int = 1) -> Letter:
    """A reminder to return an overdue device; ``level`` 2 is the last one before legal steps.

    Raises ``ValueError`` if the device is not overdue on ``today`` or the level is unknown.
    """
    overdue = (today - terms.end).days
    if overdue <= 0:
        raise ValueError(f"Die Leihe {terms.loan_id} ist am {format_date(today)} nicht überfällig.")
    if not 1 <= level <= MAX_REMINDER_LEVEL:
        raise ValueError(f"Mahnstufe {level} gibt es nicht (1 bis {MAX_REMINDER_LEVEL}).")
    sender = terms.lending_office
    due = reminder_deadline(today)
    value = _amount(device.replacement_value_cents)

    facts = (
        _t("nach dem Leihvertrag Nr. ")
        + terms.loan_id
        + _t(" hätten Sie das Gerät ")
        + _strong(device.name)
        + _t(" (Inventarnummer ")
        + device.inventory_number
        + _t(") spätestens am ")
        + format_date(terms.end)
        + _t(" zurückgeben müssen. Die Rückgabe ist seit ")
        + days_in_words(overdue)
        + _t(" überfällig.")
    )
    if level == 1:
        subject = "Erinnerung: Rückgabe eines Leihgeräts"
        request = (
            _t("Bitte geben Sie das Gerät mit allem Zubehör ")
            + _strong(f"bis spätestens {weekday_date(due)}")
            + _t(" während der Öffnungszeiten zurück (")
            + return_place(sender)
            + _t("). Andere Bürgerinnen und Bürger warten bereits darauf.")
        )
        consequences = (
            _t("Bis zur Rückgabe haften Sie für Beschädigung und Verlust des Geräts bis zu seinem ")
            + _t("Wiederbeschaffungswert von ")
            + value
            + _t(
                " (§ 5 des Leihvertrags). Kosten, die uns durch die verspätete Rückgabe entstehen, "
                "können wir Ihnen in Rechnung stellen."
            )
        )
    else:
        subject = "Mahnung: letzte Aufforderung zur Rückgabe eines Leihgeräts"
        request = (
            _t("Trotz unserer Erinnerung ist das Gerät bis heute nicht bei uns eingegangen. Wir fordern Sie ")
            + _t("hiermit <b>letztmalig</b> auf, es ")
            + _strong(f"bis spätestens {weekday_date(due)}")
            + _t(" zurückzugeben (")
            + return_place(sender)
            + _t(").")
        )
        deposit = (
            _t(", die hinterlegte Kaution von ") + _amount(terms.deposit_cents) + _t(" damit verrechnen")
            if terms.deposit_cents
            else _t("")
        )
        consequences = (
            _t("Geht das Gerät bis zu diesem Tag nicht ein, werden wir Schadensersatz in Höhe des ")
            + _t("Wiederbeschaffungswerts von ")
            + _strong(value)
            + _t(" verlangen")
            + deposit
            + _t(
                " und weitere rechtliche Schritte einleiten. Seit dem Ende der Leihe haften Sie auch "
                "für eine zufällige Beschädigung oder einen zufälligen Verlust des Geräts (§ 287 BGB)."
            )
        )
    return Letter(
        kind=LetterKind.MAHNUNG,
        sender=sender,
        recipient=_recipient(borrower),
        info=_info(terms, today),
        subject=subject,
        subject_detail=f"Leihvertrag Nr. {terms.loan_id} vom {format_date(terms.start)}",
        salutation=_salutation(borrower),
        parts=(
            Section(
                heading="", body=_lines(facts, _BR + request, _BR + consequences, _BR + _ALREADY_RETURNED)
            ),
        ),
        signature=_signature(terms),
        title=f"{'Erinnerung' if level == 1 else 'Mahnung'} {terms.loan_id}",
    )
