"""Keep ``None`` and ``True`` alive under PySide6 6.12 on Python 3.11.

PySide6 6.12.0 ships one abi3 wheel for every Python. Each call of a Qt method that returns
nothing (``setText``, ``processEvents``, ``stop`` …) gives back ``None`` without taking a
reference to it, and so does ``Signal.emit()`` (and ``disconnect()``) with ``True``. That is
harmless from Python 3.12 on, where both are immortal (PEP 683). On 3.11 their reference counts
drop by one per call. A clerk's day has millions of such calls; at zero the interpreter aborts
with "Fatal Python error: none_dealloc" (or "bool_dealloc") and unsaved input is lost. The
pinned alternative does not exist: PySide6-Pdf starts with 6.12.

Remedy, until the wheel is fixed or we require Python 3.12: give ``None``, ``True`` and ``False``
the large reference count an immortal object has. They are never freed legitimately, so a higher
count changes nothing else. ``tests/gui/test_none_guard.py`` shows the loss and that the guard
covers it.
"""

from __future__ import annotations

import ctypes
import sys

HEADROOM = 1 << 48  # ~2.8e14 calls: centuries of clicking


def make_constants_immortal() -> None:
    """Raise the reference counts of None, True and False by HEADROOM once per process
    (no-op on Python ≥ 3.12)."""
    if sys.version_info >= (3, 12):
        return
    for constant in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(constant))  # ob_refcnt is every object's first field
        if count.value < HEADROOM:
            count.value += HEADROOM
