"""PySide6 widgets and models. No business rules live here; nothing imports ui."""

from .none_guard import make_constants_immortal

make_constants_immortal()  # before the first Qt call; see none_guard for the PySide6 6.12 defect
