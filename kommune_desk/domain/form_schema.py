"""Fachdaten shown by their submission schema: labels, group headings and German values.

A FIM submission keys its Fachdaten by FIM ids (``G60000086`` a group, ``F60000243`` a field);
the JSON Schema it names (``contentStructure.data.submissionSchema.schemaUri``) carries the
German ``title`` of each. The intake stores the Fachdaten flattened to dotted keys
(``G60000086.F60000243``; a repeated group adds its number: ``G17003643.2.F17005652``) and the
schema's URI; the labels are looked up at display time, so they appear as soon as the schema
arrives and the case never needs a re-import.

Pure: the caller passes the schema document it loaded.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .form_checks import FieldType
from .validation import ValidationError

FIM_ID = re.compile(r"[FG]\d{8}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# How deep a $ref chain may go before the schema is treated as broken (a ref to itself).
_MAX_REF_HOPS = 32
MISSING_SCHEMA_NOTE = (
    "Das Formularschema dieses Antrags ist noch nicht vorhanden; die Angaben erscheinen mit ihren "
    "Feldkennungen. Die Beschriftungen erscheinen, sobald das Schema importiert oder über den "
    "Abgleich eingetroffen ist."
)


@dataclass(frozen=True)
class FormLine:
    """One line of the form as the case view shows it: a group heading or a field.

    ``key`` is the stored (dotted) key of a field, empty for a heading; ``level`` is the
    nesting depth (0 at the top) for indentation; ``value`` is formatted for reading.
    """

    label: str
    value: str
    level: int = 0
    heading: bool = False
    key: str = ""


class FormSchema:
    """A submission schema, read once; ``node`` resolves a stored key's path to its definition."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.uri = str(document.get("$id") or "")
        self.title = _text(document.get("title"))

    def node(self, path: Iterable[str]) -> Mapping[str, Any] | None:
        """The schema of the value at ``path`` (dotted key split), $refs resolved; None if unknown."""
        node: Mapping[str, Any] | None = self._resolved(self.document)
        for step in path:
            if node is None:
                return None
            if "items" in node:
                node = self._resolved(node.get("items"))
                if step.isdigit():
                    continue
                # A single repetition from data.xml carries no number: the step is the item's field.
                if node is None:
                    return None
            properties = node.get("properties")
            node = self._resolved(properties.get(step)) if isinstance(properties, Mapping) else None
        return node

    def _resolved(self, node: Any) -> Mapping[str, Any] | None:
        hops = 0
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            hops += 1
            if hops > _MAX_REF_HOPS:
                return None
            target = self._pointer(node["$ref"])
            if target is None:
                return None
            # Keywords beside a $ref (a title given at the use site) win over the definition's.
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node if isinstance(node, Mapping) else None

    def _pointer(self, ref: str) -> Mapping[str, Any] | None:
        """A local JSON pointer such as ``#/$defs/F60000243``; remote refs are not followed."""
        if not ref.startswith("#"):
            return None
        node: Any = self.document
        for part in ref[1:].split("/")[1:] if ref != "#" else []:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node if isinstance(node, Mapping) else None


def parse_schema(document: Any) -> FormSchema:
    """Check that ``document`` is a submission schema we can label with; German problems otherwise."""
    problems = []
    if not isinstance(document, Mapping):
        raise ValidationError(["Die Datei enthält kein JSON-Schema (kein JSON-Objekt)."])
    uri = document.get("$id")
    if not isinstance(uri, str) or not uri.strip():
        problems.append("Dem Schema fehlt seine Kennung ($id); ohne sie kann kein Antrag es nennen.")
    elif len(uri) > 500 or any(ch.isspace() for ch in uri):
        problems.append("Die Kennung ($id) des Schemas ist keine gültige URI.")
    if not isinstance(document.get("properties"), Mapping):
        problems.append("Das Schema beschreibt keine Felder (»properties« fehlt).")
    if problems:
        raise ValidationError(problems)
    return FormSchema(document)


def is_fim_key(key: str) -> bool:
    """Whether a stored key is (a path of) FIM ids, as opposed to our own German keys."""
    return any(FIM_ID.fullmatch(part) for part in key.split("."))


def form_lines(
    form: Mapping[str, str], schema: FormSchema | None, labels: Mapping[str, str] | None = None
) -> list[FormLine]:
    """The stored form as lines: with a schema, its titles (groups as headings, repeated groups
    numbered) and values by type; without one, ``labels`` (the service's) or readable keys."""
    labels = labels or {}
    lines: list[FormLine] = []
    open_groups: list[str] = []  # the headings currently open, as key prefixes
    ordered = [key for key in labels if key in form] + [key for key in form if key not in labels]
    for key in ordered:
        value = str(form[key])
        if schema is None:
            lines.append(FormLine(labels.get(key) or readable_key(key), display_value(value, None), key=key))
            continue
        parts = key.split(".")
        groups = _group_prefixes(parts)
        shared = 0
        while shared < min(len(groups), len(open_groups)) and groups[shared] == open_groups[shared]:
            shared += 1
        open_groups = open_groups[:shared]
        for depth in range(shared, len(groups)):
            prefix = groups[depth]
            lines.append(FormLine(_group_title(schema, prefix), "", level=depth, heading=True))
            open_groups.append(prefix)
        node = schema.node(parts)
        label = labels.get(key) or _field_title(schema, parts, node)
        lines.append(FormLine(label, display_value(value, node), level=len(groups), key=key))
    return lines


def display_value(value: str, node: Mapping[str, Any] | None) -> str:
    """A stored value as the clerk reads it: German dates and decimals, ja/nein, code list labels."""
    if node is None:  # no type known: only an unmistakable ISO date is shown German
        return _german_date(value) if _ISO_DATE.fullmatch(value) else value
    if not value:
        return value
    label = _code_label(node, value)
    if label:
        return label
    kind = node.get("type")
    fmt = node.get("format")
    if fmt == "date":
        return _german_date(value)
    if fmt == "date-time":
        return _german_date_time(value)
    if kind == "boolean":
        return {"true": "ja", "false": "nein"}.get(value.lower(), value)
    if kind == "number" and re.fullmatch(r"-?\d+\.\d+", value):
        return value.replace(".", ",")
    return value


def schema_field_type(node: Mapping[str, Any] | None) -> FieldType | None:
    """The type a corrected answer must have, where the schema says one (dates, numbers)."""
    if node is None or "oneOf" in node or "anyOf" in node:  # a code list: its labels are its check
        return None
    if node.get("format") == "date":
        return FieldType.DATE
    if node.get("type") in ("number", "integer"):
        return FieldType.NUMBER
    return None


def readable_key(key: str) -> str:
    """``fahrzeug.kennzeichen`` → ``Fahrzeug › Kennzeichen`` (keys without a label)."""
    parts = [re.sub(r"[_\s]+", " ", part).strip() for part in key.split(".")]
    return " › ".join(part[:1].upper() + part[1:] for part in parts if part) or key


def _group_prefixes(parts: list[str]) -> list[str]:
    """The key prefixes that open a heading: each group, and each numbered repetition of one."""
    prefixes = []
    for end in range(1, len(parts)):
        if parts[end - 1].isdigit():
            continue  # the number itself was shown with its group's heading
        if parts[end].isdigit():
            if end + 1 < len(parts):
                prefixes.append(".".join(parts[: end + 1]))  # a repeated group: "Kind 2"
            # a repeated single field is numbered in its own label
        else:
            prefixes.append(".".join(parts[:end]))
    return prefixes


def _group_title(schema: FormSchema, prefix: str) -> str:
    parts = prefix.split(".")
    if parts[-1].isdigit():
        return _numbered(schema, parts)
    return _title(schema.node(parts)) or readable_key(parts[-1])


def _numbered(schema: FormSchema, parts: list[str]) -> str:
    """A repetition's title: the item's own title, else the list's, with its number."""
    title = _title(schema.node(parts)) or _title(schema.node(parts[:-1])) or readable_key(parts[-2])
    return f"{title} {int(parts[-1])}"


def _field_title(schema: FormSchema, parts: list[str], node: Mapping[str, Any] | None) -> str:
    if parts[-1].isdigit() and len(parts) > 1:
        return _numbered(schema, parts)
    return _title(node) or readable_key(parts[-1])


def _title(node: Mapping[str, Any] | None) -> str:
    if node is None:
        return ""
    return _text(node.get("title"))


def _code_label(node: Mapping[str, Any], value: str) -> str:
    for keyword in ("oneOf", "anyOf"):
        options = node.get(keyword)
        if isinstance(options, list):
            for option in options:
                if isinstance(option, Mapping) and str(option.get("const")) == value:
                    return _text(option.get("title"))
    return ""


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _german_date(value: str) -> str:
    try:
        return dt.date.fromisoformat(value[:10]).strftime("%d.%m.%Y")
    except ValueError:
        return value


def _german_date_time(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.strftime("%d.%m.%Y, %H:%M Uhr")
