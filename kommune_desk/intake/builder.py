"""Writes valid FIT-Connect submissions for tests, the demo and benchmarks.

The output is deterministic (attachment ids derive from the content), so the same arguments
give the same metadata and therefore the same idempotency key, folder or ZIP alike.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal
from xml.etree import ElementTree

DEFAULT_APPLICANT: Mapping[str, str] = {
    "vorname": "Erika",
    "nachname": "Mustermann",
    "strasse": "Heidestraße",
    "hausnummer": "17",
    "plz": "64569",
    "ort": "Nauheim",
    "email": "erika.mustermann@example.org",
    "telefon": "06152 123456",
}
DEFAULT_FORM: Mapping[str, Any] = {"hund_name": "Bello", "rasse": "Dackel", "haltung_seit": "2026-11-01"}
DEFAULT_ATTACHMENTS: Sequence[tuple[str, bytes, str]] = (
    ("Antrag.pdf", b"%PDF-1.7\n% Antragsformular\n%%EOF\n", "application/pdf"),
)
SCHEMA_URI = "urn:kommune-desk:fachdaten:1.0"

Attachment = tuple[str, bytes, str] | tuple[str, bytes, str, str]


def write_submission(
    target: Path,
    *,
    as_zip: bool = False,
    zip_root: str | None = None,
    leika_id: str | None = "99108008001000",
    service_identifier: str | None = None,
    service_name: str = "Hundesteuer – Anmeldung",
    applicant: Mapping[str, Any] | None = None,
    form: Mapping[str, Any] | None = None,
    extra_data: Mapping[str, Any] | None = None,
    attachments: Sequence[Attachment] = DEFAULT_ATTACHMENTS,
    payment: Mapping[str, Any] | None = None,
    data_format: Literal["json", "xml"] | None = "json",
    data_bytes: bytes | None = None,
    application_date: str | None = "2026-11-20",
    sender_reference: str | None = None,
    reply_email: str | None = None,
    schema_uri: str = SCHEMA_URI,
) -> Path:
    """Write a valid submission folder at ``target`` (or a ZIP file there, ``as_zip``) with
    correct SHA-512 hashes and return ``target``.

    ``attachments`` are ``(filename, content, mime type[, purpose])``; ``payment`` is a
    FIT-Connect ``paymentInformation`` object; ``data_format=None`` leaves out the Fachdaten;
    ``data_bytes`` replaces the generated Fachdaten (hashed correctly, so a test reaches the
    Fachdaten parser with hostile content, or FIM-keyed Fachdaten named by ``schema_uri``);
    ``zip_root`` puts every ZIP entry into one folder.
    """
    files: dict[str, bytes] = {}
    content: dict[str, Any] = {"attachments": []}
    if data_format is not None:
        fachdaten = {
            "antragsteller": dict(DEFAULT_APPLICANT if applicant is None else applicant),
            "angaben": dict(DEFAULT_FORM if form is None else form),
            **(extra_data or {}),
        }
        raw = data_bytes if data_bytes is not None else _serialise(fachdaten, data_format)
        files[f"data.{data_format}"] = raw
        content["data"] = {
            "hash": {"type": "sha512", "content": hashlib.sha512(raw).hexdigest()},
            "submissionSchema": {"schemaUri": schema_uri, "mimeType": f"application/{data_format}"},
        }
    for index, (filename, data, mime, *purpose) in enumerate(attachments):
        attachment_id = _attachment_id(index, data)
        files[attachment_id] = data
        content["attachments"].append(
            {
                "hash": {"type": "sha512", "content": hashlib.sha512(data).hexdigest()},
                "purpose": purpose[0] if purpose else "attachment",
                "filename": filename,
                "mimeType": mime,
                "attachmentId": attachment_id,
            }
        )
    metadata = _metadata(
        content,
        leika_id,
        service_identifier,
        service_name,
        payment,
        application_date,
        sender_reference,
        reply_email,
    )
    files = {"metadata.json": json.dumps(metadata, ensure_ascii=False, indent=2).encode(), **files}
    if as_zip:
        prefix = f"{zip_root}/" if zip_root else ""
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                archive.writestr(prefix + name, data)
    else:
        target.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (target / name).write_bytes(data)
    return target


def _metadata(
    content: dict[str, Any],
    leika_id: str | None,
    service_identifier: str | None,
    service_name: str,
    payment: Mapping[str, Any] | None,
    application_date: str | None,
    sender_reference: str | None,
    reply_email: str | None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"contentStructure": content}
    identifier = service_identifier or (f"urn:de:fim:leika:leistung:{leika_id}" if leika_id else None)
    if identifier:
        metadata["publicServiceType"] = {"identifier": identifier, "name": service_name}
    if payment is not None:
        metadata["paymentInformation"] = dict(payment)
    reference = {"applicationDate": application_date, "senderReference": sender_reference}
    if any(reference.values()):
        metadata["additionalReferenceInfo"] = {key: value for key, value in reference.items() if value}
    if reply_email:
        metadata["replyChannel"] = {"eMail": {"address": reply_email}}
    return metadata


def _attachment_id(index: int, content: bytes) -> str:
    digest = hashlib.sha256(index.to_bytes(4, "big") + content).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _serialise(fachdaten: dict[str, Any], data_format: Literal["json", "xml"]) -> bytes:
    if data_format == "json":
        return json.dumps(fachdaten, ensure_ascii=False, indent=2).encode()
    root = ElementTree.Element("antrag")
    _append(root, fachdaten)
    xml: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


def _append(parent: ElementTree.Element, members: Mapping[str, Any]) -> None:
    for key, value in members.items():
        for item in value if isinstance(value, list) else [value]:  # a list repeats the element
            element = ElementTree.SubElement(parent, key)
            if isinstance(item, Mapping):
                _append(element, item)
            elif isinstance(item, bool):
                element.text = "ja" if item else "nein"
            elif item is not None:
                element.text = str(item)
