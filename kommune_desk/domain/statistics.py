"""Statistik: the figures of the online services from the session counts, and the rule that
small counts never show.

Definitions (docs/statistik.md repeats them for the reader):
- *gestartet*: sessions with a ``gestartet`` event in the period; *abgeschickt*: those of them
  with an ``abgeschickt`` event; *abgebrochen* = gestartet − abgeschickt; *Abbruchquote* =
  abgebrochen ÷ gestartet.
- *Trichter*: for each form step s, the started sessions whose highest step is ≥ s.
- *Zahlarten*: started sessions with a ``bezahlt`` event, per method, and the town's cases paid
  at the counter or by transfer in the period; *Anmeldung*, *Kanal* and *Bewertung*: started
  sessions per value (shares of gestartet; the rating's mean and spread).
- *Bearbeitung* (the town's own cases): calendar days from receipt to the notice sent (or the
  case closed) for the cases completed in the period, median and 90th percentile (nearest rank);
  *offen*: received and not completed at the end of the period (withdrawn and forwarded cases
  left out); *überfällig*: of those, the ones past their deadline (unless waiting for documents).

Suppression: a count of 1 to 4 is hidden, and so is every figure computed from it. Where a hidden
count could be worked out from a shown total and the other shown cells of its row or column
(gestartet = abgeschickt + abgebrochen, gestartet = Σ Anmeldung = Σ Kanal, Gesamt = Σ Leistungen),
the smallest other cell of that relation is hidden too. Zero stays zero.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .usage import AUTHENTICATION, HIGHEST_STEP, PAYMENT, RATING, STARTED, SUBMITTED

SMALLEST_SHOWN = 5
TOTAL = "gesamt"


def is_small(count: int) -> bool:
    """A count that would let a reader recognise single citizens (1–4)."""
    return 0 < count < SMALLEST_SHOWN


def protect(
    values: Mapping[Hashable, int],
    relations: Sequence[tuple[Hashable, Sequence[Hashable]]],
    hidden_before: Iterable[Hashable] = (),
) -> set:
    """The cells to hide: the small counts (and ``hidden_before``), and as few others as needed
    so that no hidden cell follows from one relation ``total = sum(parts)`` and its shown cells.

    Each round looks for a relation with exactly one hidden member and hides its smallest shown
    non-zero part (the total if no part will do); it ends when no relation has a lone hidden cell.
    """
    hidden = {key for key, value in values.items() if is_small(value)} | set(hidden_before)
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
class ServiceCounts:
    """What one service (or all) counted in a period, before suppression: its online sessions
    and its own cases (processing days of those completed, open and overdue at the end)."""

    started: int = 0
    submitted: int = 0
    highest_steps: dict[int, int] = field(default_factory=dict)
    payments: dict[str, int] = field(default_factory=dict)
    authentications: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    ratings: dict[int, int] = field(default_factory=dict)
    durations: list[int] = field(default_factory=list)
    open_cases: int = 0
    overdue: int = 0

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


def fold_counts(
    rows: Iterable[tuple[str, str, str, str, int]],
    *,
    durations: Iterable[tuple[str, int]] = (),
    backlog: Iterable[tuple[str, int, int]] = (),
    counter_payments: Iterable[tuple[str, str, int]] = (),
) -> dict[str, ServiceCounts]:
    """Counts per service and :data:`TOTAL` from the session rows (leika id, channel, metric,
    key, sessions), the processing days of completed cases (leika id, days), the backlog
    (leika id, open, overdue) and the payments at the counter (leika id, method, cases)."""
    found: dict[str, ServiceCounts] = {TOTAL: ServiceCounts()}

    def both(leika_id: str) -> tuple[ServiceCounts, ServiceCounts]:
        return found.setdefault(leika_id, ServiceCounts()), found[TOTAL]

    for leika_id, channel, metric, key, sessions in rows:
        for counts in both(leika_id):
            counts.add(metric, key, channel, sessions)
    for leika_id, days in durations:
        for counts in both(leika_id):
            counts.durations.append(days)
    for leika_id, open_cases, overdue in backlog:
        for counts in both(leika_id):
            counts.open_cases += open_cases
            counts.overdue += overdue
    for leika_id, method, cases in counter_payments:
        for counts in both(leika_id):
            counts.payments[method] = counts.payments.get(method, 0) + cases
    return found


def median(values: Sequence[int]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None for none."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def percentile_90(values: Sequence[int]) -> float | None:
    """The 90th percentile by nearest rank: 90 % of the values are at most this."""
    ordered = sorted(values)
    if not ordered:
        return None
    return float(ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)])


def _cells(counts: ServiceCounts) -> dict[tuple, int]:
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
    cells.update({("abgeschlossen",): len(counts.durations), ("offen",): counts.open_cases})
    cells[("ueberfaellig",)] = counts.overdue
    return cells


def published_cells(by_row: Mapping[str, ServiceCounts]) -> tuple[dict[tuple, int], set[tuple]]:
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
    hidden = protect(values, relations)
    # Submitted sessions reached the last step: where the split into abgeschickt and abgebrochen
    # is hidden, the funnel would bound it from both sides (a reader's "≤ reached, ≥ started − 4"),
    # so that row's funnel is hidden too, and the relations settled again.
    split_hidden = {key[0] for key in hidden if key[1:] in (("abgeschickt",), ("abgebrochen",))}
    funnels = {key for key in values if key[0] in split_hidden and key[1] == "trichter"}
    if funnels - hidden:
        hidden = protect(values, relations, hidden | funnels)
    return values, hidden


def share(part: int | None, whole: int | None) -> float | None:
    """``part ÷ whole``, or None where either is hidden or there is nothing to divide by."""
    if part is None or whole is None or whole == 0:
        return None
    return part / whole


def usage_figures(row: str, counts: ServiceCounts, values: Mapping[tuple, int], hidden: set[tuple]) -> dict:
    """The figures of one row as JSON-ready values; hidden counts and what follows from them are
    None (the rating's mean is shown only when none of its spread is hidden)."""

    def shown(*cell: object) -> int | None:
        key = (row, *cell)
        return None if key in hidden else values.get(key, 0)

    # Hidden although 5 or more: shown as "×", never as "< 5" (which would be untrue).
    protected = sorted(
        ":".join(str(part) for part in key[1:])
        for key in hidden
        if key[0] == row and not is_small(values.get(key, 0))
    )

    started, abandoned = shown("gestartet"), shown("abgebrochen")
    ratings = {r: shown("bewertung", r) for r in sorted(counts.ratings)}
    rated = sum(counts.ratings.values())
    mean = None
    if rated and all(v is not None for v in ratings.values()) and not is_small(rated):
        mean = sum(r * n for r, n in counts.ratings.items()) / rated
    completed = shown("abgeschlossen")
    enough = completed is not None and completed >= SMALLEST_SHOWN
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
        "geschuetzt": protected,
        "bearbeitung": {
            "abgeschlossen": completed,
            "median_tage": median(counts.durations) if enough else None,
            "p90_tage": percentile_90(counts.durations) if enough else None,
            "offen": shown("offen"),
            "ueberfaellig": shown("ueberfaellig"),
        },
    }


PROTECTED = "×"  # hidden only so that no count under 5 can be worked out from the others


def hidden_mark(figures: Mapping, field: str) -> str:
    """How a hidden value of ``figures`` (one entry of usage_figures) is written: "< 5" for a
    small count, "×" for one hidden to protect another."""
    return PROTECTED if field in figures.get("geschuetzt", ()) else "< 5"


def hide_small(values: Mapping[Hashable, int]) -> dict[Hashable, int | None]:
    """Each count, or None where it is small (for series without a shown total)."""
    return {key: None if is_small(value) else value for key, value in values.items()}


def utilisation(
    loans: Iterable[tuple[str, dt.date, dt.date]], device_ids: Iterable[str], first: dt.date, last: dt.date
) -> dict[str, float]:
    """Per device: the days it was lent in [first, last] ÷ the days of that span (overlapping
    loans of one device count each day once)."""
    days = (last - first).days + 1
    lent: dict[str, set[int]] = {device: set() for device in device_ids}
    for device, start, end in loans:
        if device in lent and days > 0:
            begin, finish = max(start, first), min(end, last)
            lent[device].update(range((begin - first).days, (finish - first).days + 1))
    return {device: (len(taken) / days if days > 0 else 0.0) for device, taken in lent.items()}
