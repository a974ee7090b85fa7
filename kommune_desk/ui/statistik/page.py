"""The Statistik page: filters, key figure tiles and charts of the online services.

The figures are computed and the charts drawn in a worker; the page only places the results.
A newer request makes an older result void, so a quick series of filter changes shows the last.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..workers import start_task
from .chart_view import CHART_MIN_WIDTH, ChartView

if TYPE_CHECKING:
    from kommune_desk.services.dashboard import Dashboard, Filters
    from kommune_desk.services.workspace import Workspace

FREE_PERIOD = "Zeitraum wählen …"
ALL_SERVICES = "Alle Leistungen"
CHANNELS = (("Alle Kanäle", None), ("Web", "web"), ("App", "app"))
EMPTY_TEXT = (
    "<h3>Noch keine Nutzungsdaten</h3>"
    "<p>Die Zahlen der Online-Dienste kommen auf zwei Wegen in KommuneDesk:</p><ul>"
    "<li>vom Online-Portal über den Abgleich – sobald dieser Arbeitsplatz für den Abgleich "
    "eingerichtet ist (<i>Datei → Abgleich einrichten …</i>);</li>"
    "<li>aus einer CSV-Datei des Portals: <i>Importieren …</i> oben rechts "
    "(Aufbau der Datei: Handbuch, Abschnitt Statistik).</li></ul>"
    "<p>Bearbeitungszeiten und Rückstand stammen aus den eigenen Anträgen und erscheinen, "
    "sobald Anträge erledigt werden.</p>"
)
EMPTY_PERIOD_TEXT = (
    "<h3>Keine Zahlen in diesem Zeitraum</h3><p>Für den gewählten Zeitraum (und die gewählte Leistung "
    "und den Kanal) gibt es keine Sitzungen und keine erledigten oder offenen Vorgänge. Wählen Sie "
    "oben einen anderen Zeitraum.</p>"
)
_RESIZE_DELAY_MS = 250


FIRST_DRAWN = 2  # the charts in view when the section opens: drawn with the figures, the rest after


def _figures(ws: Workspace, filters: Filters):  # type: ignore[no-untyped-def]
    """In the worker: the key figures (the tiles), before anything is drawn."""
    from kommune_desk.services.dashboard import key_figures

    return key_figures(ws, filters)


def _load(ws: Workspace, filters: Filters, figures, widths: dict[str, int], scale: float):  # type: ignore[no-untyped-def]
    """In the worker: what the charts show, and the first of them drawn."""
    from kommune_desk.services.dashboard import build_dashboard, draw_charts

    dashboard = build_dashboard(ws, filters, figures)
    return dashboard, draw_charts(dashboard.charts[:FIRST_DRAWN], widths, scale)


def _draw(charts: tuple, widths: dict[str, int], scale: float):  # type: ignore[no-untyped-def, type-arg]
    from kommune_desk.services.dashboard import draw_charts

    return draw_charts(charts, widths, scale)


class Tile(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statTile")
        self.setStyleSheet(
            "#statTile { background: #f4f7fb; border: 1px solid #d5dde8; border-radius: 6px; }"
        )
        self.title = QLabel()
        self.title.setStyleSheet("color: #444; font-weight: bold;")
        self.value = QLabel("…")
        self.value.setStyleSheet("font-size: 20pt; color: #0b3d6b;")
        self.detail = QLabel()
        self.detail.setStyleSheet("color: #555; font-size: 8pt;")
        self.detail.setWordWrap(True)
        for label in (self.title, self.value, self.detail):
            label.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)


class StatistikPage(QWidget):
    """The dashboard; ``loaded`` fires whenever new figures are on screen (tests, benchmarks)."""

    figures_shown = Signal()  # the key figures are on screen (the charts follow)
    loaded = Signal()  # figures and the first charts are on screen
    charts_ready = Signal()  # every chart is drawn

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from kommune_desk.services.dashboard import PRESETS

        self.workspace = workspace
        self.dashboard: Dashboard | None = None
        self._request = 0
        self.loading = False
        self.drawing = False

        title = QLabel("Statistik der Online-Dienste")
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.period = QComboBox()
        self.period.addItems([*PRESETS, FREE_PERIOD])
        self.period.setAccessibleName("Zeitraum")
        today = dt.date.today()
        self.first_day, self.last_day = QDateEdit(), QDateEdit()
        for edit, day in ((self.first_day, today.replace(day=1)), (self.last_day, today)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd.MM.yyyy")
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.setVisible(False)
            edit.dateChanged.connect(self._free_dates_changed)
        self.service = QComboBox()
        self.service.setAccessibleName("Leistung")
        self.service.addItem(ALL_SERVICES, None)
        self.service.setMinimumContentsLength(22)
        self.channel = QComboBox()
        self.channel.setAccessibleName("Kanal")
        for text, value in CHANNELS:
            self.channel.addItem(text, value)
        self.import_button = QPushButton("Importieren …")
        self.import_button.setToolTip("Nutzungsdaten des Portals aus einer CSV-Datei übernehmen")
        self.import_button.clicked.connect(self.choose_and_import)
        self.report_button = QPushButton("Bericht …")
        self.report_button.setToolTip(
            "Alle Kennzahlen und Diagramme als A4-Bericht für Magistrat oder Gemeindevorstand"
        )
        self.report_button.clicked.connect(lambda: self.save_export("pdf"))
        self.export_button = QPushButton("Exportieren")
        export_menu = QMenu(self.export_button)
        export_menu.addAction("Als Excel-Datei (XLSX) …", lambda: self.save_export("xlsx"))
        export_menu.addAction("Als CSV-Datei (Excel, Semikolon) …", lambda: self.save_export("csv"))
        self.export_button.setMenu(export_menu)
        self.status = QLabel()
        self.status.setStyleSheet("color: #555;")
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        filters = QHBoxLayout()
        filters.addWidget(QLabel("Zeitraum:"))
        filters.addWidget(self.period)
        filters.addWidget(self.first_day)
        filters.addWidget(self.last_day)
        filters.addSpacing(12)
        filters.addWidget(QLabel("Leistung:"))
        filters.addWidget(self.service, 1)
        filters.addWidget(QLabel("Kanal:"))
        filters.addWidget(self.channel)
        filters.addStretch(0)
        # What to do with the figures sits beside the title, so the filters keep their room.
        heading = QHBoxLayout()
        heading.addWidget(title)
        heading.addStretch(1)
        for button in (self.report_button, self.export_button, self.import_button):
            heading.addWidget(button)

        self.tiles = [Tile() for _ in range(5)]
        tiles = QHBoxLayout()
        for tile in self.tiles:
            tiles.addWidget(tile, 1)

        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setTextFormat(Qt.TextFormat.RichText)
        self.empty.setWordWrap(True)
        self.empty.setVisible(False)
        self.empty.setStyleSheet("background: #fffbe6; border: 1px solid #e6d9a0; padding: 10px;")

        self.views: dict[str, ChartView] = {}
        grid_widget = QWidget()
        self.grid = QGridLayout(grid_widget)
        self.grid.setSpacing(10)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(grid_widget)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)

        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addLayout(filters)
        layout.addWidget(self.status)
        layout.addLayout(tiles)
        layout.addWidget(self.empty)
        layout.addWidget(self.scroll, 1)

        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(_RESIZE_DELAY_MS)
        self._resize_timer.timeout.connect(self._redraw_charts)
        self.period.currentIndexChanged.connect(self._period_changed)
        self.service.currentIndexChanged.connect(self.refresh)
        self.channel.currentIndexChanged.connect(self.refresh)
        self.refresh()

    # -- filters ------------------------------------------------------------------------------
    def filters(self) -> Filters:
        from kommune_desk.services.dashboard import PRESETS, Filters
        from kommune_desk.services.statistics import Period

        name = self.period.currentText()
        if name == FREE_PERIOD:
            first, last = self.first_day.date().toPython(), self.last_day.date().toPython()
            period = Period(min(first, last), max(first, last))  # type: ignore[arg-type]
        else:
            period = PRESETS[name](dt.date.today())
        return Filters(period, self.service.currentData(), self.channel.currentData())

    def select_service(self, leika_id: str) -> None:
        """Show only one service (a click on its bar)."""
        index = self.service.findData(leika_id)
        if index >= 0:
            self.service.setCurrentIndex(index)

    def _period_changed(self) -> None:
        free = self.period.currentText() == FREE_PERIOD
        self.first_day.setVisible(free)
        self.last_day.setVisible(free)
        self.refresh()

    def _free_dates_changed(self) -> None:
        if self.period.currentText() == FREE_PERIOD:
            self.refresh()

    # -- loading ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Compute the figures of the current filters again (in a worker)."""
        self._request += 1
        request = self._request
        self.loading = True
        self.status.setText("Die Zahlen werden berechnet …")
        filters = self.filters()
        start_task(
            _figures, self.workspace, filters,
            on_done=lambda figures: self._show_figures(request, filters, figures), on_error=self._failed,
            owner=self,
        )  # fmt: skip

    def _show_figures(self, request: int, filters: Filters, figures) -> None:  # type: ignore[no-untyped-def]
        """The tiles at once; then the charts' data and the first charts in a worker."""
        if request != self._request:
            return
        for tile, data in zip(self.tiles, figures.tiles, strict=True):
            tile.title.setText(data.title)
            tile.value.setText(data.value)
            tile.detail.setText(data.detail)
        self.status.setText("Die Diagramme werden gezeichnet …")
        self.figures_shown.emit()
        start_task(
            _load, self.workspace, filters, figures, self._widths(), self.devicePixelRatioF(),
            on_done=lambda result: self._show(request, *result), on_error=self._failed, owner=self,
        )  # fmt: skip

    def _widths(self) -> dict[str, int]:
        """The width each chart gets: two columns of the visible area."""
        from kommune_desk.services.dashboard import CHART_KEYS

        column = max(CHART_MIN_WIDTH, (self.scroll.viewport().width() - 2 * self.grid.spacing() - 4) // 2)
        return dict.fromkeys(CHART_KEYS, column)

    def _show(self, request: int, dashboard: Dashboard, drawn: list) -> None:  # type: ignore[type-arg]
        if request != self._request:
            return  # a newer filter is on its way
        self.loading = False
        self.dashboard = dashboard
        self._fill_services(dashboard)
        self.empty.setText(EMPTY_TEXT if dashboard.nothing_counted else EMPTY_PERIOD_TEXT)
        self.empty.setVisible(not dashboard.has_data)
        self._place_charts(dashboard, drawn)
        self._draw_charts(request, dashboard.charts[FIRST_DRAWN:])
        period = dashboard.filters.period
        self.status.setText(
            f"{period.first:%d.%m.%Y} bis {period.last:%d.%m.%Y} · Datenschutz: „< 5“ für Werte von 1 bis 4, "
            "„×“ für Werte, die sonst einen solchen verrieten. Maus über ein Diagramm: genaue Werte; "
            "Klick auf eine Leistung: nur diese."
        )
        self.loaded.emit()

    def _fill_services(self, dashboard: Dashboard) -> None:
        if self.service.count() > 1:
            return
        self.service.blockSignals(True)
        for leika_id, name in sorted(dashboard.services, key=lambda s: s[1]):
            self.service.addItem(name, leika_id)
        self.service.blockSignals(False)

    def _place_charts(self, dashboard: Dashboard, drawn: list) -> None:  # type: ignore[type-arg]
        titles = {spec.key: spec.title for spec in dashboard.charts}
        order = [spec.key for spec in dashboard.charts]
        for chart in drawn:
            index = order.index(chart.key)
            view = self.views.get(chart.key)
            if view is None:
                view = self.views[chart.key] = ChartView(chart.key)
                view.category_clicked.connect(self.select_service)
                view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
                view.customContextMenuRequested.connect(lambda pos, v=view: self._chart_menu(v, pos))
                self.grid.addWidget(view, index // 2, index % 2, Qt.AlignmentFlag.AlignTop)
            view.show_chart(chart, titles.get(chart.key, ""))
        # Drawn before the layout settled (the first load): draw again at the real width.
        if not self.drawing and any(
            abs(v.drawn_width() - v.width()) > 8 for v in self.views.values() if v.chart is not None
        ):
            self._resize_timer.start()

    def _failed(self, exc: BaseException) -> None:
        from ..run import explain_failure

        self.loading = self.drawing = False
        self.status.setText("Die Zahlen konnten nicht berechnet werden.")
        explain_failure(self, exc, "Statistik")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.dashboard is not None:
            self._resize_timer.start()

    def _redraw_charts(self) -> None:
        if self.dashboard is None or self.loading or self.drawing:
            return
        self._draw_charts(self._request, self.dashboard.charts)

    def _draw_charts(self, request: int, charts: tuple) -> None:  # type: ignore[type-arg]
        """Draw ``charts`` in a worker and place them when done (unless a newer request came)."""
        self.drawing = True

        def place(drawn: list) -> None:  # type: ignore[type-arg]
            if request != self._request or self.dashboard is None:
                return
            self.drawing = False
            self._place_charts(self.dashboard, drawn)
            self.charts_ready.emit()

        start_task(
            _draw, charts, self._widths(), self.devicePixelRatioF(), on_done=place, on_error=self._failed,
            owner=self,
        )  # fmt: skip

    # -- import and export --------------------------------------------------------------------
    def choose_and_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Nutzungsdaten importieren", "", "CSV-Dateien (*.csv);;Alle Dateien (*)"
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        from kommune_desk.services.statistics import import_usage_file

        self.status.setText(f"{path.name} wird importiert …")
        start_task(
            import_usage_file, self.workspace, path, on_done=self._imported,
            on_error=self._import_failed, owner=self,
        )  # fmt: skip

    def _imported(self, result: object) -> None:
        self.status.setText(result.message())  # type: ignore[attr-defined]
        self.refresh()

    def _import_failed(self, exc: BaseException) -> None:
        from ..run import explain_failure

        self.status.setText("Der Import wurde abgebrochen; es wurde nichts gespeichert.")
        explain_failure(self, exc, "Import")

    def _save_failed(self, exc: BaseException) -> None:
        from ..run import explain_failure

        self.status.setText("Das Diagramm wurde nicht gespeichert.")
        explain_failure(self, exc, "Export")

    def save_export(self, file_format: str, path: Path | None = None) -> None:
        """The report (``pdf``) or the data (``csv``, ``xlsx``) of the current filters, in a worker."""
        filters = self.filters()
        if path is None:
            stem = f"Statistik {filters.period.first:%Y-%m-%d} bis {filters.period.last:%Y-%m-%d}"
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Speichern unter", f"{stem}.{file_format}", f"{file_format.upper()} (*.{file_format})"
            )
            if not chosen:
                return
            path = Path(chosen)
        from kommune_desk.services import statistics_export

        if file_format == "pdf":
            args: tuple = (statistics_export.export_report, self.workspace, filters, path)
        else:
            args = (statistics_export.export_data, self.workspace, filters, file_format, path)
        self.status.setText(f"{path.name} wird erstellt …")
        start_task(
            *args, on_done=lambda _r: self.status.setText(f"Gespeichert: {path}"),
            on_error=self._save_failed, owner=self,
        )  # fmt: skip

    def _chart_menu(self, view: ChartView, position: object) -> None:
        menu = QMenu(self)
        for label, file_format in (("PNG", "png"), ("SVG", "svg"), ("PDF", "pdf")):
            menu.addAction(
                f"Diagramm als {label} speichern …", lambda f=file_format: self.save_chart(view.key, f)
            )
        menu.popup(view.mapToGlobal(position))  # type: ignore[arg-type]

    def save_chart(self, key: str, file_format: str, path: Path | None = None) -> None:
        """Save one chart as PNG, SVG or PDF (the file is written in a worker)."""
        if self.dashboard is None:
            return
        spec = next(spec for spec in self.dashboard.charts if spec.key == key)
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Diagramm speichern", f"{key}.{file_format}", f"{file_format.upper()} (*.{file_format})"
            )
            if not chosen:
                return
            path = Path(chosen)
        from kommune_desk.services.dashboard import save_chart

        start_task(
            save_chart, spec, file_format, path,
            on_done=lambda _r: self.status.setText(f"Diagramm gespeichert: {path.name}"),
            on_error=self._save_failed, owner=self,
        )  # fmt: skip
