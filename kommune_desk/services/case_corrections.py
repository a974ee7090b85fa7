"""Correcting a case's applicant and form data with a reason (Art. 16 DSGVO).

Every correction is one transaction: the new values, the data as received (kept once, before
the first correction), the audit entry old → new with the reason, and the outbox entry that
syncs it. Letters written afterwards use the corrected data; archived letters stay as they were.
"""

from __future__ import annotations

import json
from contextlib import closing
from dataclasses import dataclass

from kommune_desk.domain.corrections import (
    APPLICANT_LABELS,
    FORM_PREFIX,
    CaseCorrection,
    applicant_changes,
    clean,
    correction_problems,
    form_changes,
    typed_answers,
)
from kommune_desk.domain.form_checks import FieldSpec
from kommune_desk.domain.form_schema import FormLine, FormSchema, schema_field_type
from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.domain.records import Service
from kommune_desk.domain.validation import ValidationError
from kommune_desk.domain.workflow import WorkflowError
from kommune_desk.storage import applications as repo
from kommune_desk.storage import reference
from kommune_desk.storage.outbox import municipality_scope

from .cases import NO_SUCH_CASE, case_form_lines
from .changes import Actor, record_change
from .form_schemas import schema_named
from .workflow import current_actor
from .workspace import Workspace


@dataclass(frozen=True)
class OriginalData:
    """The applicant and form data as received, before the first correction."""

    applicant: tuple[tuple[str, str], ...]  # (label, value)
    form: tuple[FormLine, ...]


def correct_case(ws: Workspace, application_id: str, correction: CaseCorrection) -> int:
    """Store a correction; return how many values changed. Refused in German (nothing stored)
    without a reason, with invalid contact data or when nothing changes."""
    actor = current_actor(ws)
    at = utc_now_iso()
    with ws.db.write() as conn:
        row = repo.load_case_data(conn, application_id, ws.municipality.id)
        if row is None:
            raise WorkflowError(NO_SUCH_CASE)
        form: dict[str, str] = json.loads(row["form_data"] or "{}")
        problems = correction_problems(correction, set(form))
        if problems:
            raise ValidationError(problems)
        services = {s.id: s for s in reference.list_services(conn, ws.municipality.id)}
        service = services.get(row["service_id"] or "")
        schema = schema_named(ws, row["form_schema_uri"])
        before = {line.key: line for line in case_form_lines(form, schema, service)[0]}
        applicant = applicant_changes(row, correction)
        answers, problems = typed_answers(
            form_changes(form, correction), _field_specs(form, service, schema), before
        )
        if problems:
            raise ValidationError(problems)
        if not applicant and not answers:
            raise ValidationError(["Es wurde nichts geändert."])
        corrected = {**form, **{key: new for key, (_old, new) in answers.items()}}
        values: dict[str, object] = {column: new for column, (_old, new) in applicant.items()}
        if answers:
            values["form_data"] = json.dumps(corrected, ensure_ascii=False)
        if row["submitted_data"] is None:
            values["submitted_data"] = json.dumps(
                {"applicant": {column: row[column] for column in APPLICANT_LABELS}, "form": form},
                ensure_ascii=False,
            )
        repo.correct_case_data(conn, application_id, values, at)
        # The history shows answers as the clerk reads them (24.11.2026, not 2026-11-24).
        after = {line.key: line for line in case_form_lines(corrected, schema, service)[0]}
        record_change(
            conn, Actor(actor.clerk_id, ws.municipality.id), at=at, mutation="correct_case_data",
            scope=municipality_scope(ws.municipality.id),
            args={"id": application_id, "clerk_id": actor.clerk_id, "fields": sorted(values)},
            entity="application", entity_id=application_id, action="berichtigt",
            changes={
                **{column: [old, new] for column, (old, new) in applicant.items()},
                **{
                    f"{FORM_PREFIX}{before[key].label}": [before[key].value, after[key].value]
                    for key in answers
                },
                "correction_reason": clean(correction.reason, multiline=True),
            },
        )  # fmt: skip
    return len(applicant) + len(answers)


def _field_specs(
    form: dict[str, str], service: Service | None, schema: FormSchema | None
) -> dict[str, FieldSpec]:
    """The typed fields a corrected answer is checked against: the service's, and the dates and
    numbers the submission schema declares."""
    specs = {spec.key: spec for spec in service.specs} if service else {}
    if schema is not None:
        for key in form:
            node = schema.node(key.split("."))
            kind = schema_field_type(node)
            if kind is not None and key not in specs:
                specs[key] = FieldSpec(key, key, kind)
    return specs


def original_data(ws: Workspace, application_id: str) -> OriginalData | None:
    """The data as received, if the case was corrected since; None if it never was."""
    with closing(ws.db.reader()) as conn:
        row = repo.load_case_data(conn, application_id, ws.municipality.id)
        if row is None:
            raise WorkflowError(NO_SUCH_CASE)
        services = {s.id: s for s in reference.list_services(conn, ws.municipality.id)}
    if row["submitted_data"] is None:
        return None
    kept = json.loads(row["submitted_data"])
    applicant = kept.get("applicant", {})
    schema = schema_named(ws, row["form_schema_uri"])
    lines, _note = case_form_lines(kept.get("form", {}), schema, services.get(row["service_id"] or ""))
    return OriginalData(
        applicant=tuple(
            (label, str(applicant.get(column) or "")) for column, label in APPLICANT_LABELS.items()
        ),
        form=tuple(lines),
    )
