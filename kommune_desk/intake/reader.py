"""read_submission: a decrypted FIT-Connect submission (folder or ZIP) → verified Submission."""

from __future__ import annotations

import re
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from kommune_desk.intake.errors import SubmissionRejected
from kommune_desk.intake.fachdaten import parse_fachdaten
from kommune_desk.intake.limits import FIT_CONNECT_LIMITS, IntakeLimits, format_size
from kommune_desk.intake.metadata import parse_metadata, submission_key
from kommune_desk.intake.model import Applicant, Payment, StagedFile, Submission
from kommune_desk.intake.names import display_name
from kommune_desk.intake.source import SubmissionSource, open_source
from kommune_desk.intake.staging import StagedCopy, Staging

METADATA_FILE = "metadata.json"
DATA_FILES = {"application/json": "data.json", "application/xml": "data.xml"}
LEIKA_PREFIX = "urn:de:fim:leika:leistung:"
# The schema asks for a UUID; this also holds if it ever did not, because the id is a file name.
_SAFE_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
_INT64_LIMIT = 2**63  # SQLite INTEGER; the schema sets no upper bound for grossAmount


def looks_like_submission(path: Path) -> bool:
    """Cheap test for the drop folder and drag & drop: a folder with metadata.json, or a
    ``*.zip`` file. read_submission does the real checks."""
    try:
        if path.is_dir():
            return (path / METADATA_FILE).is_file()
        return path.suffix.lower() == ".zip" and path.is_file()
    except OSError:
        return False


def read_submission(path: Path, staging_dir: Path, limits: IntakeLimits = FIT_CONNECT_LIMITS) -> Submission:
    """Read, verify and stage the submission at ``path`` (a folder or a ZIP file).

    Raises ``SubmissionRejected`` with a German reason for anything it will not import; then
    every file it staged is removed again. It writes only inside ``staging_dir`` (created if
    missing) and never modifies ``path``. The caller moves the staged files into the content
    store (same file system) and deletes ``staging_dir``. An ``OSError`` while *writing* the
    staged copies (disk full) is not the submission's fault and propagates unchanged.
    """
    with open_source(path, limits) as source:
        staging = Staging(staging_dir)
        try:
            return _read(source, staging, limits, path)
        except BaseException:
            staging.discard()
            raise


def _read(source: SubmissionSource, staging: Staging, limits: IntakeLimits, path: Path) -> Submission:
    metadata_size = source.size(METADATA_FILE, METADATA_FILE)
    if metadata_size is None:
        raise SubmissionRejected("Die Einreichung enthält keine metadata.json.")
    if metadata_size > limits.max_metadata_bytes:
        raise SubmissionRejected(
            f"metadata.json ist größer als erlaubt ({format_size(limits.max_metadata_bytes)})."
        )
    metadata = parse_metadata(b"".join(source.chunks(METADATA_FILE)), limits)
    content: dict[str, Any] = metadata["contentStructure"]
    data: dict[str, Any] | None = content.get("data")
    attachments: list[dict[str, Any]] = content["attachments"]

    # Everything that can be checked without reading content is checked first, so a
    # submission with a missing last attachment fails before 2 GB are copied.
    total = metadata_size
    data_file = None
    if data is not None:
        data_file = DATA_FILES[data["submissionSchema"]["mimeType"]]
        total += _declared_data_size(source, data_file, limits)
    total += _declared_attachment_sizes(source, attachments, limits)
    if total > limits.max_submission_bytes:
        limit = format_size(limits.max_submission_bytes)
        raise SubmissionRejected(f"Die Einreichung ist größer als erlaubt ({limit} je Einreichung).")

    files: list[StagedFile] = []
    applicant = Applicant(name="")  # no Fachdaten: nobody named, the caller files it under Klärung
    form_data: dict[str, str] = {}
    if data is not None and data_file is not None:
        media_type = data["submissionSchema"]["mimeType"]
        staged = _stage(source, staging, data_file, data["hash"]["content"], f"der Fachdaten ({data_file})")
        applicant, form_data = parse_fachdaten(staged.path.read_bytes(), media_type, limits)
        files.append(
            StagedFile(
                None, "data", media_type, data_file, "Fachdaten", staged.size, staged.sha256, staged.path
            )
        )
    for number, attachment in enumerate(attachments, start=1):
        staged = _stage(
            source, staging, attachment["attachmentId"], attachment["hash"]["content"], f"der Anlage {number}"
        )
        files.append(
            StagedFile(
                attachment_id=attachment["attachmentId"],
                purpose=attachment["purpose"],
                media_type=attachment["mimeType"],
                display_name=display_name(attachment.get("filename", ""), fallback=f"Anlage {number}"),
                description=attachment.get("description", ""),
                size_bytes=staged.size,
                sha256=staged.sha256,
                path=staged.path,
            )
        )
    return _submission(metadata, path, applicant, form_data, tuple(files))


def _declared_data_size(source: SubmissionSource, data_file: str, limits: IntakeLimits) -> int:
    size = source.size(data_file, f"Die Fachdaten ({data_file})")
    if size is None:
        raise SubmissionRejected(f"Die Fachdaten ({data_file}) fehlen in der Einreichung.")
    if size > limits.max_data_bytes:
        raise SubmissionRejected(
            f"Die Fachdaten ({data_file}) sind größer als erlaubt ({format_size(limits.max_data_bytes)})."
        )
    return size


def _declared_attachment_sizes(
    source: SubmissionSource, attachments: list[dict[str, Any]], limits: IntakeLimits
) -> int:
    if len(attachments) > limits.max_attachments:
        raise SubmissionRejected(f"Die Einreichung hat mehr Anlagen als erlaubt ({limits.max_attachments}).")
    total = 0
    seen: set[str] = set()
    for number, attachment in enumerate(attachments, start=1):
        attachment_id = attachment["attachmentId"]
        if not _SAFE_ID.fullmatch(attachment_id):
            raise SubmissionRejected(f"Die attachmentId der Anlage {number} ist als Dateiname ungeeignet.")
        # Case-insensitively, because on Windows both ids would name the same file.
        if attachment_id.lower() in seen:
            raise SubmissionRejected(
                f"Die Metadaten nennen die Anlage {number} doppelt (gleiche attachmentId)."
            )
        seen.add(attachment_id.lower())
        size = source.size(attachment_id, f"Die Anlage {number}")
        if size is None:
            raise SubmissionRejected(f"Die Anlage {number} fehlt in der Einreichung.")
        if size > limits.max_attachment_bytes:
            limit = format_size(limits.max_attachment_bytes)
            raise SubmissionRejected(f"Die Anlage {number} ist größer als erlaubt ({limit} je Anlage).")
        total += size
    return total


def _stage(source: SubmissionSource, staging: Staging, name: str, sha512: str, label: str) -> StagedCopy:
    """Copy, verify against the declared SHA-512, and keep under the SHA-256 name."""
    copy = staging.copy(source.chunks(name))
    if copy.sha512 != sha512:
        raise SubmissionRejected(
            f"Die Prüfsumme (SHA-512) {label} stimmt nicht: die Datei wurde verändert oder ist beschädigt."
        )
    return replace(copy, path=staging.keep(copy))


def _submission(
    metadata: dict[str, Any],
    path: Path,
    applicant: Applicant,
    form_data: dict[str, str],
    files: tuple[StagedFile, ...],
) -> Submission:
    service = metadata.get("publicServiceType", {})
    identifier: str | None = service.get("identifier")
    leika_id = None
    if identifier is not None and identifier.startswith(LEIKA_PREFIX):
        digits = identifier[len(LEIKA_PREFIX) :]
        leika_id = digits if re.fullmatch(r"[0-9]+", digits) else None
    reference = metadata.get("additionalReferenceInfo", {})
    return Submission(
        key=submission_key(metadata),
        source_name=display_name(path.name, fallback="Einreichung"),
        service_identifier=identifier,
        leika_id=leika_id,
        service_name=service.get("name", ""),
        applicant=applicant,
        form_data=form_data,
        payment=_payment(metadata.get("paymentInformation")),
        application_date=reference.get("applicationDate"),
        sender_reference=reference.get("senderReference"),
        reply_email=metadata.get("replyChannel", {}).get("eMail", {}).get("address"),
        files=files,
        schema_uri=metadata.get("contentStructure", {})
        .get("data", {})
        .get("submissionSchema", {})
        .get("schemaUri", ""),
    )


def _payment(info: dict[str, Any] | None) -> Payment | None:
    if info is None:
        return None
    amount = info.get("grossAmount")
    # The schema guarantees a multiple of 0.01; repr → Fraction is exact, float * 100 is not.
    cents = None if amount is None else int(Fraction(repr(amount)) * 100)
    if cents is not None and cents >= _INT64_LIMIT:
        raise SubmissionRejected("Der Betrag in den Zahlungsinformationen ist größer als darstellbar.")
    return Payment(
        method=info["paymentMethod"],
        status=info["status"],
        amount_cents=cents,
        reference=info["transactionReference"],
        transaction_id=info["transactionId"],
        paid_at=info.get("transactionTimestamp"),
    )
