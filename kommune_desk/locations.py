"""Where KommuneDesk keeps its data and its log on this computer."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from . import APP_NAME

if TYPE_CHECKING:
    from platformdirs.api import PlatformDirsABC

DATA_DIR_ENV = "KOMMUNE_DESK_DATA_DIR"
LOG_DIR_ENV = "KOMMUNE_DESK_LOG_DIR"


def _app_dirs(system: type[PlatformDirsABC] | None) -> PlatformDirsABC:
    """platformdirs for KommuneDesk: local (not roaming), no author folder.

    ``system`` is a platformdirs class (``platformdirs.windows.Windows``, …); this computer's
    when omitted.
    """
    from platformdirs import PlatformDirs

    return (system or PlatformDirs)(APP_NAME, appauthor=False, roaming=False)


def default_data_dir(system: type[PlatformDirsABC] | None = None) -> Path:
    """The local (non-roaming) app-data directory, e.g. %LOCALAPPDATA%\\KommuneDesk."""
    return Path(_app_dirs(system).user_data_dir)


def resolve_data_dir(cli_value: str | None) -> Path:
    """``--data-dir`` wins, then $KOMMUNE_DESK_DATA_DIR, then the default."""
    if cli_value:
        chosen = Path(cli_value).expanduser()
    else:
        env = os.environ.get(DATA_DIR_ENV)
        chosen = Path(env).expanduser() if env else default_data_dir()
    return chosen.absolute()  # messages, the about box and "open folder" need the full path


def log_dir(system: type[PlatformDirsABC] | None = None) -> Path:
    """The user's log directory ($KOMMUNE_DESK_LOG_DIR overrides it), e.g.
    %LOCALAPPDATA%\\KommuneDesk\\Logs."""
    env = os.environ.get(LOG_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return Path(_app_dirs(system).user_log_dir)
