"""A row of action buttons that never cuts a button: what does not fit goes into "Weitere ▾".

Clerks' screens are often 1280×720 or 1366×768. A page puts its buttons into an ``ActionBar``
instead of a plain layout; when the bar is narrower than all of them, the buttons added last (or
of lower ``priority``) leave the row and appear as entries of the "Weitere" menu, with the same
text, enabled state and tooltip; they come back when there is room again. The buttons stay the
page's own objects (signals, names and tests keep working); the menu only mirrors them.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QMenu, QPushButton, QSizePolicy, QStyle, QWidget

MORE_TEXT = "Weitere"


@dataclass
class _Entry:
    button: QAbstractButton | None  # None: a gap between groups of buttons
    priority: int = 0  # higher stays in the row longer
    pinned: bool = False  # never moves into the menu
    gap: int = 0
    wanted: bool = True  # the page's own show()/hide() of the button


class ActionBar(QWidget):
    """Buttons in a row, left or right aligned; the ones that do not fit are in ``more_button``'s menu."""

    def __init__(self, parent: QWidget | None = None, *, align_right: bool = True, name: str = "") -> None:
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        self._entries: list[_Entry] = []
        self._align_right = align_right
        self._arranging = False
        self._overflow: list[QAbstractButton] = []
        self.more_button = QPushButton(MORE_TEXT, self)
        self.more_button.setObjectName(f"{name}More" if name else "moreActions")
        self.more_button.setToolTip("Weitere Aktionen, für die hier kein Platz ist")
        self.more_button.setAccessibleName("Weitere Aktionen")
        self.more_menu = QMenu(self.more_button)
        self.more_menu.aboutToShow.connect(self._fill_menu)
        self.more_button.setMenu(self.more_menu)
        self.more_button.hide()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    # -- building ------------------------------------------------------------------------------------
    def add_button(
        self, button: QAbstractButton, *, priority: int = 0, pinned: bool = False
    ) -> QAbstractButton:
        """Add ``button`` at the end of the row (it becomes a child of the bar)."""
        # Hidden on purpose by the page before it was added (not merely not shown yet)?
        hidden = button.testAttribute(Qt.WidgetAttribute.WA_WState_ExplicitShowHide) and button.isHidden()
        button.setParent(self)
        self._entries.append(_Entry(button, priority, pinned, wanted=not hidden))
        button.installEventFilter(self)
        self._changed()
        return button

    def add_buttons(self, *buttons: QAbstractButton) -> None:
        for button in buttons:
            self.add_button(button)

    def add_gap(self, width: int = 12) -> None:
        """A little space that separates groups of actions."""
        self._entries.append(_Entry(None, gap=width))
        self._changed()

    def set_shown(self, button: QAbstractButton, shown: bool) -> None:
        """Offer ``button`` or not (e.g. only while it applies), in the row or in "Weitere"."""
        for entry in self._entries:
            if entry.button is button and entry.wanted != shown:
                entry.wanted = shown
                self._changed()

    def clear(self) -> None:
        """Remove every button (they are deleted): for a bar rebuilt for each record shown."""
        for entry in self._entries:
            if entry.button is not None:
                entry.button.removeEventFilter(self)
                entry.button.hide()
                entry.button.deleteLater()
        self._entries.clear()
        self._overflow = []
        self._changed()

    def buttons(self) -> list[QAbstractButton]:
        return [entry.button for entry in self._entries if entry.button is not None]

    def overflowed(self) -> list[QAbstractButton]:
        """The buttons now in the "Weitere" menu, in their row order."""
        return list(self._overflow)

    # -- sizes ------------------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        wanted = [entry for entry in self._entries if entry.button is None or entry.wanted]
        height = max([self.more_button.sizeHint().height(), *self._heights()])
        return QSize(self._width_of(wanted), height)

    def minimumSizeHint(self) -> QSize:
        pinned = [e for e in self._entries if e.button is not None and e.pinned and e.wanted]
        more = self.more_button.sizeHint().width()
        width = self._width_of(pinned)
        if len(pinned) < len(self._visible_wanted()):
            width += (self._spacing() if pinned else 0) + more
        return QSize(width, self.sizeHint().height())

    def _heights(self) -> list[int]:
        return [e.button.sizeHint().height() for e in self._entries if e.button is not None]

    def _spacing(self) -> int:
        spacing = self.style().pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing)
        return spacing if spacing >= 0 else 6

    def _width_of(self, entries: list[_Entry]) -> int:
        """Width of ``entries`` in a row: buttons at their size hint, spacing between, gaps only
        between two buttons."""
        width, buttons, pending_gap = 0, 0, 0
        for entry in entries:
            if entry.button is None:
                pending_gap += entry.gap if buttons else 0
                continue
            if buttons:
                width += self._spacing() + pending_gap
            width += entry.button.sizeHint().width()
            buttons, pending_gap = buttons + 1, 0
        return width

    def _visible_wanted(self) -> list[_Entry]:
        return [e for e in self._entries if e.button is not None and e.wanted]

    # -- layout ------------------------------------------------------------------------------------------
    def _changed(self) -> None:
        self.updateGeometry()
        if self.isVisible():  # a hidden bar is arranged when it is shown (pages build theirs hidden)
            self._arrange()

    def showEvent(self, event: object) -> None:  # type: ignore[override]
        super().showEvent(event)  # type: ignore[arg-type]
        self._arrange()

    def resizeEvent(self, event: object) -> None:  # type: ignore[override]
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._arrange()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # a button's text (so its width) changed
            self.updateGeometry()
            self._arrange()
        return super().event(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The page may show or hide a button itself (e.g. only when it applies): respect that."""
        kind = event.type()
        if not self._arranging and kind in (QEvent.Type.ShowToParent, QEvent.Type.HideToParent):
            for entry in self._entries:
                if entry.button is watched:
                    wanted = kind == QEvent.Type.ShowToParent
                    if entry.wanted != wanted:
                        entry.wanted = wanted
                        # Not from inside the button's own show event: arrange once it is over.
                        QTimer.singleShot(0, self, self._changed)
        return False

    def _arrange(self) -> None:
        """Show the buttons that fit in the bar's width, the rest go into the menu."""
        if self._arranging:
            return
        self._arranging = True
        try:
            shown = [e for e in self._entries if e.button is None or e.wanted]
            overflow: list[_Entry] = []
            if self._width_of(shown) > self.width():
                more = self._spacing() + self.more_button.sizeHint().width()
                # Lowest priority first; among equals the one added last.
                candidates = sorted(
                    (e for e in shown if e.button is not None and not e.pinned),
                    key=lambda e: (e.priority, -self._entries.index(e)),
                )
                for entry in candidates:
                    if self._width_of(shown) + more <= self.width():
                        break
                    shown.remove(entry)
                    overflow.append(entry)
            for entry in self._entries:
                if entry.button is not None:
                    entry.button.setVisible(entry.wanted and entry not in overflow)
            self._overflow = [e.button for e in self._entries if e in overflow and e.button is not None]
            self._place(shown, bool(overflow))
        finally:
            self._arranging = False

    def _place(self, shown: list[_Entry], with_more: bool) -> None:
        height = self.height()
        row: list[QWidget] = []
        gaps: list[int] = []
        pending_gap = 0
        for entry in shown:
            if entry.button is None:
                pending_gap += entry.gap if row else 0
                continue
            gaps.append(pending_gap if row else 0)
            row.append(entry.button)
            pending_gap = 0
        if with_more:
            gaps.append(0)
            row.append(self.more_button)
        self.more_button.setVisible(with_more)
        total = sum(w.sizeHint().width() for w in row) + sum(gaps) + self._spacing() * max(0, len(row) - 1)
        x = max(0, self.width() - total) if self._align_right else 0
        for index, widget in enumerate(row):
            if index:
                x += self._spacing() + gaps[index]
            hint = widget.sizeHint()
            widget.setGeometry(x, max(0, (height - hint.height()) // 2), hint.width(), hint.height())
            x += hint.width()

    # -- the menu ------------------------------------------------------------------------------------
    def _fill_menu(self) -> None:
        """Mirror the overflowed buttons as they are at this moment (text, enabled, tooltip)."""
        self.more_menu.clear()
        for button in self._overflow:
            text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
            menu = button.menu() if isinstance(button, QPushButton) else None
            if menu is not None:
                menu.setTitle(text)
                sub = self.more_menu.addMenu(menu)
                sub.setEnabled(button.isEnabled())
                continue
            action = self.more_menu.addAction(text)
            action.setEnabled(button.isEnabled())
            action.setToolTip(button.toolTip())
            action.setStatusTip(button.toolTip())
            if button.isCheckable():
                action.setCheckable(True)
                action.setChecked(button.isChecked())
            action.triggered.connect(lambda _checked=False, b=button: b.click())
        self.more_menu.setToolTipsVisible(True)


def menu_entry_texts(bar: ActionBar) -> list[str]:
    """The texts of the "Weitere" menu as it would open now (for tests and accessibility checks)."""
    bar._fill_menu()
    return [action.text() for action in bar.more_menu.actions()]
