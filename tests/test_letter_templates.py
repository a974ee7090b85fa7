"""Text blocks: placeholders, German errors naming the field, escaping, versions on a real database."""

from __future__ import annotations

import sqlite3

import pytest

from kommune_desk.documents.model import LetterKind
from kommune_desk.domain.letter_templates import (
    KIND_BLOCKS,
    PLACEHOLDERS,
    REQUIRED_BLOCKS,
    TemplateError,
    block_label,
    check_template,
    default_body,
    fill,
    fill_blocks,
    placeholder_names,
    template_problems,
)
from kommune_desk.domain.markup import Markup
from kommune_desk.domain.notices import NOTICE_KINDS
from kommune_desk.domain.records import Role
from kommune_desk.domain.validation import ValidationError
from kommune_desk.services.clerks import add_clerk
from kommune_desk.services.letter_templates import (
    effective_blocks,
    list_templates,
    placeholders,
    save_template,
    template_history,
)
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.storage.reference import list_services


def test_placeholders_allow_spaces_inside_the_braces() -> None:
    body = "Az. {{aktenzeichen}}, {{ leistung }} und {{  aktenzeichen}}"
    assert placeholder_names(body) == ["aktenzeichen", "leistung"]
    assert fill(body, {"aktenzeichen": "NAU-1", "leistung": "X"}, "Test") == "Az. NAU-1, X und NAU-1"


def test_an_unknown_placeholder_is_named_with_its_block_and_the_known_ones() -> None:
    [message] = template_problems("Gründe: {{foo}}", "Begründung")
    assert message.startswith(
        "Der Platzhalter {{foo}} im Textbaustein »Begründung« ist unbekannt. Bekannt sind: "
    )
    assert "{{aktenzeichen}}" in message and "{{frist_unterlagen}}" in message


def test_a_missing_value_is_named_with_its_label() -> None:
    with pytest.raises(TemplateError) as raised:
        fill("Bitte bis {{frist_unterlagen}}.", {"frist_unterlagen": "  "}, "Einleitung")
    assert raised.value.messages == [
        "Bitte ergänzen: Frist für die Unterlagen (im Textbaustein {{frist_unterlagen}})."
    ]


def test_every_problem_of_every_block_is_reported_at_once_and_each_missing_value_once() -> None:
    with pytest.raises(TemplateError) as raised:
        fill_blocks(
            [("Einleitung", "{{datum}} <img src=x>"), ("Schluss", "{{datum}} {{gibtsnicht}} {{ oops")],
            {},
        )
    messages = raised.value.messages
    assert any("»<img src=x>« ist nicht erlaubt" in m and "Textbaustein »Einleitung«" in m for m in messages)
    assert any("{{gibtsnicht}} im Textbaustein »Schluss«" in m for m in messages)
    assert any("nicht vollständig" in m for m in messages)
    assert messages.count("Bitte ergänzen: Datum des Schreibens (im Textbaustein {{datum}}).") == 1


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("<b>fett", "»<b>« wird nicht wieder geschlossen"),
        ("A & B", "»&« muss als »&amp;« geschrieben werden"),
        ('<a href="x">', "ist nicht erlaubt"),
        ("{{aktenzeichen}", "nicht vollständig"),
    ],
)
def test_bad_markup_and_syntax_are_refused(body: str, fragment: str) -> None:
    with pytest.raises(TemplateError) as raised:
        check_template(body, "Hinweise")
    assert fragment in "\n".join(raised.value.messages)


def test_values_are_escaped_and_the_templates_markup_kept() -> None:
    hostile = "<img src=x> & {{aktenzeichen}}\nzweite Zeile"
    result = fill(
        "<b>{{antragsteller_name}}</b>\n{{aktenzeichen}}",
        {"antragsteller_name": hostile, "aktenzeichen": "A"},
        "T",
    )
    assert isinstance(result, Markup)
    assert result == "<b>&lt;img src=x&gt; &amp; {{aktenzeichen}}<br/>zweite Zeile</b><br/>A"


def test_the_built_in_texts_are_valid_and_complete() -> None:
    for kind in NOTICE_KINDS:
        for block in KIND_BLOCKS[kind]:
            body = default_body(kind, block)
            assert template_problems(body, block_label(block)) == [], (kind, block)
            assert body.strip(), (kind, block)
    for kind, block in REQUIRED_BLOCKS:
        assert block in KIND_BLOCKS[kind]
    assert "{{begruendung}}" in default_body(LetterKind.ABLEHNUNG, "begruendung")  # § 39 VwVfG
    assert "{{unterlagen}}" in default_body(LetterKind.ANFORDERUNG_UNTERLAGEN, "einleitung")
    assert "Aktenlage" in default_body(LetterKind.ANFORDERUNG_UNTERLAGEN, "hinweise")
    assert {"tenor", "nebenbestimmungen", "begruendung"} <= set(KIND_BLOCKS[LetterKind.BEWILLIGUNG])
    assert placeholders() == list(PLACEHOLDERS.items())


# -- on a database --------------------------------------------------------------------------------
@pytest.fixture
def lead(workspace: Workspace) -> Workspace:
    add_clerk(workspace, "t.leitung", "Tina Leitner", Role.TEAMLEITUNG)
    ws = load_workspace(workspace.db, "t.leitung")
    assert ws is not None
    return ws


def _service_id(ws: Workspace, name: str) -> str:
    conn = ws.db.reader()
    try:
        return next(s.id for s in list_services(conn, ws.municipality.id) if s.name == name)
    finally:
        conn.close()


def _count(ws: Workspace, table: str) -> int:
    conn = ws.db.reader()
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def test_saving_makes_new_versions_and_never_updates(lead: Workspace) -> None:
    kind, block = LetterKind.ABLEHNUNG, "schluss"
    first = save_template(lead, None, kind, block, "Mit Grüßen aus {{dienststelle}}.")
    second = save_template(lead, None, kind, block, "Fragen? {{sachbearbeitung}} hilft.\r\n")
    assert (first.version, second.version) == (1, 2)
    assert second.body == "Fragen? {{sachbearbeitung}} hilft." and second.created_by_name == "Tina Leitner"
    outbox = _count(lead, "outbox")
    assert save_template(lead, None, kind, block, second.body) == second  # the same text: nothing written
    assert _count(lead, "outbox") == outbox
    history = template_history(lead, None, kind, block)
    assert [t.version for t in history] == [2, 1, 0]
    assert history[-1].body == default_body(kind, block)
    with pytest.raises(sqlite3.IntegrityError, match="never updated"), lead.db.write() as conn:
        conn.execute("UPDATE letter_templates SET body = 'x'")


def test_a_service_block_overrides_the_default(lead: Workspace) -> None:
    service_id = _service_id(lead, "Baumfällgenehmigung")
    save_template(lead, None, LetterKind.BEWILLIGUNG, "tenor", "Allgemein {{leistung}}.")
    save_template(lead, service_id, LetterKind.BEWILLIGUNG, "tenor", "Die Fällung wird <b>erlaubt</b>.")
    conn = lead.db.reader()
    try:
        own = effective_blocks(conn, lead.municipality.id, service_id, LetterKind.BEWILLIGUNG)
        other = effective_blocks(
            conn, lead.municipality.id, _service_id(lead, "Gewerbeanmeldung"), LetterKind.BEWILLIGUNG
        )
    finally:
        conn.close()
    assert (own["tenor"].body, own["tenor"].service_id, own["tenor"].version) == (
        "Die Fällung wird <b>erlaubt</b>.",
        service_id,
        1,
    )
    assert (other["tenor"].body, other["tenor"].service_id) == ("Allgemein {{leistung}}.", None)
    assert own["einleitung"].version == 0 and own["einleitung"].template_id is None  # built-in
    listed = list_templates(lead)
    tenors = [t for t in listed if t.kind is LetterKind.BEWILLIGUNG and t.block == "tenor"]
    assert [(t.service_name, t.version) for t in tenors] == [("", 1), ("Baumfällgenehmigung", 1)]
    assert len([t for t in listed if t.service_id is None]) == sum(len(KIND_BLOCKS[k]) for k in KIND_BLOCKS)


def test_only_teamleitung_and_administration_save_and_bad_text_writes_nothing(
    workspace: Workspace, lead: Workspace
) -> None:
    with pytest.raises(ValidationError, match="nur die Teamleitung und die Administration"):
        save_template(workspace, None, LetterKind.ABLEHNUNG, "schluss", "Tschüss")
    before = _count(lead, "letter_templates"), _count(lead, "outbox")
    with pytest.raises(TemplateError) as raised:
        save_template(lead, None, LetterKind.ABLEHNUNG, "begruendung", "Weil {{grund}}.")
    assert "{{grund}} im Textbaustein »Begründung« ist unbekannt" in raised.value.messages[0]
    with pytest.raises(TemplateError, match="darf nicht leer sein"):
        save_template(lead, None, LetterKind.ABLEHNUNG, "begruendung", "  ")
    with pytest.raises(ValidationError, match="gibt es bei »Ablehnungsbescheid« nicht"):
        save_template(lead, None, LetterKind.ABLEHNUNG, "nebenbestimmungen", "x")
    with pytest.raises(ValidationError, match="Leistung gibt es in dieser Gemeinde nicht"):
        save_template(lead, "0190f0aa-0000-7000-8000-000000000000", LetterKind.ABLEHNUNG, "schluss", "x")
    assert (_count(lead, "letter_templates"), _count(lead, "outbox")) == before
