"""The applicant of a FIM-keyed submission, found by the FIM base fields wherever they sit.

FIM (Föderales Informationsmanagement) harmonises the data fields every form reuses; a
submission schema places them in its own groups (an "Antragsteller" group, a "Person"
group, …), so they are looked up by id, not by path. The ids and their sources are listed in
docs/fit-connect-import.md ("FIM-Fachdaten").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kommune_desk.domain.form_schema import FIM_ID

from .model import Applicant

FAMILY_NAME = "F60000227"  # Familienname
GIVEN_NAMES = "F60000228"  # Vornamen
ORGANISATION = "F60000319"  # Name der Organisation
STREET = "F60000243"  # Straße (in G60000086 Anschrift Inland)
HOUSE_NUMBER = "F60000244"  # Hausnummer
POSTAL_CODE = "F60000246"  # Postleitzahl
CITY = "F60000247"  # Ort
PHONE = "F60000240"  # Telefon (in G60000085 Kommunikation)
EMAIL = "F60000242"  # E-Mail
_NAME_FIELDS = (FAMILY_NAME, GIVEN_NAMES, ORGANISATION)
_ALL = (FAMILY_NAME, GIVEN_NAMES, ORGANISATION, STREET, HOUSE_NUMBER, POSTAL_CODE, CITY, PHONE, EMAIL)


def is_fim_tree(tree: Mapping[str, Any]) -> bool:
    """Whether the Fachdaten are keyed by FIM ids (every top-level key is one)."""
    return bool(tree) and all(isinstance(key, str) and FIM_ID.fullmatch(key) for key in tree)


def fim_applicant(tree: Mapping[str, Any]) -> Applicant:
    """The applicant from the first group that names a person or organisation; address and contact
    from that group's subtree, else from their first occurrence anywhere (a schema may keep the
    address beside the person rather than inside)."""
    holder = next((group for group in _groups(tree) if any(k in group for k in _NAME_FIELDS)), tree)
    found = _first_values(holder)
    for field_id, value in _first_values(tree).items():
        found.setdefault(field_id, value)

    person = person_name(found.get(GIVEN_NAMES, ""), found.get(FAMILY_NAME, ""))
    organisation = found.get(ORGANISATION, "")
    # No comma after the organisation: a letter turns "Nachname, Vorname" around, not this.
    contact = person_name(found.get(GIVEN_NAMES, ""), found.get(FAMILY_NAME, ""), sortable=False)
    name = f"{organisation} (z. Hd. {contact})" if organisation and person else organisation or person
    street = " ".join(part for part in (found.get(STREET, ""), found.get(HOUSE_NUMBER, "")) if part)
    return Applicant(
        name=name,
        street=street,
        postal_code=found.get(POSTAL_CODE, ""),
        city=found.get(CITY, ""),
        email=found.get(EMAIL, ""),
        phone=found.get(PHONE, ""),
    )


def person_name(given: str, family: str, *, sortable: bool = True) -> str:
    """The name as the Posteingang sorts and shows it, "Familienname, Vornamen" (a letter turns
    it round), or "Vornamen Familienname"; one part alone as it is."""
    if given and family:
        return f"{family}, {given}" if sortable else f"{given} {family}"
    return family or given


def _groups(node: Any) -> Iterator[Mapping[str, Any]]:
    """Every object in the tree, depth-first in document order (the tree's depth is bounded by
    the intake limits, checked while parsing)."""
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from _groups(value)
    elif isinstance(node, list):
        for item in node:
            yield from _groups(item)


def _first_values(node: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for group in _groups(node):
        for field_id in _ALL:
            value = group.get(field_id)
            if field_id not in found and isinstance(value, str | int) and not isinstance(value, bool):
                text = " ".join(str(value).split())
                if text:
                    found[field_id] = text
    return found
