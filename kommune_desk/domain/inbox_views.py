"""What the Posteingang can show: the standard views, filters and saved views.

A view is a rule about cases (which are "new", "overdue", …); the rule lives here once, and
storage translates it into SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from .records import ApplicationStatus as S

DEADLINE_WARNING_DAYS = 3  # amber from this many days before the end of the period
UNASSIGNED = "-"  # assignee filter value for cases nobody has taken


class InboxView(StrEnum):
    ALLE = "alle"
    NEU = "neu"
    MEINE = "meine"
    TEAM = "team"
    WARTET = "wartet"
    FREIGABE = "freigabe"
    WIEDERVORLAGE = "wiedervorlage"
    FRIST_BALD = "frist_bald"
    UEBERFAELLIG = "ueberfaellig"
    ABGESCHLOSSEN = "abgeschlossen"

    @property
    def label(self) -> str:
        return _VIEW_LABELS[self]

    @property
    def hint(self) -> str:
        return _VIEW_HINTS[self]


_VIEW_LABELS = {
    InboxView.ALLE: "Alle Anträge",
    InboxView.NEU: "Neu",
    InboxView.MEINE: "Meine",
    InboxView.TEAM: "Team",
    InboxView.WARTET: "Wartet",
    InboxView.FREIGABE: "Zur Freigabe",
    InboxView.WIEDERVORLAGE: "Wiedervorlage heute",
    InboxView.FRIST_BALD: f"Frist ≤ {DEADLINE_WARNING_DAYS} Tage",
    InboxView.UEBERFAELLIG: "Überfällig",
    InboxView.ABGESCHLOSSEN: "Abgeschlossen",
}
_VIEW_HINTS = {
    InboxView.ALLE: "Alle Anträge der Gemeinde, offen und abgeschlossen",
    InboxView.NEU: "Eingegangen oder in Klärung, noch nicht in Bearbeitung",
    InboxView.MEINE: "Offene Anträge, die Sie bearbeiten",
    InboxView.TEAM: "Alle offenen Anträge des Teams",
    InboxView.WARTET: "Warten auf Unterlagen; die Frist ruht",
    InboxView.FREIGABE: "Entscheidung entworfen: wartet auf die Freigabe (Vier-Augen-Prinzip: Teamleitung)",
    InboxView.WIEDERVORLAGE: "Wiedervorlage heute oder früher",
    InboxView.FRIST_BALD: f"Frist endet in den nächsten {DEADLINE_WARNING_DAYS} Tagen",
    InboxView.UEBERFAELLIG: "Frist überschritten",
    InboxView.ABGESCHLOSSEN: "Versandt, abgeschlossen, zurückgezogen oder weitergeleitet",
}

OPEN_STATUSES = frozenset(s for s in S if s.is_open)
CLOSED_STATUSES = frozenset(S) - OPEN_STATUSES
# Statuses whose deadline clock runs: open, but not paused while waiting for documents.
RUNNING_STATUSES = OPEN_STATUSES - {S.WARTET_AUF_UNTERLAGEN}
NEW_STATUSES = frozenset({S.EINGEGANGEN, S.KLAERUNG})


def deadline_is_running(status: S) -> bool:
    """Whether the legal period of a case in ``status`` is counting down."""
    return status in RUNNING_STATUSES


@dataclass(frozen=True)
class InboxFilter:
    """One question to the Posteingang: a view narrowed by filters and typed search text."""

    view: InboxView = InboxView.ALLE
    statuses: frozenset[S] = field(default_factory=frozenset)
    service_id: str | None = None
    assignee_id: str | None = None  # a clerk id, or UNASSIGNED
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    text: str = ""

    def is_plain(self) -> bool:
        """True for "all applications", unfiltered: the order's index alone answers it."""
        return self == InboxFilter()

    def with_view(self, view: InboxView) -> InboxFilter:
        return replace(self, view=view)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe form for saved views (the search text is part of a saved view)."""
        return {
            "view": self.view.value,
            "statuses": sorted(s.value for s in self.statuses),
            "service_id": self.service_id,
            "assignee_id": self.assignee_id,
            "received_from": self.received_from.isoformat() if self.received_from else None,
            "received_to": self.received_to.isoformat() if self.received_to else None,
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InboxFilter:
        """The filter of a saved view; unknown values (e.g. from a newer version) are dropped."""
        known_statuses = {s.value for s in S}

        def day(value: Any) -> dt.date | None:
            try:
                return dt.date.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                return None

        view = data.get("view")
        return cls(
            view=InboxView(view) if view in {v.value for v in InboxView} else InboxView.ALLE,
            statuses=frozenset(S(s) for s in data.get("statuses") or () if s in known_statuses),
            service_id=data.get("service_id") if isinstance(data.get("service_id"), str) else None,
            assignee_id=data.get("assignee_id") if isinstance(data.get("assignee_id"), str) else None,
            received_from=day(data.get("received_from")),
            received_to=day(data.get("received_to")),
            text=str(data.get("text") or ""),
        )


@dataclass(frozen=True)
class SavedView:
    """A Posteingang filter a clerk saved under a name."""

    id: str
    name: str
    query: InboxFilter


def deadline_state(status: S, due: dt.date | None, today: dt.date) -> str | None:
    """ "ueberfaellig", "bald" or None: the colour rule of the Posteingang."""
    if due is None or not deadline_is_running(status):
        return None
    days = (due - today).days
    if days < 0:
        return "ueberfaellig"
    if days <= DEADLINE_WARNING_DAYS:
        return "bald"
    return None
