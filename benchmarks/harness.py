"""Shared pieces of the benchmarks: results, the run context and interleaved measuring."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

T = TypeVar("T")
Compare = Literal["ratio", "delta"]


class BenchmarkError(Exception):
    """A benchmark could not be measured (the child failed, timed out, data is missing)."""


@dataclass(frozen=True)
class Result:
    """One measured value, judged against a reference measured in the same run.

    Without a reference the result is informational: no ratio, no target, ``passed`` is None.
    ``compare`` says whether ``limit`` bounds the ratio value/reference or the difference value - reference.
    """

    name: str
    value: float
    unit: str
    reference: float | None = None
    limit: float | None = None
    compare: Compare = "ratio"
    reference_label: str = "bare"
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.reference if self.reference else None

    @property
    def target(self) -> str | None:
        if self.limit is None:
            return None
        if self.compare == "ratio":
            return f"≤ {self.limit:.1f}"
        return f"≤ {_format(self.limit, self.unit, signed=True)}"

    @property
    def passed(self) -> bool | None:
        if self.limit is None or self.reference is None:
            return None
        if self.compare == "ratio":
            return self.value <= self.limit * self.reference
        return self.value - self.reference <= self.limit

    def line(self) -> str:
        """One line, e.g. ``startup  0.172 s vs bare 0.101 s  ratio 1.70  (target ≤ 2.0)  ok``."""
        head = f"{self.name:<18} {_format(self.value, self.unit)}"
        if self.reference is None:
            return f"{head}  {self.note}".rstrip()
        text = f"{head} vs {self.reference_label} {_format(self.reference, self.unit)}  "
        if self.compare == "ratio":
            text += f"ratio {self.ratio:.2f}"
        else:
            text += _format(self.value - self.reference, self.unit, signed=True)
        if self.passed is not None:
            text += f"  (target {self.target})  {'ok' if self.passed else 'FAIL'}"
        return f"{text}  {self.note}".rstrip()

    def to_json(self) -> dict[str, Any]:
        ratio = self.ratio
        return {
            "name": self.name,
            "value": round(self.value, 4),
            "unit": self.unit,
            "reference": None if self.reference is None else round(self.reference, 4),
            "reference_label": self.reference_label if self.reference is not None else None,
            "ratio": None if ratio is None else round(ratio, 4),
            "compare": self.compare if self.limit is not None else None,
            "limit": self.limit,
            "target": self.target,
            "passed": self.passed,
            "note": self.note,
        }


def _format(value: float, unit: str, *, signed: bool = False) -> str:
    sign = "+" if signed else ""
    if unit == "MiB":
        return f"{value:{sign}.0f} MiB"
    if unit == "s":
        return f"{value:{sign}.3f} s" if abs(value) < 10 else f"{value:{sign}.1f} s"
    return f"{value:{sign}.4g} {unit}"


@dataclass
class Context:
    """What a benchmark gets: the run count, a scratch folder and the shared prepared data."""

    runs: int
    scratch: Path
    data_dir: Path | None = None
    notes: list[Result] = field(default_factory=list)
    prepared: dict[str, Path] = field(default_factory=dict)

    def child_env(self) -> dict[str, str]:
        """Environment for KommuneDesk children: offscreen Qt, logs and settings kept in scratch."""
        env = dict(os.environ)
        env.update(
            QT_QPA_PLATFORM="offscreen",
            KOMMUNE_DESK_LOG_DIR=str(self.scratch / "logs"),
            XDG_CONFIG_HOME=str(self.scratch / "config"),
            XDG_CACHE_HOME=str(self.scratch / "cache"),
            XDG_DATA_HOME=str(self.scratch / "share"),
        )
        return env

    def take_notes(self) -> list[Result]:
        """Hand over the informational results gathered so far (e.g. demo generation time)."""
        notes, self.notes = self.notes, []
        return notes


@dataclass(frozen=True)
class Benchmark:
    """A registered benchmark: ``run`` measures and returns its results or raises BenchmarkError."""

    name: str
    description: str
    run: Callable[[Context], list[Result]]


def progress(message: str) -> None:
    """Tell the person waiting what is going on (stderr, so ``--json`` output stays clean)."""
    print(message, file=sys.stderr, flush=True)


def interleaved(runs: int, *measures: Callable[[], T]) -> list[list[T]]:
    """Warm each measure up once (untimed), then take ``runs`` samples of each, taking turns.

    The order rotates every round so that machine noise and ordering effects hit all measures alike.
    Returns one list of samples per measure, in the order given.
    """
    for measure in measures:
        measure()
    samples: list[list[T]] = [[] for _ in measures]
    for round_ in range(runs):
        for offset in range(len(measures)):
            index = (round_ + offset) % len(measures)
            samples[index].append(measures[index]())
    return samples
