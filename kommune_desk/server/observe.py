"""Per request: one log line, the request metrics and the protocol version header.

Pure ASGI (no BaseHTTPMiddleware): the body streams through untouched, and the route is taken
from the matched route's template after the app ran, so neither a path with an id nor a query
string ever reaches a log line or a metric label.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from kommune_desk.domain.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

from . import metrics

log = logging.getLogger("kommune_desk.server")
_VERSION_HEADER = (PROTOCOL_HEADER.lower().encode("ascii"), str(PROTOCOL_VERSION).encode("ascii"))
# Probes every few seconds: metrics yes, a log line no.
_QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})


class RequestObserver:
    def __init__(self, app: Callable) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if the app fails before it answers

        async def observing_send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), _VERSION_HEADER]
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"]
            metrics.REQUESTS.labels(route, method, str(status)).inc()
            metrics.LATENCY.labels(route, method).observe(seconds)
            if route not in _QUIET_ROUTES:
                log.info(
                    "Anfrage",
                    extra={"method": method, "route": route, "status": status,
                           "duration_ms": round(seconds * 1000, 1)},
                )  # fmt: skip
