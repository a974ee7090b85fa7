"""The authority's own data after the first start: Stadt or Gemeinde (the Magistrat or the
Gemeindevorstand issues the letters), name, phone, e-mail and the office's address.

Teamleitung and Administration may change them; every change is one transaction with its outbox
mutation and audit entry, and the next letter prints the new data (letters read them afresh).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kommune_desk.domain.authority import AuthorityData, authority_problems, bare_name
from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.domain.records import Address, MunicipalityKind, Role
from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage import reference
from kommune_desk.storage.outbox import municipality_scope

from .changes import Actor, record_change
from .workflow import current_actor
from .workspace import Workspace

EDITORS = frozenset({Role.TEAMLEITUNG, Role.ADMINISTRATION})
LABELS = {
    "kind": "Art",
    "name": "Name",
    "phone": "Telefon",
    "email": "E-Mail",
    "street": "Straße und Hausnummer",
    "postal_code": "Postleitzahl",
    "city": "Ort",
}


class AuthorityError(ValidationError):
    """Faulty entries; ``errors`` maps each field to its German message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__([f"{LABELS.get(key, key)}: {message}" for key, message in errors.items()])
        self.errors = errors


def may_edit(ws: Workspace) -> bool:
    return ws.clerk is not None and ws.clerk.role in EDITORS


def authority_settings(ws: Workspace) -> AuthorityData:
    """The data as stored now (the name without "Stadt"/"Gemeinde")."""
    conn = ws.db.reader()
    try:
        municipality = reference.get_municipality(conn, ws.municipality.id) or ws.municipality
        office = reference.get_office(conn, ws.office.id) or ws.office
    finally:
        conn.close()
    kind = municipality.kind.value
    return AuthorityData(
        kind=kind,
        name=bare_name(kind, municipality.name),
        phone=municipality.phone,
        email=municipality.email,
        street=office.address.street,
        postal_code=office.address.postal_code,
        city=office.address.city,
    )


def set_authority(ws: Workspace, data: AuthorityData) -> bool:
    """Store the authority's data; return False when nothing changed (nothing is written then).

    Raises AuthorityError naming each faulty field, ValidationError for a clerk who may not."""
    actor = current_actor(ws)
    if actor.role not in EDITORS:
        raise ValidationError(
            ["Behörde und Kontaktdaten ändern dürfen nur die Teamleitung und die Administration."]
        )
    problems = authority_problems(data)
    if problems:
        raise AuthorityError(problems)
    clean = AuthorityData(
        kind=data.kind,
        name=bare_name(data.kind, data.name),
        phone=" ".join(data.phone.split()),
        email=data.email.strip(),
        street=" ".join(data.street.split()),
        postal_code=data.postal_code.strip(),
        city=" ".join(data.city.split()),
    )
    at = utc_now_iso()
    with ws.db.write() as conn:
        municipality = reference.get_municipality(conn, ws.municipality.id)
        office = reference.get_office(conn, ws.office.id)
        if municipality is None or office is None:
            raise ValidationError(["Die Gemeinde dieses Arbeitsplatzes ist nicht (mehr) eingerichtet."])
        before = _as_data(municipality.kind.value, municipality.name, municipality.phone, municipality.email,
                          office.address)  # fmt: skip
        changes: dict[str, Any] = {
            key: [getattr(before, key), getattr(clean, key)]
            for key in LABELS
            if getattr(before, key) != getattr(clean, key)
        }
        if not changes:
            return False
        address = Address(clean.street, clean.postal_code, clean.city)
        # The town's own address follows the office's while both were the same (as first start sets them).
        town_address = address if municipality.address == office.address else municipality.address
        updated = replace(
            municipality,
            kind=MunicipalityKind(clean.kind),
            name=clean.name,
            phone=clean.phone,
            email=clean.email,
            address=town_address,
        )
        reference.update_municipality_contact(conn, updated, at)
        reference.update_office_address(conn, office.id, address, at)
        record_change(
            conn,
            Actor(actor.clerk_id, ws.municipality.id),
            at=at,
            mutation="set_authority",
            scope=municipality_scope(ws.municipality.id),
            args={"id": ws.municipality.id, "office_id": office.id, **{k: v[1] for k, v in changes.items()}},
            entity="municipality",
            entity_id=ws.municipality.id,
            action="behoerde_geaendert",
            changes=changes,
        )
    return True


def _as_data(kind: str, name: str, phone: str, email: str, address: Address) -> AuthorityData:
    return AuthorityData(
        kind, bare_name(kind, name), phone, email, address.street, address.postal_code, address.city
    )
