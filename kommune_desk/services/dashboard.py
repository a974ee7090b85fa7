"""The Statistik dashboard: filters, key figures and charts of a period, from the counts.

Everything here runs in a worker: it reads the counts (never the raw events), suppresses small
counts (domain.statistics) and describes the charts as data (domain.charts); drawing them is
documents.charts' job.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kommune_desk.domain.charts import ChartKind, ChartSpec, DrawnChart, Series, ValueFormat
from kommune_desk.domain.comparison import ABANDONMENT, PROCESSING_DAYS
from kommune_desk.domain.formatting import format_count, format_decimal, format_month, format_percent
from kommune_desk.domain.payments import PaymentMethod
from kommune_desk.domain.statistics import TOTAL, hidden_mark, hide_small, is_small, protect, utilisation
from kommune_desk.domain.usage import STARTED, SUBMITTED
from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage import case_stats, pool_stats, reference, usage_stats
from kommune_desk.storage.files import write_durably

from .comparison import kreis_figures, kreis_stand
from .statistics import Period, usage_report
from .workspace import Workspace


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    months = day.year * 12 + day.month - 1 - back
    return dt.date(months // 12, months % 12 + 1, 1)


def _previous_quarter(today: dt.date) -> Period:
    first_month = (today.month - 1) // 3 * 3 + 1
    end = dt.date(today.year, first_month, 1) - dt.timedelta(days=1)
    return Period(_month_start(end, 2), end)


# The period presets of the filter bar, by their German names (the first is the default).
PRESETS: dict[str, Callable[[dt.date], Period]] = {
    # Whole months: a month just begun would look like a collapse at the end of the line.
    "Letzte 12 Monate": lambda today: Period(
        _month_start(today, 12), _month_start(today) - dt.timedelta(days=1)
    ),
    "Letzter Monat": lambda today: Period(_month_start(today, 1), _month_start(today) - dt.timedelta(days=1)),
    "Letztes Quartal": _previous_quarter,
    "Dieses Jahr": lambda today: Period(dt.date(today.year, 1, 1), today),
    "Vorjahr": lambda today: Period(dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
}
CHANNEL_LABELS = {"web": "Web", "app": "App", "": "nicht angegeben"}
AUTH_LABELS = {
    "keine": "ohne Anmeldung", "bundid": "BundID", "elster": "ELSTER-Zertifikat",
    "eid": "Online-Ausweis (eID)", "sonstige": "sonstige", "nicht_angegeben": "nicht angegeben",
}  # fmt: skip


@dataclass(frozen=True)
class Filters:
    period: Period
    leika_id: str | None = None  # one service, or all
    channel: str | None = None  # "web", "app", or all


@dataclass(frozen=True)
class Tile:
    title: str
    value: str
    detail: str  # a line under the value (the basis, or why it is hidden)


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    services: tuple[tuple[str, str], ...]  # (LeiKa id, name) of the municipality, for the filter
    report: dict  # services.statistics.usage_report
    tiles: tuple[Tile, ...]
    charts: tuple[ChartSpec, ...]
    has_data: bool  # anything in the chosen period and selection
    nothing_counted: bool = False  # no usage counted at all yet (how data gets in is explained)


@dataclass(frozen=True)
class KeyFigures:
    """What the tiles show, ready before the charts (the section opens with them)."""

    report: dict
    kreis: dict | None
    tiles: tuple[Tile, ...]


def key_figures(ws: Workspace, filters: Filters) -> KeyFigures:
    """The figures of ``filters`` and the tiles (in a worker)."""
    if filters.channel not in (None, "web", "app"):
        raise ValidationError(["Unbekannter Kanal."])
    report = usage_report(ws, filters.period, leika_id=filters.leika_id, channel=filters.channel)
    unfiltered = filters.leika_id is None and filters.channel is None
    kreis = kreis_figures(ws, filters.period, report=report if unfiltered else None)
    # The Kreis compares all channels: beside one channel it would compare unlike with unlike.
    beside = None if filters.channel else (kreis or {}).get(filters.leika_id or TOTAL, {})
    return KeyFigures(report, kreis, _tiles(report["gesamt"], beside, filters.channel))


def build_dashboard(ws: Workspace, filters: Filters, figures: KeyFigures | None = None) -> Dashboard:
    """Figures and charts of ``filters`` (in a worker); ``figures`` if they were computed before."""
    figures = figures or key_figures(ws, filters)
    first, last = filters.period.first, filters.period.last
    conn = ws.db.reader()
    try:
        selection = {"leika_id": filters.leika_id, "channel": filters.channel}
        # Per month only what the line chart shows: a tenth of the rows.
        monthly = usage_stats.count_rows(
            conn, ws.municipality.id, first, last, metrics=(STARTED, SUBMITTED), **selection
        )
        services = tuple((s.leika_id, s.name) for s in reference.list_services(conn, ws.municipality.id))
        start, end = filters.period.moments()
        received, completed, channels = case_stats.cases_per_month(
            conn, ws.municipality.id, start, end, filters.leika_id
        )
        nothing_counted = not usage_stats.has_counts(conn, ws.municipality.id)
        pool_devices = pool_stats.devices(conn)
        pool_loans = pool_stats.loans_overlapping(conn, filters.period.first, filters.period.last)
    finally:
        conn.close()
    report, kreis = figures.report, figures.kreis
    total = report["gesamt"]
    # A hidden count (None) is still data: only zeros everywhere mean there is none.
    processing = total["bearbeitung"]
    has_data = any(v != 0 for v in (total["gestartet"], processing["abgeschlossen"], processing["offen"]))
    charts = (
        _months_chart(filters.period, monthly),
        _services_chart(report),
        _funnel_chart(report, filters, dict(services)),
        _payments_chart(total),
        _shares_chart("anmeldung", "Anmeldung", total, AUTH_LABELS),
        _shares_chart(
            "kanal", "Kanal", total, {k or "nicht_angegeben": v for k, v in CHANNEL_LABELS.items()}
        ),
        _processing_chart(report),
        _cases_chart(filters.period, received, completed),
        _intake_channels_chart(channels),
        _pool_loans_chart(filters.period, pool_devices, pool_loans),
        _utilisation_chart(filters.period, pool_devices, pool_loans),
        _kreis_chart(kreis, dict(services), kreis_stand(ws) if kreis else None),
    )
    return Dashboard(filters, services, report, figures.tiles, charts, has_data, nothing_counted)


CHART_KEYS = (
    "monate", "leistungen", "trichter", "zahlarten", "anmeldung", "kanal", "bearbeitung", "vorgaenge",
    "eingangswege", "ausleihen", "auslastung", "kreis",
)  # fmt: skip
CASE_CHANNEL_LABELS = {
    "fit_connect": "online (FIT-Connect)", "papier": "Papier", "schalter": "Schalter", "email": "E-Mail",
    "datei": "Datei",
}  # fmt: skip


def save_export(path: Path, produce: Callable[[], bytes]) -> Path:
    """Write what ``produce`` returns to ``path``, whole or not at all; German error if it fails."""
    data = produce()
    try:
        write_durably(path, data)
    except OSError as exc:
        raise ValidationError(
            [f"Die Datei „{path.name}“ konnte nicht gespeichert werden. Ist der Ordner schreibbar?"]
        ) from exc
    return path


def save_chart(spec: ChartSpec, file_format: str, path: Path) -> Path:
    """Write one chart as PNG, SVG or PDF."""
    from kommune_desk.documents.charts import export

    return save_export(path, lambda: export(spec, file_format))


def draw_charts(
    charts: tuple[ChartSpec, ...], widths: dict[str, int], scale: float = 1.0
) -> list[DrawnChart]:
    """The charts drawn for the screen: ``widths`` in logical pixels per chart key, heights as
    each chart needs, all times ``scale`` (the screen's device pixel ratio)."""
    from kommune_desk.documents.charts import draw

    drawn = []
    for spec in charts:
        size = (round(widths.get(spec.key, 560) * scale), round(spec.height() * scale), 96 * scale)
        chart = _DRAWN.get((spec, size))
        if chart is None:
            chart = _DRAWN.put((spec, size), draw(spec, *size[:2], dpi=size[2]))
        drawn.append(chart)
    return drawn


class _DrawnCharts:
    """The last charts drawn, by what they show and their size: a filter change redraws only the
    charts it changes (the pool's, say, stay as they are). Shared by the page's workers."""

    def __init__(self, capacity: int = 48) -> None:  # ~0.7 MB each at 560 × 300
        self._charts: dict[tuple, DrawnChart] = {}
        self._capacity = capacity
        self._lock = threading.Lock()

    def get(self, key: tuple) -> DrawnChart | None:
        with self._lock:
            chart = self._charts.pop(key, None)
            if chart is not None:
                self._charts[key] = chart  # most recently used last
            return chart

    def put(self, key: tuple, chart: DrawnChart) -> DrawnChart:
        with self._lock:
            self._charts[key] = chart
            while len(self._charts) > self._capacity:
                del self._charts[next(iter(self._charts))]
        return chart


_DRAWN = _DrawnCharts()


def months_of(period: Period) -> list[dt.date]:
    months, month = [], _month_start(period.first)
    while month <= period.last:
        months.append(month)
        month = _month_start(month + dt.timedelta(days=32))
    return months


def _months_chart(period: Period, rows: list[usage_stats.CountRow]) -> ChartSpec:
    months = months_of(period)
    keys = [m.strftime("%Y-%m") for m in months]
    series = []
    for metric, name in ((STARTED, "gestartet"), (SUBMITTED, "abgeschickt")):
        per_month = {key: 0 for key in keys}
        for row in rows:
            if row.metric == metric and row.month in per_month:
                per_month[row.month] += row.sessions
        # The period's total is shown in the tiles: a lone hidden month must not follow from it.
        values = {("m", k): v for k, v in per_month.items()} | {("total",): sum(per_month.values())}
        hidden = protect(values, [(("total",), [("m", k) for k in keys])])
        series.append(Series(name, tuple(None if ("m", k) in hidden else per_month[k] for k in keys)))
    return ChartSpec(
        "monate", "Online-Anträge je Monat: gestartet und abgeschickt", ChartKind.LINE,
        _month_labels(period), tuple(series),
        note="Sitzungen nach dem Tag, an dem sie begonnen wurden. Werte unter 5 werden nicht gezeigt.",
    )  # fmt: skip


def _services_chart(report: dict) -> ChartSpec:
    services = sorted(report["leistungen"], key=lambda s: -(s["gestartet"] or 0))
    services = [s for s in services if s["gestartet"] != 0]
    return ChartSpec(
        "leistungen", "Online-Anträge je Leistung", ChartKind.BARS,
        tuple(s["name"] for s in services),
        tuple(_series(name, services, name) for name in ("gestartet", "abgeschickt")),
        category_ids=tuple(s["leika_id"] for s in services),
    )  # fmt: skip


def _series(name: str, entries: list[dict], field: str, value: object = None) -> Series:
    """A series of one field of several entries, each hidden value with its own mark."""
    values = tuple(e[field] if value is None else value(e) for e in entries)  # type: ignore[operator]
    return Series(name, values, tuple(hidden_mark(e, field) for e in entries))


def _funnel_chart(report: dict, filters: Filters, names: dict[str, str]) -> ChartSpec:
    figures = report["gesamt"]
    if filters.leika_id is None:  # forms of 5 and of 9 steps added up would show a false cliff
        return ChartSpec(
            "trichter", "Formularschritte", ChartKind.COLUMNS, (), (),
            empty_text="Wählen Sie oben eine Leistung: ihre Formularschritte erscheinen hier.",
        )  # fmt: skip
    steps = figures["trichter"]
    started = figures["gestartet"]
    of = f"der {format_count(started)} " if started is not None else ""
    return ChartSpec(
        "trichter", f"Formularschritte: {names.get(filters.leika_id, filters.leika_id)}", ChartKind.COLUMNS,
        tuple(str(s["schritt"]) for s in steps),
        (Series("erreicht", tuple(s["erreicht"] for s in steps),
                tuple(hidden_mark(figures, f"trichter:{s['schritt']}") for s in steps)),),
        note=f"Formularschritt 1, 2, …: wie viele {of}begonnenen Sitzungen ihn erreicht haben.",
    )  # fmt: skip


def method_label(key: str) -> str:
    """A payment method as the clerk knows it (giropay, Bar, EC-Karte …)."""
    try:
        return PaymentMethod(key).label
    except ValueError:
        return key


def _payments_chart(total: dict) -> ChartSpec:
    methods = sorted(total["zahlarten"].items(), key=lambda item: -(item[1] or 0))
    return ChartSpec(
        "zahlarten", "Zahlarten (online und am Schalter)", ChartKind.BARS,
        tuple(method_label(k) for k, _ in methods),
        (Series("Zahlungen", tuple(v for _, v in methods),
                tuple(hidden_mark(total, f"zahlart:{k}") for k, _ in methods)),),
    )  # fmt: skip


def _shares_chart(key: str, title: str, total: dict, labels: dict[str, str]) -> ChartSpec:
    started = total["gestartet"]
    items = sorted(total[key].items(), key=lambda item: -(item[1] or 0))
    shares = tuple(None if (v is None or not started) else v / started for _, v in items)
    # A share of a hidden count is not a count: "–", or "×" where the count is hidden to protect.
    marks = tuple("×" if hidden_mark(total, f"{key}:{k}") == "×" else "–" for k, _ in items)
    return ChartSpec(
        key, f"{title} (Anteil der Sitzungen)", ChartKind.BARS,
        tuple(labels.get(k, k) for k, _ in items), (Series("Anteil", shares, marks),), ValueFormat.PERCENT,
    )  # fmt: skip


def _processing_chart(report: dict) -> ChartSpec:
    services = [s for s in report["leistungen"] if s["bearbeitung"]["abgeschlossen"]]
    services.sort(key=lambda s: -(s["bearbeitung"]["median_tage"] or 0))
    return ChartSpec(
        "bearbeitung", "Bearbeitungszeit je Leistung (Kalendertage)", ChartKind.BARS,
        tuple(s["name"] for s in services),
        (Series("Median", tuple(s["bearbeitung"]["median_tage"] for s in services), ("–",) * len(services)),
         Series("90 % der Fälle höchstens", tuple(s["bearbeitung"]["p90_tage"] for s in services),
                ("–",) * len(services))),
        ValueFormat.DAYS, category_ids=tuple(s["leika_id"] for s in services),
        note="Vom Eingang bis zum Versand des Bescheids; nur Leistungen mit mindestens 5 erledigten Fällen.",
    )  # fmt: skip


def _month_labels(period: Period) -> tuple[str, ...]:
    """``Nov. 2026`` per month; a month the period covers only in part says until when, so its
    lower count is not read as a collapse."""
    labels = []
    for month in months_of(period):
        label = format_month(month)
        following = _month_start(month + dt.timedelta(days=32))
        if period.last < following - dt.timedelta(days=1):
            label += f" (bis {period.last:%d.%m.})"
        elif period.first > month:
            label += f" (ab {period.first:%d.%m.})"
        labels.append(label)
    return tuple(labels)


def _month_series(period: Period, per_month: dict[str, int]) -> tuple[float | None, ...]:
    counts = {m.strftime("%Y-%m"): per_month.get(m.strftime("%Y-%m"), 0) for m in months_of(period)}
    return tuple(hide_small(counts).values())


def _cases_chart(period: Period, received: dict[str, int], completed: dict[str, int]) -> ChartSpec:
    return ChartSpec(
        "vorgaenge", "Eigene Vorgänge je Monat: eingegangen und erledigt", ChartKind.LINE,
        _month_labels(period),
        (Series("eingegangen", _month_series(period, received)),
         Series("erledigt", _month_series(period, completed))),
        note="Alle Eingangswege; erledigt: Bescheid versandt oder Vorgang abgeschlossen.",
    )  # fmt: skip


def _intake_channels_chart(counts: dict[str, int]) -> ChartSpec:
    total = sum(counts.values())
    # The shares add up to the whole: a lone hidden channel would follow from the others.
    cells = {("k", c): n for c, n in counts.items()} | {("total",): total}
    hidden = protect(cells, [(("total",), [("k", c) for c in counts])])
    ordered = sorted(counts, key=lambda c: -counts[c])
    shares = tuple(None if ("k", c) in hidden or not total else counts[c] / total for c in ordered)
    return ChartSpec(
        "eingangswege", "Eingangswege der eigenen Vorgänge (Anteil)", ChartKind.BARS,
        tuple(CASE_CHANNEL_LABELS.get(c, c) for c in ordered), (Series("Anteil", shares),),
        ValueFormat.PERCENT,
    )  # fmt: skip


def _pool_loans_chart(period: Period, devices: list, loans: list) -> ChartSpec:
    category = {device_id: kind for device_id, _number, _name, kind in devices}
    months = [m.strftime("%Y-%m") for m in months_of(period)]
    per_kind: dict[str, dict[str, int]] = {}
    for device_id, start, _end in loans:
        kind = category.get(device_id)
        if kind is not None and start[:7] in months:
            per_kind.setdefault(kind, dict.fromkeys(months, 0))[start[:7]] += 1
    series = tuple(
        Series(kind, tuple(hide_small(counts).values())) for kind, counts in sorted(per_kind.items())
    )
    return ChartSpec(
        "ausleihen", "Geräteverleih: Ausleihen je Geräteart und Monat", ChartKind.LINE,
        _month_labels(period), series,
        note="Alle Städte und Gemeinden des Pools; gezählt im Monat der Übergabe.",
    )  # fmt: skip


def _utilisation_chart(period: Period, devices: list, loans: list) -> ChartSpec:
    last = min(period.last, dt.date.today())
    spans = [(d, dt.date.fromisoformat(s), dt.date.fromisoformat(e)) for d, s, e in loans]
    shares = utilisation(spans, [d[0] for d in devices], period.first, max(last, period.first))
    ordered = sorted(devices, key=lambda d: (-shares[d[0]], d[1]))
    return ChartSpec(
        "auslastung", "Geräteverleih: Auslastung je Gerät", ChartKind.BARS,
        tuple(f"{number} {name}" for _id, number, name, _kind in ordered),
        (Series("ausgeliehen", tuple(shares[d[0]] for d in ordered)),), ValueFormat.PERCENT,
        note="Tage, an denen das Gerät ausgeliehen war, geteilt durch die Tage des Zeitraums (bis heute).",
    )  # fmt: skip


def _kreis_chart(kreis: dict | None, names: dict[str, str], computed_at: str | None) -> ChartSpec:
    rows = sorted(
        (names.get(leika, leika), figures[ABANDONMENT])
        for leika, figures in (kreis or {}).items()
        if leika != TOTAL and ABANDONMENT in figures  # the Kreis median shows even where ours is hidden
    )
    empty = (
        "Den Kreisvergleich gibt es für ganze Monate, Quartale und Jahre."
        if kreis is None
        else "Noch keine Vergleichszahlen des Kreises: Sie kommen mit dem Abgleich."
    )
    return ChartSpec(
        "kreis", "Kreisvergleich: Abbruchquote je Leistung", ChartKind.BARS, tuple(name for name, _ in rows),
        (Series("Ihre Gemeinde", tuple(f["eigen"] for _, f in rows), ("–",) * len(rows)),
         Series("Median der Städte und Gemeinden", tuple(f["median"] for _, f in rows))),
        ValueFormat.PERCENT, empty_text=empty,
        note=_kreis_as_of(computed_at) + "Nur Quoten, keine Zahlen einzelner Städte; mindestens 2 tragen "
        "bei. Leistungen ohne Vergleichszahlen fehlen; „–“: der eigene Wert ist verdeckt.",
    )  # fmt: skip


def _kreis_as_of(computed_at: str | None) -> str:
    """``Stand 24.11.2026. `` – how current the Kreis's figures are (they come with the sync)."""
    try:
        return f"Stand {dt.datetime.fromisoformat(computed_at or ''):%d.%m.%Y}. "
    except ValueError:
        return ""


def _kreis_text(figure: dict | None, value_format: ValueFormat) -> str:
    if not figure or figure.get("median") is None:
        return ""
    from kommune_desk.documents.charts import format_value

    towns = figure["staedte"]
    return f"; Kreis-Median {format_value(figure['median'], value_format)} ({towns} Städte und Gemeinden)"


def _tiles(total: dict, kreis: dict | None, channel: str | None) -> tuple[Tile, ...]:
    """The five key figures; ``kreis``: the Kreis figures of the same selection (or None)."""
    processing = total["bearbeitung"]
    methods = total["zahlarten"]
    # Counter payments have no channel: with one channel chosen, only online ones are counted.
    online = sum(v or 0 for k, v in methods.items() if k.isupper())
    counter = 0 if channel else sum(v or 0 for k, v in methods.items() if not k.isupper())
    hidden_payment = any(v is None for v in methods.values())
    all_payments = online + counter
    paid_online = (
        None if hidden_payment or is_small(all_payments) or not all_payments else online / all_payments
    )
    median = processing["median_tage"]
    kreis = kreis or {}

    def count(field: str, figures: dict = total) -> str:
        value = figures[field]
        return hidden_mark(total, field) if value is None else format_count(value)

    cases = " (alle Kanäle)" if channel else ""  # the town's own cases have no web/app channel
    return (
        Tile("Online-Anträge", count("abgeschickt"), f"abgeschickt, von {count('gestartet')} begonnen"),
        Tile(
            "Abbruchquote", _rate(total["abbruchquote"]),
            "begonnen, aber nicht abgeschickt" + _kreis_text(kreis.get(ABANDONMENT), ValueFormat.PERCENT),
        ),
        Tile(
            "Online bezahlt", _rate(paid_online),
            "Anteil der Online-Zahlungen" if channel else "Anteil aller Zahlungen (online und Schalter)",
        ),
        Tile(
            "Bearbeitungszeit", "–" if median is None else f"{format_decimal(median)} Tage",
            f"Median, {count('abgeschlossen', processing)} erledigte Fälle{cases}"
            + _kreis_text(kreis.get(PROCESSING_DAYS), ValueFormat.DAYS),
        ),
        Tile(
            "Rückstand", count("offen", processing),
            f"offen am Ende, davon {count('ueberfaellig', processing)} überfällig{cases}",
        ),
    )  # fmt: skip


def _rate(value: float | None) -> str:
    return "–" if value is None else format_percent(value)
