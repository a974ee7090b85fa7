"""Draw a :class:`~kommune_desk.domain.charts.ChartSpec` with matplotlib: into an RGBA image for
the screen (with the regions a pointer can hover or click), or into PNG, SVG or PDF bytes.

Only matplotlib's object API and its Agg, SVG and PDF canvases are used (never pyplot, never a
GUI backend), so a worker thread can draw while the window stays responsive. matplotlib is
imported here, and this module is imported only when the Statistik section is opened.
"""

from __future__ import annotations

import io
import unicodedata
import warnings
from dataclasses import replace
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from kommune_desk.domain.charts import PALETTE, ChartKind, ChartSpec, DrawnChart, Hit, ValueFormat
from kommune_desk.domain.formatting import format_count, format_decimal, format_percent

HIDDEN = "< 5"
SCREEN_LABELS_UP_TO = 12  # bars; beyond, the screen shows values on hover (the report always)
_FONT = {"family": "DejaVu Sans", "size": 9}


def _days(value: float) -> str:
    return format_count(round(value)) if float(value).is_integer() else format_decimal(value)


def clean(text: str) -> str:
    """Text a chart may draw: control, format and private characters and those beyond the BMP
    (DejaVu has no emoji) are dropped, so a hostile service name draws as plain letters."""
    return "".join(ch for ch in text if ord(ch) <= 0xFFFF and unicodedata.category(ch) not in _UNDRAWABLE)


_UNDRAWABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def format_value(
    value: float | None, value_format: ValueFormat, *, unit: bool = True, hidden: str = HIDDEN
) -> str:
    """A value as the chart's tooltips (with ``unit``) and bar labels write it (German);
    ``hidden`` is what stands for a hidden one."""
    if value is None:
        return hidden
    if value_format is ValueFormat.PERCENT:
        return format_percent(value)
    if value_format is ValueFormat.DAYS:
        return f"{_days(value)} Tage" if unit else _days(value)
    return format_count(round(value))


def _axis_formatter(value_format: ValueFormat) -> FuncFormatter:
    def label(value: float, _position: int) -> str:
        if value_format is ValueFormat.PERCENT:
            return format_percent(value, 0)
        if value_format is ValueFormat.DAYS:
            return format_decimal(value, 0)
        return format_count(round(value))

    return FuncFormatter(label)


def build_figure(
    spec: ChartSpec, width_px: int, height_px: int, dpi: float = 96.0, *, labels: bool = True
) -> tuple[Figure, list]:
    """The matplotlib figure of ``spec`` and, per drawn element, (artist or (axes, x, y), tooltip,
    category id). ``labels``: the value beside each bar (on screen only for a few bars: there the
    pointer shows each value, and text is most of the drawing time)."""
    spec = replace(
        spec, title=clean(spec.title), note=clean(spec.note),
        categories=tuple(clean(c) for c in spec.categories),
        series=tuple(replace(s, name=clean(s.name)) for s in spec.series),
    )  # fmt: skip
    figure = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, layout="constrained")
    axes = figure.add_subplot()
    # At the figure's left edge, whatever the width of the category labels below it.
    figure.suptitle(spec.title, x=0.01, ha="left", fontsize=11, fontweight="bold", fontfamily=_FONT["family"])
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    elements: list[tuple[Any, str, str]] = []
    if spec.is_empty:
        axes.set_axis_off()
        axes.text(0.5, 0.5, spec.empty_text, ha="center", va="center", color="#555", transform=axes.transAxes)
        return figure, elements
    if spec.kind is ChartKind.LINE:
        _lines(axes, spec, elements)
    else:
        _bars(axes, spec, elements, labels)
    if spec.value_format is ValueFormat.DAYS:
        (axes.xaxis if spec.kind is ChartKind.BARS else axes.yaxis).set_label_text("Tage", fontsize=8)
    if spec.note:  # part of the layout, so it never covers the axis labels
        figure.supxlabel(spec.note, x=0.01, ha="left", fontsize=7.5, color="#555")
    return figure, elements


def _lines(axes: Any, spec: ChartSpec, elements: list) -> None:
    positions = list(range(len(spec.categories)))
    for index, series in enumerate(spec.series):
        colour = PALETTE[index % len(PALETTE)]
        values = [float("nan") if v is None else v for v in series.values]
        axes.plot(positions, values, color=colour, linewidth=2, marker="o", markersize=3.5, label=series.name)
        for position, value in zip(positions, series.values, strict=True):
            shown = format_value(value, spec.value_format, hidden=series.mark(position))
            text = f"{spec.categories[position]} – {series.name}: {shown}"
            # A point, not an artist: its pixels are known once the figure is drawn.
            elements.append(((axes, position, 0 if value is None else value), text, ""))
    ticks = positions[:: max(1, len(positions) // 12)]
    # "Nov. 2026" over two lines, so twelve months fit side by side.
    axes.set_xticks(ticks, [spec.categories[p].replace(" ", "\n", 1) for p in ticks], fontsize=8)
    axes.yaxis.set_major_formatter(_axis_formatter(spec.value_format))
    top = max((v for s in spec.series for v in s.values if v is not None), default=1) or 1
    axes.set_ylim(0, top * 1.1)
    axes.grid(axis="y", color="#ddd", linewidth=0.6)
    _legend(axes, len(spec.series))


def _bars(axes: Any, spec: ChartSpec, elements: list, labels: bool) -> None:
    count, groups = len(spec.series), len(spec.categories)
    thickness = 0.8 / count
    horizontal = spec.kind is ChartKind.BARS
    largest = max((v for s in spec.series for v in s.values if v is not None), default=0) or 1
    for index, series in enumerate(spec.series):
        colour = PALETTE[index % len(PALETTE)]
        offsets = [g - 0.4 + thickness * (index + 0.5) for g in range(groups)]
        # A hidden value gets a short grey stub: visible, and the pointer finds it.
        stub = largest * 0.02
        values = [stub if v is None else v for v in series.values]
        draw = axes.barh if horizontal else axes.bar
        bars = draw(offsets, values, thickness * 0.92, color=colour, label=series.name if count > 1 else None)
        for bar, value in zip(bars, series.values, strict=True):
            if value is None:
                bar.set_facecolor("#d9d9d9")
                bar.set_hatch("///")
                bar.set_edgecolor("#999999")
        for group, (bar, value) in enumerate(zip(bars, series.values, strict=True)):
            label = format_value(value, spec.value_format, unit=False, hidden=series.mark(group))
            if not labels and value is not None:
                pass
            elif horizontal:
                axes.text(
                    (value or stub) + largest * 0.01, bar.get_y() + bar.get_height() / 2, label,
                    va="center", fontsize=7.5, color="#333" if value is not None else "#777",
                )  # fmt: skip
            else:
                axes.text(
                    bar.get_x() + bar.get_width() / 2, (value or stub) + largest * 0.01, label,
                    ha="center", va="bottom", fontsize=7.5, color="#333" if value is not None else "#777",
                )  # fmt: skip
            category_id = spec.category_ids[group] if spec.category_ids else ""
            name = f" – {series.name}" if count > 1 else ""
            shown = format_value(value, spec.value_format, hidden=series.mark(group))
            tooltip = f"{spec.categories[group]}{name}: {shown}"
            elements.append((bar, tooltip, category_id))
    ticks = list(range(groups))
    value_axis = axes.xaxis if horizontal else axes.yaxis
    value_axis.set_major_formatter(_axis_formatter(spec.value_format))
    if horizontal:
        axes.set_yticks(ticks, [_short(c) for c in spec.categories], fontsize=8)
        axes.invert_yaxis()  # the first category on top
        axes.set_xlim(0, largest * 1.18)
        axes.grid(axis="x", color="#ddd", linewidth=0.6)
    else:
        axes.set_xticks(ticks, list(spec.categories), fontsize=8)
        axes.set_ylim(0, largest * 1.15)
        axes.grid(axis="y", color="#ddd", linewidth=0.6)
    axes.set_axisbelow(True)
    if count > 1:
        _legend(axes, count)


def _legend(axes: Any, count: int) -> None:
    """Below the plot, in one or two rows: never over a bar or a line, however many series."""
    axes.legend(
        loc="upper left", bbox_to_anchor=(0, -0.12), ncols=min(count, 3), frameon=False, fontsize=8,
        borderaxespad=0, handlelength=1.2,
    )  # fmt: skip


def _short(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def draw(spec: ChartSpec, width_px: int, height_px: int, dpi: float = 96.0) -> DrawnChart:
    """``spec`` drawn for the screen: the RGBA pixels and the regions a pointer may hover."""
    bars = len(spec.categories) * len(spec.series)
    figure, elements = build_figure(spec, width_px, height_px, dpi, labels=bars <= SCREEN_LABELS_UP_TO)
    canvas = FigureCanvasAgg(figure)
    with warnings.catch_warnings():
        # A chart squeezed to nothing (a tiny window) cannot be laid out; it is drawn anew at size.
        warnings.filterwarnings("ignore", message="constrained_layout not applied")
        canvas.draw()
    renderer = canvas.get_renderer()
    width, height = (int(v) for v in canvas.get_width_height())
    hits = []
    reach = 7 * dpi / 96  # around a point of a line, in pixels
    for element, tooltip, category_id in elements:
        if isinstance(element, tuple):
            axes, x, y = element
            px, py = axes.transData.transform((x, y))
            x0, y0, x1, y1 = px - reach, py - reach, px + reach, py + reach
        else:
            x0, y0, x1, y1 = element.get_window_extent(renderer).extents
        # matplotlib counts pixels from the bottom left; Qt from the top left.
        hits.append(Hit(x0, height - y1, x1, height - y0, tooltip, category_id))
    return DrawnChart(spec.key, width, height, bytes(canvas.buffer_rgba()), tuple(hits))


def export(spec: ChartSpec, file_format: str, width_px: int = 900, height_px: int = 480) -> bytes:
    """``spec`` as ``png``, ``svg`` or ``pdf`` bytes (fonts embedded, text kept as text in SVG)."""
    if file_format not in ("png", "svg", "pdf"):
        raise ValueError(file_format)
    figure, _ = build_figure(spec, width_px, height_px, 96.0)
    buffer = io.BytesIO()
    metadata = {"Creator": "KommuneDesk"} if file_format in ("pdf", "svg") else None
    extra = {"svg.fonttype": "none"} if file_format == "svg" else {}
    import matplotlib

    with matplotlib.rc_context(extra):
        figure.savefig(buffer, format=file_format, dpi=150 if file_format == "png" else 96, metadata=metadata)
    return buffer.getvalue()
