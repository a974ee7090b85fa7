"""Records and enumerations shared by every layer.

Enum values are the stable identifiers stored in the database and sent over sync;
``label`` is what a clerk reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # form_checks imports validation, which imports this module
    from .form_checks import FieldSpec


class Role(StrEnum):
    """A clerk's role; Teamleitung may approve drafts, Administration configures."""

    SACHBEARBEITUNG = "sachbearbeitung"
    TEAMLEITUNG = "teamleitung"
    ADMINISTRATION = "administration"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.SACHBEARBEITUNG: "Sachbearbeitung",
    Role.TEAMLEITUNG: "Teamleitung",
    Role.ADMINISTRATION: "Administration",
}


class ApplicationStatus(StrEnum):
    """States of an application (Antrag); transitions come with the workflow issue."""

    EINGEGANGEN = "eingegangen"
    KLAERUNG = "klaerung"
    IN_BEARBEITUNG = "in_bearbeitung"
    WARTET_AUF_UNTERLAGEN = "wartet_auf_unterlagen"
    ENTSCHEIDUNG_ENTWORFEN = "entscheidung_entworfen"
    FREIGEGEBEN = "freigegeben"
    BESCHEID_VERSANDT = "bescheid_versandt"
    ABGESCHLOSSEN = "abgeschlossen"
    ZURUECKGEZOGEN = "zurueckgezogen"
    WEITERGELEITET = "weitergeleitet"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        """Whether the case still needs work, so its deadline matters."""
        return self not in _CLOSED_STATUSES


_STATUS_LABELS = {
    ApplicationStatus.EINGEGANGEN: "Eingegangen",
    ApplicationStatus.KLAERUNG: "Klärung",
    ApplicationStatus.IN_BEARBEITUNG: "In Bearbeitung",
    ApplicationStatus.WARTET_AUF_UNTERLAGEN: "Wartet auf Unterlagen",
    ApplicationStatus.ENTSCHEIDUNG_ENTWORFEN: "Entscheidung entworfen",
    ApplicationStatus.FREIGEGEBEN: "Freigegeben",
    ApplicationStatus.BESCHEID_VERSANDT: "Bescheid versandt",
    ApplicationStatus.ABGESCHLOSSEN: "Abgeschlossen",
    ApplicationStatus.ZURUECKGEZOGEN: "Zurückgezogen",
    ApplicationStatus.WEITERGELEITET: "Weitergeleitet",
}
_CLOSED_STATUSES = frozenset(
    {
        ApplicationStatus.BESCHEID_VERSANDT,
        ApplicationStatus.ABGESCHLOSSEN,
        ApplicationStatus.ZURUECKGEZOGEN,
        ApplicationStatus.WEITERGELEITET,
    }
)

# A case's processing time ends when its notice was sent or, without one, when it was closed.
COMPLETED = frozenset({ApplicationStatus.BESCHEID_VERSANDT, ApplicationStatus.ABGESCHLOSSEN})


class Channel(StrEnum):
    """How an application reached the office."""

    FIT_CONNECT = "fit_connect"
    DATEI = "datei"
    PAPIER = "papier"
    SCHALTER = "schalter"
    EMAIL = "email"

    @property
    def label(self) -> str:
        return {
            Channel.FIT_CONNECT: "Online (FIT-Connect)",
            Channel.DATEI: "Datei",
            Channel.PAPIER: "Papier",
            Channel.SCHALTER: "Schalter",
            Channel.EMAIL: "E-Mail",
        }[self]


class MunicipalityKind(StrEnum):
    GEMEINDE = "gemeinde"
    STADT = "stadt"
    KREIS = "kreis"


_PREFIXES = (("Landkreis ", "kreis"), ("Kreis ", "kreis"), ("Stadt ", "stadt"), ("Gemeinde ", "gemeinde"))


def kind_in_name(name: str) -> str | None:
    """The kind a name names itself by ("Stadt Mörfelden-Walldorf" → "stadt"), or None."""
    stripped = name.strip()
    return next((kind for prefix, kind in _PREFIXES if stripped.startswith(prefix)), None)


@dataclass(frozen=True)
class Address:
    street: str
    postal_code: str
    city: str


@dataclass(frozen=True)
class BankAccount:
    bank_name: str
    iban: str
    bic: str


@dataclass(frozen=True)
class Municipality:
    """A Gemeinde, Stadt or the Kreis: the tenant that owns applications."""

    id: str
    ags: str
    name: str
    kind: MunicipalityKind
    address: Address
    phone: str = ""
    email: str = ""
    website: str = ""
    bank: BankAccount | None = None
    logo_sha256: str | None = None


@dataclass(frozen=True)
class Office:
    """A Dienststelle of a municipality; its code prefixes every Aktenzeichen it issues."""

    id: str
    municipality_id: str
    name: str
    code: str
    address: Address
    opening_hours: str = ""


@dataclass(frozen=True)
class Clerk:
    """A member of staff, identified by the OS login they sign in to Windows with."""

    id: str
    municipality_id: str
    office_id: str
    os_login: str
    display_name: str
    role: Role
    email: str = ""
    phone: str = ""
    pool_manager: bool = False  # runs the shared equipment pool for all partners


@dataclass(frozen=True)
class FeeRule:
    """A fee: a fixed amount, or an amount per unit (e.g. per dog, per day of use)."""

    amount_cents: int
    per_unit: str | None = None

    def fee_cents(self, units: int = 1) -> int:
        if self.per_unit is None:
            return self.amount_cents
        return self.amount_cents * max(units, 0)

    def to_dict(self) -> dict[str, object]:
        return {"amount_cents": self.amount_cents, "per_unit": self.per_unit}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> FeeRule:
        per_unit = data.get("per_unit")
        return cls(
            amount_cents=int(str(data.get("amount_cents", 0))), per_unit=str(per_unit) if per_unit else None
        )


class Procedure(StrEnum):
    """What the office does with a service's requests: decide on an application (a Bescheid:
    Bewilligung or Ablehnung) or receive a notification (Anzeige, e.g. § 14 GewO), whose receipt
    it certifies (§ 15 Abs. 1 GewO) and which it does not approve."""

    GENEHMIGUNG = "genehmigung"
    ANZEIGE = "anzeige"

    @property
    def label(self) -> str:
        return {"genehmigung": "Antrag (Bescheid)", "anzeige": "Anzeige (Empfangsbescheinigung)"}[self.value]


@dataclass(frozen=True)
class Service:
    """A Leistung a municipality offers, identified nationwide by its LeiKa key.

    ``form_fields`` are the form's (key, label) pairs; ``field_specs`` the same fields typed
    (date, number, Pflichtangabe …). Code that only needs labels keeps using ``form_fields``;
    checks use ``specs``, which are plain text fields when no types are known.
    """

    id: str
    municipality_id: str
    leika_id: str
    name: str
    processing_days: int
    fee_rule: FeeRule
    four_eyes: bool
    legal_basis: str = ""
    form_fields: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    field_specs: tuple[FieldSpec, ...] = field(default_factory=tuple)
    procedure: Procedure = Procedure.GENEHMIGUNG

    def __post_init__(self) -> None:
        # One source of truth: given typed fields, the pairs follow from them.
        if self.field_specs and not self.form_fields:
            object.__setattr__(self, "form_fields", tuple((s.key, s.label) for s in self.field_specs))

    @property
    def specs(self) -> tuple[FieldSpec, ...]:
        """The typed fields, or the pairs as optional text fields."""
        from .form_checks import FieldSpec

        return self.field_specs or tuple(FieldSpec(key, label) for key, label in self.form_fields)

    @property
    def is_notification(self) -> bool:
        """An Anzeige: the office certifies receipt instead of deciding."""
        return self.procedure is Procedure.ANZEIGE


@dataclass(frozen=True)
class InboxRow:
    """One line of the Posteingang."""

    id: str
    aktenzeichen: str
    received_at: dt.datetime
    service_name: str
    applicant_name: str
    status: ApplicationStatus
    due_date: dt.date | None
    paused_days: int | None = None  # days left while the clock rests (waiting for documents)
    assignee_name: str = ""
    follow_up_on: dt.date | None = None
