"""What the intake hands to the caller: plain frozen values, no storage or Qt types."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Applicant:
    """The applicant as named in the Fachdaten; ``name`` is empty when they name nobody."""

    name: str
    street: str = ""
    postal_code: str = ""
    city: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Payment:
    """``paymentInformation`` of the metadata, with FIT-Connect's enum values unchanged."""

    method: str  # e.g. "CREDITCARD"
    status: str  # "INITIAL" | "BOOKED" | "FAILED" | "CANCELED"
    amount_cents: int | None
    reference: str
    transaction_id: str
    paid_at: str | None  # ISO timestamp as given


@dataclass(frozen=True)
class StagedFile:
    """A verified file, already copied into the staging directory."""

    attachment_id: str | None  # None for the Fachdaten file itself
    purpose: str  # "form" | "attachment" | "report" | "data" (the Fachdaten original)
    media_type: str
    display_name: str  # sanitised, display only, never used as a path
    description: str
    size_bytes: int
    sha256: str  # our content store is SHA-256 addressed
    path: Path  # the staged copy inside staging_dir, named by its SHA-256


@dataclass(frozen=True)
class Submission:
    """One verified FIT-Connect submission, ready to become an Antrag."""

    key: str  # SHA-256 over the canonical metadata JSON: the same submission twice has one key
    source_name: str  # file or folder name, sanitised for display
    service_identifier: str | None  # publicServiceType.identifier
    leika_id: str | None  # digits after "urn:de:fim:leika:leistung:"
    service_name: str  # publicServiceType.name or ""
    applicant: Applicant
    form_data: dict[str, str]  # flat and ordered: key → display text
    payment: Payment | None
    application_date: str | None  # additionalReferenceInfo.applicationDate
    sender_reference: str | None
    reply_email: str | None  # replyChannel.eMail.address
    files: tuple[StagedFile, ...]  # the Fachdaten original first, then attachments in metadata order
    schema_uri: str = ""  # contentStructure.data.submissionSchema.schemaUri: labels the Fachdaten
