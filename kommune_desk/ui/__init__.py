"""PySide6 widgets and models. No business rules live here; nothing imports ui."""
