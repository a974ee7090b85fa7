"""Compose the Letter of a notice from the case, the municipality and the text blocks.

Reading (``load_letter_data``) and composing (``compose``) are separate so composing is plain
data in, plain data out. Every problem a clerk can fix is collected and raised together as one
German ValidationError before anything is rendered.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from kommune_desk.documents.model import (  # plain data; the renderer loads only when printing
    FeeBlock,
    FeeItem,
    InfoBlock,
    Letter,
    LetterKind,
    Part,
    Recipient,
    Section,
    Sender,
    Signature,
    SignatureMode,
)
from kommune_desk.documents.paid_fee import PaidFeeBlock
from kommune_desk.domain import notices as rules
from kommune_desk.domain.authority import Authority, Remedy, authority_of, remedy_instruction
from kommune_desk.domain.corrections import missing_address_message
from kommune_desk.domain.form_checks import display_value
from kommune_desk.domain.formatting import format_amount, format_date, local_date, parse_timestamp
from kommune_desk.domain.letter_templates import FEE_PAID_BLOCKS, TemplateError, block_label, fill_blocks
from kommune_desk.domain.letter_texts import TRADE_NOTIFICATIONS, applied_for
from kommune_desk.domain.markup import Markup, escape
from kommune_desk.domain.notices import NoticeError
from kommune_desk.domain.payments import fee_settled, paid_on
from kommune_desk.domain.records import BankAccount, Clerk, Municipality, Office, Procedure, Service
from kommune_desk.domain.validation import ValidationError
from kommune_desk.domain.workflow import Decision
from kommune_desk.storage import case_file, reference
from kommune_desk.storage import notices as repo
from kommune_desk.storage.files import BlobMismatchError, read_verified

from .letter_templates import ResolvedBlock, effective_blocks
from .workspace import Workspace

NO_SUCH_CASE = "Diesen Antrag gibt es in Ihrer Gemeinde nicht (mehr)."
_HEADINGS = {
    "einleitung": "",
    "tenor": "Entscheidung",
    "tenor_teilweise": "Entscheidung",
    "nebenbestimmungen": "Nebenbestimmungen",
    "kosten": "Kosten",
    "kosten_bezahlt": "Kosten",
    "begruendung": "Begründung",
    "hinweise": "Hinweise",
    "hinweise_bezahlt": "Hinweise",
    "schluss": "",
}
ABOVE = "unter den oben genannten Kontaktdaten"
# A text that sends the reader to contact data (a municipality's own wording may).
_REFERS_TO_CONTACT = re.compile(r"kontaktdaten|telefonnummer|e-mail-adresse", re.IGNORECASE)
# Legal forms: a name with one of these is an organisation, never "Nachname, Vorname".
_LEGAL_FORM = re.compile(r"\b(GmbH|AG|KG|OHG|GbR|UG|e\.\s?V\.|eG|mbH|Co\.|Stiftung|Verein)\b")


@dataclass(frozen=True)
class NoticeDetails:
    """What the clerk supplies for a letter (all user text; escaped when the letter is built)."""

    missing_documents: tuple[str, ...] = ()
    documents_due: dt.date | None = None
    reasons: str = ""  # Begründung in the clerk's words
    conditions: tuple[str, ...] = ()  # Nebenbestimmungen
    signature: SignatureMode = SignatureMode.MASCHINELL
    letter_date: dt.date | None = None  # default: today

    def to_dict(self) -> dict[str, Any]:
        return {
            "missing_documents": list(self.missing_documents),
            "documents_due": self.documents_due.isoformat() if self.documents_due else None,
            "reasons": self.reasons,
            "conditions": list(self.conditions),
            "signature": self.signature.value,
            "letter_date": self.letter_date.isoformat() if self.letter_date else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NoticeDetails:
        """The details as ``to_dict`` stored them (unknown or broken values fall back to defaults)."""

        def day(value: object) -> dt.date | None:
            try:
                return dt.date.fromisoformat(str(value)) if value else None
            except ValueError:
                return None

        def lines(value: object) -> tuple[str, ...]:
            return tuple(str(line) for line in value) if isinstance(value, list) else ()

        try:
            signature = SignatureMode(str(data.get("signature")))
        except ValueError:
            signature = SignatureMode.MASCHINELL
        return cls(
            missing_documents=lines(data.get("missing_documents")),
            documents_due=day(data.get("documents_due")),
            reasons=str(data.get("reasons") or ""),
            conditions=lines(data.get("conditions")),
            signature=signature,
            letter_date=day(data.get("letter_date")),
        )


@dataclass(frozen=True)
class LetterData:
    """Everything read from the database that a letter of one case needs."""

    case: dict[str, Any]  # the application row
    service: Service | None
    remedy: Remedy
    municipality: Municipality
    office: Office
    clerk: Clerk
    logo_png: bytes | None
    blocks: dict[str, ResolvedBlock]


@dataclass(frozen=True)
class Composition:
    letter: Letter
    template_versions: tuple[dict[str, object], ...]
    remedy: Remedy | None  # the Rechtsbehelf the letter instructs about, if any
    fee_due_on: dt.date | None


def load_letter_data(
    conn: sqlite3.Connection, ws: Workspace, application_id: str, kind: LetterKind
) -> LetterData:
    """Read the case (of the workspace's municipality only), its service and the text blocks."""
    row = case_file.application_row(conn, application_id, ws.municipality.id)
    if row is None:
        raise NoticeError(NO_SUCH_CASE)
    if ws.clerk is None:
        raise NoticeError(
            "Ihre Anmeldung ist keiner Person zugeordnet; bitte wenden Sie sich an die Administration."
        )
    service = next(
        (s for s in reference.list_services(conn, ws.municipality.id) if s.id == row["service_id"]), None
    )
    remedy = repo.service_remedy(conn, ws.municipality.id, service.id) if service else None
    municipality = reference.get_municipality(conn, ws.municipality.id) or ws.municipality
    office = reference.get_office(conn, row["office_id"]) or ws.office
    return LetterData(
        case=row,
        service=service,
        remedy=Remedy(remedy) if remedy else Remedy.WIDERSPRUCH,
        municipality=municipality,
        office=office,
        clerk=ws.clerk,
        logo_png=logo_of(ws, municipality.logo_sha256),
        blocks=effective_blocks(conn, ws.municipality.id, service.id if service else None, kind),
    )


def logo_of(ws: Workspace, sha256: str | None) -> bytes | None:
    """The coat of arms from the content store, only if its bytes still match their hash."""
    if not sha256:
        return None
    try:
        return read_verified(ws.db.attachments_dir, sha256)
    except (OSError, BlobMismatchError):
        return None


def compose(data: LetterData, kind: LetterKind, details: NoticeDetails, today: dt.date) -> Composition:
    """The Letter for ``kind``; raises ValidationError listing every problem a clerk can fix."""
    case = data.case
    decision = Decision(case["decision"]) if case["decision"] else None
    letter_date = details.letter_date or today
    fee_cents = int(case["fee_cents"] or 0)
    paid = fee_settled(fee_cents, case.get("payment_status"), case.get("paid_cents"))
    # A paid fee has no due date: nothing is asked for, nothing can be overdue.
    fee_due = rules.fee_due_date(letter_date) if kind is LetterKind.GEBUEHRENBESCHEID and not paid else None
    authority = authority_of(data.municipality.kind, data.municipality.name)
    info = _info(data, letter_date)
    detail_problems, explained = _detail_problems(kind, details, letter_date)
    problems = _address_problems(case) + detail_problems
    if kind is LetterKind.GEBUEHRENBESCHEID:
        problems += _fee_problems(data, paid)
    chosen = _chosen_blocks(kind, decision, details, fee_cents, paid, data.blocks)
    problems += _contact_problems(chosen, info)
    values = _values(data, details, letter_date, fee_due, authority, info)
    try:
        filled = fill_blocks([(block_label(b.block), b.body) for b in chosen], values, explained)
    except TemplateError as exc:
        problems += exc.messages
    if problems:
        raise ValidationError(problems)
    sections = {b.block: _section(b.block, body, details) for b, body in zip(chosen, filled, strict=True)}
    remedy = data.remedy if rules.has_remedy(kind, decision, bool(details.conditions)) else None
    parts: list[Part] = [sections[b.block] for b in chosen if b.block != "schluss"]
    if kind is LetterKind.GEBUEHRENBESCHEID:
        parts.insert(1, _fee_block(data, fee_due, authority, paid))
    reported = _reported(data) if kind is LetterKind.EMPFANGSBESCHEINIGUNG else None
    if reported is not None:  # a receipt names what it certifies, like the copy of a GewA 1
        parts.insert(1, reported)
    if remedy is not None:
        address = (
            f"{data.office.address.street}, {data.office.address.postal_code} {data.office.address.city}"
        )
        parts.append(Section("Rechtsbehelfsbelehrung", remedy_instruction(remedy, authority, address)))
    if "schluss" in sections:
        parts.append(sections["schluss"])
    letter = Letter(
        kind=kind,
        sender=_sender(data, authority),
        recipient=Recipient(_recipient_lines(case)),
        info=info,
        subject=_subject(kind, _received(case), _procedure(data), _is_trade(data)),
        subject_detail=_subject_detail(kind, data),
        salutation=f"Guten Tag {letter_name(case['applicant_name'])},",
        parts=tuple(parts),
        signature=Signature(details.signature, data.clerk.display_name, "Im Auftrag"),
        title=f"{kind.label} {case['aktenzeichen']}",
        closing=f"Mit freundlichen Grüßen\n{authority.signing}",  # who issues it, the clerk signs i. A.
    )
    return Composition(letter, tuple(b.reference() for b in chosen), remedy, fee_due)


def letter_name(applicant_name: str) -> str:
    """A person stored as "Nachname, Vorname" is addressed as "Vorname Nachname"; organisations
    and names without exactly one comma stay as they are."""
    name = " ".join(applicant_name.split())
    family, comma, given = name.partition(",")
    if not comma or "," in given or not family.strip() or not given.strip() or _LEGAL_FORM.search(name):
        return name
    return f"{given.strip()} {family.strip()}"


# -- checks -----------------------------------------------------------------------------------
def _address_problems(case: dict[str, Any]) -> list[str]:
    missing = [
        label
        for label, key in (
            ("Name", "applicant_name"),
            ("Straße und Hausnummer", "applicant_street"),
            ("Postleitzahl", "applicant_postal_code"),
            ("Ort", "applicant_city"),
        )
        if not str(case[key] or "").strip()
    ]
    if not missing:
        return []
    return [missing_address_message(missing)]


def _detail_problems(
    kind: LetterKind, details: NoticeDetails, letter_date: dt.date
) -> tuple[list[str], set[str]]:
    """Problems with what the clerk entered, and the placeholders those messages already cover."""
    problems, explained = [], set()
    if kind is LetterKind.ANFORDERUNG_UNTERLAGEN:
        if not any(item.strip() for item in details.missing_documents):
            problems.append("Bitte geben Sie an, welche Unterlagen fehlen.")
            explained.add("unterlagen")
        if details.documents_due is not None and details.documents_due <= letter_date:
            problems.append(
                f"Die Frist für die Unterlagen ({format_date(details.documents_due)}) muss nach dem Datum "
                f"des Schreibens ({format_date(letter_date)}) liegen."
            )
    if any(not item.strip() for item in details.conditions):
        problems.append("Eine Nebenbestimmung ist leer; bitte füllen oder entfernen Sie sie.")
    return problems, explained


def _fee_problems(data: LetterData, paid: bool) -> list[str]:
    if data.service is None or int(data.case["fee_cents"] or 0) <= 0:
        return ["Für diesen Antrag ist keine Gebühr festgesetzt."]
    problems = []
    if not paid and (data.municipality.bank is None or not data.municipality.bank.iban):
        problems.append(
            "Für den Gebührenbescheid fehlt die Bankverbindung der Gemeinde (IBAN). Bitte lassen Sie "
            "sie von der Administration eintragen."
        )
    if not data.case["kassenzeichen"]:
        problems.append("Für den Gebührenbescheid fehlt das Kassenzeichen des Antrags.")
    return problems


# -- blocks and values ------------------------------------------------------------------------
def _contact_problems(chosen: list[ResolvedBlock], info: InfoBlock) -> list[str]:
    """A text that refers the reader to contact data needs contact data in the letter."""
    if info.phone.strip() or info.email.strip():
        return []
    if any(_REFERS_TO_CONTACT.search(b.body) for b in chosen):
        return [
            "Das Schreiben verweist auf Kontaktdaten, aber weder für Sie noch für die Behörde sind "
            "Telefon oder E-Mail eingetragen. Bitte lassen Sie sie von der Administration eintragen "
            "(Behörde und Kontaktdaten) oder ändern Sie den Textbaustein."
        ]
    return []


def _chosen_blocks(
    kind: LetterKind,
    decision: Decision | None,
    details: NoticeDetails,
    fee_cents: int,
    paid: bool,
    blocks: dict[str, ResolvedBlock],
) -> list[ResolvedBlock]:
    """The blocks this letter prints, in reading order; empty optional blocks are left out."""
    wanted = list(blocks)
    for paid_block, open_block in FEE_PAID_BLOCKS.items():
        if paid_block in wanted:  # the fee paid or still open: one of the two texts, never both
            wanted.remove(open_block if paid else paid_block)
    if fee_cents <= 0:
        wanted = [name for name in wanted if name not in ("kosten", "kosten_bezahlt")]
    if kind is LetterKind.BEWILLIGUNG:
        partial = decision is Decision.TEILWEISE_BEWILLIGT
        wanted.remove("tenor" if partial else "tenor_teilweise")
        if not details.conditions:
            wanted.remove("nebenbestimmungen")
        # § 39 Abs. 2 Nr. 1 HVwVfG: a full approval without conditions needs no reasons.
        if not details.reasons.strip() and not rules.reasons_required(
            kind, decision, bool(details.conditions)
        ):
            wanted.remove("begruendung")
    return [blocks[name] for name in wanted if blocks[name].body.strip() or name == "nebenbestimmungen"]


def _values(
    data: LetterData,
    details: NoticeDetails,
    letter_date: dt.date,
    fee_due: dt.date | None,
    authority: Authority,
    info: InfoBlock,
) -> dict[str, str]:
    case = data.case
    fee_cents = int(case["fee_cents"] or 0)
    # A payment without a day (a portal that sent none) was made when the application was sent.
    paid_day = paid_on(case.get("paid_at")) or _received(case)
    decision = Decision(case["decision"]) if case["decision"] else None
    items = [item.strip() for item in details.missing_documents if item.strip()]
    return {
        "antragsteller_name": letter_name(case["applicant_name"]),
        "anschrift": ", ".join(line for line in _recipient_lines(case)[1:] if line),
        "aktenzeichen": case["aktenzeichen"],
        "leistung": applied_for(data.service.name) if data.service else "",
        "eingangsdatum": format_date(_received(case)),
        "frist_unterlagen": format_date(details.documents_due) if details.documents_due else "",
        "unterlagen": "\n".join(f"– {item}" for item in items),
        "entscheidung": decision.label if decision else "",
        "begruendung": details.reasons.strip(),
        "rechtsgrundlage": data.service.legal_basis if data.service else "",
        "gebuehr": format_amount(fee_cents) if fee_cents > 0 else "",
        "kassenzeichen": case["kassenzeichen"] or "",
        "faellig_am": format_date(fee_due) if fee_due else "",
        "bezahlt_am": format_date(paid_day),
        "erreichbarkeit": _reachable(data.office, info),
        "datum": format_date(letter_date),
        "sachbearbeitung": data.clerk.display_name,
        "behoerde": f"{authority.organ} {authority.of}",
        "dienststelle": data.office.name,
    }


def _reported(data: LetterData) -> Section | None:
    """The answers of the Anzeige as "Label: Wert" lines in the service's order, dates German."""
    if data.service is None:
        return None
    form = json.loads(data.case["form_data"] or "{}")
    lines = [
        f"{spec.label}: {display_value(spec, str(form[spec.key]))}"
        for spec in data.service.specs
        if str(form.get(spec.key, "")).strip()
    ]
    if not lines:
        return None
    return Section("Angaben Ihrer Anzeige", Markup("<br/>").join(lines))


def _section(block: str, body: Markup, details: NoticeDetails) -> Section:
    if block == "nebenbestimmungen":
        numbered = tuple(escape(item.strip()) for item in details.conditions)
        return Section(_HEADINGS[block], body, numbered)
    return Section(_HEADINGS.get(block, ""), body)


# -- the letter's frame -----------------------------------------------------------------------
def _received(case: dict[str, Any]) -> dt.date:
    return local_date(parse_timestamp(case["received_at"]))


def _recipient_lines(case: dict[str, Any]) -> tuple[str, ...]:
    town = f"{case['applicant_postal_code']} {case['applicant_city']}".strip()
    return tuple(
        line for line in (letter_name(case["applicant_name"]), case["applicant_street"], town) if line
    )


def _sender(data: LetterData, authority: Authority) -> Sender:
    return letterhead(data.municipality, data.office, authority, data.logo_png)


def letterhead(m: Municipality, office: Office, authority: Authority, logo_png: bytes | None) -> Sender:
    """The town's letterhead and footer, the same on every letter (notices, loan documents)."""
    bank = m.bank if m.bank and m.bank.iban else None
    return Sender(
        authority=authority.letterhead,
        office=office.name,
        address=office.address,
        phone=m.phone,
        email=m.email,
        website=m.website,
        opening_hours=office.opening_hours,
        bank=bank,
        logo_png=logo_png,
    )


def _info(data: LetterData, letter_date: dt.date) -> InfoBlock:
    case, clerk = data.case, data.clerk
    return InfoBlock(
        our_reference=case["aktenzeichen"],
        date=letter_date,
        your_reference=case.get("sender_reference") or "",
        your_message_of=_received(case),
        contact=clerk.display_name,
        phone=clerk.phone or data.municipality.phone,
        email=clerk.email or data.municipality.email,
    )


def _reachable(office: Office, info: InfoBlock) -> str:
    """How the clerk is reached: the contact data of the information block when it prints any,
    else the office's address (a letter must not point to contact data it does not show)."""
    if info.phone.strip() or info.email.strip():
        return ABOVE
    address = office.address
    place = ", ".join(
        part
        for part in (
            office.name.strip(),
            address.street.strip(),
            f"{address.postal_code} {address.city}".strip(),
        )
        if part
    )
    return f"schriftlich oder persönlich: {place}" if place else "schriftlich oder persönlich"


def _procedure(data: LetterData) -> Procedure:
    return data.service.procedure if data.service else Procedure.GENEHMIGUNG


def _is_trade(data: LetterData) -> bool:
    return data.service is not None and data.service.leika_id in TRADE_NOTIFICATIONS


def _subject(kind: LetterKind, received: dt.date, procedure: Procedure, trade: bool = False) -> str:
    day = format_date(received)
    if procedure is Procedure.ANZEIGE:
        noun = "Gewerbeanzeige" if trade else "Anzeige"
        return {
            LetterKind.EMPFANGSBESCHEINIGUNG: f"Empfangsbescheinigung über Ihre {noun} vom {day}",
            LetterKind.ANFORDERUNG_UNTERLAGEN: f"Ihre {noun} vom {day}: Bitte reichen Sie Unterlagen nach",
        }.get(kind, f"{kind.label} zu Ihrer {noun} vom {day}")
    return {
        LetterKind.EINGANGSBESTAETIGUNG: f"Eingangsbestätigung zu Ihrem Antrag vom {day}",
        LetterKind.ANFORDERUNG_UNTERLAGEN: f"Ihr Antrag vom {day}: Bitte reichen Sie Unterlagen nach",
        LetterKind.BEWILLIGUNG: f"Bescheid über Ihren Antrag vom {day}",
        LetterKind.ABLEHNUNG: f"Bescheid über Ihren Antrag vom {day}",
        LetterKind.GEBUEHRENBESCHEID: f"Gebührenbescheid zu Ihrem Antrag vom {day}",
    }.get(kind, f"{kind.label} zu Ihrem Antrag vom {day}")


def _subject_detail(kind: LetterKind, data: LetterData) -> str:
    service = data.service.name if data.service else ""
    if kind is LetterKind.GEBUEHRENBESCHEID:
        return f"{service} – Kassenzeichen {data.case['kassenzeichen']}"
    return service


def _fee_block(data: LetterData, due: dt.date | None, authority: Authority, paid: bool) -> FeeBlock:
    """§ 14 HVwKostG: debtor, chargeable act, amount with legal basis and calculation, due date,
    Kassenzeichen, payee and account, Verwendungszweck. A paid fee is stated as paid: no request,
    no account, no GiroCode."""
    case, service = data.case, data.service
    bank = data.municipality.bank
    assert service is not None and (paid or bank is not None)  # _fee_problems refused it otherwise
    fee_cents = int(case["fee_cents"])
    kassenzeichen, aktenzeichen = case["kassenzeichen"], case["aktenzeichen"]
    what = "Ihrer Anzeige" if service.is_notification else "Ihres Antrags"
    common = {
        "debtor": ", ".join(_recipient_lines(case)),
        "chargeable_act": (
            f"Bearbeitung {what} »{service.name}« vom {format_date(_received(case))} "
            f"(Aktenzeichen {aktenzeichen})"
        ),
        "items": (FeeItem(service.name, service.legal_basis, _calculation(service, fee_cents), fee_cents),),
        "kassenzeichen": kassenzeichen,
        "payee": authority.title,
        "purpose": f"{kassenzeichen} {aktenzeichen}"[:140],
    }
    if paid:
        day = paid_on(case.get("paid_at")) or _received(case)
        account = BankAccount(bank.bank_name, bank.iban, bank.bic) if bank else BankAccount("", "", "")
        return PaidFeeBlock(
            **common, due_date=day, bank=account, with_qr_code=False, paid_on=day,
            paid_cents=case.get("paid_cents"),
        )  # fmt: skip
    assert bank is not None and due is not None
    return FeeBlock(**common, due_date=due, bank=BankAccount(bank.bank_name, bank.iban, bank.bic))


def _calculation(service: Service, fee_cents: int) -> str:
    rule = service.fee_rule
    if rule.per_unit and rule.amount_cents > 0 and fee_cents % rule.amount_cents == 0:
        return f"{fee_cents // rule.amount_cents} × {format_amount(rule.amount_cents)} je {rule.per_unit}"
    if fee_cents == rule.amount_cents:
        return "Festgebühr nach der Gebührenordnung"
    return "im Einzelfall festgesetzter Betrag"


def details_json(details: NoticeDetails) -> str:
    return json.dumps(details.to_dict(), ensure_ascii=False, sort_keys=True)
