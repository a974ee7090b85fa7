"""Statistik use cases: import usage events from a file, the figures of a period.

An import is local to this workstation (the portal's own events arrive through the sync server):
it writes the events, their sessions and counts, and an audit entry in one transaction, and no
outbox mutation. The figures are read from the counts only, and published with small counts
suppressed (domain.statistics).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.domain.statistics import TOTAL, fold_counts, published_cells, usage_figures
from kommune_desk.domain.usage import LOCAL_TIME
from kommune_desk.domain.usage_csv import UsageFileError, read_usage_csv
from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage import case_stats, reference, usage_stats
from kommune_desk.storage.audit import append_audit
from kommune_desk.storage.reference import set_setting

from .workspace import Workspace

MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class UsageImport:
    rows: int  # data rows of the file
    added: int  # events new to this workstation
    already_known: int  # events imported before (or twice in the file)

    def message(self) -> str:
        if not self.added:
            return f"Keine neuen Ereignisse: alle {self.rows} Zeilen waren schon importiert."
        text = (
            "1 Nutzungsereignis importiert."
            if self.added == 1
            else f"{self.added} Nutzungsereignisse importiert."
        )
        if self.already_known:
            text += f" {self.already_known} waren schon vorhanden und wurden übersprungen."
        return text


def import_usage_file(ws: Workspace, path: Path) -> UsageImport:
    """Import a CSV file of usage events, all or nothing (ValidationError names the bad rows)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValidationError([f"Die Datei ist zu groß ({size // 1_048_576} MB; höchstens 512 MB)."])
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError([f"Die Datei „{path.name}“ konnte nicht gelesen werden."]) from exc
    with _no_cyclic_gc():
        return _import_parsed(ws, data)


def _import_parsed(ws: Workspace, data: bytes) -> UsageImport:
    try:
        parsed = read_usage_csv(data)
    except UsageFileError as exc:
        raise ValidationError(exc.messages) from exc
    with ws.db.write() as conn:
        usage_stats.prune_if_due(conn)
        cutoff = usage_stats.retention_cutoff(conn)
        added = usage_stats.add_events(
            conn, ws.municipality.id, parsed.events, table="usage_imported_events", counted_from=cutoff
        )
        append_audit(
            conn, entity="statistik", entity_id=ws.municipality.id, action="nutzungsdaten_importiert",
            clerk_id=ws.clerk.id if ws.clerk else None, municipality_id=ws.municipality.id, at=utc_now_iso(),
            changes={"datei_sha256": hashlib.sha256(data).hexdigest(), "zeilen": parsed.rows, "neu": added},
        )  # fmt: skip
    return UsageImport(parsed.rows, added, parsed.rows - added)


def raw_event_retention(ws: Workspace, months: int | None = None) -> int:
    """How many months raw usage events are kept; with ``months``, set it first (audited)."""
    with ws.db.write() as conn:
        if months is not None:
            if not 1 <= months <= 120:
                raise ValidationError(["Bitte geben Sie zwischen 1 und 120 Monaten an."])
            before = usage_stats.retention_months(conn)
            set_setting(conn, usage_stats.RETENTION_SETTING, str(months))
            append_audit(
                conn, entity="statistik", entity_id=ws.municipality.id, action="aufbewahrung_geaendert",
                clerk_id=ws.clerk.id if ws.clerk else None, municipality_id=ws.municipality.id,
                at=utc_now_iso(), changes={"monate": [before, months]},
            )  # fmt: skip
        return usage_stats.retention_months(conn)


def known_leika_ids(ws: Workspace) -> set[str]:
    """The services of the town's catalogue and those its usage counts name."""
    conn = ws.db.reader()
    try:
        counted = usage_stats.counted_services(conn, ws.municipality.id)
        return counted | {s.leika_id for s in reference.list_services(conn, ws.municipality.id)}
    finally:
        conn.close()


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """A million small tuples and no cycles among them: the cycle collector would walk them again
    and again while they are made (a fifth of an import's time) for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValidationError(["Das Ende des Zeitraums liegt vor seinem Anfang."])

    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) in UTC: from the first day's midnight to the one after the last day, in
        German time."""
        start = dt.datetime.combine(self.first, dt.time(), LOCAL_TIME)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), LOCAL_TIME)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


WITHOUT_SERVICE = "Ohne Leistung (Klärung)"


def usage_report(
    ws: Workspace,
    period: Period,
    *,
    leika_id: str | None = None,
    channel: str | None = None,
    rows: list[usage_stats.CountRow] | None = None,
) -> dict:
    """The figures of ``period`` as a JSON-ready object: ``zeitraum``, ``gesamt`` and one entry
    per service in ``leistungen``; hidden values are None. ``rows``: the counts of exactly this
    selection, if the caller has read them already."""
    town = ws.municipality.id
    start, end = period.moments()
    conn = ws.db.reader()
    try:
        if rows is None:
            rows = usage_stats.count_rows(
                conn, town, period.first, period.last, leika_id=leika_id, channel=channel, by_month=False
            )
        durations = case_stats.processing_days(conn, town, start, end, leika_id)
        backlog = case_stats.open_cases(conn, town, end, period.last + dt.timedelta(days=1), leika_id)
        counter = case_stats.counter_payments(conn, town, start, end, leika_id)
        names = {s.leika_id: s.name for s in reference.list_services(conn, town)}
    finally:
        conn.close()
    names[""] = WITHOUT_SERVICE
    by_row = fold_counts(
        ((r.leika_id, r.channel, r.metric, r.key, r.sessions) for r in rows),
        durations=durations, backlog=backlog, counter_payments=counter,
    )  # fmt: skip
    values, hidden = published_cells(by_row)
    services = sorted(
        (row for row in by_row if row != TOTAL), key=lambda leika: (names.get(leika, leika), leika)
    )
    return {
        "zeitraum": {"von": period.first.isoformat(), "bis": period.last.isoformat()},
        "gesamt": usage_figures(TOTAL, by_row[TOTAL], values, hidden),
        "leistungen": [
            {"leika_id": leika, "name": names.get(leika, leika)}
            | usage_figures(leika, by_row[leika], values, hidden)
            for leika in services
        ],
    }
