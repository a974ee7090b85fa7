"""What a chart shows, as plain data: the dashboard builds it, documents.charts draws it (screen,
PNG, SVG, PDF report). Hidden values (small counts) are None and drawn as gaps marked "< 5"."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# Okabe & Ito's palette: told apart with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


class ChartKind(StrEnum):
    LINE = "line"  # categories along x (months), one line per series
    BARS = "bars"  # horizontal bars, one group per category (services, methods)
    COLUMNS = "columns"  # vertical bars (the funnel's steps)


class ValueFormat(StrEnum):
    COUNT = "count"  # 1.234
    PERCENT = "percent"  # fractions shown as 12,5 %
    DAYS = "days"  # 12,5 Tage


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]  # one per category; None: hidden
    marks: tuple[str, ...] = ()  # per category, how a hidden value is written ("< 5" if none given)

    def mark(self, index: int) -> str:
        return self.marks[index] if index < len(self.marks) and self.marks[index] else "< 5"


@dataclass(frozen=True)
class ChartSpec:
    key: str  # stable name, for exports and tests (e.g. "monate", "leistungen")
    title: str
    kind: ChartKind
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    value_format: ValueFormat = ValueFormat.COUNT
    category_ids: tuple[str, ...] = ()  # what a click on a category selects (LeiKa ids)
    note: str = ""  # a line under the chart (e.g. how to read it)
    empty_text: str = "Keine Daten im gewählten Zeitraum."

    def height(self) -> int:
        """A good height in (96 dpi) pixels: bar charts grow with their categories."""
        if self.kind is not ChartKind.BARS or self.is_empty:
            return 300
        return max(240, 90 + len(self.categories) * (10 + 9 * len(self.series)))

    @property
    def is_empty(self) -> bool:
        return not self.categories or all(v is None or v == 0 for s in self.series for v in s.values)


@dataclass(frozen=True)
class Hit:
    """A region of a drawn chart (pixels from the top left) and what it says and selects."""

    x0: float
    y0: float
    x1: float
    y1: float
    tooltip: str
    category_id: str = ""

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


@dataclass(frozen=True)
class DrawnChart:
    """A chart drawn into an RGBA image of ``width`` × ``height`` pixels."""

    key: str
    width: int
    height: int
    rgba: bytes
    hits: tuple[Hit, ...] = field(default=())
