"""The Geräteverleih on a pool of 50 devices with five years of loans (~13,000).

- pool-search: "a Wärmebildkamera free for these days, nearest to Nauheim" through the service
  (its query, distances from the Rathaus places, sorted) against one hand-written SQL query that
  gives the same answer (the same rules, the distance computed in SQL, ordered in SQL), both on
  a fresh reader connection. Targets: ≤ 2× the hand-written query, and under 20 ms.
- pool-month: the pool month view built (the calendar rows read from the database) and painted
  (widget created, rows set, shown and grabbed at 1280×720) in a child process. Target ≤ 100 ms.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .harness import Benchmark, BenchmarkError, Context, Result, interleaved, progress

MAX_SEARCH_RATIO = 2.0
MAX_SEARCH_SECONDS = 0.020
MAX_MONTH_SECONDS = 0.100
DEVICES = 50
YEARS = 5
TODAY = dt.date(2026, 12, 7)
LOGIN = "benchmark"
CATEGORIES = (
    ("Wärmebildkamera", 20),
    ("Energiekostenmessgerät", 14),
    ("CO₂-Messgerät", 8),
    ("Datenlogger", 6),
    ("Lastenrad", 2),
)

# The hand-written answer: free cameras (no overlapping reservation or loan, no overdue loan, no
# running offer), nearest to the asking town first, all in SQL.
REFERENCE_SQL = """
WITH here AS (SELECT :lat AS lat, :lon AS lon)
SELECT d.id, d.inventory_number,
       2 * 6371.0 * asin(sqrt(
           power(sin(radians(p.lat - here.lat) / 2), 2)
           + cos(radians(here.lat)) * cos(radians(p.lat)) * power(sin(radians(p.lon - here.lon) / 2), 2)
       )) AS km
FROM devices d
JOIN municipalities m ON m.id = coalesce(d.location_municipality_id, d.home_municipality_id)
JOIN bench_places p ON p.ags = m.ags, here
WHERE d.category = :category AND d.status = 'verfuegbar' AND d.deleted_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.device_id = d.id AND l.deleted_at IS NULL
        AND l.status IN ('reserviert', 'ausgegeben')
        AND ((l.start_date <= :end AND l.end_date >= :start)
             OR (l.status = 'ausgegeben' AND l.end_date < :today)))
  AND NOT EXISTS (SELECT 1 FROM waitlist w WHERE w.offered_device_id = d.id AND w.status = 'angeboten'
        AND w.deleted_at IS NULL AND w.offer_until >= :today AND w.end_date >= :today
        AND max(w.start_date, :today) <= :end AND w.end_date >= :start)
ORDER BY km, d.inventory_number
"""


def prepare_pool(folder: Path) -> None:
    """A set-up office (Nauheim) that knows the 13 towns and the Kreis, 50 devices and 5 years of loans."""
    from kommune_desk.demo.content import KREIS, TOWNS
    from kommune_desk.domain.pool_towns import PLACES
    from kommune_desk.services.setup import SetupInput, set_up_office
    from kommune_desk.storage.capture import capture_suppressed
    from kommune_desk.storage.database import Database

    db = Database.open(folder, create=True)
    set_up_office(
        db,
        SetupInput(
            municipality_name="Gemeinde Nauheim",
            ags="06433009",
            street="Weingartenstraße 46",
            postal_code="64569",
            city="Nauheim",
            office_name="Bürgerbüro",
            office_code="NAU",
            clerk_name="Benchmark",
            role="teamleitung",
            os_login=LOGIN,
        ),
    )
    rng = random.Random(50)
    at = "2026-12-07T08:00:00Z"
    with db.write() as conn, capture_suppressed(conn):
        towns = {r[0]: r[1] for r in conn.execute("SELECT ags, id FROM municipalities")}
        for ags, name, kind, *_ in (*TOWNS, KREIS):
            if ags not in towns:
                towns[ags] = f"town-{ags}"
                conn.execute(
                    "INSERT INTO municipalities (id, ags, name, kind, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (towns[ags], ags, name, kind, at, at),
                )
        conn.execute("CREATE TABLE bench_places (ags TEXT PRIMARY KEY, lat REAL, lon REAL)")
        conn.executemany("INSERT INTO bench_places VALUES (?, ?, ?)", [(a, *p) for a, p in PLACES.items()])
        town_ids = list(towns.values())
        number = 0
        first_day = TODAY - dt.timedelta(days=365 * YEARS)
        for category, count in CATEGORIES:
            for _ in range(count):
                number += 1
                device = f"dev-{number:03d}"
                conn.execute(
                    "INSERT INTO devices (id, pool, home_municipality_id, inventory_number, name, category,"
                    " status, location_municipality_id, created_at, updated_at)"
                    " VALUES (?, 'kgg', ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        device,
                        rng.choice(town_ids),
                        f"KGG-{number:03d}",
                        f"{category} {number}",
                        category,
                        "wartung" if number % 17 == 0 else "verfuegbar",
                        rng.choice(town_ids),
                        at,
                        at,
                    ),
                )
                day = first_day + dt.timedelta(days=rng.randint(0, 10))
                loan = 0
                while day < TODAY + dt.timedelta(days=60):
                    end = day + dt.timedelta(days=rng.randint(2, 13))
                    if end < TODAY:  # a few loans that ended last week are still out: overdue
                        late = (TODAY - end).days < 7 and rng.random() < 0.3
                        status = "ausgegeben" if late else "zurueckgegeben"
                    else:
                        status = "ausgegeben" if day <= TODAY else "reserviert"
                    if rng.random() < 0.08:
                        status = "storniert"
                    loan += 1
                    conn.execute(
                        "INSERT INTO loans (id, pool, device_id, borrower_municipality_id, start_date,"
                        " end_date,"
                        " status, created_at, updated_at) VALUES (?, 'kgg', ?, ?, ?, ?, ?, ?, ?)",
                        (
                            f"{device}-{loan}",
                            device,
                            rng.choice(town_ids),
                            day.isoformat(),
                            end.isoformat(),
                            status,
                            at,
                            at,
                        ),
                    )
                    day = end + dt.timedelta(days=rng.randint(1, 9))
    db.close()


def _pool_folder(ctx: Context) -> Path:
    if "pool" not in ctx.prepared:
        folder = ctx.scratch / "pool"
        started = time.perf_counter()
        prepare_pool(folder)
        ctx.notes.append(Result("pool data", time.perf_counter() - started, "s", note="50 devices, 5 years"))
        ctx.prepared["pool"] = folder
    return ctx.prepared["pool"]


def run_search(ctx: Context) -> list[Result]:
    from kommune_desk.domain.pool_towns import PLACES
    from kommune_desk.services.pool_search import find_free
    from kommune_desk.services.workspace import load_workspace
    from kommune_desk.storage.database import Database

    db = Database.open(_pool_folder(ctx))
    ws = load_workspace(db, LOGIN)
    if ws is None:
        raise BenchmarkError("the pool benchmark office is not set up")
    start, end = TODAY + dt.timedelta(days=40), TODAY + dt.timedelta(days=45)
    lat, lon = PLACES["06433009"]
    params = {
        "category": "Wärmebildkamera",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "today": TODAY.isoformat(),
        "lat": lat,
        "lon": lon,
    }

    def service() -> list[str]:
        return [f.inventory_number for f in find_free(ws, "Wärmebildkamera", start, end, today=TODAY).free]

    def reference() -> list[str]:
        conn = db.reader()
        try:
            return [r[1] for r in conn.execute(REFERENCE_SQL, params)]
        finally:
            conn.close()

    answer, expected = service(), reference()
    if answer != expected or not answer:
        raise BenchmarkError(f"the service and the reference disagree: {answer} vs {expected}")
    runs = max(ctx.runs, 50)
    progress(f"pool-search: {len(answer)} free cameras of 20, × {runs} …")
    timed = interleaved(runs, _timer(service), _timer(reference))
    value, ref = statistics.median(timed[0]), statistics.median(timed[1])
    loans = _count(db, "SELECT count(*) FROM loans")
    db.close()
    note = f"{DEVICES} devices, {loans:,} loans, {len(answer)} free"
    return [
        Result("pool search", value, "s", ref, MAX_SEARCH_RATIO, reference_label="SQL", note=note),
        Result(
            "pool search abs", value, "s", 0.0, MAX_SEARCH_SECONDS, compare="delta", reference_label="zero"
        ),
    ]


def _timer(fn: Any) -> Any:
    def measure() -> float:
        started = time.perf_counter()
        fn()
        return time.perf_counter() - started

    return measure


def _count(db: Any, sql: str) -> int:
    conn = db.reader()
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def run_month(ctx: Context) -> list[Result]:
    folder = _pool_folder(ctx)
    runs = max(ctx.runs, 10)
    progress(f"pool-month: the month view built and painted × {runs} in a child process …")
    child = Path(__file__).with_name("pool_child.py")
    done = subprocess.run(
        [sys.executable, str(child), str(folder), LOGIN, TODAY.isoformat(), str(runs)],
        capture_output=True,
        text=True,
        env=ctx.child_env(),
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise BenchmarkError(f"pool child failed: {done.stderr[-2000:]}")
    samples = json.loads(done.stdout.strip().splitlines()[-1])
    built = statistics.median(samples["total"])
    reading = statistics.median(samples["read"])
    note = f"{samples['devices']} devices, {samples['bars']} bars; reading {reading:.3f} s"
    return [
        Result(
            "pool month view",
            built,
            "s",
            0.0,
            MAX_MONTH_SECONDS,
            compare="delta",
            reference_label="zero",
            note=note,
        )
    ]


SEARCH = Benchmark(
    "pool-search", "availability search vs one hand-written SQL query (≤ 2×, < 20 ms)", run_search
)
MONTH = Benchmark("pool-month", "pool month view built and painted (≤ 100 ms)", run_month)
