"""Build the demo network into an empty database, all or nothing."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

from kommune_desk.demo import story
from kommune_desk.demo.comparison import demo_figures
from kommune_desk.demo.generator import (
    DAY_MS,
    DemoOptions,
    DemoReference,
    build_reference,
    day_start_ms,
    iter_applications,
    iter_usage_events,
    reference_ms,
    reference_time,
)
from kommune_desk.demo.pool import build_pool
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.usage import event_from_row
from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage import bulk, comparison, reference, usage_stats
from kommune_desk.storage.audit import append_audit
from kommune_desk.storage.capture import capture_suppressed
from kommune_desk.storage.database import Database
from kommune_desk.storage.demo import is_demo
from kommune_desk.storage.files import store_bytes

from . import demo_story
from .workspace import LOCAL_OFFICE_KEY

Progress = Callable[[int, str], None]


class DemoCancelledError(Exception):
    """The clerk stopped the demo build; nothing was saved."""


_CHUNK = 20_000


@dataclass(frozen=True)
class DemoSummary:
    applications: int
    attachments: int
    events: int
    devices: int
    loans: int
    worked_cases: int = 0  # replayed step by step through the services (demo.story)
    letters: int = 0


def build_demo(
    db: Database,
    options: DemoOptions,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> DemoSummary:
    """Fill an empty database with the deterministic demo; ``progress(percent, text)``.

    Most rows are written in bulk; about twenty recent cases are then worked step by step
    through the real services (``demo.story``), so their history and letters are genuine.
    Everything is written in one transaction, so a cancelled (``should_stop``) or failed
    run leaves the database empty. Refuses a database that is already set up.
    """

    def report(percent: int, text: str) -> None:
        if should_stop is not None and should_stop():
            raise DemoCancelledError()
        if progress is not None:
            progress(percent, text)

    rng = random.Random(options.seed)
    ref = build_reference(options, rng)
    shas = [store_bytes(db.attachments_dir, data) for _, data in ref.attachments]
    at = reference_time(options)  # not the wall clock: same options must give the same rows
    counts = {"applications": 0, "attachments": 0}
    last_numbers: dict[int, int] = {}

    def write_applications(conn: sqlite3.Connection, items: list[_Generated]) -> None:
        bulk.insert_applications(conn, (row for row, _ in items))
        files = [
            (att_id, row["municipality_id"], row["id"], shas[index], name, "application/pdf", size,
             row["received_at"])
            for row, atts in items
            for att_id, index, name, size in atts
        ]  # fmt: skip
        bulk.insert_attachments(conn, files)
        for row, _ in items:
            year = int(str(row["aktenzeichen"]).split("-")[-2])
            last_numbers[year] = last_numbers.get(year, 0) + 1
        counts["applications"] += len(items)
        counts["attachments"] += len(files)

    # The recent applications are held back until all are generated: the worked cases are chosen
    # among them (and written as they arrived, before the story's clerks work on them).
    window_start = _iso(day_start_ms(options.today) - story.WINDOW_DAYS * DAY_MS)
    held: list[_Generated] = []
    events = 0
    worked = letters = 0
    # Demo data is local only: not captured for the outbox (and so much faster to write).
    with db.write() as conn, capture_suppressed(conn):
        if reference.get_setting(conn, LOCAL_OFFICE_KEY) is not None:
            raise ValidationError(["Der Datenordner enthält bereits eingerichtete Daten."])
        report(1, "Gemeinden und Leistungen werden angelegt …")
        for m in ref.municipalities:
            reference.insert_municipality(conn, m, at)
        for o in ref.offices:
            reference.insert_office(conn, o, at)
        for c in ref.clerks:
            reference.insert_clerk(conn, c, at)
        for s in ref.services:
            reference.insert_service(conn, s, at)

        generated = iter_applications(ref, options, rng)
        while chunk := list(islice(generated, _CHUNK)):
            write_applications(conn, [item for item in chunk if str(item[0]["received_at"]) < window_start])
            held += [item for item in chunk if str(item[0]["received_at"]) >= window_start]
            done = counts["applications"] + len(held)
            report(
                2 + 38 * done // max(options.applications, 1),
                f"{done:,} Anträge erzeugt …".replace(",", "."),
            )
        castings = _cast(ref, options, [row for row, _ in held])
        as_cast = {c.row["id"]: c.row for c in castings}
        write_applications(conn, [(as_cast.get(row["id"], row), atts) for row, atts in held])
        for year, last in last_numbers.items():
            bulk.set_number_range(conn, ref.local_office.id, year, last)

        stream = iter_usage_events(ref, options, rng)
        while batch := list(islice(stream, _CHUNK * 5)):
            # (id, municipality, LeiKa, …, rating) without the municipality is the order event_from_row reads
            readable = [e for row in batch if (e := event_from_row((*row[:1], *row[2:])))]
            usage_stats.add_events(conn, ref.local_office.municipality_id, readable)
            events += len(batch)
            report(
                40 + 55 * events // max(options.events, 1),
                f"{events:,} Nutzungsereignisse erzeugt …".replace(",", "."),
            )

        report(95, "Geräteverleih wird angelegt …")
        pool = build_pool(ref, options)
        for table, rows in pool.tables.items():
            bulk.insert_rows(conn, table, rows)

        def case_done() -> None:
            nonlocal worked
            worked += 1
            report(
                96 + 3 * worked // max(len(castings), 1),
                "Vorgänge werden bearbeitet und Bescheide erstellt …",
            )

        if castings:
            report(96, "Vorgänge werden bearbeitet und Bescheide erstellt …")
            letters = demo_story.play(
                db,
                conn,
                _story_cast(ref),
                castings,
                options.today,
                random.Random(f"story-{options.seed}"),
                case_done,
            )
        reference.set_setting(conn, LOCAL_OFFICE_KEY, ref.local_office.id)
        # The Kreis's comparison figures, as the sync server would send them (the demo is not synced).
        comparison.replace_all(
            conn, demo_figures(options.today), f"{options.today.isoformat()}T06:00:00+00:00"
        )
        # Demo data is local only: audited, but no outbox mutation to push.
        append_audit(
            conn,
            at=at,
            clerk_id=None,
            municipality_id=ref.local_office.municipality_id,
            entity="database",
            entity_id=ref.local_office.id,
            action="demo_erzeugt",
            changes={"seed": options.seed, "applications": counts["applications"], "events": events},
            audit_id=uuid7(reference_ms(options), rng),
        )
        report(99, "Daten werden gespeichert …")
    report(100, "Fertig.")
    return DemoSummary(
        counts["applications"], counts["attachments"], events, pool.devices, pool.loans, worked, letters
    )


_Generated = tuple[dict[str, object], list[tuple[str, int, str, int]]]


def _iso(unix_ms: int) -> str:
    return dt.datetime.fromtimestamp(unix_ms / 1000, dt.UTC).isoformat(timespec="seconds")


def _cast(ref: DemoReference, options: DemoOptions, recent: list[dict[str, object]]) -> list[story.Casting]:
    """The worked cases among the recent applications. None when the demo's "today" lies ahead
    of the real one: the services refuse to post a letter on a day still to come."""
    if options.today > dt.date.today():
        return []
    return story.cast(recent, {s.id: s for s in ref.services}, options.today)


def _story_cast(ref: DemoReference) -> demo_story.StoryCast:
    local = next(m for m in ref.municipalities if m.id == ref.local_office.municipality_id)
    return demo_story.StoryCast(local, ref.local_office, {c.display_name: c for c in ref.clerks})


def is_demo_database(db: Database) -> bool:
    """Whether the demo generator made this database (only there may one work as another clerk)."""
    conn = db.reader()
    try:
        return is_demo(conn)
    finally:
        conn.close()
