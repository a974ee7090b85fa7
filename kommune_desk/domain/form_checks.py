"""The typed fields of a service's application form and the checks of what a clerk typed.

A service declares its fields as :class:`FieldSpec` (type, Pflichtangabe, hint). Input is German
("24.11.2026", "1.234,50", "12"); :func:`check_form` returns one German message per faulty field
and the normalised values that are stored: dates ISO (``2026-11-24``), numbers and amounts with a
decimal point (``1234.50``), so exports and comparisons need no German parser. :func:`display_value`
turns a stored value back into German. Pure Python: the dialog, the CLI and the service all use it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from .formatting import format_amount, format_date
from .validation import ValidationError

MAX_VALUE_LENGTH = 2000  # a form value; longer text belongs in an attachment
MAX_NUMBER = Decimal("1e12")  # no form asks for more; guards against "1e999999" style input
REQUIRED = "Pflichtangabe: Bitte ausfüllen."
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", re.ASCII)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)
# ASCII digits only (\d alone would take Arabic or full-width digits). German grouping
# "1.234.567,89", or plain "1234567,89"/"1234567.89" (a single dot with 1–2 decimals).
_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$", re.ASCII)
_PLAIN_COMMA = re.compile(r"^\d+(,\d+)?$", re.ASCII)
_PLAIN_DOT = re.compile(r"^\d+\.\d{1,2}$", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"
    NUMBER = "number"
    AMOUNT = "amount"  # euros
    CHOICE = "choice"
    EMAIL = "email"


@dataclass(frozen=True)
class FieldSpec:
    """One field of a service's form."""

    key: str
    label: str
    type: FieldType = FieldType.TEXT
    required: bool = False
    hint: str = ""  # shown as placeholder/tooltip, e.g. "in Zentimetern, 1 m über dem Boden"
    options: tuple[str, ...] = ()  # the choices of a CHOICE field
    minimum: int | None = None  # NUMBER/AMOUNT: smallest allowed value (in units, not cents)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"key": self.key, "label": self.label, "type": self.type.value}
        if self.required:
            data["required"] = True
        if self.hint:
            data["hint"] = self.hint
        if self.options:
            data["options"] = list(self.options)
        if self.minimum is not None:
            data["minimum"] = self.minimum
        return data

    @classmethod
    def from_json(cls, entry: object) -> FieldSpec | None:
        """A spec from a stored entry: the old ``[key, label]`` pair (rows of older clients) or the
        object ``to_json`` writes. Anything else (a broken synced row) gives None, never an error."""
        if isinstance(entry, (list, tuple)) and len(entry) >= 2:
            key, label = entry[0], entry[1]
            return cls(str(key), str(label)) if isinstance(key, str) and key else None
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or not entry["key"]:
            return None
        try:
            kind = FieldType(str(entry.get("type", "text")))
        except ValueError:
            kind = FieldType.TEXT  # a type from a newer client: still a usable text field
        options = entry.get("options")
        minimum = entry.get("minimum")
        return cls(
            key=entry["key"],
            label=str(entry.get("label") or entry["key"]),
            type=kind,
            required=entry.get("required") is True,
            hint=str(entry.get("hint") or ""),
            options=tuple(str(o) for o in options) if isinstance(options, list) else (),
            minimum=minimum if isinstance(minimum, int) and not isinstance(minimum, bool) else None,
        )

    @property
    def placeholder(self) -> str:
        """What an empty input shows: the expected format."""
        if self.hint:
            return self.hint
        return {
            FieldType.DATE: "TT.MM.JJJJ",
            FieldType.NUMBER: "Zahl, z. B. 12",
            FieldType.AMOUNT: "Betrag in Euro, z. B. 1.234,50",
            FieldType.EMAIL: "name@beispiel.de",
        }.get(self.type, "")


def specs_from_json(entries: object) -> tuple[FieldSpec, ...]:
    """The specs of a stored ``form_fields`` list; unusable entries and repeated keys are skipped."""
    if not isinstance(entries, list):
        return ()
    specs: dict[str, FieldSpec] = {}
    for entry in entries:
        spec = FieldSpec.from_json(entry)
        if spec is not None and spec.key not in specs:
            specs[spec.key] = spec
    return tuple(specs.values())


class FormError(ValidationError):
    """A form with faulty fields: ``errors`` maps each field key to its German message."""

    def __init__(self, errors: Mapping[str, str], labels: Mapping[str, str]) -> None:
        super().__init__([f"{labels.get(key, key)}: {message}" for key, message in errors.items()])
        self.errors = dict(errors)


@dataclass(frozen=True)
class FormCheck:
    values: dict[str, str] = field(default_factory=dict)  # normalised, blank fields left out
    errors: dict[str, str] = field(default_factory=dict)  # key → German message

    @property
    def ok(self) -> bool:
        return not self.errors


# -- parsing ----------------------------------------------------------------------------------------
def clean(text: object) -> str:
    """Input as one tidy string: control and bidi characters out, surrounding space trimmed."""
    return _CONTROL.sub("", str(text)).strip()


def parse_date(text: str) -> dt.date | None:
    """``24.11.2026`` (also ``1.2.2026``) or ISO ``2026-11-24``; None if it is no real date."""
    value = clean(text)
    match = _GERMAN_DATE.match(value)
    if match:
        day, month, year = (int(group) for group in match.groups())
    elif match := _ISO_DATE.match(value):
        year, month, day = (int(group) for group in match.groups())
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_decimal(text: str) -> Decimal | None:
    """A German number: ``12``, ``12,5``, ``1.234,50``; also ``12.50`` (a portal's form). Negative
    numbers, exponents and other signs are refused: no form field asks for them."""
    value = clean(text).replace("\u00a0", "").replace(" ", "")
    if _GROUPED.match(value):
        value = value.replace(".", "").replace(",", ".")
    elif _PLAIN_COMMA.match(value):
        value = value.replace(",", ".")
    elif not _PLAIN_DOT.match(value):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number < MAX_NUMBER else None


def parse_amount(text: str) -> int | None:
    """Euros in cents: ``1.234,50`` → 123450; a trailing "€"/"EUR" is allowed, more than two
    decimals are not (a cent is the smallest amount)."""
    value = clean(text)
    for unit in ("€", "EUR", "Euro"):
        value = value.removesuffix(unit).strip()
    number = parse_decimal(value)
    if number is None or number != number.quantize(Decimal("0.01")):
        return None
    return int(number * 100)


# -- checking ---------------------------------------------------------------------------------------
def check_value(spec: FieldSpec, text: str) -> tuple[str, str]:
    """(normalised value, German message or "") for one field."""
    value = clean(text)
    if not value:
        return "", REQUIRED if spec.required else ""
    if len(value) > MAX_VALUE_LENGTH:
        return "", f"Höchstens {MAX_VALUE_LENGTH} Zeichen; längere Angaben bitte als Anlage."
    if spec.type is FieldType.DATE:
        day = parse_date(value)
        if day is None:
            return "", "Bitte ein Datum im Format TT.MM.JJJJ eingeben, z. B. 24.11.2026."
        if not 1900 <= day.year <= 2200:
            return "", "Das Datum liegt außerhalb des möglichen Bereichs."
        return day.isoformat(), ""
    if spec.type is FieldType.NUMBER:
        number = parse_decimal(value)
        if number is None:
            return "", "Bitte eine Zahl eingeben, z. B. 12 oder 12,5."
        if spec.minimum is not None and number < spec.minimum:
            return "", f"Bitte eine Zahl ab {spec.minimum} eingeben."
        return _plain(number), ""
    if spec.type is FieldType.AMOUNT:
        cents = parse_amount(value)
        if cents is None:
            return "", "Bitte einen Betrag in Euro eingeben, z. B. 1.234,50."
        if spec.minimum is not None and cents < spec.minimum * 100:
            return "", f"Bitte einen Betrag ab {format_amount(spec.minimum * 100)} eingeben."
        return f"{cents // 100}.{cents % 100:02d}", ""
    if spec.type is FieldType.CHOICE:
        chosen = next((option for option in spec.options if option.casefold() == value.casefold()), None)
        if chosen is None:
            return "", "Bitte eine der Möglichkeiten wählen: " + ", ".join(spec.options) + "."
        return chosen, ""
    if spec.type is FieldType.EMAIL:
        if not _EMAIL.match(value):
            return "", "Bitte eine vollständige E-Mail-Adresse eingeben, z. B. name@beispiel.de."
        return value, ""
    return " ".join(value.split()) if "\n" not in value else value, ""


def check_form(specs: Iterable[FieldSpec], entered: Mapping[str, str]) -> FormCheck:
    """Every field checked: the normalised values and one German message per faulty field.

    Keys the form does not declare (an older form, a script) are kept as text, trimmed."""
    specs = tuple(specs)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    declared = {spec.key for spec in specs}
    for spec in specs:
        value, message = check_value(spec, str(entered.get(spec.key, "") or ""))
        if message:
            errors[spec.key] = message
        elif value:
            values[spec.key] = value
    for key, raw in entered.items():
        if key not in declared:
            value, message = check_value(FieldSpec(str(key), str(key)), str(raw or ""))
            if message:
                errors[str(key)] = message
            elif value:
                values[str(key)] = value
    return FormCheck(values, errors)


def require_valid(specs: Iterable[FieldSpec], entered: Mapping[str, str]) -> dict[str, str]:
    """The normalised values, or FormError naming every faulty field."""
    specs = tuple(specs)
    result = check_form(specs, entered)
    if result.errors:
        raise FormError(result.errors, {spec.key: spec.label for spec in specs})
    return result.values


def display_value(spec: FieldSpec | None, stored: str) -> str:
    """A stored value as a clerk reads it: ISO dates and decimal amounts in German."""
    if spec is None or not stored:
        return stored
    if spec.type is FieldType.DATE and (day := parse_date(stored)) is not None:
        return format_date(day)
    if spec.type is FieldType.AMOUNT and (cents := parse_amount(stored)) is not None:
        return format_amount(cents)
    if spec.type is FieldType.NUMBER:
        try:  # stored with a decimal point (never German grouping)
            return _plain(Decimal(stored)).replace(".", ",")
        except InvalidOperation:
            return stored
    return stored


def _plain(number: Decimal) -> str:
    """``Decimal('12.50')`` → ``12.5``, ``Decimal('12')`` → ``12`` (never an exponent)."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
