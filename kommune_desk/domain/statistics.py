"""Statistik: the figures of the online services from the session counts, and the rule that
small counts never show.

Definitions (docs/statistik.md repeats them for the reader):
- *gestartet*: sessions with a ``gestartet`` event in the period; *abgeschickt*: those of them
  with an ``abgeschickt`` event; *abgebrochen* = gestartet − abgeschickt; *Abbruchquote* =
  abgebrochen ÷ gestartet.
- *Trichter*: for each form step s, the started sessions whose highest step is ≥ s.
- *Zahlarten*: started sessions with a ``bezahlt`` event, per method; *Anmeldung*, *Kanal* and
  *Bewertung*: started sessions per value (shares of gestartet; the rating's mean and spread).

Suppression: a count of 1 to 4 is hidden, and so is every figure computed from it. Where a hidden
count could be worked out from a shown total and the other shown cells of its row or column
(gestartet = abgeschickt + abgebrochen, gestartet = Σ Anmeldung = Σ Kanal, Gesamt = Σ Leistungen),
the smallest other cell of that relation is hidden too. Zero stays zero.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .usage import AUTHENTICATION, HIGHEST_STEP, PAYMENT, RATING, STARTED, SUBMITTED

SMALLEST_SHOWN = 5
TOTAL = "gesamt"


def is_small(count: int) -> bool:
    """A count that would let a reader recognise single citizens (1–4)."""
    return 0 < count < SMALLEST_SHOWN


def protect(values: Mapping[Hashable, int], relations: Sequence[tuple[Hashable, Sequence[Hashable]]]) -> set:
    """The cells to hide: the small counts, and as few others as needed so that no hidden cell
    follows from one relation ``total = sum(parts)`` and the shown cells of it.

    Each round looks for a relation with exactly one hidden member and hides its smallest shown
    non-zero part (the total if no part will do); it ends when no relation has a lone hidden cell.
    """
    hidden = {key for key, value in values.items() if is_small(value)}
    order = {key: index for index, key in enumerate(values)}
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            members = [total, *parts]
            if sum(1 for m in members if m in hidden) != 1:
                continue
            candidates = [p for p in parts if p not in hidden and values.get(p, 0) > 0]
            if not candidates and total not in hidden and values.get(total, 0) > 0:
                candidates = [total]
            if candidates:
                hidden.add(min(candidates, key=lambda key: (values.get(key, 0), order.get(key, 0))))
                changed = True
    return hidden


@dataclass
class UsageCounts:
    """The session counts of one service (or all) in a period, before suppression."""

    started: int = 0
    submitted: int = 0
    highest_steps: dict[int, int] = field(default_factory=dict)
    payments: dict[str, int] = field(default_factory=dict)
    authentications: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    ratings: dict[int, int] = field(default_factory=dict)

    @property
    def abandoned(self) -> int:
        return self.started - self.submitted

    def funnel(self) -> list[tuple[int, int]]:
        """(step, sessions whose highest step is ≥ step) for steps 1 … the highest reached."""
        top = max((s for s, n in self.highest_steps.items() if n), default=0)
        return [
            (step, sum(n for s, n in self.highest_steps.items() if s >= step)) for step in range(1, top + 1)
        ]

    def add(self, metric: str, key: str, channel: str, sessions: int) -> None:
        """Count one row of the store in (``channel`` is known from the row's dimension)."""
        if metric == STARTED:
            self.started += sessions
            self.channels[channel] = self.channels.get(channel, 0) + sessions
        elif metric == SUBMITTED:
            self.submitted += sessions
        elif metric == HIGHEST_STEP and key.isdigit():
            self.highest_steps[int(key)] = self.highest_steps.get(int(key), 0) + sessions
        elif metric == PAYMENT:
            self.payments[key] = self.payments.get(key, 0) + sessions
        elif metric == AUTHENTICATION:
            self.authentications[key] = self.authentications.get(key, 0) + sessions
        elif metric == RATING and key.isdigit():
            self.ratings[int(key)] = self.ratings.get(int(key), 0) + sessions


def fold_counts(rows: Iterable[tuple[str, str, str, str, int]]) -> dict[str, UsageCounts]:
    """Rows (leika id, channel, metric, key, sessions) → counts per service and :data:`TOTAL`."""
    found: dict[str, UsageCounts] = {TOTAL: UsageCounts()}
    for leika_id, channel, metric, key, sessions in rows:
        found.setdefault(leika_id, UsageCounts()).add(metric, key, channel, sessions)
        found[TOTAL].add(metric, key, channel, sessions)
    return found


def _cells(counts: UsageCounts) -> dict[tuple, int]:
    """The publishable cells of one row, keyed by (column, key)."""
    cells: dict[tuple, int] = {
        ("gestartet",): counts.started,
        ("abgeschickt",): counts.submitted,
        ("abgebrochen",): counts.abandoned,
    }
    cells.update({("trichter", step): n for step, n in counts.funnel()})
    cells.update({("zahlart", m): n for m, n in counts.payments.items()})
    cells.update({("anmeldung", a): n for a, n in counts.authentications.items()})
    cells.update({("kanal", c): n for c, n in counts.channels.items()})
    cells.update({("bewertung", r): n for r, n in counts.ratings.items()})
    return cells


def published_cells(by_row: Mapping[str, UsageCounts]) -> tuple[dict[tuple, int], set[tuple]]:
    """All cells ``(row, column, key…)`` of the table and the ones to hide."""
    values: dict[tuple, int] = {}
    for row, counts in by_row.items():
        values.update({(row, *cell): n for cell, n in _cells(counts).items()})
    relations: list[tuple[tuple, list[tuple]]] = []
    for row, counts in by_row.items():
        started = (row, "gestartet")
        relations.append((started, [(row, "abgeschickt"), (row, "abgebrochen")]))
        if counts.authentications:  # every started session has one (key "" if not reported)
            relations.append((started, [(row, "anmeldung", a) for a in counts.authentications]))
        if counts.channels:
            relations.append((started, [(row, "kanal", c) for c in counts.channels]))
    services = [row for row in by_row if row != TOTAL]
    if services:
        for cell in {key[1:] for key in values if key[0] == TOTAL}:
            parts = [(row, *cell) for row in services if (row, *cell) in values]
            if parts:
                relations.append(((TOTAL, *cell), parts))
    return values, protect(values, relations)


def share(part: int | None, whole: int | None) -> float | None:
    """``part ÷ whole``, or None where either is hidden or there is nothing to divide by."""
    if part is None or whole is None or whole == 0:
        return None
    return part / whole


def usage_figures(row: str, counts: UsageCounts, values: Mapping[tuple, int], hidden: set[tuple]) -> dict:
    """The figures of one row as JSON-ready values; hidden counts and what follows from them are
    None (the rating's mean is shown only when none of its spread is hidden)."""

    def shown(*cell: object) -> int | None:
        key = (row, *cell)
        return None if key in hidden else values.get(key, 0)

    started, abandoned = shown("gestartet"), shown("abgebrochen")
    ratings = {r: shown("bewertung", r) for r in sorted(counts.ratings)}
    rated = sum(counts.ratings.values())
    mean = None
    if rated and all(v is not None for v in ratings.values()) and not is_small(rated):
        mean = sum(r * n for r, n in counts.ratings.items()) / rated
    return {
        "gestartet": started,
        "abgeschickt": shown("abgeschickt"),
        "abgebrochen": abandoned,
        "abbruchquote": share(abandoned, started),
        "trichter": [{"schritt": step, "erreicht": shown("trichter", step)} for step, _ in counts.funnel()],
        "zahlarten": {m: shown("zahlart", m) for m in sorted(counts.payments)},
        "anmeldung": {a or "nicht_angegeben": shown("anmeldung", a) for a in sorted(counts.authentications)},
        "kanal": {c or "nicht_angegeben": shown("kanal", c) for c in sorted(counts.channels)},
        "bewertung": {"mittelwert": mean, "verteilung": {str(r): n for r, n in ratings.items()}},
    }
