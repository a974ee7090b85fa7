"""The Statistik dashboard on screen: tiles and charts from the counts, a filter change changes the
data behind the charts, a click on a service's bar filters to it, hover shows exact values, an
empty state that says how data gets in, charts saved as PNG, SVG and PDF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QThreadPool
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from kommune_desk.domain.usage import UsageEvent
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage import usage_stats
from kommune_desk.ui.statistik.page import FREE_PERIOD, StatistikPage

HUNDESTEUER = "99108008001000"
GEWERBE = "99050012104000"
WAIT_MS = 20_000


def _sessions(ws: Workspace, leika: str, started: int, submitted: int, day: dt.date, channel: str) -> None:
    at = dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC)
    events = []
    for i in range(started):
        session = f"{leika}-{day}-{channel}-{i}"
        events.append(UsageEvent(f"{session}-a", leika, session, at, "gestartet", 1, channel=channel))
        if i < submitted:
            events.append(UsageEvent(f"{session}-b", leika, session, at, "abgeschickt", 2))
    with ws.db.write() as conn:
        usage_stats.add_events(conn, ws.municipality.id, events)


@pytest.fixture
def page(qtbot, workspace: Workspace) -> Iterator[StatistikPage]:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=10)
    _sessions(workspace, HUNDESTEUER, 40, 25, last_month, "web")
    _sessions(workspace, HUNDESTEUER, 12, 9, last_month, "app")
    _sessions(workspace, GEWERBE, 20, 12, last_month, "web")
    view = StatistikPage(workspace)
    qtbot.addWidget(view)
    view.resize(1200, 900)
    view.show()
    qtbot.waitUntil(
        lambda: view.dashboard is not None and not view.loading and not view.drawing, timeout=WAIT_MS
    )
    yield view
    QThreadPool.globalInstance().waitForDone(WAIT_MS)


def _chart(page: StatistikPage, key: str):  # type: ignore[no-untyped-def]
    assert page.dashboard is not None
    return next(spec for spec in page.dashboard.charts if spec.key == key)


def _reload(qtbot, page: StatistikPage, change) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        change()


def test_tiles_and_charts_show_the_counts(page: StatistikPage) -> None:
    tiles = {tile.title.text(): tile.value.text() for tile in page.tiles}
    assert tiles["Online-Anträge"] == "46"  # 25 + 9 + 12 submitted of 72 started
    assert tiles["Abbruchquote"] == "36,1\u00a0%"  # 26 of 72
    assert not page.empty.isVisible()
    services = _chart(page, "leistungen")
    assert services.categories == ("Hundesteuer – Anmeldung", "Gewerbeanmeldung")
    assert services.series[0].values == (52, 20) and services.series[1].values == (34, 12)
    from kommune_desk.services.dashboard import CHART_KEYS

    assert tuple(page.views) == CHART_KEYS
    assert all(view.chart is not None and view.chart.width > 300 for view in page.views.values())


def test_a_filter_change_changes_the_data_behind_the_charts(qtbot, page: StatistikPage) -> None:  # type: ignore[no-untyped-def]
    before = _chart(page, "leistungen")
    _reload(qtbot, page, lambda: page.channel.setCurrentIndex(page.channel.findData("app")))
    after = _chart(page, "leistungen")
    assert after != before
    assert after.categories == ("Hundesteuer – Anmeldung",) and after.series[0].values == (12,)
    assert page.dashboard is not None and page.dashboard.filters.channel == "app"

    # A free period without any sessions: zero, and the empty state explains how data gets in.
    def free_period() -> None:
        page.period.setCurrentText(FREE_PERIOD)

    _reload(qtbot, page, free_period)
    page.first_day.setDate(page.first_day.date().addYears(-5))
    _reload(qtbot, page, lambda: page.last_day.setDate(page.first_day.date().addDays(10)))
    assert page.empty.isVisible() and "Keine Zahlen in diesem Zeitraum" in page.empty.text()
    assert _chart(page, "leistungen").is_empty


def test_a_click_on_a_service_bar_filters_to_it_and_hover_names_the_value(qtbot, page: StatistikPage) -> None:  # type: ignore[no-untyped-def]
    view = page.views["leistungen"]
    assert view.chart is not None
    hit = next(h for h in view.chart.hits if h.category_id == GEWERBE)
    scale = view.devicePixelRatioF()
    centre = QPoint(round((hit.x0 + hit.x1) / 2 / scale), round((hit.y0 + hit.y1) / 2 / scale))
    assert view.hit_at(centre) == hit
    assert hit.tooltip == "Gewerbeanmeldung – gestartet: 20"

    def click() -> None:
        for kind in (QMouseEvent.Type.MouseButtonPress, QMouseEvent.Type.MouseButtonRelease):
            event = QMouseEvent(
                kind, QPointF(centre), view.mapToGlobal(QPointF(centre)), Qt.MouseButton.LeftButton,
                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
            )  # fmt: skip
            QApplication.sendEvent(view, event)

    _reload(qtbot, page, click)
    assert page.service.currentData() == GEWERBE
    assert _chart(page, "trichter").title == "Formularschritte: Gewerbeanmeldung"
    assert _chart(page, "trichter").series[0].values == (20, 12)


def test_each_chart_saves_as_png_svg_and_pdf(qtbot, page: StatistikPage, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for file_format, magic in (("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")):
        path = tmp_path / f"monate.{file_format}"
        page.save_chart("monate", file_format, path)
        qtbot.waitUntil(path.exists, timeout=WAIT_MS)
        assert path.read_bytes().startswith(magic)
    svg = (tmp_path / "monate.svg").read_text(encoding="utf-8")
    assert "Online-Anträge je Monat" in svg  # text stays text (searchable, accessible)


def test_without_any_usage_the_page_says_how_data_gets_in(qtbot, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    view = StatistikPage(workspace)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.dashboard is not None and not view.drawing, timeout=WAIT_MS)
    assert view.empty.isVisible()
    assert "Noch keine Nutzungsdaten" in view.empty.text() and "Importieren …" in view.empty.text()
    QThreadPool.globalInstance().waitForDone(WAIT_MS)
