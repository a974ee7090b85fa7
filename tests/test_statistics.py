"""Statistik: sessions folded from events in any order, figures against hand-computed fixtures,
small counts suppressed (also where a total would give them away), the CSV import (all or
nothing, line numbers, nothing added twice), retention, the migration and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kommune_desk.domain.statistics import TOTAL, ServiceCounts, protect, published_cells
from kommune_desk.domain.usage import SessionState, UsageEvent, advance, local_day, marks
from kommune_desk.domain.usage_csv import COLUMNS, UsageFileError, read_usage_csv
from kommune_desk.domain.validation import ValidationError
from kommune_desk.services.statistics import Period, import_usage_file, usage_report
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage import usage_stats
from kommune_desk.storage.database import Database
from kommune_desk.storage.migrations import MIGRATIONS, migrate

UTC = dt.UTC
HUNDESTEUER = "99108008001000"  # in the standard catalogue: "Hundesteuer – Anmeldung"
GEWERBE = "99050012104000"  # "Gewerbeanmeldung"
HEADER = ";".join(COLUMNS)


def _at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=UTC)


def _event(n: int, session: str, kind: str, at: dt.datetime, **extra: object) -> UsageEvent:
    return UsageEvent(f"e{n}", extra.pop("leika", HUNDESTEUER), session, at, kind, **extra)  # type: ignore[arg-type]


# --- sessions --------------------------------------------------------------------------------


def test_a_session_is_folded_the_same_in_any_order_of_arrival() -> None:
    events = [
        _event(1, "s", "gestartet", _at(3), step=1, channel="app", authentication="bundid"),
        _event(2, "s", "schritt", _at(3, 11), step=3),
        _event(3, "s", "schritt", _at(3, 12), step=2, channel="web"),
        _event(4, "s", "abgeschickt", _at(4), step=4),
        _event(5, "s", "bezahlt", _at(4, 11), payment_method="PAYPAL"),
        _event(6, "s", "bewertet", _at(5), rating=2),
        _event(7, "s", "bewertet", _at(6), rating=5),
    ]
    forward: SessionState | None = None
    for event in events:
        forward = advance(forward, event)
    backward: SessionState | None = None
    for event in reversed(events):
        backward = advance(backward, event)
    assert forward is not None and backward is not None
    assert marks(forward) == marks(backward)
    assert forward.started_on == dt.date(2026, 11, 3) and forward.highest_step == 4 and forward.submitted
    assert forward.rating == 5 and forward.payment_method == "PAYPAL"
    assert forward.channel == "app"  # the first report of the channel stands
    assert set(marks(forward)) == {
        (dt.date(2026, 11, 3), HUNDESTEUER, "app", metric, key)
        for metric, key in [
            ("gestartet", ""), ("schritt", "4"), ("anmeldung", "bundid"), ("abgeschickt", ""),
            ("zahlart", "PAYPAL"), ("bewertung", "5"),
        ]
    }  # fmt: skip


def test_a_session_is_counted_on_the_german_day_it_started_and_not_before() -> None:
    late_evening = dt.datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 December in Hesse
    assert local_day(late_evening) == dt.date(2026, 12, 1)
    step_only = advance(None, _event(1, "s", "schritt", _at(2), step=2))
    assert marks(step_only) == ()  # no 'gestartet' yet: not counted anywhere
    started = advance(step_only, _event(2, "s", "gestartet", late_evening, step=1))
    assert started.started_on == dt.date(2026, 12, 1) and started.highest_step == 2


# --- figures and suppression -----------------------------------------------------------------


def _counts(**values: object) -> ServiceCounts:
    return ServiceCounts(**values)  # type: ignore[arg-type]


def test_figures_match_a_hand_computed_fixture(workspace: Workspace) -> None:
    """20 Hundesteuer sessions (12 submitted) and 9 Gewerbe sessions (all submitted), by hand."""
    events: list[UsageEvent] = []
    n = 0

    def session(name: str, leika: str, highest: int, submitted: bool, **extra: object) -> None:
        nonlocal n
        n += 1
        events.append(_event(n, name, "gestartet", _at(2), step=1, leika=leika, channel="web", **extra))
        for step in range(2, highest + 1):
            n += 1
            events.append(_event(n, name, "schritt", _at(2, 11), step=step, leika=leika))
        if submitted:
            n += 1
            events.append(_event(n, name, "abgeschickt", _at(2, 12), leika=leika))
            n += 1
            events.append(_event(n, name, "bezahlt", _at(2, 13), payment_method="GIROPAY", leika=leika))

    for i in range(3):
        session(f"h-step1-{i}", HUNDESTEUER, 1, False)
    for i in range(5):
        session(f"h-step2-{i}", HUNDESTEUER, 2, False, authentication="elster")
    for i in range(12):
        session(f"h-done-{i}", HUNDESTEUER, 3, True, authentication="bundid")
    for i in range(9):
        session(f"g-{i}", GEWERBE, 2, True, authentication="bundid")
    with workspace.db.write() as conn:
        assert usage_stats.add_events(conn, workspace.municipality.id, events) == len(events)

    report = usage_report(workspace, Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    dog = next(s for s in report["leistungen"] if s["leika_id"] == HUNDESTEUER)
    assert dog["name"] == "Hundesteuer – Anmeldung"
    assert (dog["gestartet"], dog["abgeschickt"], dog["abgebrochen"]) == (20, 12, 8)
    assert dog["abbruchquote"] == pytest.approx(0.4)
    assert dog["trichter"] == [
        {"schritt": 1, "erreicht": 20}, {"schritt": 2, "erreicht": 17}, {"schritt": 3, "erreicht": 12},
    ]  # fmt: skip
    assert dog["zahlarten"] == {"GIROPAY": 12}
    # 3 sessions without a sign-in reported: hidden, and with it one more of the row (else 20 − 5 − 12).
    assert dog["anmeldung"]["nicht_angegeben"] is None
    assert dog["anmeldung"]["elster"] is None and dog["anmeldung"]["bundid"] == 12
    total = report["gesamt"]
    assert (total["gestartet"], total["abgeschickt"], total["abgebrochen"]) == (29, 21, 8)
    assert total["trichter"] == [
        {"schritt": 1, "erreicht": 29}, {"schritt": 2, "erreicht": 26}, {"schritt": 3, "erreicht": 12},
    ]  # fmt: skip
    trade = next(s for s in report["leistungen"] if s["leika_id"] == GEWERBE)
    assert (trade["gestartet"], trade["abgeschickt"], trade["abgebrochen"]) == (9, 9, 0)  # zero stays zero
    assert trade["abbruchquote"] == 0.0

    only_trade = usage_report(
        workspace, Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)), leika_id=GEWERBE
    )
    assert [s["leika_id"] for s in only_trade["leistungen"]] == [GEWERBE]
    assert only_trade["gesamt"]["gestartet"] == 9
    empty = usage_report(workspace, Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31)))
    assert empty["gesamt"]["gestartet"] == 0 and empty["leistungen"] == []


def test_small_counts_and_what_follows_from_them_are_hidden() -> None:
    counts = {
        TOTAL: _counts(started=13, submitted=10, ratings={1: 2, 5: 7}),
        "A": _counts(started=9, submitted=7, ratings={1: 2, 5: 7}),  # 2 abandoned: hidden, so is 7
        "B": _counts(started=4, submitted=3),  # everything small
    }
    values, hidden = published_cells(counts)
    assert ("A", "abgebrochen") in hidden and ("A", "abgeschickt") in hidden
    assert ("B", "gestartet") in hidden and ("B", "abgeschickt") in hidden
    # Gesamt 13 = A 9 + B 4: with B hidden, A's 9 would give B away, so A's is hidden too.
    assert ("A", "gestartet") in hidden and (TOTAL, "gestartet") not in hidden
    _assert_no_lone_hidden_cell(values, hidden, counts)


def _relations(values: dict, counts: dict) -> list[tuple[tuple, list[tuple]]]:
    """Every relation a reader could use, rebuilt independently of the code under test."""
    relations = []
    for row, c in counts.items():
        relations.append(((row, "gestartet"), [(row, "abgeschickt"), (row, "abgebrochen")]))
        if c.authentications:
            relations.append(((row, "gestartet"), [(row, "anmeldung", a) for a in c.authentications]))
        if c.channels:
            relations.append(((row, "gestartet"), [(row, "kanal", k) for k in c.channels]))
    rows = [r for r in counts if r != TOTAL]
    for key in values:
        parts = [(r, *key[1:]) for r in rows if (r, *key[1:]) in values]
        if key[0] == TOTAL and parts:
            relations.append((key, parts))
    return relations


def _assert_no_lone_hidden_cell(values: dict, hidden: set, counts: dict) -> None:
    for key, value in values.items():
        if 0 < value < 5:
            assert key in hidden, key
        if value == 0:
            assert key not in hidden, key
    for total, parts in _relations(values, counts):
        shown = [m for m in [total, *parts] if m not in hidden]
        lone = [m for m in [total, *parts] if m in hidden]
        if len(lone) == 1:
            # The reader's attempt: the hidden cell from the total and the shown cells.
            (cell,) = lone
            known = {m: values[m] for m in shown}
            guess = (
                sum(known[p] for p in parts if p in known)
                if cell == total
                else known[total] - sum(known[p] for p in parts if p in known and p != cell)
            )
            pytest.fail(f"{cell} (value {values[cell]}) can be recomputed as {guess}")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(0, 6), st.integers(0, 6)),
        min_size=1,
        max_size=6,
    )
)
def test_no_hidden_cell_can_be_recomputed_from_a_total_and_the_shown_cells(
    rows: list[tuple[int, int, int, int]],
) -> None:
    counts: dict[str, ServiceCounts] = {TOTAL: ServiceCounts()}
    for index, (submitted, abandoned, web, _app) in enumerate(rows):
        started = submitted + abandoned
        channels = {"web": min(web, started)}
        channels["app"] = started - channels["web"]
        row = _counts(started=started, submitted=submitted, channels=channels)
        counts[f"L{index}"] = row
        total = counts[TOTAL]
        total.started += started
        total.submitted += submitted
        for key, value in channels.items():
            total.channels[key] = total.channels.get(key, 0) + value
    values, hidden = published_cells(counts)
    _assert_no_lone_hidden_cell(values, hidden, counts)


def test_the_funnel_cannot_give_away_a_hidden_split() -> None:
    """36 started, 32 submitted (all reached the last step 5), 4 abandoned: with abgebrochen
    hidden, "≤ 32 reached step 5" and "≥ 36 − 4" would pin abgeschickt to 32."""
    counts = {
        TOTAL: _counts(started=36, submitted=32, highest_steps={2: 4, 5: 32}),
        "A": _counts(started=36, submitted=32, highest_steps={2: 4, 5: 32}),
    }
    values, hidden = published_cells(counts)
    assert ("A", "abgebrochen") in hidden and ("A", "abgeschickt") in hidden
    assert {("A", "trichter", s) for s in range(1, 6)} <= hidden
    _assert_no_lone_hidden_cell(values, hidden, counts)
    from kommune_desk.domain.statistics import hidden_mark, usage_figures

    figures = usage_figures("A", counts["A"], values, hidden)
    assert hidden_mark(figures, "abgebrochen") == "< 5" and hidden_mark(figures, "abgeschickt") == "×"


def test_protect_prefers_the_smallest_partner_and_leaves_zero_alone() -> None:
    values = {"total": 30, "a": 3, "b": 0, "c": 7, "d": 20}
    assert protect(values, [("total", ["a", "b", "c", "d"])]) == {"a", "c"}
    assert protect({"total": 3, "a": 3, "b": 0}, [("total", ["a", "b"])]) == {"total", "a"}


def test_the_rating_mean_shows_only_without_hidden_ratings() -> None:
    counts = {
        TOTAL: _counts(started=20, ratings={4: 6, 5: 9}),
        "A": _counts(started=20, ratings={4: 6, 5: 9}),
    }
    values, hidden = published_cells(counts)
    from kommune_desk.domain.statistics import usage_figures

    shown = usage_figures("A", counts["A"], values, hidden)["bewertung"]
    assert shown["mittelwert"] == pytest.approx((4 * 6 + 5 * 9) / 15)
    counts["A"].ratings[1] = 2
    values, hidden = published_cells(counts)
    assert usage_figures("A", counts["A"], values, hidden)["bewertung"]["mittelwert"] is None


def _case(ws: Workspace, leika: str, received: str, completed: str | None, **extra: object) -> None:
    from kommune_desk.storage.applications import insert_application
    from kommune_desk.storage.reference import list_services

    with ws.db.write() as conn:
        service = next(s for s in list_services(conn, ws.municipality.id) if s.leika_id == leika)
        number = conn.execute("SELECT count(*) FROM applications").fetchone()[0] + 1
        row = {
            "id": f"a{number}", "municipality_id": ws.municipality.id, "office_id": ws.office.id,
            "service_id": service.id, "aktenzeichen": f"MW-2026-{number:05d}", "received_at": received,
            "channel": "papier", "status": "abgeschlossen" if completed else "in_bearbeitung",
            "applicant_name": "Roß, Ingrid", "completed_at": completed, "created_at": received,
            "updated_at": received,
        } | extra  # fmt: skip
        insert_application(conn, row)


def test_processing_times_backlog_and_counter_payments_by_hand(workspace: Workspace) -> None:
    # Seven dog-tax cases completed in November after 1, 2, 3, 5, 8, 13 and 21 days: median 5,
    # 90th percentile by nearest rank the 7th of 7 (⌈6.3⌉): 21.
    for days in (1, 2, 3, 5, 8, 13, 21):
        received = dt.datetime(2026, 10, 31, 9, tzinfo=UTC)
        completed = received + dt.timedelta(days=days)
        _case(workspace, HUNDESTEUER, received.isoformat(), completed.isoformat())
    # Completed 1 Dec 00:30 Hessian time: not completed in November, so open at its end.
    _case(workspace, HUNDESTEUER, "2026-10-31T23:30:00+00:00", "2026-11-30T23:30:00+00:00")
    # Open at the end of November: six, two of them overdue, one paused (not overdue).
    for due in ("2026-11-20", "2026-11-25", "2026-12-10", "2026-12-11", "2026-12-12"):
        _case(workspace, HUNDESTEUER, "2026-11-03T09:00:00+01:00", None, due_date=due)
    _case(workspace, HUNDESTEUER, "2026-11-03T09:00:00+01:00", None, due_date="2026-11-01",
          status="wartet_auf_unterlagen")  # fmt: skip
    # Completed only in December: open at the end of November, too.
    _case(workspace, HUNDESTEUER, "2026-11-04T09:00:00+01:00", "2026-12-02T09:00:00+01:00")
    _case(workspace, HUNDESTEUER, "2026-11-04T09:00:00+01:00", None, status="zurueckgezogen")  # not open
    for method in ("bar",) * 6 + ("ec_karte",) * 5:
        _case(workspace, GEWERBE, "2026-11-05T09:00:00+01:00", None, payment_status="bezahlt",
              payment_method=method, paid_at="2026-11-05T10:00:00+01:00", status="eingegangen")  # fmt: skip

    report = usage_report(workspace, Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    dog = next(s for s in report["leistungen"] if s["leika_id"] == HUNDESTEUER)
    # 2 overdue: hidden.
    assert dog["bearbeitung"] == {
        "abgeschlossen": 7, "median_tage": 5.0, "p90_tage": 21.0, "offen": 8, "ueberfaellig": None,
    }  # fmt: skip
    trade = next(s for s in report["leistungen"] if s["leika_id"] == GEWERBE)
    assert trade["zahlarten"] == {"bar": 6, "ec_karte": 5}
    assert trade["bearbeitung"]["offen"] == 11 and trade["bearbeitung"]["abgeschlossen"] == 0
    assert trade["bearbeitung"]["median_tage"] is None  # nothing completed: no time to speak of
    total = report["gesamt"]["bearbeitung"]
    assert total["abgeschlossen"] == 7 and total["offen"] == 19
    # 2 overdue of the dog tax are hidden; Gesamt 2 would give them away, so it is hidden too.
    assert total["ueberfaellig"] is None


def test_utilisation_counts_each_lent_day_of_the_period_once() -> None:
    from kommune_desk.domain.statistics import utilisation

    november = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    loans = [
        ("kamera", dt.date(2026, 10, 25), dt.date(2026, 11, 3)),  # 3 days inside November
        ("kamera", dt.date(2026, 11, 3), dt.date(2026, 11, 5)),  # overlaps on the 3rd: 2 more
        ("kamera", dt.date(2026, 11, 28), dt.date(2026, 12, 9)),  # 3 days
        ("messgeraet", dt.date(2026, 12, 1), dt.date(2026, 12, 2)),  # outside
    ]
    shares = utilisation(loans, ["kamera", "messgeraet", "lastenrad"], *november)
    assert shares == {"kamera": pytest.approx(8 / 30), "messgeraet": 0.0, "lastenrad": 0.0}


def test_cases_per_month_and_intake_channels_in_the_dashboard(workspace: Workspace) -> None:
    from kommune_desk.services.dashboard import Filters, build_dashboard

    for day in range(1, 8):
        _case(
            workspace,
            HUNDESTEUER,
            f"2026-11-{day:02d}T09:00:00+01:00",
            f"2026-11-{day + 9:02d}T09:00:00+01:00",
        )
    for day in range(1, 4):
        _case(workspace, HUNDESTEUER, f"2026-11-{day:02d}T09:00:00+01:00", None, channel="schalter")
    for day in range(1, 10):
        _case(workspace, GEWERBE, f"2026-11-{day:02d}T09:00:00+01:00", None, channel="fit_connect")
    dashboard = build_dashboard(workspace, Filters(Period(dt.date(2026, 10, 1), dt.date(2026, 11, 30))))
    charts = {spec.key: spec for spec in dashboard.charts}
    cases = charts["vorgaenge"]
    assert cases.categories == ("Okt. 2026", "Nov. 2026")
    assert cases.series[0].values == (0, 19) and cases.series[1].values == (0, 7)
    channels = charts["eingangswege"]
    # 9 online, 7 paper, 3 at the counter (hidden) – and paper too, else 100 % − the others gives it away.
    assert channels.categories == ("online (FIT-Connect)", "Papier", "Schalter")
    assert channels.series[0].values == (pytest.approx(9 / 19), None, None)


def test_the_dashboard_sets_the_town_beside_the_kreis_median(workspace: Workspace) -> None:
    from kommune_desk.domain.comparison import Figure
    from kommune_desk.services.dashboard import Filters, build_dashboard
    from kommune_desk.storage import comparison

    events = []
    for i in range(20):  # 20 started, 15 submitted: Abbruchquote 25 %
        at = dt.datetime(2026, 11, 3, 9, tzinfo=UTC)
        events.append(_event(2 * i, f"s{i}", "gestartet", at, step=1))
        if i < 15:
            events.append(_event(2 * i + 1, f"s{i}", "abgeschickt", at, step=2))
    with workspace.db.write() as conn:
        usage_stats.add_events(conn, workspace.municipality.id, events)
        comparison.replace_all(
            conn,
            [Figure("2026-11", HUNDESTEUER, "abbruchquote", 9, 0.4, 0.3, 0.5),
             Figure("2026-11", "gesamt", "abbruchquote", 11, 0.35, 0.3, 0.45)],
            "2026-12-01T00:00:00+00:00",
        )  # fmt: skip
    november = build_dashboard(workspace, Filters(Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))))
    tiles = {tile.title: tile for tile in november.tiles}
    assert tiles["Abbruchquote"].value == "25,0\u00a0%"
    assert tiles["Abbruchquote"].detail.endswith("Kreis-Median 35,0\u00a0% (11 Städte und Gemeinden)")
    # One service chosen: beside it the Kreis median of that service, not of all of them.
    dog = build_dashboard(
        workspace, Filters(Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)), HUNDESTEUER)
    )
    detail = {tile.title: tile for tile in dog.tiles}["Abbruchquote"].detail
    assert detail.endswith("Kreis-Median 40,0\u00a0% (9 Städte und Gemeinden)")
    # One channel: the Kreis compares all channels, so nothing is set beside it.
    app = build_dashboard(
        workspace, Filters(Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)), None, "web")
    )
    assert "Kreis" not in {tile.title: tile for tile in app.tiles}["Abbruchquote"].detail
    chart = next(spec for spec in november.charts if spec.key == "kreis")
    assert chart.categories == ("Hundesteuer – Anmeldung",)
    assert [s.values for s in chart.series] == [(0.25,), (0.4,)]
    assert chart.note.startswith("Stand 01.12.2026.")  # how current the Kreis's figures are
    # Not a whole month, quarter or year: no comparison, and the chart says why.
    part = build_dashboard(workspace, Filters(Period(dt.date(2026, 11, 1), dt.date(2026, 11, 20))))
    chart = next(spec for spec in part.charts if spec.key == "kreis")
    assert chart.is_empty and "ganze Monate, Quartale und Jahre" in chart.empty_text
    assert "Kreis" not in {tile.title: tile for tile in part.tiles}["Abbruchquote"].detail


# --- the CSV file ----------------------------------------------------------------------------


def _csv(*lines: str, separator: str = ";") -> bytes:
    header = HEADER.replace(";", separator)
    return ("\ufeff" + "\r\n".join([header, *lines]) + "\r\n").encode("utf-8")


def test_the_csv_reads_iso_and_german_times_either_separator_and_a_bom() -> None:
    parsed = read_usage_csv(
        _csv(
            f"2026-11-24T14:05:00+01:00;{HUNDESTEUER};s1;gestartet;1;;web;bundid;",
            f"24.11.2026 14:07;{HUNDESTEUER};s1;bezahlt;;PAYPAL;;;",
            f"24.11.2026 14:09;{HUNDESTEUER};s1;bewertet;;;;;4",
        )
    )
    assert parsed.rows == 3 and len(parsed.events) == 3
    first, paid, rated = parsed.events
    assert first.occurred_at == dt.datetime(2026, 11, 24, 13, 5, tzinfo=UTC)
    assert paid.occurred_at.astimezone(UTC) == dt.datetime(2026, 11, 24, 13, 7, tzinfo=UTC)  # German time
    assert (first.channel, first.authentication, paid.payment_method, rated.rating) == (
        "web",
        "bundid",
        "PAYPAL",
        4,
    )
    commas = read_usage_csv(_csv(f"24.11.2026 14:05,{HUNDESTEUER},s1,gestartet,1,,,,", separator=","))
    assert commas.events[0].id == first.id or commas.events[0].kind == "gestartet"
    assert (
        read_usage_csv(_csv(f"2026-11-24T14:05:00+01:00;{HUNDESTEUER};s1;gestartet;1;;web;bundid;"))
        .events[0]
        .id
        == first.id
    )  # the id follows from the content: the same row is the same event


def test_bad_rows_are_named_with_their_lines_and_nothing_is_read() -> None:
    lines = [f"24.11.2026 14:05;{HUNDESTEUER};s{i};gestartet;1;;;;" for i in range(30)]
    lines[2] = f"31.02.2026 10:00;{HUNDESTEUER};s;gestartet;1;;;;"
    lines[4] = f"24.11.2026 14:05;{HUNDESTEUER};s;gestarted;1;;;;"
    lines[5] = f"24.11.2026 14:05;{HUNDESTEUER};s;bezahlt;;BITCOIN;;;"
    lines[6] = f"24.11.2026 14:05;{HUNDESTEUER};s;bewertet;;;;;9"
    lines[7] = "nur;drei;felder"
    with pytest.raises(UsageFileError) as refused:
        read_usage_csv(_csv(*lines))
    messages = refused.value.messages
    assert (
        messages[0] == "Die Datei wurde nicht importiert: 5 fehlerhafte Zeilen. Es wurde nichts gespeichert."
    )
    assert messages[1].startswith("Zeile 4: Zeitpunkt „31.02.2026 10:00“ nicht lesbar")
    assert messages[2].startswith("Zeile 6: Unbekanntes Ereignis „gestarted“")
    assert messages[3].startswith("Zeile 7: Unbekannte Zahlart „BITCOIN“")
    assert messages[4] == "Zeile 8: Die Bewertung muss zwischen 1 und 5 liegen."
    assert messages[5].startswith("Zeile 9: 3 Felder statt 9")

    many = [f"kaputt;{HUNDESTEUER};s;gestartet;1;;;;"] * 26
    with pytest.raises(UsageFileError) as refused:
        read_usage_csv(_csv(*many))
    assert len(refused.value.messages) == 1 + 20 + 1
    assert refused.value.messages[-1] == "… und 6 weitere."


def test_made_up_services_and_future_times_are_refused() -> None:
    with pytest.raises(UsageFileError) as refused:
        read_usage_csv(
            _csv(
                "24.11.2026 14:05;Hundesteuer;s1;gestartet;1;;;;",
                f"24.11.2030 14:05;{HUNDESTEUER};s2;gestartet;1;;;;",
            ),
            now=dt.datetime(2026, 12, 6, tzinfo=UTC),
        )
    first, second = refused.value.messages[1:]
    assert first.startswith("Zeile 2: „Hundesteuer“ ist kein LeiKa-Schlüssel (14 Ziffern")
    assert second == "Zeile 3: Der Zeitpunkt 24.11.2030 14:05 liegt in der Zukunft."


def test_a_hostile_file_gets_a_short_german_answer() -> None:
    hostile = "\x00\x1b[31m" + "A" * 10_000
    with pytest.raises(UsageFileError) as refused:
        read_usage_csv(_csv(f"{hostile};{HUNDESTEUER};s;{hostile};1;;;;"))
    text = "\n".join(refused.value.messages)
    assert "\x00" not in text and "\x1b" not in text and len(text) < 600
    naive = _csv(f"2026-11-24T14:05:00;{HUNDESTEUER};s;gestartet;1;;;;")
    with pytest.raises(UsageFileError, match="ohne Zeitzone"):
        read_usage_csv(naive)
    tabs = ("\t".join(COLUMNS) + f"\n24.11.2026 14:05\t{HUNDESTEUER}\ts\tgestartet\t1\t\t\t\t\n").encode()
    with pytest.raises(UsageFileError, match="Tabulator"):
        read_usage_csv(tabs)
    for data, expected in [
        (b"", "leer"),
        (b"zeit;leika\n1;2\n", "Kopfzeile passt nicht"),
        (_csv(), "nur die Kopfzeile"),
        ("zeitpunkt;leika_id;sitzung;ereignis\nä".encode("latin-1"), "nicht in UTF-8"),
    ]:
        with pytest.raises(UsageFileError, match=expected):
            read_usage_csv(data)


# --- import, re-import, retention ------------------------------------------------------------


def _counts_table(ws: Workspace) -> list[tuple]:
    conn = ws.db.reader()
    try:
        return conn.execute("SELECT * FROM usage_counts ORDER BY 1, 2, 3, 4, 5, 6").fetchall()
    finally:
        conn.close()


def test_an_import_is_all_or_nothing_and_the_same_file_twice_adds_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    good = tmp_path / "nutzung.csv"
    rows = [
        f"0{d}.11.2026 10:0{i};{HUNDESTEUER};s{d}-{i};gestartet;1;;web;;"
        for d in range(1, 4)
        for i in range(6)
    ]
    good.write_bytes(
        _csv(*rows, *[f"01.11.2026 11:00;{HUNDESTEUER};s1-{i};abgeschickt;;;;;" for i in range(6)])
    )
    result = import_usage_file(workspace, good)
    assert (result.rows, result.added, result.already_known) == (24, 24, 0)
    before = _counts_table(workspace)
    figures = usage_report(workspace, Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)))["gesamt"]
    assert (figures["gestartet"], figures["abgeschickt"]) == (18, 6)

    again = import_usage_file(workspace, good)
    assert (again.added, again.already_known) == (0, 24)
    assert "schon importiert" in again.message()
    assert _counts_table(workspace) == before

    bad = tmp_path / "kaputt.csv"
    bad.write_bytes(
        _csv(f"05.11.2026 10:00;{HUNDESTEUER};neu;gestartet;1;;;;", "31.11.2026 10:00;x;y;gestartet;;;;;")
    )
    with pytest.raises(ValidationError) as refused:
        import_usage_file(workspace, bad)
    assert any(m.startswith("Zeile 3:") for m in refused.value.messages)
    assert _counts_table(workspace) == before  # not even the good first row


def test_retention_deletes_raw_events_but_keeps_the_counts(workspace: Workspace) -> None:
    old = [_event(1, "alt", "gestartet", dt.datetime(2023, 5, 2, 9, tzinfo=UTC), step=1)]
    new = [_event(2, "neu", "gestartet", _at(2), step=1)]
    with workspace.db.write() as conn:
        usage_stats.add_events(conn, workspace.municipality.id, old + new)
        now = dt.datetime(2026, 12, 5, tzinfo=UTC)
        cutoff = usage_stats.retention_cutoff(conn, now=now)
        assert cutoff.date() == dt.date(2024, 12, 5)  # 24 months by default
        assert usage_stats.prune_if_due(conn, now) == 1
        assert usage_stats.prune_if_due(conn, now + dt.timedelta(hours=3)) is None  # once a day
        from kommune_desk.storage.reference import set_setting

        set_setting(conn, usage_stats.RETENTION_SETTING, "12")  # an admin keeps them one year
        assert usage_stats.retention_cutoff(conn, now=now).date() == dt.date(2025, 12, 5)
        set_setting(conn, usage_stats.RETENTION_SETTING, "viele")  # nonsense: the default holds
        assert usage_stats.retention_cutoff(conn, now=now).date() == dt.date(2024, 12, 5)
        # The old event again (a rebuild re-delivers it): stored, never counted twice.
        usage_stats.add_events(conn, workspace.municipality.id, old, counted_from=cutoff)
    conn = workspace.db.reader()
    try:
        assert conn.execute("SELECT count(*) FROM usage_sessions").fetchone() == (1,)
        assert conn.execute(
            "SELECT sum(sessions) FROM usage_counts WHERE metric = 'gestartet'"
        ).fetchone() == (2,)
    finally:
        conn.close()


def test_migration_7_counts_the_events_of_an_earlier_release(data_dir: Path) -> None:
    import sqlite3

    from kommune_desk.storage.connection import connect

    data_dir.mkdir(parents=True, exist_ok=True)
    conn = connect(data_dir / "kommune-desk.sqlite3")
    migrate(conn, MIGRATIONS[:6])
    conn.execute(
        "INSERT INTO municipalities (id, ags, name, kind, created_at, updated_at) VALUES"
        " ('m', '06433009', 'Nauheim', 'gemeinde', '2026-01-01', '2026-01-01')"
    )
    conn.executemany(
        "INSERT INTO usage_events (id, municipality_id, leika_id, session_id, occurred_at, kind, step,"
        " payment_method) VALUES (?, 'm', ?, ?, ?, ?, ?, ?)",
        [
            ("e1", HUNDESTEUER, "s1", "2026-11-02T09:00:00+00:00", "gestartet", 1, None),
            ("e2", HUNDESTEUER, "s1", "2026-11-02T09:05:00+00:00", "abgeschickt", 3, None),
            ("e3", HUNDESTEUER, "s2", "2026-11-02T09:07:00+00:00", "gestartet", 1, None),
        ],
    )
    conn.commit()
    assert migrate(conn)[0] == 7  # and every later migration
    counts = dict(
        ((metric, key), n)
        for metric, key, n in conn.execute(
            "SELECT metric, key, sum(sessions) FROM usage_counts GROUP BY 1, 2"
        )
    )
    assert (
        counts[("gestartet", "")] == 2 and counts[("abgeschickt", "")] == 1 and counts[("schritt", "3")] == 1
    )
    columns = {row[1] for row in conn.execute("PRAGMA table_info(usage_events)")}
    assert {"channel", "authentication", "rating"} <= columns
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO usage_events (id, municipality_id, leika_id, session_id, occurred_at, kind)"
            " VALUES ('x', 'm', 'l', 's', '2026-11-02T09:00:00+00:00', 'erfunden')"
        )
    conn.close()


# --- the command line ------------------------------------------------------------------------


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kommune_desk.cli", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_stats_import_and_show_from_the_command_line(
    workspace: Workspace, data_dir: Path, tmp_path: Path
) -> None:
    workspace.db.close()
    events = tmp_path / "nutzung.csv"
    events.write_bytes(
        _csv(
            *[f"02.11.2026 10:00;{HUNDESTEUER};s{i};gestartet;1;;web;;" for i in range(8)],
            *[f"02.11.2026 10:05;{HUNDESTEUER};s{i};abgeschickt;2;;;;" for i in range(6)],
        )
    )
    imported = _cli(data_dir, "stats", "import", str(events))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "14 Nutzungsereignisse importiert."

    shown = _cli(data_dir, "stats", "show", "--from", "2026-11-01", "--to", "2026-11-30", "--json")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report["zeitraum"] == {"von": "2026-11-01", "bis": "2026-11-30"}
    (dog,) = report["leistungen"]
    assert dog["leika_id"] == HUNDESTEUER and dog["name"] == "Hundesteuer – Anmeldung"
    # 2 abandoned: hidden, and with it the 6 submitted (else 8 − 6); the rate follows.
    figures = (dog["gestartet"], dog["abgeschickt"], dog["abgebrochen"], dog["abbruchquote"])
    assert figures == (8, None, None, None)
    # With the split hidden, the funnel would bound it (6 reached the last step): hidden as well.
    assert dog["trichter"] == [{"schritt": 1, "erreicht": None}, {"schritt": 2, "erreicht": None}]
    assert "abgeschickt" in dog["geschuetzt"] and "trichter:2" in dog["geschuetzt"]
    assert "abgebrochen" not in dog["geschuetzt"]  # 2: a small count, shown as "< 5"
    text = _cli(data_dir, "stats", "show", "--from", "2026-11-01", "--to", "2026-11-30")
    assert "Hundesteuer – Anmeldung" in text.stdout and "< 5" in text.stdout

    broken = tmp_path / "kaputt.csv"
    broken.write_bytes(_csv(f"02.11.2026 10:00;{HUNDESTEUER};s;gestartet;eins;;;;"))
    refused = _cli(data_dir, "stats", "import", str(broken))
    assert refused.returncode == 1 and "Zeile 2: Schritt „eins“ ist keine ganze Zahl." in refused.stderr
    assert "Traceback" not in refused.stderr
    kept = _cli(data_dir, "stats", "retention", "--months", "36")
    assert kept.returncode == 0 and "36 Monate aufbewahrt" in kept.stdout
    too_long = _cli(data_dir, "stats", "retention", "--months", "500")
    assert too_long.returncode == 1 and "zwischen 1 und 120 Monaten" in too_long.stderr
    assert "36 Monate" in _cli(data_dir, "stats", "retention").stdout
    unknown = _cli(data_dir, "stats", "show", "--service", "00000000000000")
    assert unknown.returncode == 1 and "Die Leistung 00000000000000 ist hier nicht bekannt" in unknown.stderr
    wrong_day = _cli(data_dir, "stats", "show", "--from", "2026-13-01")
    assert wrong_day.returncode == 2 and "kein Datum" in wrong_day.stderr
    reversed_period = _cli(data_dir, "stats", "show", "--from", "2026-11-30", "--to", "2026-11-01")
    assert reversed_period.returncode == 1 and "vor seinem Anfang" in reversed_period.stderr
    assert Database.exists(data_dir)
