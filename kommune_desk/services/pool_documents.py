"""The Geräteverleih's documents from the database: Leihvertrag, Rückgabeprotokoll, Mahnung
(as letter or as an e-mail draft) and the inventory labels.

Reads the loan (pool scope), its borrower (the lending town's own data: ``loan_borrowers`` and
``borrowers``) and the device, and hands plain data to the pure builders in
``documents/loans.py`` and ``documents/labels.py``. reportlab is imported only inside the
render calls. A loan another town made has no borrower here: its documents are refused.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import sqlite3
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass

from kommune_desk.documents import loans as docs
from kommune_desk.documents.labels import AssetLabel
from kommune_desk.documents.model import ChecklistItem, Letter, Section, Sender
from kommune_desk.domain.authority import authority_of
from kommune_desk.domain.formatting import local_date, parse_timestamp
from kommune_desk.domain.pool import PoolError, checklist_from_json, checklist_items, loan_number
from kommune_desk.storage import borrowers as borrower_repo
from kommune_desk.storage import loans as loan_repo
from kommune_desk.storage import pool as device_repo
from kommune_desk.storage.loans import Loan, LoanParty
from kommune_desk.storage.pool import Device

from .notice_letters import letterhead, logo_of
from .pool import policy_of
from .workspace import Workspace

__all__ = [
    "MailDraft",
    "agreement_letter",
    "agreement_pdf",
    "deposit_cents",
    "labels_pdf",
    "reminder_email",
    "reminder_letter",
    "reminder_pdf",
    "return_letter",
    "return_protocol_pdf",
]

OTHER_TOWN = (
    "Diese Ausleihe hat eine andere Kommune angelegt; die Angaben zur Person und die Dokumente hat nur sie."
)
NO_SUCH_LOAN = "Diese Ausleihe gibt es nicht (mehr)."


@dataclass(frozen=True)
class MailDraft:
    """An e-mail to send from the clerk's mail program: recipient, subject, plain text."""

    to: str
    subject: str
    body: str

    def mailto(self) -> str:
        """A ``mailto:`` link that opens the draft (RFC 6068: %-encoded UTF-8, CRLF line ends)."""
        query = urllib.parse.urlencode(
            {"subject": self.subject, "body": self.body.replace("\n", "\r\n")}, quote_via=urllib.parse.quote
        )
        return f"mailto:{urllib.parse.quote(self.to, safe='@')}?{query}"


@dataclass(frozen=True)
class _LoanData:
    loan: Loan
    party: LoanParty
    device: Device
    borrower: docs.Borrower
    terms: docs.LoanTerms
    doc_device: docs.Device


# --- reading -------------------------------------------------------------------------------------


def _sender(ws: Workspace) -> Sender:
    """This town's letterhead, as the notice letters have it."""
    m = ws.municipality
    return letterhead(m, ws.office, authority_of(m.kind, m.name), logo_of(ws, m.logo_sha256))


def _clerk(ws: Workspace, clerk_name: str | None) -> str:
    name = " ".join((clerk_name or "").split())
    if name:
        return name
    return ws.clerk.display_name if ws.clerk else "Geräteverleih"


def _doc_device(device: Device) -> docs.Device:
    return docs.Device(
        inventory_number=device.inventory_number,
        name=device.name,
        serial_number=device.serial_number,
        accessories=tuple(a for a in device.accessories if a.strip()),
        replacement_value_cents=device.replacement_value_cents or 0,
        owner_town=device.home_name,
        category=device.category,
    )


def _doc_borrower(conn: sqlite3.Connection, ws: Workspace, party: LoanParty) -> docs.Borrower:
    known = (
        borrower_repo.load_borrower(conn, party.borrower_id, ws.municipality.id)
        if party.borrower_id
        else None
    )
    if known is not None and known.anonymised:
        raise PoolError(
            "Die Angaben zur Person dieser Ausleihe sind nach Ablauf der Aufbewahrungsfrist gelöscht; "
            "ein Dokument mit Anschrift lässt sich nicht mehr erstellen."
        )
    id_note = "Ausweis vorgelegt und geprüft" if party.id_seen else ""
    if known is None:
        contact = party.contact or ""
        email, phone = (contact, "") if "@" in contact else ("", contact)
        return docs.Borrower(party.name, "", "", "", phone=phone, email=email, id_document_note=id_note)
    return docs.Borrower(
        known.name,
        known.street,
        known.postal_code,
        known.city,
        phone=known.phone,
        email=known.email,
        id_document_note=id_note,
    )


def _load(ws: Workspace, loan_id: str, clerk_name: str | None = None) -> _LoanData:
    conn = ws.db.reader()
    try:
        loan = loan_repo.load_loan(conn, loan_id)
        if loan is None:
            raise PoolError(NO_SUCH_LOAN)
        party = loan_repo.load_party(conn, loan_id, ws.municipality.id)
        if party is None or loan.booking.municipality_id != ws.municipality.id:
            raise PoolError(OTHER_TOWN)
        device = device_repo.load_device(conn, loan.booking.device_id)
        if device is None:
            raise PoolError("Das Gerät dieser Ausleihe gibt es im Pool nicht (mehr).")
        borrower = _doc_borrower(conn, ws, party)
        handed_over = loan.booking.status in ("ausgegeben", "zurueckgegeben")
        deposit = party.deposit_cents if handed_over else policy_of(conn, device).deposit_cents
        terms = docs.LoanTerms(
            loan_id=loan_number(loan.booking.loan_id),
            start=loan.booking.start,
            end=loan.booking.end,
            deposit_cents=deposit or 0,
            fee_cents=0,
            lending_office=_sender(ws),
            clerk=_clerk(ws, clerk_name),
        )
    finally:
        conn.close()
    return _LoanData(loan, party, device, borrower, terms, _doc_device(device))


def deposit_cents(ws: Workspace, loan_id: str) -> int:
    """The deposit this town took for one of its loans (0 if none or not handed over)."""
    conn = ws.db.reader()
    try:
        party = loan_repo.load_party(conn, loan_id, ws.municipality.id)
    finally:
        conn.close()
    if party is None:
        raise PoolError(OTHER_TOWN)
    return party.deposit_cents or 0


# --- the letters -----------------------------------------------------------------------------------


def agreement_letter(ws: Workspace, loan_id: str, clerk_name: str | None = None) -> Letter:
    """The Leihvertrag with its Übergabeprotokoll for a reservation or loan of this town."""
    data = _load(ws, loan_id, clerk_name)
    if data.loan.booking.status == "storniert":
        raise PoolError("Diese Reservierung ist storniert; ein Leihvertrag ist nicht nötig.")
    items = checklist_items(data.doc_device.accessories)
    return docs.loan_agreement(
        data.doc_device, data.borrower, data.terms, checklist=items, handover=_handover(data)
    )


def _handover(data: _LoanData) -> docs.HandoverRecord | None:
    """What was recorded at the handover, or None before it (the protocol is then left blank)."""
    loan, party = data.loan, data.party
    handed = checklist_from_json(loan.checklist_out)
    if not handed and not loan.handed_over_at:
        return None
    on = local_date(parse_timestamp(loan.handed_over_at)) if loan.handed_over_at else loan.booking.start
    return docs.HandoverRecord(
        on=on,
        checklist=tuple(ChecklistItem(i.item, i.ok, i.note) for i in handed),
        condition=loan.condition_out or "",
        id_seen=party.id_seen,
        briefing_given=party.briefing_given,
        deposit_cents=party.deposit_cents or 0,
        deposit_method=party.deposit_method or "",
    )


def agreement_pdf(ws: Workspace, loan_id: str, clerk_name: str | None = None) -> bytes:
    """The Leihvertrag mit Übergabeprotokoll as PDF/A."""
    return _render(agreement_letter(ws, loan_id, clerk_name))


def return_letter(
    ws: Workspace, loan_id: str, clerk_name: str | None = None, returned_on: dt.date | None = None
) -> Letter:
    """The Rückgabeprotokoll of a returned loan of this town; ``returned_on`` defaults to the
    local day the return was recorded."""
    data = _load(ws, loan_id, clerk_name)
    loan, party = data.loan, data.party
    if loan.booking.status != "zurueckgegeben" or not loan.returned_at:
        raise PoolError("Das Gerät dieser Ausleihe ist noch nicht zurückgegeben.")
    returned_on = returned_on or local_date(parse_timestamp(loan.returned_at))
    results = [
        ChecklistItem(text=i.item, checked=i.ok, remark=i.note)
        for i in checklist_from_json(loan.checklist_in)
    ]
    notes = [loan.damage or ""]
    if loan.condition_in and loan.condition_in.strip():
        notes.append(f"Zustand: {loan.condition_in.strip()}")
    damage_note = "\n".join(n for n in notes if n.strip())
    return docs.return_protocol(
        data.doc_device, data.borrower, data.terms, returned_on, results, damage_note,
        deposit_returned_cents=party.deposit_returned_cents, deposit_note=party.deposit_note or "",
    )  # fmt: skip


def return_protocol_pdf(
    ws: Workspace, loan_id: str, clerk_name: str | None = None, returned_on: dt.date | None = None
) -> bytes:
    """The Rückgabeprotokoll as PDF/A."""
    return _render(return_letter(ws, loan_id, clerk_name, returned_on))


def reminder_letter(
    ws: Workspace, loan_id: str, level: int, today: dt.date | None = None, *, needs_address: bool = True
) -> Letter:
    """The Erinnerung (level 1) or letzte Aufforderung (level 2) for an overdue loan of this town."""
    day = today or dt.date.today()
    if level not in (1, 2):
        raise PoolError(
            f"Mahnstufe {level} gibt es nicht; möglich sind 1 (Erinnerung) und 2 (letzte Aufforderung)."
        )
    data = _load(ws, loan_id)
    if data.loan.booking.status != "ausgegeben" or data.loan.booking.end >= day:
        raise PoolError("Diese Ausleihe ist nicht überfällig; eine Mahnung ist nicht nötig.")
    b = data.borrower
    missing = [
        label for label, value in (("Straße", b.street), ("PLZ", b.postal_code), ("Ort", b.city)) if not value
    ]
    if needs_address and missing:
        raise PoolError(
            "Für eine Mahnung per Brief fehlt in der Anschrift der entleihenden Person: "
            f"{', '.join(missing)}. "
            "Bitte ergänzen Sie die Anschrift bei der Person oder mahnen Sie per E-Mail."
        )
    return docs.reminder(data.doc_device, b, data.terms, day, level)


def reminder_pdf(ws: Workspace, loan_id: str, level: int, today: dt.date | None = None) -> bytes:
    """The Mahnung as PDF/A (it is not logged here: see ``pool_loans.record_reminder``)."""
    return _render(reminder_letter(ws, loan_id, level, today))


def reminder_email(ws: Workspace, loan_id: str, level: int, today: dt.date | None = None) -> MailDraft:
    """The same reminder as an e-mail draft in plain text, to the borrower's e-mail address."""
    letter = reminder_letter(ws, loan_id, level, today, needs_address=False)
    data = _load(ws, loan_id)
    to = data.borrower.email.strip()
    if not to:
        raise PoolError(
            "Für die entleihende Person ist keine E-Mail-Adresse hinterlegt. Bitte mahnen Sie per Brief."
        )
    return MailDraft(to, f"{letter.subject} – {letter.subject_detail}", letter_as_text(letter))


def letter_as_text(letter: Letter) -> str:
    """A letter's salutation, body, closing and sender as plain text for an e-mail."""
    lines = [letter.salutation, ""] if letter.salutation else []
    for part in letter.parts:
        if isinstance(part, Section):
            if part.heading:
                lines += [part.heading, ""]
            lines += [_plain(part.body), ""]
            lines += [f"{n}. {_plain(item)}" for n, item in enumerate(part.numbered, 1)]
    sender = letter.sender
    address = sender.address
    footer = [
        letter.closing,
        "",
        letter.signature.name,
        letter.signature.function,
        sender.authority,
        sender.office,
        address.street,
        f"{address.postal_code} {address.city}".strip(),
        f"Telefon: {sender.phone}" if sender.phone else "",
        f"E-Mail: {sender.email}" if sender.email else "",
    ]
    lines += [line for line in footer if line] if letter.closing else []
    text = "\n".join(lines).replace("\u00a0", " ")
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def _plain(markup: str) -> str:
    """Our letter markup as plain text: line breaks kept, tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", markup)))


# --- labels --------------------------------------------------------------------------------------


def labels_pdf(ws: Workspace, device_ids: Sequence[str] | None = None, start_position: int = 1) -> bytes:
    """Asset tags (Avery Zweckform 3474) for the given devices, in that order; all if None."""
    conn = ws.db.reader()
    try:
        if device_ids is None:
            ids = [
                d.id for d in device_repo.list_devices(conn, dt.date.today()) if d.status != "ausgemustert"
            ]
        else:
            ids = list(device_ids)
        devices = [device_repo.load_device(conn, device_id) for device_id in ids]
    finally:
        conn.close()
    if any(d is None for d in devices):
        raise PoolError("Eines der Geräte gibt es im Pool nicht (mehr).")
    if not devices:
        raise PoolError("Es gibt keine Geräte, für die Etiketten gedruckt werden könnten.")
    labels = [_label(d) for d in devices if d is not None]
    from kommune_desk.documents.labels import A4_3x8, render_label_sheet

    if not 1 <= start_position <= A4_3x8.per_page:
        raise PoolError(f"Das erste freie Etikett muss zwischen 1 und {A4_3x8.per_page} liegen.")
    return render_label_sheet(labels, A4_3x8, start_position)


def _label(device: Device) -> AssetLabel:
    owner = device.home_name
    if owner.startswith("Kreis"):  # the Kreis's own devices keep the builder's default owner text
        return AssetLabel(device.inventory_number, device.name, owner)
    return AssetLabel(
        device.inventory_number, device.name, owner, f"Eigentum: {owner} – Klimaschutz-Geräteverleih"
    )


def _render(letter: Letter) -> bytes:
    from kommune_desk.documents.render import render_letter

    return render_letter(letter)
