"""Kreisvergleich for the dashboard: the Kreis figures the sync server published beside the
town's own values of the same metrics.

The Kreis figures come with each sync round (sync.engine) and are kept locally, so they work
offline; they exist for calendar months, quarters and years (domain.comparison). The town's own
values are computed here from its own counts and cases, with the suppression its dashboard uses:
Abbruchquote and Bearbeitungstage exactly as services.statistics.usage_report shows them, the
online share where at least 5 cases were received and neither part is a small count.
"""

from __future__ import annotations

from typing import Any

from kommune_desk.domain.comparison import (
    ABANDONMENT,
    ONLINE_SHARE,
    PROCESSING_DAYS,
    Tally,
    period_key,
    town_values,
)
from kommune_desk.domain.statistics import TOTAL
from kommune_desk.storage import comparison

from .statistics import Period, usage_report
from .workspace import Workspace

Figures = dict[str, dict[str, dict[str, Any]]]


def kreis_figures(ws: Workspace, period: Period, *, report: dict | None = None) -> Figures | None:
    """``{leika_id: {metric: {"median", "q1", "q3", "staedte", "eigen"}}}`` for ``period``, with
    ``gesamt`` for all services together; ``eigen`` is the town's own value (None where its
    dashboard hides it). Only metrics with a Kreis figure are listed (none yet: an empty dict).
    None if ``period`` is not exactly a calendar month, quarter or year.

    ``report`` may pass ``usage_report(ws, period)`` (without service or channel filter) if the
    caller has it already."""
    key = period_key(period.first, period.last)
    if key is None:
        return None
    start, end = period.moments()
    conn = ws.db.reader()
    try:
        figures = comparison.figures_for(conn, key)
        received = comparison.received_cases(conn, ws.municipality.id, start, end) if figures else []
    finally:
        conn.close()
    if not figures:
        return {}
    own = _own_values(report if report is not None else usage_report(ws, period), received)
    found: Figures = {}
    for f in figures:
        found.setdefault(f.leika_id, {})[f.metric] = {
            "median": f.median, "q1": f.q1, "q3": f.q3, "staedte": f.towns,
            "eigen": own.get(f.leika_id, {}).get(f.metric),
        }  # fmt: skip
    return found


def kreis_stand(ws: Workspace) -> str | None:
    """When the stored Kreis figures were computed (UTC, ISO 8601); None if there are none."""
    conn = ws.db.reader()
    try:
        return comparison.computed_at(conn)
    finally:
        conn.close()


def _own_values(report: dict, received: list[tuple[str, int, int]]) -> dict[str, dict[str, float | None]]:
    """The town's own value per LeiKa id (and ``gesamt``) and metric."""
    own: dict[str, dict[str, float | None]] = {}
    for leika_id, row in [(TOTAL, report["gesamt"]), *((r["leika_id"], r) for r in report["leistungen"])]:
        if leika_id:  # "" is the cases without a service: no row of the comparison
            own[leika_id] = {
                ABANDONMENT: row["abbruchquote"], PROCESSING_DAYS: row["bearbeitung"]["median_tage"],
            }  # fmt: skip
    cases: dict[str, Tally] = {}
    for leika_id, count, online in received:
        for row in (leika_id, TOTAL):
            tally = cases.setdefault(row, Tally())
            tally.received += count
            tally.online += online or 0
    for leika_id, tally in cases.items():
        if leika_id:
            own.setdefault(leika_id, {})[ONLINE_SHARE] = town_values(tally).get(ONLINE_SHARE)
    return own
