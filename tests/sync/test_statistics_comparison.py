"""Kreisvergleich: the server's figures across towns reach every office, and nothing of one town
(an event, a session, an id, a name, a small count) reaches another. Real server on loopback,
both backends; the portal sends the events, the offices register and complete their cases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest

from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.comparison import (
    ABANDONMENT,
    ONLINE_SHARE,
    PROCESSING_DAYS,
    ComparisonFormatError,
    Figure,
    Tally,
    figure_json,
    kreis_figures,
    period_key,
    published_periods,
    quantile,
    read_figures,
    town_values,
)
from kommune_desk.domain.protocol import Comparison, parse
from kommune_desk.domain.records import Channel, Role
from kommune_desk.domain.usage import LOCAL_TIME
from kommune_desk.domain.workflow import Decision, Step
from kommune_desk.server import admin, statistics
from kommune_desk.server.db import ServerDatabase
from kommune_desk.services import comparison as comparison_service
from kommune_desk.services.applications import register_application
from kommune_desk.services.clerks import add_clerk
from kommune_desk.services.statistics import Period
from kommune_desk.services.sync import sync_once, sync_status
from kommune_desk.services.workflow import take_step
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.storage import comparison as comparison_store
from kommune_desk.storage.reference import list_services
from kommune_desk.sync import credentials
from tests.sync.fault_support import LoopbackProxy, enrol_workstation, rows, state
from tests.sync.harness import ServerThread, Town, add_town, enrolled_workstation

DOG_TAX = "99108008001000"  # "Hundesteuer – Anmeldung", no four-eyes rule
FIGURE_KEYS = {"period", "leika_id", "metric", "towns", "median", "q1", "q3"}


def _month_before(day: dt.date) -> tuple[int, int]:
    last = day.replace(day=1) - dt.timedelta(days=1)
    return last.year, last.month


def _month_period(year: int, month: int) -> Period:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return Period(dt.date(year, month, 1), following - dt.timedelta(days=1))


def _send_sessions(
    server: ServerThread, secret: str, tag: str, started: int, submitted: int, day: dt.date
) -> None:
    """``started`` sessions of the dog tax on ``day``, the first ``submitted`` of them sent off.
    Session ids are the same in every town (``sitzung-1`` …): a session belongs to its town."""
    at = dt.datetime.combine(day, dt.time(10), LOCAL_TIME).isoformat()
    events = []
    for n in range(1, started + 1):
        base = {"leika_id": DOG_TAX, "session_id": f"sitzung-{n}", "occurred_at": at, "channel": "web"}
        events.append(base | {"id": f"ereignis-{tag}-{n}-start", "kind": "gestartet", "step": 1})
        if n <= submitted:
            events.append(base | {"id": f"ereignis-{tag}-{n}-ab", "kind": "abgeschickt", "step": 4})
    answer = httpx.post(
        f"{server.url}/v1/intake/events",
        json={"events": events},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.status_code == 200 and answer.json()["accepted"] == len(events)


def _clerk(admin_ws: Workspace) -> Workspace:
    add_clerk(admin_ws, "sara", "Sara Sachbearbeiterin", Role.SACHBEARBEITUNG)
    ws = load_workspace(admin_ws.db, "sara")
    assert ws is not None
    return ws


def _case(ws: Workspace, channel: Channel, received: dt.date, *, complete: bool = False) -> str:
    """A dog-tax case received on ``received`` (9:00 German time); completed now if asked."""
    conn = ws.db.reader()
    try:
        service = next(s for s in list_services(conn, ws.municipality.id) if s.leika_id == DOG_TAX)
    finally:
        conn.close()
    at = dt.datetime.combine(received, dt.time(9), LOCAL_TIME)
    case_id = register_application(ws, NewApplication(service.id, "Roß, Ingrid", channel, at))
    if complete:
        for step in (Step.BEARBEITEN, Step.ENTSCHEIDUNG_ENTWERFEN, Step.FREIGEBEN, Step.BESCHEID_VERSENDEN):
            take_step(ws, case_id, step, Decision.BEWILLIGT if step is Step.ENTSCHEIDUNG_ENTWERFEN else None)
    return case_id


def _access_token(ws: Workspace) -> str:
    held = credentials.load(state(ws.db, "store_id") or "")
    assert held is not None
    return held.access_token


def test_the_kreis_median_reaches_every_office_and_nothing_of_a_town_reaches_another(
    server: ServerThread, tmp_path: Path
) -> None:
    nauheim = add_town(server.db, "06433009", "Nauheim", "NAU")
    trebur = add_town(server.db, "06433012", "Trebur", "TRE")
    ginsheim = add_town(server.db, "06433006", "Ginsheim-Gustavsburg", "GIN")
    towns: list[Town] = [nauheim, trebur, ginsheim]
    offices = [
        _clerk(enrolled_workstation(server, town, tmp_path / town.ags, f"admin{town.ags}", "Anna Admin"))
        for town in towns
    ]
    a, b, c = offices
    today = dt.datetime.now(LOCAL_TIME).date()
    year, month = _month_before(today)
    last_month = _month_period(year, month)

    # The portal: Nauheim 20 sessions started, 15 sent (Abbruchquote 5/20 = 0.25); Trebur 10 and
    # 5 (0.5); Ginsheim 3 and none: too few to count (with it the median would be 0.5).
    for town, (started, submitted) in zip(towns, [(20, 15), (10, 5), (3, 0)], strict=True):
        _send_sessions(server, admin.portal_credential(server.db, town.ags), town.ags, started, submitted,
                       dt.date(year, month, 15))  # fmt: skip
    # The cases, all received last month: Nauheim 5 online and 5 on paper (online share 0.5);
    # Trebur 5 online (1.0); Ginsheim 2 (too few). Nauheim completes its paper cases today
    # (received on the 1st to the 5th), Trebur its online ones (received on the 10th to the 14th).
    for day in range(1, 6):
        _case(a, Channel.FIT_CONNECT, dt.date(year, month, day + 5))
        _case(a, Channel.PAPIER, dt.date(year, month, day), complete=True)
        _case(b, Channel.FIT_CONNECT, dt.date(year, month, day + 9), complete=True)
    for day in (1, 2):
        _case(c, Channel.FIT_CONNECT, dt.date(year, month, day), complete=True)
    for ws in offices:
        assert sync_once(ws.db).pending == 0
    statistics.refresh(server.db)  # computed from now on (the cache would otherwise wait an hour)
    sync_once(a.db)

    figures = comparison_service.kreis_figures(a, last_month)
    assert figures is not None
    for leika_id in ("gesamt", DOG_TAX):
        assert figures[leika_id][ABANDONMENT] == {
            "median": 0.375, "q1": 0.312, "q3": 0.438, "staedte": 2, "eigen": 0.25,
        }  # fmt: skip
        assert figures[leika_id][ONLINE_SHARE] == {
            "median": 0.75, "q1": 0.625, "q3": 0.875, "staedte": 2, "eigen": 0.5,
        }  # fmt: skip
    assert 0.25 < figures["gesamt"][ABANDONMENT]["median"] < 0.5  # between the two towns' own values
    # Processing days, in the month the cases were completed: Nauheim's median case came in on the
    # 3rd, Trebur's on the 12th of last month.
    own_days = (today - dt.date(year, month, 3)).days
    other_days = (today - dt.date(year, month, 12)).days
    this_month = _month_period(today.year, today.month)
    completed = comparison_service.kreis_figures(a, this_month)
    assert completed is not None
    assert completed["gesamt"][PROCESSING_DAYS] == {
        "median": (own_days + other_days) / 2, "q1": round(other_days + (own_days - other_days) / 4, 1),
        "q3": round(other_days + (own_days - other_days) * 3 / 4, 1), "staedte": 2, "eigen": float(own_days),
    }  # fmt: skip
    assert ABANDONMENT not in completed["gesamt"], "no sessions this month"
    # A quarter and a year have figures too; a period of 10 days has none.
    assert comparison_service.kreis_figures(a, Period(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    assert (
        comparison_service.kreis_figures(a, Period(dt.date(year, month, 1), dt.date(year, month, 10))) is None
    )

    # What travels and what is kept: no event, session, id, name or count of any town.
    answer = httpx.get(
        f"{server.url}/v1/statistics/comparison", headers={"Authorization": f"Bearer {_access_token(b)}"}
    )
    assert answer.status_code == 200
    parse(Comparison, answer.json())  # the published shape
    with server.db.transaction() as tx:
        (cached,) = tx.one("SELECT payload FROM comparison_cache")
    local = json.dumps(rows(a.db, "SELECT * FROM kreis_comparison"))
    secrets = ["sitzung-", "ereignis-", "Roß", "Nauheim", "Trebur", "Ginsheim", "NAU", "TRE", "GIN"]
    for town in towns:
        secrets += [town.municipality_id, town.office_id, town.ags]
    for text in (answer.text, cached, local):
        assert [s for s in secrets if s in text] == []
    for payload in (answer.json(), json.loads(cached)):
        assert set(payload) == {"computed_at", "figures"}
        assert payload["figures"] and all(set(f) == FIGURE_KEYS for f in payload["figures"])
        assert all(f["towns"] >= 2 for f in payload["figures"])
        assert {f["towns"] for f in payload["figures"]} == {2}, "Ginsheim never contributes"
    # Every office of the Kreis gets the same figures.
    sync_once(c.db)
    assert rows(c.db, "SELECT * FROM kreis_comparison") == rows(a.db, "SELECT * FROM kreis_comparison")


def test_only_an_enrolled_office_may_read_the_comparison(server: ServerThread, tmp_path: Path) -> None:
    nauheim = add_town(server.db, "06433009", "Nauheim", "NAU")
    ws = enrolled_workstation(server, nauheim, tmp_path / "a", "anna", "Anna Admin")
    url = f"{server.url}/v1/statistics/comparison"
    portal = admin.portal_credential(server.db, "06433009")
    for headers in ({}, {"Authorization": "Bearer kaputt"}, {"Authorization": f"Bearer {portal}"}):
        refused = httpx.get(url, headers=headers)
        assert refused.status_code == 401 and "Anmeldung" in refused.json()["detail"]
    allowed = httpx.get(url, headers={"Authorization": f"Bearer {_access_token(ws)}"})
    assert allowed.status_code == 200 and allowed.json()["figures"] == []


def test_a_round_succeeds_and_keeps_the_figures_when_the_comparison_is_lost(
    server: ServerThread, tmp_path: Path
) -> None:
    nauheim = add_town(server.db, "06433009", "Nauheim", "NAU")
    proxy = LoopbackProxy(server.port)
    try:
        ws = enrol_workstation(server.db, proxy.url, nauheim, tmp_path / "a", "anna", "Anna Admin")
        earlier = [Figure("2026-07", "gesamt", ABANDONMENT, 3, 0.3, 0.2, 0.4)]
        with ws.db.write() as conn:
            comparison_store.replace_all(conn, earlier, "2026-08-01T00:00:00+00:00")
        _case(_clerk(ws), Channel.PAPIER, dt.date(2026, 7, 1))
        proxy.drop_response("/v1/statistics/comparison")
        report = sync_once(ws.db)
        assert report.pushed == 2 and report.pending == 0  # the clerk and the case
        assert proxy.dropped == [("/v1/statistics/comparison", "response")]
        assert sync_status(ws.db).last_error is None
        conn = ws.db.reader()
        try:
            assert comparison_store.figures_for(conn, "2026-07") == earlier, "the previous set stays"
        finally:
            conn.close()
        sync_once(ws.db)  # the next round replaces it (one town alone: no figures)
        assert rows(ws.db, "SELECT count(*) FROM kreis_comparison") == [(0,)]
    finally:
        proxy.close()


def test_the_server_computes_again_only_when_its_figures_are_an_hour_old(server_db: ServerDatabase) -> None:
    admin.prepare(server_db)
    first = json.loads(statistics.current(server_db))
    assert json.loads(statistics.current(server_db)) == first, "kept"
    with server_db.transaction() as tx:
        tx.execute("UPDATE comparison_cache SET computed_at = ?", ("2020-01-01T00:00:00+00:00",))
    again = json.loads(statistics.current(server_db))
    assert again["computed_at"] > "2020-01-01T00:00:00+00:00"


# --- the rules, without a server -------------------------------------------------------------


def test_a_town_contributes_only_what_its_own_dashboard_would_show() -> None:
    assert town_values(Tally(started=20, submitted=15)) == {ABANDONMENT: 0.25}
    assert town_values(Tally(started=4, submitted=0)) == {}  # too few started
    assert town_values(Tally(started=9, submitted=6)) == {}  # 3 abandoned: a small count
    assert town_values(Tally(started=8, submitted=4)) == {}  # 4 sent: a small count
    assert town_values(Tally(started=7, submitted=7)) == {ABANDONMENT: 0.0}  # zero stays zero
    assert town_values(Tally(received=6, online=6)) == {ONLINE_SHARE: 1.0}
    assert town_values(Tally(received=7, online=5)) == {}  # 2 on paper
    assert town_values(Tally(durations=[1, 2, 3, 4])) == {}
    assert town_values(Tally(durations=[1, 2, 3, 5, 40])) == {PROCESSING_DAYS: 3.0}


def test_figures_need_two_towns_and_carry_rates_rounded() -> None:
    today = dt.date(2026, 11, 24)
    one = {(DOG_TAX, "2026-10"): Tally(started=30, submitted=20)}  # 1/3
    two = {(DOG_TAX, "2026-10"): Tally(started=35, submitted=25), ("", "2026-10"): Tally(received=5)}
    assert kreis_figures([one], today) == []
    found = {(f.period, f.leika_id, f.metric): f for f in kreis_figures([one, two], today)}
    # 10/30 and 10/35: median 0.30952… published as 0.31.
    assert found[("2026-10", DOG_TAX, ABANDONMENT)] == Figure(
        "2026-10", DOG_TAX, ABANDONMENT, 2, 0.31, 0.298, 0.321
    )
    assert found[("2026-Q4", "gesamt", ABANDONMENT)].median == 0.31
    assert ("2026", "", ONLINE_SHARE) not in found  # cases without a service count in gesamt only
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.25) == 1.75 and quantile([5.0], 0.75) == 5.0
    periods = published_periods(today)
    assert periods[:3] == ["2024", "2024-Q4", "2024-12"] and periods[-1] == "2026-11" and len(periods) == 36
    assert period_key(dt.date(2026, 7, 1), dt.date(2026, 9, 30)) == "2026-Q3"
    assert period_key(dt.date(2026, 8, 1), dt.date(2026, 10, 31)) is None
    assert period_key(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == "2026"


def test_a_malformed_answer_is_refused_and_an_unknown_metric_skipped() -> None:
    good = {"period": "2026-Q3", "leika_id": "gesamt", "metric": ABANDONMENT, "towns": 3,
            "median": 0.3, "q1": 0.2, "q3": 0.4}  # fmt: skip
    newer = good | {"metric": "zufriedenheit", "median": 4.2, "q3": 4.5}
    computed_at, figures = read_figures(
        {"computed_at": "2026-11-24T10:00:00+00:00", "figures": [good, newer]}
    )
    assert figures == [Figure("2026-Q3", "gesamt", ABANDONMENT, 3, 0.3, 0.2, 0.4)]
    for bad in (
        good | {"towns": 1},
        good | {"median": 0.5},
        good | {"period": "2026-13"},
        good | {"q3": "viel"},
    ):
        with pytest.raises(ComparisonFormatError):
            read_figures({"computed_at": computed_at, "figures": [bad]})
    with pytest.raises(ComparisonFormatError):
        read_figures({"figures": []})


def test_the_demo_figures_are_plausible_the_same_every_time_and_can_be_stored(workspace: Workspace) -> None:
    from kommune_desk.demo.comparison import demo_figures

    today = dt.date(2026, 11, 24)
    figures = demo_figures(today)
    assert figures == demo_figures(today)
    assert (
        read_figures(
            {"computed_at": "2026-11-24T00:00:00+00:00", "figures": [figure_json(f) for f in figures]}
        )[1]
        == figures
    ), "what the server could have sent"
    assert {f.period for f in figures} <= set(published_periods(today))
    assert all(f.q1 >= 0 and f.q3 <= 1 for f in figures if f.metric != PROCESSING_DAYS)
    with workspace.db.write() as conn:
        comparison_store.replace_all(conn, figures, "2026-11-24T00:00:00+00:00")
    shown = comparison_service.kreis_figures(workspace, _month_period(2026, 10))
    assert shown is not None and set(shown["gesamt"]) == {ABANDONMENT, ONLINE_SHARE, PROCESSING_DAYS}
    assert shown["gesamt"][ABANDONMENT]["eigen"] is None, "the demo town has no sessions here"
    assert comparison_service.kreis_stand(workspace) == "2026-11-24T00:00:00+00:00"
