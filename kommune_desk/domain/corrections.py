"""Correcting a case's data (Art. 16 DSGVO): what may be changed, and what a change is.

The clerk corrects the applicant's name, address and contact and the form's answers, always
with a reason. The data as received is kept once, before the first correction, so the original
stays viewable beside the corrected case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .applications import contact_problems
from .form_checks import FieldSpec, check_value
from .form_schema import FormLine

APPLICANT_LABELS: dict[str, str] = {
    "applicant_name": "Name",
    "applicant_street": "Straße und Hausnummer",
    "applicant_postal_code": "Postleitzahl",
    "applicant_city": "Ort",
    "applicant_email": "E-Mail",
    "applicant_phone": "Telefon",
}
MAX_VALUE_LENGTH = 2_000
MAX_REASON_LENGTH = 1_000
MIN_REASON_LENGTH = 5
FORM_PREFIX = "angabe:"  # audit key of a form answer: the prefix, then the answer's label
MISSING_ADDRESS = "Für das Schreiben fehlt in der Anschrift der Antragstellerin / des Antragstellers"


def missing_address_message(missing: list[str]) -> str:
    """The refusal of a letter without a full address; it names the way to correct it."""
    return (
        f"{MISSING_ADDRESS}: {', '.join(missing)}. Bitte ergänzen Sie die Angaben im Vorgang "
        "über »Angaben berichtigen …«."
    )


def asks_for_correction(messages: list[str]) -> bool:
    """Whether a refusal is fixed by correcting the case's data (the UI then offers it)."""
    return any(message.startswith(MISSING_ADDRESS) for message in messages)


@dataclass(frozen=True)
class CaseCorrection:
    """What the clerk entered: new applicant values by column, new answers by stored key."""

    reason: str
    applicant: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] = field(default_factory=dict)


def clean(value: str, *, multiline: bool = False) -> str:
    """Strip control characters (they break exports and letters); one line unless ``multiline``."""
    kept = "".join(ch for ch in value if ch in "\n\t" or not (ch < " " or "\x7f" <= ch <= "\x9f"))
    if multiline:
        return "\n".join(line.rstrip() for line in kept.strip().splitlines())
    return " ".join(kept.split())


def correction_problems(correction: CaseCorrection, form_keys: set[str]) -> list[str]:
    """German problems with a correction; empty when it may be stored."""
    problems = []
    reason = clean(correction.reason, multiline=True)
    if len(reason) < MIN_REASON_LENGTH:
        problems.append(
            "Bitte geben Sie einen Grund für die Berichtigung an (z. B. »Anruf der Antragstellerin«)."
        )
    elif len(reason) > MAX_REASON_LENGTH:
        problems.append(f"Der Grund darf höchstens {MAX_REASON_LENGTH} Zeichen lang sein.")
    unknown = set(correction.applicant) - set(APPLICANT_LABELS)
    if unknown or set(correction.form) - form_keys:
        problems.append("Die Berichtigung nennt Angaben, die der Antrag nicht hat.")
    if "applicant_name" in correction.applicant and not clean(correction.applicant["applicant_name"]):
        problems.append("Der Name der Antragstellerin/des Antragstellers darf nicht leer sein.")
    problems.extend(
        contact_problems(
            correction.applicant.get("applicant_postal_code", ""),
            correction.applicant.get("applicant_email", ""),
        )
    )
    values = [*correction.applicant.values(), *correction.form.values()]
    if any(len(value) > MAX_VALUE_LENGTH for value in values):
        problems.append(f"Eine Angabe darf höchstens {MAX_VALUE_LENGTH} Zeichen lang sein.")
    return problems


def applicant_changes(current: Mapping[str, str], correction: CaseCorrection) -> dict[str, tuple[str, str]]:
    """Column → (old, new) for the applicant values that really change."""
    changes = {}
    for column, value in correction.applicant.items():
        new = clean(value)
        old = current.get(column) or ""
        if new != old:
            changes[column] = (old, new)
    return changes


def form_changes(current: Mapping[str, str], correction: CaseCorrection) -> dict[str, tuple[str, str]]:
    """Stored key → (old, new) for the answers that really change."""
    changes = {}
    for key, value in correction.form.items():
        new = clean(value, multiline=True)
        old = str(current.get(key, ""))
        if new != old:
            changes[key] = (old, new)
    return changes


def typed_answers(
    answers: Mapping[str, tuple[str, str]], specs: Mapping[str, FieldSpec], labelled: Mapping[str, FormLine]
) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """Changed answers checked against their field types (a date must be a real date; stored
    ISO like the dialog's), and the German problems, each naming the answer."""
    checked: dict[str, tuple[str, str]] = {}
    problems = []
    for key, (old, new) in answers.items():
        spec = specs.get(key)
        if spec is None:
            checked[key] = (old, new)
            continue
        value, error = check_value(spec, new)
        if error:
            label = labelled[key].label if key in labelled else spec.label
            problems.append(f"{label}: {error}")
        elif value != old:
            checked[key] = (old, value)
    return checked, problems
