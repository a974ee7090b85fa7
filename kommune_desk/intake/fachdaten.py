"""Fachdaten (data.json / data.xml) → applicant and flat form fields.

FIT-Connect leaves the Fachdaten schema to each service. Two shapes are read (both described in
docs/fit-connect-import.md):
- FIM-keyed Fachdaten (every top-level key a FIM id such as ``G17003529``): the applicant comes
  from the FIM base fields wherever they sit (intake/fim.py), and every member becomes a form
  field with a dotted key of ids, labelled later by the submission schema.
- our convention: ``antragsteller`` names the applicant (its address flat or in a nested
  ``anschrift``/``adresse`` object), ``angaben`` and every other top-level member become form
  fields with dotted keys.
"""

from __future__ import annotations

from typing import Any

from kommune_desk.intake.errors import SubmissionRejected
from kommune_desk.intake.fim import fim_applicant, is_fim_tree, person_name
from kommune_desk.intake.limits import IntakeLimits
from kommune_desk.intake.model import Applicant
from kommune_desk.intake.strict_json import loads_strict

_APPLICANT_FIELDS = ("vorname", "nachname", "name", "strasse", "hausnummer", "plz", "ort", "email", "telefon")
_ADDRESS_OBJECTS = ("anschrift", "adresse")
# Spellings of the address members seen in portal forms, mapped to ours.
_ADDRESS_ALIASES = {"straße": "strasse", "postleitzahl": "plz", "wohnort": "ort", "e_mail": "email"}


def parse_fachdaten(raw: bytes, media_type: str, limits: IntakeLimits) -> tuple[Applicant, dict[str, str]]:
    """Read verified Fachdaten bytes; ``media_type`` is application/json or application/xml."""
    if media_type == "application/xml":
        tree = _xml_to_tree(raw, limits)
        file_name = "data.xml"
    else:
        tree = loads_strict(raw, "data.json", limits.max_depth, numbers_as_text=True)
        file_name = "data.json"
        if not isinstance(tree, dict):
            raise SubmissionRejected("data.json enthält kein JSON-Objekt.")
    return _convention(tree, file_name, limits)


def _convention(
    tree: dict[str, Any], file_name: str, limits: IntakeLimits
) -> tuple[Applicant, dict[str, str]]:
    fields = _Fields(file_name, limits)
    if is_fim_tree(tree):
        for key, value in tree.items():
            fields.add(key, value, depth=1)
        return fim_applicant(tree), fields.values
    applicant = Applicant(name="")
    for key, value in tree.items():
        if key == "antragsteller" and isinstance(value, dict):
            applicant = _applicant(value, fields)
        elif key == "angaben" and isinstance(value, dict):
            for inner_key, inner in value.items():
                fields.add(inner_key, inner, depth=2)
        else:
            fields.add(key, value, depth=1)
    return applicant, fields.values


def _applicant(person: dict[str, Any], fields: _Fields) -> Applicant:
    known: dict[str, str] = {}
    for key, value in person.items():
        if key in _APPLICANT_FIELDS and _is_scalar(value):
            known[key] = _single_line(_text(value))
        elif key.lower() in _ADDRESS_OBJECTS and isinstance(value, dict):
            for inner_key, inner in value.items():
                name = _ADDRESS_ALIASES.get(inner_key.lower(), inner_key.lower())
                if name in _APPLICANT_FIELDS and _is_scalar(inner):
                    known.setdefault(name, _single_line(_text(inner)))
                else:
                    fields.add(f"antragsteller.{key}.{inner_key}", inner, depth=3)
        else:  # e.g. geburtsdatum: not part of Applicant, but the clerk must still see it
            fields.add(f"antragsteller.{key}", value, depth=2)

    def joined(*names: str) -> str:
        return " ".join(part for part in (known.get(name, "") for name in names) if part)

    family = known.get("nachname") or known.get("name", "")
    return Applicant(
        name=person_name(known.get("vorname", ""), family),
        street=joined("strasse", "hausnummer"),
        postal_code=known.get("plz", ""),
        city=known.get("ort", ""),
        email=known.get("email", ""),
        phone=known.get("telefon", ""),
    )


class _Fields:
    """Flattens values into dotted keys, bounded in depth and count."""

    def __init__(self, file_name: str, limits: IntakeLimits) -> None:
        self.values: dict[str, str] = {}
        self._file_name = file_name
        self._limits = limits

    def add(self, key: str, value: Any, depth: int) -> None:
        """``depth`` is the nesting level of the container holding ``value`` (the root is 1)."""
        key = _clean(key)
        if isinstance(value, dict | list):
            if depth + 1 > self._limits.max_depth:
                raise SubmissionRejected(
                    f"{self._file_name} ist tiefer verschachtelt als erlaubt "
                    f"({self._limits.max_depth} Ebenen)."
                )
            members = value.items() if isinstance(value, dict) else enumerate(value, start=1)
            if not value:  # keep the key visible: an empty list can be an answer too
                self._put(key, "")
            # Recursion is bounded by max_depth, checked above.
            for member_key, member in members:
                self.add(f"{key}.{member_key}", member, depth + 1)
        else:
            self._put(key, _text(value))

    def _put(self, key: str, text: str) -> None:
        if len(self.values) >= self._limits.max_form_fields:
            raise SubmissionRejected(
                f"{self._file_name} enthält mehr Felder als erlaubt ({self._limits.max_form_fields})."
            )
        unique, n = key, 1
        while unique in self.values:  # "a.b" and {"a": {"b": …}} flatten alike; keep both
            n += 1
            unique = f"{key} ({n})"
        self.values[unique] = text


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    return _clean(str(value))


def _clean(text: str) -> str:
    # Control characters (NUL above all) break SQLite text, Qt display and exports; tab and
    # line breaks are kept because multi-line answers are legitimate.
    return "".join(ch for ch in text if ch in "\t\n" or not (ch < " " or "\x7f" <= ch <= "\x9f")).strip()


def _single_line(text: str) -> str:
    return " ".join(text.split())


# --- data.xml ----------------------------------------------------------------------------


class _TooDeepError(Exception):
    pass


class _TooManyError(Exception):
    pass


class _TreeTarget:
    """ElementTree parser target that builds the JSON-like tree directly: a leaf element is its
    trimmed text, an element with children an object, repeated children a list. Depth and size
    are checked while parsing, so 100,000 nested elements are refused at element 34."""

    def __init__(self, max_elements_depth: int, max_elements: int) -> None:
        self._max_depth = max_elements_depth
        self._max_elements = max_elements
        self._elements = 0
        self._stack: list[tuple[str, list[tuple[str, Any]], list[str]]] = []
        self.root: Any = None

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if len(self._stack) >= self._max_depth:
            raise _TooDeepError
        self._elements += 1
        if self._elements > self._max_elements:
            raise _TooManyError
        self._stack.append((tag.rpartition("}")[2], [], []))  # attributes are ignored

    def data(self, text: str) -> None:
        if self._stack:
            self._stack[-1][2].append(text)

    def end(self, tag: str) -> None:
        name, children, text = self._stack.pop()
        value: Any = _group(children) if children else "".join(text).strip()
        if self._stack:
            self._stack[-1][1].append((name, value))
        else:
            self.root = value

    def close(self) -> Any:
        return self.root


def _group(children: list[tuple[str, Any]]) -> dict[str, Any]:
    # A leaf is a str and a parent a dict, so a list can only come from repeated elements.
    grouped: dict[str, Any] = {}
    for name, value in children:
        if name not in grouped:
            grouped[name] = value
        elif isinstance(grouped[name], list):
            grouped[name].append(value)
        else:
            grouped[name] = [grouped[name], value]
    return grouped


def _xml_to_tree(raw: bytes, limits: IntakeLimits) -> dict[str, Any]:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser, ParseError

    # A leaf element is a value, not a level: <antrag><a>x</a></antrag> is {"a": "x"}, depth 1.
    target = _TreeTarget(limits.max_depth + 1, max_elements=4 * limits.max_form_fields + limits.max_depth)
    parser = DefusedXMLParser(target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(raw)
        root = parser.close()
    except DefusedXmlException:
        raise SubmissionRejected(
            "data.xml enthält eine DTD oder Entitäten; das ist aus Sicherheitsgründen nicht erlaubt."
        ) from None
    except _TooDeepError:
        raise SubmissionRejected(
            f"data.xml ist tiefer verschachtelt als erlaubt ({limits.max_depth} Ebenen)."
        ) from None
    except _TooManyError:
        raise SubmissionRejected(
            f"data.xml enthält mehr Felder als erlaubt ({limits.max_form_fields})."
        ) from None
    except (ParseError, ValueError, LookupError):  # LookupError: unknown declared encoding
        raise SubmissionRejected("data.xml ist kein gültiges XML.") from None
    return root if isinstance(root, dict) else {}
