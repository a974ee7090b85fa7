"""Full-text search: finds by parts of names, never breaks on what a clerk types."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.inbox_views import InboxFilter
from kommune_desk.domain.records import Channel
from kommune_desk.services.applications import register_application
from kommune_desk.services.inbox import InboxReader
from kommune_desk.services.workflow import set_follow_up
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage import applications as repo
from kommune_desk.storage.inbox_query import filter_clause
from kommune_desk.storage.reference import list_services
from kommune_desk.storage.search import fts_query

RECEIVED = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def filled(workspace: Workspace) -> tuple[Workspace, dict[str, str]]:
    conn = workspace.db.reader()
    service = next(
        s for s in list_services(conn, workspace.municipality.id) if s.name == "Baumfällgenehmigung"
    )
    conn.close()
    people = {
        "agaoglu": ("Ağaoğlu, Zoë", "Langgasse 12", {"baumart": "Linde"}),
        "oeztuerk": ("Öztürk, Ben", "Waldstraße 3", {"baumart": "Walnuss"}),
        "mueller": ("Müller-Lüdenscheidt, Hans", "Am Zollhaus 1", {"baumart": "Birke"}),
    }
    ids = {
        key: register_application(
            workspace,
            NewApplication(
                service.id,
                name,
                Channel.PAPIER,
                RECEIVED,
                applicant_street=street,
                applicant_postal_code="64569",
                applicant_city="Nauheim",
                form_data=form,
            ),
        )
        for key, (name, street, form) in people.items()
    }
    return workspace, ids


def _found(ws: Workspace, text: str) -> set[str]:
    reader = InboxReader(ws.db, ws.municipality.id)
    try:
        handles = reader.handles(InboxFilter(text=text))
        return {row.id for row in reader.rows(handles).values()}
    finally:
        reader.close()


def test_finds_by_parts_of_name_address_form_and_aktenzeichen(
    filled: tuple[Workspace, dict[str, str]],
) -> None:
    ws, ids = filled
    assert _found(ws, "Ağa") == {ids["agaoglu"]}
    assert _found(ws, "ozturk") == {ids["oeztuerk"]}  # umlauts folded
    assert _found(ws, "müll lüden") == {ids["mueller"]}  # every word, as prefix
    assert _found(ws, "langg") == {ids["agaoglu"]}
    assert _found(ws, "walnu") == {ids["oeztuerk"]}  # form values
    assert _found(ws, "NAU-2026-00002") == {ids["oeztuerk"]}
    assert _found(ws, "64569") == set(ids.values())
    assert _found(ws, "Zimmermann") == set()


@pytest.mark.parametrize(
    "hostile",
    [
        '"',
        '""',
        'Öztürk"',
        "AND",
        "OR NOT",
        "applicant:Ben",
        "NEAR(a b)",
        "*",
        "^Ben",
        "((",
        "a OR",
        "-",
        "' OR 1=1 --",
        "\u202eknatS",
        "\x00",
        "🙂",
        "ß" * 5000,
        "a " * 500,
    ],
)
def test_hostile_input_is_just_text(filled: tuple[Workspace, dict[str, str]], hostile: str) -> None:
    ws, _ids = filled
    assert isinstance(_found(ws, hostile), set)


_FTS = sqlite3.connect(":memory:")
_FTS.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'unicode61 remove_diacritics 2')")
_FTS.execute("INSERT INTO t VALUES ('Öztürk Langgasse 12 NAU-2026-00001')")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_is_a_valid_fts5_query(text: str) -> None:
    """Whatever is typed, the query SQLite receives parses and runs."""
    query = fts_query(text)
    if query is not None:
        assert _FTS.execute("SELECT count(*) FROM t WHERE t MATCH ?", (query,)).fetchone()[0] in (0, 1)


@pytest.mark.parametrize("typed", ["Öztürk & Langgasse", "Öztürk - Langgasse", "öztürk , 12 ?"])
def test_punctuation_between_words_does_not_hide_the_hit(typed: str) -> None:
    """Punctuation ("&", "-") typed as words of their own are no tokens of the index: they must not make
    every search with them come back empty."""
    query = fts_query(typed)
    assert query is not None
    assert _FTS.execute("SELECT count(*) FROM t WHERE t MATCH ?", (query,)).fetchone()[0] == 1


def test_the_index_follows_changes_and_deletions(filled: tuple[Workspace, dict[str, str]]) -> None:
    ws, ids = filled
    set_follow_up(ws, ids["mueller"], dt.date(2026, 12, 1), "Rückruf wegen Ersatzpflanzung")
    assert _found(ws, "ersatzpfl") == {ids["mueller"]}
    with ws.db.write() as conn:
        conn.execute(
            "UPDATE applications SET deleted_at = '2026-11-25T10:00:00+00:00' WHERE id = ?", (ids["mueller"],)
        )
    assert _found(ws, "müller") == set()


def test_another_municipality_is_never_found(demo_workspace: Workspace) -> None:
    conn = demo_workspace.db.reader()
    nauheim, office = conn.execute(
        "SELECT m.id, o.id FROM municipalities m JOIN offices o ON o.municipality_id = m.id"
        " WHERE m.ags = '06433009'"
    ).fetchone()
    conn.close()
    with demo_workspace.db.write() as conn:
        repo.insert_application(
            conn,
            {
                "id": "0190f0aa-0000-7000-8000-00000000abcd",
                "municipality_id": nauheim,
                "office_id": office,
                "service_id": None,
                "aktenzeichen": "NAU-2026-00001",
                "received_at": "2026-11-20T08:00:00+00:00",
                "channel": "papier",
                "status": "eingegangen",
                "applicant_name": "Quastenflosser, Quentin",
                "created_at": "2026-11-20T08:00:00+00:00",
                "updated_at": "2026-11-20T08:00:00+00:00",
            },
        )
    assert _found(demo_workspace, "Quastenflosser") == set()
    reader = InboxReader(demo_workspace.db, nauheim)
    assert len(reader.handles(InboxFilter(text="Quastenflosser"))) == 1
    reader.close()


def test_the_text_match_is_computed_once_not_per_row(filled: tuple[Workspace, dict[str, str]]) -> None:
    """Regression: a join let SQLite run MATCH for every application (85 s for one letter)."""
    ws, _ids = filled
    conn = ws.db.reader()
    where = filter_clause(InboxFilter(text="Öz"), None, dt.date(2026, 11, 25))
    assert where is not None
    for order in repo.INBOX_ORDER:
        sql = repo.inbox_select(order, True, where[0])
        params = (ws.municipality.id, *where[1], 200)
        plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
        assert "LIST SUBQUERY" in plan and "CORRELATED" not in plan, plan
    conn.close()


def test_search_as_germans_type_both_ways(workspace: Workspace) -> None:
    """ "mueller" finds "Müller", "weiss" finds "Weiß", "strasse" finds "Straße", and back."""
    conn = workspace.db.reader()
    service = next(
        s for s in list_services(conn, workspace.municipality.id) if s.name == "Baumfällgenehmigung"
    )
    conn.close()
    people = {
        "mueller": ("Müller, Hans", "Lange Straße 1"),
        "mueller_ascii": ("Mueller, Gerd", "Kurze Strasse 2"),
        "weiss": ("Weiß, Sabine", "Am Bach 3"),
        "weiss_ascii": ("Weiss, Tom", "Am Bach 4"),
        "oeztuerk": ("Öztürk, Ben", "Hauptweg 5"),
        "mustermann": ("Mustermann, Erika", "Straße am Ring 6"),
    }
    ids = {
        key: register_application(
            workspace,
            NewApplication(
                service.id,
                name,
                Channel.PAPIER,
                RECEIVED,
                applicant_street=street,
                applicant_postal_code="64569",
                applicant_city="Nauheim",
            ),
        )
        for key, (name, street) in people.items()
    }

    def found(text: str) -> set[str]:
        return {key for key, value in ids.items() if value in _found(workspace, text)}

    assert found("mueller") == found("Müller") == {"mueller", "mueller_ascii"}
    assert found("muller") == {"mueller"}  # the umlaut left out, as the index keeps it
    assert found("weiss") == found("Weiß") == {"weiss", "weiss_ascii"}
    assert found("oeztuerk") == found("Öztürk") == {"oeztuerk"}
    assert found("strasse") == found("straße") == {"mueller", "mueller_ascii", "mustermann"}
    assert found("mueller strasse") == {"mueller", "mueller_ascii"}
    # While typing: "mue" is not yet "mü", so it does not find every "mu…".
    assert found("mue") == {"mueller_ascii"} and found("muel") == {"mueller", "mueller_ascii"}


@pytest.mark.parametrize(
    ("typed", "spellings"),
    [
        ("Müller", ["müller", "mueller"]),
        ("mueller", ["mueller", "müller"]),
        ("weiss", ["weiss", "weiß"]),
        ("Straße", ["strasse", "straße"]),
        ("mue", ["mue"]),  # "ue" at the end stays as typed until the next letter
        # "ue" that is no umlaut gives a spelling nobody writes; it may also find "Baur", never less.
        ("Bauer", ["bauer", "baür"]),
    ],
)
def test_german_spellings_of_a_typed_word(typed: str, spellings: list[str]) -> None:
    from kommune_desk.domain.collation import german_spellings

    assert german_spellings(typed) == spellings
