"""Register an application that arrived on paper, at the counter or by e-mail."""

from __future__ import annotations

import datetime as dt
import json

from kommune_desk.domain.aktenzeichen import format_aktenzeichen
from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.deadlines import legal_deadline
from kommune_desk.domain.formatting import local_date, utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.records import ApplicationStatus
from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage import applications as repo
from kommune_desk.storage import reference
from kommune_desk.storage.outbox import municipality_scope

from .changes import Actor, record_change
from .workspace import Workspace


def register_application(ws: Workspace, new: NewApplication) -> str:
    """Store a new application with its Aktenzeichen and deadline; return its id."""
    new.validate()
    at = utc_now_iso()
    municipality_id = ws.municipality.id
    with ws.db.write() as conn:
        service = next(
            (s for s in reference.list_services(conn, municipality_id) if s.id == new.service_id),
            None,
        )
        if service is None:
            raise ValidationError(["Die gewählte Leistung gibt es in dieser Gemeinde nicht."])
        received_day = local_date(new.received_at)
        number = repo.next_number(conn, ws.office.id, received_day.year)
        application_id = uuid7()
        aktenzeichen = format_aktenzeichen(ws.office.code, received_day.year, number)
        row = {
            "id": application_id,
            "municipality_id": municipality_id,
            "office_id": ws.office.id,
            "service_id": service.id,
            "aktenzeichen": aktenzeichen,
            "received_at": new.received_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "channel": new.channel.value,
            "status": ApplicationStatus.EINGEGANGEN.value,
            "applicant_name": new.applicant_name.strip(),
            "applicant_street": new.applicant_street.strip(),
            "applicant_postal_code": new.applicant_postal_code.strip(),
            "applicant_city": new.applicant_city.strip(),
            "applicant_email": new.applicant_email.strip(),
            "form_data": json.dumps(new.form_data, ensure_ascii=False, sort_keys=True),
            "due_date": legal_deadline(received_day, service.processing_days).isoformat(),
            "fee_cents": service.fee_rule.fee_cents(new.fee_units),
            "payment_status": "offen",
            "created_at": at,
            "updated_at": at,
        }
        repo.insert_application(conn, row)
        record_change(
            conn,
            Actor(ws.clerk.id if ws.clerk else None, municipality_id),
            at=at,
            mutation="register_application",
            scope=municipality_scope(municipality_id),
            args={k: v for k, v in row.items() if k not in ("created_at", "updated_at")},
            entity="application",
            entity_id=application_id,
            action="angelegt",
            changes={"status": [None, row["status"]], "aktenzeichen": [None, aktenzeichen]},
        )
    return application_id
