"""One chart on screen: an image drawn in a worker, exact values on hover, a click selects."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from kommune_desk.domain.charts import DrawnChart, Hit

CHART_MIN_WIDTH = 360


class ChartView(QWidget):
    """Shows a :class:`DrawnChart`; ``category_clicked`` carries the id of a clicked category."""

    category_clicked = Signal(str)

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.chart: DrawnChart | None = None
        self._image: QImage | None = None
        self._ratio = 1.0
        self.setMouseTracking(True)
        self.setMinimumSize(CHART_MIN_WIDTH, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Diagramm")

    def sizeHint(self) -> QSize:
        return QSize(560, self.minimumHeight())

    def show_chart(self, chart: DrawnChart, title: str) -> None:
        self.chart = chart
        self._ratio = self.devicePixelRatioF()
        # The bytes stay referenced by self.chart for as long as the image lives.
        self._image = QImage(chart.rgba, chart.width, chart.height, QImage.Format.Format_RGBA8888)
        self._image.setDevicePixelRatio(self._ratio)
        self.setFixedHeight(round(chart.height / self._ratio))
        self.setAccessibleName(f"Diagramm: {title}")
        self.update()

    def drawn_width(self) -> int:
        """The width the chart was drawn for, in logical pixels."""
        return round(self.chart.width / self._ratio) if self.chart else 0

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        if self._image is not None:
            # At its own size, never stretched: a resize draws it anew (in a worker).
            painter.drawImage(0, 0, self._image)
        painter.end()

    def hit_at(self, point: QPoint) -> Hit | None:
        """The chart element under ``point`` (widget coordinates), if any."""
        if self.chart is None:
            return None
        x, y = point.x() * self._ratio, point.y() * self._ratio
        return next((hit for hit in self.chart.hits if hit.contains(x, y)), None)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self.hit_at(event.position().toPoint())
        if hit is None:
            QToolTip.hideText()
            self.unsetCursor()
        else:
            QToolTip.showText(event.globalPosition().toPoint(), hit.tooltip, self)
            if hit.category_id:
                self.setCursor(Qt.CursorShape.PointingHandCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        hit = self.hit_at(event.position().toPoint())
        if hit is not None and hit.category_id and event.button() == Qt.MouseButton.LeftButton:
            self.category_clicked.emit(hit.category_id)
        super().mouseReleaseEvent(event)
