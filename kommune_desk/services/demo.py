"""Build the demo network into an empty database, all or nothing."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

from kommune_desk.demo.comparison import demo_figures
from kommune_desk.demo.generator import (
    DemoOptions,
    build_reference,
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
from kommune_desk.storage.files import store_bytes

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


def build_demo(
    db: Database,
    options: DemoOptions,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> DemoSummary:
    """Fill an empty database with the deterministic demo; ``progress(percent, text)``.

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
    applications = attachments = events = 0
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

        last_numbers: dict[int, int] = {}
        generated = iter_applications(ref, options, rng)
        while chunk := list(islice(generated, _CHUNK)):
            bulk.insert_applications(conn, (row for row, _ in chunk))
            files = [
                (
                    att_id,
                    row["municipality_id"],
                    row["id"],
                    shas[index],
                    name,
                    "application/pdf",
                    size,
                    row["received_at"],
                )
                for row, atts in chunk
                for att_id, index, name, size in atts
            ]
            bulk.insert_attachments(conn, files)
            for row, _ in chunk:
                year = int(str(row["aktenzeichen"]).split("-")[-2])
                last_numbers[year] = last_numbers.get(year, 0) + 1
            applications += len(chunk)
            attachments += len(files)
            report(
                2 + 38 * applications // max(options.applications, 1),
                f"{applications:,} Anträge erzeugt …".replace(",", "."),
            )
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

        report(96, "Geräteverleih wird angelegt …")
        pool = build_pool(ref, options)
        for table, rows in pool.tables.items():
            bulk.insert_rows(conn, table, rows)
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
            changes={"seed": options.seed, "applications": applications, "events": events},
            audit_id=uuid7(reference_ms(options), rng),
        )
        report(99, "Daten werden gespeichert …")
    report(100, "Fertig.")
    return DemoSummary(applications, attachments, events, pool.devices, pool.loans)
