"""The shape every tab of the section shares: it reads its data in a worker when first shown
and on ``refresh()``; only the newest answer is shown (an older one is dropped on arrival)."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget


class LazyPage(QWidget):
    """A tab page; subclasses implement ``refresh()`` and start it with ``next_generation()``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loaded_once = False
        self._generation = 0

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self.refresh()

    def refresh(self) -> None:
        raise NotImplementedError

    def next_generation(self) -> int:
        """Mark a new read as the one whose answer counts; return its number."""
        self._loaded_once = True
        self._generation += 1
        return self._generation

    def is_current(self, generation: int) -> bool:
        return generation == self._generation
