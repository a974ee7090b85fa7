"""What a write is stamped with: the wall clock and fresh ids, or a replay's own (the demo).

The demo replays weeks of casework through the real services; those stamp "now" and new ids
deep inside. Rather than threading a clock through every call, the stamps come from here, and
a replay sets its source for the current context only: other threads (a worker, the UI) keep
the wall clock, because a thread starts with a context of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class StampSource(Protocol):
    def now(self) -> dt.datetime:
        """The current moment, timezone-aware."""
        ...

    def new_id(self) -> str:
        """A fresh UUIDv7 of that moment."""
        ...


_SOURCE: ContextVar[StampSource | None] = ContextVar("kommune_desk_stamp_source", default=None)


def replayed() -> StampSource | None:
    """The replay's source in this context, None for the wall clock."""
    return _SOURCE.get()


def now_utc() -> dt.datetime:
    source = _SOURCE.get()
    return source.now().astimezone(dt.UTC) if source is not None else dt.datetime.now(dt.UTC)


@contextmanager
def stamped_by(source: StampSource) -> Iterator[None]:
    """Within the block (this context only), writes take ``source``'s time and ids."""
    token = _SOURCE.set(source)
    try:
        yield
    finally:
        _SOURCE.reset(token)
