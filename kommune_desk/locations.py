"""Where KommuneDesk keeps its data and its log on this computer."""

from __future__ import annotations

import os
from pathlib import Path

from . import APP_NAME

DATA_DIR_ENV = "KOMMUNE_DESK_DATA_DIR"
LOG_DIR_ENV = "KOMMUNE_DESK_LOG_DIR"


def default_data_dir() -> Path:
    """The local (non-roaming) app-data directory, e.g. %LOCALAPPDATA%\\KommuneDesk."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False, roaming=False))


def resolve_data_dir(cli_value: str | None) -> Path:
    """``--data-dir`` wins, then $KOMMUNE_DESK_DATA_DIR, then the default."""
    if cli_value:
        chosen = Path(cli_value).expanduser()
    else:
        env = os.environ.get(DATA_DIR_ENV)
        chosen = Path(env).expanduser() if env else default_data_dir()
    return chosen.absolute()  # messages, the about box and "open folder" need the full path


def log_dir() -> Path:
    """The user's log directory ($KOMMUNE_DESK_LOG_DIR overrides it)."""
    env = os.environ.get(LOG_DIR_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME, appauthor=False))
