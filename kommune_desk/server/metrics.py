"""Prometheus metrics of the sync server: never a name, a token, an id or a file's content.

Labels are route templates (``/v1/blobs/{sha256}``, never the path itself), methods, status codes
and outcomes. With several worker processes ``PROMETHEUS_MULTIPROC_DIR`` is set before start
(see ``main``) and a scrape adds up every process's figures. Pending portal submissions are
read from the database at scrape time, so they are the same whichever worker answers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_SIZES = (0, 1, 10, 50, 100, 200, 500, 1000, 2000, 5000)

REQUESTS = Counter(
    "kommune_desk_requests", "Anfragen nach Route, Methode und Status", ("route", "method", "status")
)
LATENCY = Histogram(
    "kommune_desk_request_seconds", "Antwortzeit nach Route", ("route", "method"), buckets=_SECONDS
)
PUSHED = Histogram("kommune_desk_push_mutations", "Änderungen je Übertragung (push)", buckets=_SIZES)
PULLED = Histogram("kommune_desk_pull_changes", "Datensätze je abgerufener Seite (pull)", buckets=_SIZES)
OUTCOMES = Counter("kommune_desk_mutations", "Verarbeitete Änderungen nach Ergebnis", ("outcome",))
RETRIES = Counter(
    "kommune_desk_transaction_retries", "Wiederholte Transaktionen (Verklemmung, Serialisierung)"
)
UPLOADED = Counter("kommune_desk_uploaded_bytes", "Hochgeladene Bytes (Dateien, Einreichungen)")


class _PendingSubmissions(Collector):
    """Portal submissions no office has taken over yet, per municipality (its AGS)."""

    def __init__(self, pending: Callable[[], dict[str, int]]) -> None:
        self._pending = pending

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "kommune_desk_pending_portal_submissions",
            "Noch nicht übernommene Einreichungen des Online-Portals",
            labels=["ags"],
        )
        for ags, count in sorted(self._pending().items()):
            family.add_metric([ags], count)
        yield family


def scrape(pending: Callable[[], dict[str, int]]) -> tuple[bytes, str]:
    """The exposition text of every process's metrics plus the database gauges."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY  # type: ignore[assignment]
    body = generate_latest(registry)
    body += generate_latest(_single(_PendingSubmissions(pending)))
    return body, CONTENT_TYPE_LATEST


def _single(collector: Any) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry
