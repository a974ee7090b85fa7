"""Text blocks (Textbausteine) of letters: named placeholders, checks and filling.

A block is template text with the markup of :mod:`kommune_desk.domain.markup` (bold,
italic, underline, line break) and placeholders ``{{name}}`` (spaces inside the braces are
allowed). Every problem is found before anything is printed and named in German: bad markup,
a misspelt or unknown placeholder, a placeholder without a value. Values are user text and are
escaped; only the template's own markup survives.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from .letter_kinds import LetterKind
from .letter_texts import built_in_text
from .markup import Markup, MarkupError, check_template_markup, escape
from .records import Procedure
from .validation import ValidationError

PLACEHOLDERS: dict[str, str] = {
    "antragsteller_name": "Name der Antragstellerin / des Antragstellers",
    "anschrift": "Anschrift der Antragstellerin / des Antragstellers",
    "aktenzeichen": "Aktenzeichen",
    "leistung": "Leistung",
    "eingangsdatum": "Eingangsdatum des Antrags",
    "frist_unterlagen": "Frist für die Unterlagen",
    "unterlagen": "Liste der fehlenden Unterlagen",
    "entscheidung": "Entscheidung",
    "begruendung": "Begründung der Sachbearbeitung",
    "rechtsgrundlage": "Rechtsgrundlage der Leistung",
    "gebuehr": "Gebühr",
    "kassenzeichen": "Kassenzeichen",
    "faellig_am": "Fälligkeit der Gebühr",
    "bezahlt_am": "Tag, an dem die Gebühr bezahlt wurde",
    "erreichbarkeit": (
        "Wie die Sachbearbeitung erreichbar ist: »unter den oben genannten Kontaktdaten«, "
        "ohne Telefon und E-Mail die Anschrift der Dienststelle"
    ),
    "datum": "Datum des Schreibens",
    "sachbearbeitung": "Name der Sachbearbeitung",
    "behoerde": "Behörde",
    "dienststelle": "Dienststelle",
}

BLOCK_LABELS: dict[str, str] = {
    "einleitung": "Einleitung",
    "tenor": "Entscheidung (Tenor)",
    "tenor_teilweise": "Entscheidung bei teilweiser Bewilligung",
    "nebenbestimmungen": "Nebenbestimmungen",
    "kosten": "Kostenhinweis",
    "kosten_bezahlt": "Kostenhinweis, wenn die Gebühr bezahlt ist",
    "begruendung": "Begründung",
    "hinweise": "Hinweise",
    "hinweise_bezahlt": "Hinweise, wenn die Gebühr bezahlt ist",
    "schluss": "Schluss",
}

# The blocks of each kind, in reading order (the renderer adds fee table and Belehrung).
KIND_BLOCKS: dict[LetterKind, tuple[str, ...]] = {
    LetterKind.EINGANGSBESTAETIGUNG: ("einleitung", "hinweise", "schluss"),
    LetterKind.ANFORDERUNG_UNTERLAGEN: ("einleitung", "hinweise", "schluss"),
    LetterKind.BEWILLIGUNG: (
        "einleitung",
        "tenor",
        "tenor_teilweise",
        "nebenbestimmungen",
        "kosten",
        "kosten_bezahlt",
        "begruendung",
        "schluss",
    ),
    LetterKind.ABLEHNUNG: ("einleitung", "tenor", "begruendung", "kosten", "kosten_bezahlt", "schluss"),
    LetterKind.GEBUEHRENBESCHEID: ("einleitung", "begruendung", "hinweise", "hinweise_bezahlt", "schluss"),
    LetterKind.EMPFANGSBESCHEINIGUNG: ("einleitung", "hinweise", "kosten", "kosten_bezahlt", "schluss"),
}
# A block for a paid fee → the block it replaces then (a letter prints one of the two).
FEE_PAID_BLOCKS = {"kosten_bezahlt": "kosten", "hinweise_bezahlt": "hinweise"}
# Blocks that must not be empty: the tenor is the decision, a rejection must give reasons
# (§ 39 Abs. 1 HVwVfG).
REQUIRED_BLOCKS = frozenset(
    {
        (LetterKind.BEWILLIGUNG, "tenor"),
        (LetterKind.BEWILLIGUNG, "tenor_teilweise"),
        (LetterKind.ABLEHNUNG, "tenor"),
        (LetterKind.ABLEHNUNG, "begruendung"),
        (LetterKind.GEBUEHRENBESCHEID, "einleitung"),
        (LetterKind.EMPFANGSBESCHEINIGUNG, "einleitung"),
    }
)

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_SYNTAX = "Platzhalter schreiben Sie als {{name}}, z.\u00a0B. {{aktenzeichen}}."


class TemplateError(ValidationError):
    """Problems with text blocks or their values; ``messages`` are German and name the field."""


def block_label(block: str) -> str:
    return BLOCK_LABELS.get(block, block)


def placeholder_names(body: str) -> list[str]:
    """The placeholders a block uses, each once, in order of appearance."""
    return list(dict.fromkeys(match.group(1) for match in _PLACEHOLDER.finditer(body)))


def template_problems(body: str, label: str) -> list[str]:
    """Everything wrong with a block's text itself (not with the values it will get)."""
    problems = []
    try:
        check_template_markup(body, f"Textbaustein »{label}«")
    except MarkupError as exc:
        problems.append(exc.message)
    rest = _PLACEHOLDER.sub("", body)
    if "{{" in rest or "}}" in rest:
        problems.append(f"Im Textbaustein »{label}« ist ein Platzhalter nicht vollständig. {_SYNTAX}")
    known = ", ".join(f"{{{{{name}}}}}" for name in PLACEHOLDERS)
    for name in placeholder_names(body):
        if name not in PLACEHOLDERS:
            shown = f"{{{{{name[:40]}}}}}"
            problems.append(
                f"Der Platzhalter {shown} im Textbaustein »{label}« ist unbekannt. Bekannt sind: {known}."
            )
    return problems


def check_template(body: str, label: str, required: bool = False) -> None:
    """Raise TemplateError listing every problem of a block a clerk wants to save."""
    problems = template_problems(body, label)
    if required and not body.strip():
        problems.insert(0, f"Der Textbaustein »{label}« darf nicht leer sein.")
    if problems:
        raise TemplateError(problems)


def missing_values(body: str, values: Mapping[str, str]) -> list[str]:
    """The known placeholders of ``body`` that have no (non-blank) value."""
    return [
        name
        for name in placeholder_names(body)
        if name in PLACEHOLDERS and not str(values.get(name, "")).strip()
    ]


def missing_value_message(name: str) -> str:
    # The clerk's words first; the placeholder helps whoever edits the text blocks.
    return f"Bitte ergänzen: {PLACEHOLDERS[name]} (im Textbaustein {{{{{name}}}}})."


def fill_blocks(
    blocks: Sequence[tuple[str, str]], values: Mapping[str, str], explained: Collection[str] = ()
) -> list[Markup]:
    """Fill ``(label, body)`` blocks with ``values``; raise one TemplateError with every problem
    of every block (each missing value named once) before anything is filled. Missing values in
    ``explained`` are left out: the caller already asked for them in its own words."""
    problems: list[str] = []
    missing: list[str] = []
    for label, body in blocks:
        problems.extend(template_problems(body, label))
        missing.extend(
            name for name in missing_values(body, values) if name not in missing and name not in explained
        )
    problems.extend(missing_value_message(name) for name in missing)
    if problems:
        raise TemplateError(problems)
    return [_fill(body, values, label) for label, body in blocks]


def fill(body: str, values: Mapping[str, str], label: str) -> Markup:
    """One block filled (see :func:`fill_blocks`)."""
    return fill_blocks([(label, body)], values)[0]


def _fill(body: str, values: Mapping[str, str], label: str) -> Markup:
    # Markup first (checked, line breaks as <br/>), then the escaped values: a value can never
    # add markup, and one substitution pass means a value's own "{{…}}" stays text.
    template = Markup.from_template(body, f"Textbaustein »{label}«")
    return Markup(_PLACEHOLDER.sub(lambda match: escape(values[match.group(1)]), template))


def default_body(
    kind: LetterKind, block: str, procedure: Procedure = Procedure.GENEHMIGUNG, leika_id: str = ""
) -> str:
    """The built-in text of a block (version 0), used until a municipality saves its own; an
    Anzeige (and a Gewerbeanzeige in particular) has wording of its own where it differs."""
    return built_in_text(kind, block, procedure, leika_id)
