"""Statistik on the 100,000-application demo with 1,000,000 usage events.

- statistik-refresh: a filter change (one service, then all) with every figure computed and every
  chart drawn, against raw SQL computing the same usage figures from the raw events (and the same
  case queries) on the same database. Target ≤ 1.5.
- statistik-open: in a fresh process with the window up, from choosing the section until its key
  figures are on screen (the charts in view and all charts are reported beside it; matplotlib
  is imported on the way). Target ≤ 1 s.
- statistik-stall: the UI heartbeat (every 10 ms) while the section opens and refreshes twice.
  Target: no gap over 100 ms.
- statistik-import: a CSV file of 1,000,000 rows imported (parsed, checked, stored, sessions and
  counts updated) against a raw ``executemany`` of the same rows into a table of the same columns.
  Target: at least 0.3 × the raw rate, i.e. at most 3.3 × its time.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .demo_data import demo_dir, teamleitung_workspace
from .harness import Benchmark, BenchmarkError, Context, Result, interleaved, progress

MAX_REFRESH_RATIO = 1.5
MAX_OPEN_SECONDS = 1.0
MAX_STALL_SECONDS = 0.100
MIN_IMPORT_RATE = 0.3
IMPORT_ROWS = 1_000_000
CHILD_TIMEOUT = 300.0
CHART_WIDTH = 560

# The usage figures of the dashboard from the raw events: one row per session, then grouped.
_RAW_SESSIONS = """
WITH s AS (
    SELECT leika_id, session_id,
        min(CASE WHEN kind = 'gestartet' THEN occurred_at END) AS started,
        coalesce(max(step), 0) AS top, max(kind = 'abgeschickt') AS submitted,
        max(CASE WHEN kind = 'bezahlt' THEN payment_method END) AS method,
        max(channel) AS channel, max(authentication) AS auth, max(rating) AS rating
    FROM usage_events WHERE municipality_id = ? {service} GROUP BY leika_id, session_id
)
SELECT leika_id, substr(started, 1, 7), top, submitted, method, channel, auth, rating, count(*)
FROM s WHERE started >= ? AND started < ? GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""


def _demo_copy(ctx: Context, name: str) -> Path:
    copy = ctx.scratch / name
    if not copy.exists():
        shutil.copytree(demo_dir(ctx), copy)
    return copy


def _period(ws: Any) -> Any:
    """The demo's last twelve months (its events end on the demo's today)."""
    from kommune_desk.services.statistics import Period

    conn = ws.db.reader()
    last = conn.execute("SELECT max(day) FROM usage_counts").fetchone()[0]
    conn.close()
    if not last:
        raise BenchmarkError("the demo database has no usage counts")
    end = dt.date.fromisoformat(last)
    return Period(dt.date(end.year - 1, end.month, 1) if end.month < 12 else dt.date(end.year, 1, 1), end)


def run_refresh(ctx: Context) -> list[Result]:
    from kommune_desk.services import dashboard
    from kommune_desk.storage import case_stats

    ws = teamleitung_workspace(_demo_copy(ctx, "statistik-demo"))
    period = _period(ws)
    conn = ws.db.reader()
    services = [row[0] for row in conn.execute("SELECT DISTINCT leika_id FROM usage_counts ORDER BY 1")]
    events = conn.execute("SELECT count(*) FROM usage_events").fetchone()[0]
    conn.close()
    # A clerk's filter changes: one service after another, and back to all between them (a chart
    # a change leaves as it was, the pool's for one, is not drawn again: the page would not either).
    filters = [f for leika in services for f in (dashboard.Filters(period, leika), dashboard.Filters(period))]
    widths = dict.fromkeys(dashboard.CHART_KEYS, CHART_WIDTH)
    start, end = period.moments()
    raw = ws.db.reader()
    runs = max(ctx.runs, 2) * 2
    progress(f"statistik-refresh: {events:,} events, {runs} filter changes …")

    def ours(chosen: Any) -> float:
        began = time.perf_counter()
        built = dashboard.build_dashboard(ws, chosen)
        dashboard.draw_charts(built.charts, widths)
        return time.perf_counter() - began

    def reference(chosen: Any) -> float:
        began = time.perf_counter()
        service = "AND leika_id = ?" if chosen.leika_id else ""
        params = [ws.municipality.id, *([chosen.leika_id] if chosen.leika_id else [])]
        raw.execute(
            _RAW_SESSIONS.format(service=service), [*params, start.isoformat(), end.isoformat()]
        ).fetchall()
        case_stats.processing_days(raw, ws.municipality.id, start, end, chosen.leika_id)
        case_stats.open_cases(raw, ws.municipality.id, end, period.last, chosen.leika_id)
        case_stats.counter_payments(raw, ws.municipality.id, start, end, chosen.leika_id)
        case_stats.cases_per_month(raw, ws.municipality.id, start, end, chosen.leika_id)
        return time.perf_counter() - began

    ours(filters[-1]), reference(filters[-1])  # warm up (imports, caches of SQLite and the OS)
    mine, bare = [], []
    for index in range(runs):  # the same filter for both, in turns of who goes first
        chosen = filters[index % len(filters)]
        first, second = (ours, reference) if index % 2 else (reference, ours)
        results = {first: first(chosen), second: second(chosen)}
        mine.append(results[ours])
        bare.append(results[reference])
    raw.close()
    ws.db.close()
    return [
        Result(
            "statistik refresh",
            statistics.median(mine),
            "s",
            statistics.median(bare),
            MAX_REFRESH_RATIO,
            reference_label="raw SQL",
            note=f"{len(dashboard.CHART_KEYS)} charts drawn; {events:,} raw events",
        )
    ]


def _child(ctx: Context, folder: Path) -> dict[str, Any]:
    env = ctx.child_env()
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    argv = [sys.executable, "-m", "benchmarks.statistik_child", str(folder)]
    try:
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchmarkError(f"the Statistik child did not finish within {CHILD_TIMEOUT:.0f} s") from exc
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise BenchmarkError(f"the Statistik child failed (exit {done.returncode}):\n{done.stderr[-1500:]}")
    return json.loads(lines[-1])


def run_open(ctx: Context) -> list[Result]:
    folder = _demo_copy(ctx, "statistik-open")
    runs = max(1, min(ctx.runs, 3))
    progress(f"statistik-open: the section opened in a fresh process × {runs} …")
    samples = [_child(ctx, folder) for _ in range(runs)]
    opened = statistics.median(s["open"] for s in samples)
    first_charts = statistics.median(s["first_charts"] for s in samples)
    complete = statistics.median(s["complete"] for s in samples)
    gaps = [g for s in samples for g in s["gaps"]]
    worst = max(gaps)
    return [
        Result(
            "statistik open",
            opened,
            "s",
            0.0,
            MAX_OPEN_SECONDS,
            compare="delta",
            reference_label="zero",
            note=f"key figures on screen; charts in view after {first_charts:.2f} s, all {complete:.2f} s",
        ),
        Result(
            "statistik stall max",
            worst,
            "s",
            0.0,
            MAX_STALL_SECONDS,
            compare="delta",
            reference_label="zero",
            note=f"{len(gaps):,} beats while opening and changing filters twice",
        ),
    ]


def _office() -> Any:
    from kommune_desk.domain.validation import SetupInput

    return SetupInput(
        municipality_name="Gemeinde Nauheim",
        ags="06433009",
        street="Weingartenstraße 46",
        postal_code="64569",
        city="Nauheim",
        office_name="Bürgerbüro",
        office_code="NAU",
        clerk_name="Anna Admin",
        role="administration",
        os_login="anna",
    )


def _csv_rows(count: int) -> list[str]:
    """A deterministic portal export: sessions of five events, 20 services, two years."""
    services = [f"9910800{n:02d}01000" for n in range(20)]
    lines, n, session = [], 0, 0
    start = dt.datetime(2025, 1, 1, 8, 0)
    while n < count:
        session += 1
        leika = services[session % len(services)]
        moment = start + dt.timedelta(minutes=session * 3)
        stamp = moment.strftime("%d.%m.%Y %H:%M")
        kinds = [("gestartet", "1"), ("schritt", "2"), ("schritt", "3"), ("abgeschickt", "4")]
        for kind, step in kinds[: 2 + session % 3]:
            lines.append(f"{stamp};{leika};s{session};{kind};{step};;web;bundid;")
            n += 1
        if session % 3 == 2:
            lines.append(f"{stamp};{leika};s{session};bezahlt;;PAYPAL;;;")
            n += 1
    return lines[:count]


def run_import(ctx: Context) -> list[Result]:
    from kommune_desk.domain.usage_csv import COLUMNS, read_usage_csv
    from kommune_desk.services.setup import set_up_office
    from kommune_desk.services.statistics import import_usage_file
    from kommune_desk.services.workspace import load_workspace
    from kommune_desk.storage.database import Database

    office = _office()
    path = ctx.scratch / "nutzung-1m.csv"
    if not path.exists():
        path.write_text(";".join(COLUMNS) + "\n" + "\n".join(_csv_rows(IMPORT_ROWS)) + "\n", encoding="utf-8")
    rows = read_usage_csv(path.read_bytes()).events
    values = [
        (
            e.id,
            "m",
            e.leika_id,
            e.session_id,
            e.occurred_at.isoformat(),
            e.kind,
            e.step,
            e.payment_method,
            e.channel,
            e.authentication,
            e.rating,
        )
        for e in rows
    ]
    del rows
    progress(f"statistik-import: {IMPORT_ROWS:,} rows × {min(ctx.runs, 3)} runs …")
    counter = [0]

    def ours() -> float:
        counter[0] += 1
        folder = ctx.scratch / f"import-{counter[0]}"
        db = Database.open(folder)
        set_up_office(db, office)
        conn = db.reader()
        login = conn.execute("SELECT os_login FROM clerks LIMIT 1").fetchone()[0]
        conn.close()
        ws = load_workspace(db, login)
        began = time.perf_counter()
        import_usage_file(ws, path)
        elapsed = time.perf_counter() - began
        db.close()
        shutil.rmtree(folder, ignore_errors=True)
        return elapsed

    def reference() -> float:
        counter[0] += 1
        folder = ctx.scratch / f"raw-{counter[0]}"
        folder.mkdir()
        conn = sqlite3.connect(folder / "raw.sqlite3", isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute(
            "CREATE TABLE events (id TEXT PRIMARY KEY, municipality_id TEXT, leika_id TEXT, session_id TEXT,"
            " occurred_at TEXT, kind TEXT, step INTEGER, payment_method TEXT, channel TEXT,"
            " authentication TEXT, rating INTEGER)"
        )
        began = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - began
        conn.close()
        shutil.rmtree(folder, ignore_errors=True)
        return elapsed

    mine, bare = interleaved(min(ctx.runs, 3), ours, reference)
    ours_s, raw_s = statistics.median(mine), statistics.median(bare)
    rate = IMPORT_ROWS / ours_s
    return [
        Result(
            "statistik import",
            ours_s,
            "s",
            raw_s,
            1 / MIN_IMPORT_RATE,
            reference_label="raw executemany",
            note=f"{rate:,.0f} rows/s, {rate * raw_s / IMPORT_ROWS:.2f} × the raw rate (≥ {MIN_IMPORT_RATE})",
        )
    ]


REFRESH = Benchmark("statistik-refresh", "dashboard refresh on 1,000,000 events vs raw SQL", run_refresh)
OPEN = Benchmark("statistik-open", "first opening of the Statistik section, and UI heartbeat gaps", run_open)
IMPORT = Benchmark("statistik-import", "CSV import of 1,000,000 rows vs raw executemany", run_import)
