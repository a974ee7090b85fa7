"""First start: register the municipality, the office and the first clerk."""

from __future__ import annotations

import sqlite3
import uuid

from kommune_desk.domain.catalogue import STANDARD_SERVICES
from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.records import (
    Address,
    Clerk,
    Municipality,
    MunicipalityKind,
    Office,
    Role,
    kind_in_name,
)
from kommune_desk.domain.validation import SetupInput, ValidationError, validate_setup
from kommune_desk.storage import reference
from kommune_desk.storage.database import Database
from kommune_desk.storage.outbox import municipality_scope

from .changes import Actor, record_change
from .workspace import LOCAL_OFFICE_KEY


def set_up_office(db: Database, data: SetupInput) -> str:
    """Create municipality, office, clerk and the standard service catalogue; return the office id.

    Raises ValidationError (German messages) for bad input, and refuses a database that
    is already set up; in both cases nothing is written.
    """
    validate_setup(data)
    at = utc_now_iso()
    # A Stadt's authority is the Magistrat, a Gemeinde's the Gemeindevorstand (HGO): the kind comes
    # from the choice, else from the name ("Stadt Teststadt"), else it is a Gemeinde.
    kind = data.kind or kind_in_name(data.municipality_name) or "gemeinde"
    municipality = Municipality(
        id=uuid7(),
        ags=data.ags.strip(),
        name=data.municipality_name.strip(),
        kind=MunicipalityKind(kind),
        address=Address(data.street.strip(), data.postal_code.strip(), data.city.strip()),
        phone=" ".join(data.phone.split()),
        email=data.email.strip(),
    )
    office = Office(
        id=uuid7(),
        municipality_id=municipality.id,
        name=data.office_name.strip(),
        code=data.office_code.strip().upper(),
        address=municipality.address,
    )
    clerk = Clerk(
        id=uuid7(),
        municipality_id=municipality.id,
        office_id=office.id,
        os_login=data.os_login.strip(),
        display_name=data.clerk_name.strip(),
        role=Role(data.role),
    )
    with db.write() as conn:
        if reference.get_setting(conn, LOCAL_OFFICE_KEY) is not None:
            raise ValidationError(["Diese Datenbank ist bereits eingerichtet."])
        reference.insert_municipality(conn, municipality, at)
        reference.insert_office(conn, office, at)
        reference.insert_clerk(conn, clerk, at)
        insert_standard_services(conn, municipality.id, at)
        reference.set_setting(conn, LOCAL_OFFICE_KEY, office.id)
        record_change(
            conn,
            Actor(clerk.id, municipality.id),
            at=at,
            mutation="register_office",
            scope=municipality_scope(municipality.id),
            args={
                "municipality_id": municipality.id,
                "ags": municipality.ags,
                "office_id": office.id,
                "office_code": office.code,
                "clerk_id": clerk.id,
            },
            entity="office",
            entity_id=office.id,
            action="eingerichtet",
            changes={"name": [None, office.name], "code": [None, office.code]},
        )
    return office.id


def insert_standard_services(conn: sqlite3.Connection, municipality_id: str, at: str) -> None:
    """The standard service catalogue for a municipality (in the caller's transaction).

    Ids and timestamps follow from the municipality and the service alone, so two workstations
    that set up the same new municipality at once write identical rows (a no-op for the server).
    """
    for entry in STANDARD_SERVICES:
        service = entry.service(
            str(uuid.uuid5(uuid.NAMESPACE_URL, f"kommune-desk:service:{municipality_id}:{entry.leika_id}")),
            municipality_id,
        )
        reference.insert_service(conn, service, at)
