"""Icons, fonts and templates, installed as the package ``kommune_desk.resources``."""

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent
APP_ICON = RESOURCES / "icons" / "kommune-desk.svg"


def icon_path(name: str) -> str:
    """Path of an SVG icon in resources/icons, e.g. ``icon_path("statistik")``."""
    return str(RESOURCES / "icons" / f"{name}.svg")
