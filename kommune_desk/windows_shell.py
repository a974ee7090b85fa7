"""Windows shell integration: the taskbar groups KommuneDesk's windows under its own name and icon.

The app runs as ``pythonw.exe -m kommune_desk``; without an explicit AppUserModelID Windows would
group it with every other Python program. The ID must be set before the first window is shown.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

log = logging.getLogger(__name__)

APP_USER_MODEL_ID = "KommuneDesk.KommuneDesk"  # Company.Product, no spaces, at most 128 characters

SetAppId = Callable[[str], int]  # SetCurrentProcessExplicitAppUserModelID: an HRESULT, 0 is S_OK


def set_app_user_model_id(set_id: SetAppId | None = None) -> bool:
    """Give this process KommuneDesk's AppUserModelID; True if Windows took it.

    ``set_id`` is the shell call (the real one on Windows when omitted; nothing happens elsewhere).
    A refusal is logged and otherwise ignored: the app works the same, only the taskbar groups it
    under Python.
    """
    if set_id is None:
        if sys.platform != "win32":
            return False
        set_id = _shell32_set_id()  # pragma: no cover - Windows only
    try:
        result = set_id(APP_USER_MODEL_ID)
    except OSError as exc:  # an old or stripped-down Windows without the call
        log.warning("AppUserModelID not set: %s", type(exc).__name__)
        return False
    if result != 0:
        log.warning("AppUserModelID not set: HRESULT 0x%08X", result & 0xFFFFFFFF)
        return False
    return True


def _shell32_set_id() -> SetAppId:  # pragma: no cover - Windows only
    import ctypes

    call = ctypes.WinDLL("shell32").SetCurrentProcessExplicitAppUserModelID  # type: ignore[attr-defined]
    call.argtypes = [ctypes.c_wchar_p]
    call.restype = ctypes.c_long  # HRESULT as a number: a failure is logged, not raised
    return lambda app_id: int(call(app_id))
