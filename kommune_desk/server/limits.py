"""Request size limits and rate limits: ASGI middleware and a small sliding-window limiter."""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

Scope = dict[str, Any]

MAX_BODY_DEFAULT = 64 * 1024
MAX_BODY_PUSH = 16 * 1024 * 1024
MAX_BODY_UPLOAD = 256 * 1024 * 1024


def body_limit_for(path: str) -> int:
    if path.startswith(("/v1/intake/submissions", "/v1/blobs/")):
        return MAX_BODY_UPLOAD
    if path.startswith(("/v1/push", "/v1/intake/events")):
        return MAX_BODY_PUSH
    return MAX_BODY_DEFAULT


async def _reject(send: Callable, status: int, detail: str, headers: list[tuple[bytes, bytes]] = ()) -> None:  # type: ignore[assignment]
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json; charset=utf-8"), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _TooLargeError(Exception):
    pass


class BodySizeLimit:
    """Refuse bodies above the path's limit with 413, by Content-Length or while streaming."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit_for(scope["path"])
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        too_large = "Die Anfrage ist zu groß."
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _reject(send, 413, too_large)
            return
        seen = 0
        started = False

        async def limited_receive() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLargeError
            return message

        async def tracking_send(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLargeError:
            if not started:
                await _reject(send, 413, too_large)


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key; answers how long to wait."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """0 if the event is allowed (and counted), else the seconds until it would be."""
        now = self._clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return max(1, math.ceil(events[0] + self.window - now))
            events.append(now)
            if len(self._events) > 10_000:  # forget idle keys, so memory stays bounded
                self._events = {k: v for k, v in self._events.items() if v}
            return 0
