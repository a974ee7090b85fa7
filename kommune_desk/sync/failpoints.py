"""Named points where the fault tests kill the client process (SIGKILL), as a power cut would.

Inactive unless ``KOMMUNE_DESK_FAILPOINT`` names the point; then the process dies there at once,
without cleanup, so the tests see what a crash at that moment leaves behind.
"""

from __future__ import annotations

import os
import signal

ENV = "KOMMUNE_DESK_FAILPOINT"


def reach(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
