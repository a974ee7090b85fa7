"""Keep ``None`` alive under PySide6 6.12 on Python 3.11.

PySide6 6.12.0 ships one abi3 wheel for every Python. Each call of a Qt method that returns
nothing (``setText``, ``processEvents``, ``stop`` …) gives back ``None`` without taking a
reference to it, which is harmless from Python 3.12 on, where ``None`` is immortal (PEP 683). On
3.11 ``None``'s reference count drops by one per call. A clerk's day has millions of such calls;
at zero the interpreter aborts with "Fatal Python error: none_dealloc" and unsaved input is lost.

Remedy, until the wheel is fixed or we require Python 3.12: give ``None`` the large reference
count an immortal object has. ``None`` is never freed legitimately, so a higher count changes
nothing else. ``tests/gui/test_none_guard.py`` shows the loss and that the guard covers it.
"""

from __future__ import annotations

import ctypes
import sys

HEADROOM = 1 << 48  # ~2.8e14 calls: centuries of clicking


def make_none_immortal() -> None:
    """Raise ``None``'s reference count by HEADROOM once per process (no-op on Python ≥ 3.12)."""
    if sys.version_info >= (3, 12):
        return
    count = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt is the first field of every object
    if count.value < HEADROOM:
        count.value += HEADROOM
