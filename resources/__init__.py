"""Icons, fonts and templates, installed as the package ``kommune_desk.resources``."""

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent
APP_ICON = RESOURCES / "icons" / "kommune-desk.svg"
