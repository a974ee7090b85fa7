"""What a letter consists of: plain data the renderer lays out as a DIN 5008 Form B letter.

Pure Python (no reportlab), so services can build letters without loading the renderer.
Every ``str`` field is user text and is escaped by the renderer; only ``Markup`` fields
(from checked templates, see :mod:`kommune_desk.domain.markup`) may carry bold, italic or line breaks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

# The kind is the domain's; re-exported because every letter names its kind.
from kommune_desk.domain.letter_kinds import LetterKind as LetterKind
from kommune_desk.domain.markup import Markup
from kommune_desk.domain.records import Address, BankAccount  # the IBAN compact; grouped when drawn


@dataclass(frozen=True)
class Sender:
    """The authority: letterhead, return-address line and footer."""

    authority: str  # "Gemeinde Nauheim – Der Bürgermeister"
    office: str  # "Bürgerbüro"
    address: Address
    phone: str = ""
    email: str = ""
    website: str = ""
    opening_hours: str = ""  # may hold line breaks
    bank: BankAccount | None = None
    logo_png: bytes | None = None  # coat of arms; drawn top right when present


@dataclass(frozen=True)
class Recipient:
    """The address field: up to 6 lines (name, c/o, street, postcode and town …)."""

    lines: tuple[str, ...]
    endorsement: str = ""  # Vermerkzone above the address, e.g. "Persönlich" or "Einschreiben"


@dataclass(frozen=True)
class InfoBlock:
    """The information block at 125 mm (DIN 5008 Form B)."""

    our_reference: str  # Unser Zeichen = Aktenzeichen
    date: dt.date
    your_reference: str = ""  # Ihr Zeichen
    your_message_of: dt.date | None = None  # Ihre Nachricht vom
    contact: str = ""  # Ansprechpartner/in
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Section:
    """A titled part of the body: Tenor, Nebenbestimmungen, Begründung, Rechtsbehelfsbelehrung …"""

    heading: str
    body: Markup
    numbered: tuple[Markup, ...] = ()  # an optional numbered list after the body (Nebenbestimmungen)


@dataclass(frozen=True)
class FeeItem:
    """One line of the calculation, e.g. "Hundesteuer 2. Hund (§ 4 Hundesteuersatzung): 2 × 90,00 €"."""

    label: str
    legal_basis: str
    calculation: str  # how the amount follows from the rule, in words
    amount_cents: int


@dataclass(frozen=True)
class FeeBlock:
    """What § 14 HVwKostG asks of a Gebührenbescheid, plus the data of the EPC QR code."""

    debtor: str  # Kostenschuldner/in (name and address in one line)
    chargeable_act: str  # die kostenpflichtige Amtshandlung
    items: tuple[FeeItem, ...]
    due_date: dt.date
    kassenzeichen: str
    payee: str  # Zahlungsempfänger (Kasse der Gemeinde)
    bank: BankAccount
    purpose: str  # Verwendungszweck (Kassenzeichen + Aktenzeichen); max. 140 characters in the QR code
    with_qr_code: bool = True

    @property
    def total_cents(self) -> int:
        return sum(item.amount_cents for item in self.items)


class SignatureMode(StrEnum):
    GEZEICHNET = "gez"  # "gez. Name" under "Mit freundlichen Grüßen"
    MASCHINELL = "maschinell"  # § 37 Abs. 5 VwVfG: valid without signature
    EIGENHAENDIG = "eigenhaendig"  # both sides sign on the signature lines (contracts, protocols)


@dataclass(frozen=True)
class Signature:
    mode: SignatureMode
    name: str = ""
    function: str = ""  # "Sachbearbeitung", "Im Auftrag"

    @property
    def machine_text(self) -> str:
        return "Dieses Schreiben wurde maschinell erstellt und ist ohne Unterschrift gültig."


@dataclass(frozen=True)
class ChecklistItem:
    """A line of a handover or return protocol: a box to tick and room for a remark."""

    text: str
    checked: bool | None = None  # None: left empty for a pen
    remark: str = ""


@dataclass(frozen=True)
class Checklist:
    heading: str
    items: tuple[ChecklistItem, ...]


Part = Section | FeeBlock | Checklist


@dataclass(frozen=True)
class Letter:
    """One complete letter. ``parts`` is the body in reading order; the rest is placed by DIN 5008."""

    kind: LetterKind
    sender: Sender
    recipient: Recipient
    info: InfoBlock
    subject: str  # Betreff, bold
    salutation: str  # "Sehr geehrte Frau Roß,"
    parts: tuple[Part, ...]
    signature: Signature
    subject_detail: str = ""  # second line of the subject (Leistung, Kassenzeichen …), not bold
    signature_lines: tuple[str, ...] = ()  # lines to sign by hand, e.g. ("Für die Gemeinde", "Entleiher/in")
    enclosures: tuple[str, ...] = ()  # Anlagen
    title: str = ""  # PDF document title (metadata); defaults to the kind's label and our reference
    closing: str = "Mit freundlichen Grüßen"

    @property
    def fee(self) -> FeeBlock | None:
        return next((part for part in self.parts if isinstance(part, FeeBlock)), None)
