"""Hilfe: the Handbuch (F1) with its chapters and search, the Tastenkürzel chapter held against the
shortcuts the real window has, and "Über KommuneDesk"; none of it is loaded at start-up."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMenu

from kommune_desk import __version__
from kommune_desk.help import CHAPTER_FILES, chapter, chapters
from kommune_desk.services.workspace import Workspace
from kommune_desk.ui.help.about import AboutDialog
from kommune_desk.ui.help.window import MAX_QUERY_LENGTH, HelpWindow
from kommune_desk.ui.main_window import POOL_SECTION, MainWindow, table_is_filled

ROOT = Path(__file__).resolve().parents[2]
PORTABLE = QKeySequence.SequenceFormat.PortableText
# A key combination as the guide writes it: with Strg/Alt/Umschalt, or a function key alone.
NAMED_KEY = re.compile(r"(?:(?:Strg|Alt|Umschalt)\+)+(?:F\d{1,2}|Eingabetaste|[A-Z0-9])\b|\bF\d{1,2}\b")
GERMAN_KEYS = (("Strg", "Ctrl"), ("Umschalt", "Shift"), ("Eingabetaste", "Return"))


@pytest.fixture
def window(qtbot, demo_workspace: Workspace, tmp_path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "einstellungen.ini"), QSettings.Format.IniFormat)
    win = MainWindow(demo_workspace, settings, str(tmp_path / "kommune-desk.log"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: table_is_filled(win), timeout=5000)
    return win


@pytest.fixture
def handbuch(qtbot) -> HelpWindow:  # type: ignore[no-untyped-def]
    help_window = HelpWindow()
    qtbot.addWidget(help_window)
    help_window.show()
    return help_window


def _menu_action(win: MainWindow, menu_title: str, text: str) -> QAction:
    menu = next(a.menu() for a in win.menuBar().actions() if a.text() == menu_title)
    assert isinstance(menu, QMenu)
    return next(a for a in menu.actions() if a.text() == text)


# -- opening ------------------------------------------------------------------------------------
def test_f1_opens_the_handbuch_at_the_chapter_of_the_section_in_use(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert window.findChild(HelpWindow) is None  # made on first use
    qtbot.keyClick(window, Qt.Key.Key_F1)
    help_window = window.findChild(HelpWindow)
    assert help_window is not None and help_window.isVisible()
    assert help_window.current_chapter() == "antraege.md"  # F1 in the Posteingang
    assert not help_window.isModal()
    assert help_window.windowModality() == Qt.WindowModality.NonModal
    # Non-modal: the main window still takes keys while the guide is open.
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_section() == "Geräteverleih"

    help_window.close()  # hidden, kept: the next F1 finds it again
    assert not help_window.isVisible()
    window.show_section(POOL_SECTION)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert window.findChild(HelpWindow) is help_window and help_window.isVisible()
    assert help_window.current_chapter() == "geraeteverleih.md"


def test_an_unmapped_login_gets_the_first_steps_chapter(
    qtbot, demo_workspace: Workspace, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    stranger = replace(demo_workspace, clerk=None, os_login="h.fremd")
    settings = QSettings(str(tmp_path / "einstellungen.ini"), QSettings.Format.IniFormat)
    win = MainWindow(stranger, settings, "x.log")
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.inbox_ready, timeout=3000):
        win.show()
    notice = win.pages.widget(0).findChild(QLabel, "noAccess")
    assert "Handbuch (F1)" in notice.text() and "Erste Schritte" in notice.text()
    qtbot.keyClick(win, Qt.Key.Key_F1)
    assert win.findChild(HelpWindow).current_chapter() == "erste-schritte.md"  # where roles are explained
    win.close()


def test_the_hilfe_menu_offers_handbuch_with_f1_and_about(window: MainWindow) -> None:
    manual = _menu_action(window, "&Hilfe", "&Handbuch")
    assert manual.shortcut().toString(PORTABLE) == "F1"
    manual.trigger()
    assert window.findChild(HelpWindow).isVisible()
    _menu_action(window, "&Hilfe", "Ü&ber KommuneDesk").trigger()
    about = window.findChild(AboutDialog)
    assert about is not None and about.isVisible()
    about.close()


# -- chapters -----------------------------------------------------------------------------------
def test_every_chapter_renders_as_text_with_its_sections(handbuch: HelpWindow) -> None:
    assert handbuch.chapter_names() == list(CHAPTER_FILES)
    titles = [c.title for c in chapters()]
    assert titles == [
        "Erste Schritte", "Anträge", "Statistik", "Geräteverleih", "Abgleich und Konflikte",
        "Datensicherung", "Tastenkürzel",
    ]  # fmt: skip
    for index, name in enumerate(CHAPTER_FILES):
        text = handbuch.document(name).toPlainText()
        assert len(text) > 1500, name
        assert text.startswith(titles[index])
        assert "**" not in text and "| ---" not in text, name  # Markdown was read, not shown raw
        item = handbuch.contents.topLevelItem(index)
        assert item.text(0) == titles[index]
        assert item.childCount() >= 4, name  # its "##" sections, to jump to


def test_the_chapters_name_each_job_of_the_brief(handbuch: HelpWindow) -> None:
    sections = {
        name: {
            handbuch.contents.topLevelItem(i).child(j).text(0)
            for j in range(handbuch.contents.topLevelItem(i).childCount())
        }
        for i, name in enumerate(CHAPTER_FILES)
    }
    assert {"Der erste Start", "Anmeldung und Rollen", "Der Datenordner"} <= sections["erste-schritte.md"]
    assert {
        "Der Posteingang", "Filter und gespeicherte Ansichten", "Einen Antrag öffnen",
        "Übernehmen, zuweisen, abgeben", "Unterlagen nachfordern", "Wiedervorlage, Notizen, Zahlung",
        "Angaben berichtigen", "Entscheidung und Vier-Augen-Freigabe", "Bescheide drucken (Postausgang)",
        "Online-Anträge importieren",
    } <= sections["antraege.md"]  # fmt: skip
    assert {
        "Geräte", "Kalender", "Reservieren", "Warteliste", "Übergabe und Rückgabe", "Überfällig und Mahnung",
        "Entleiher und Löschfristen",
    } <= sections["geraeteverleih.md"]  # fmt: skip
    assert {"Abgleich einrichten", "Konflikte"} <= sections["abgleich.md"]


def test_choosing_a_section_scrolls_to_its_heading(qtbot, handbuch: HelpWindow) -> None:  # type: ignore[no-untyped-def]
    pool = handbuch.contents.topLevelItem(CHAPTER_FILES.index("geraeteverleih.md"))
    waiting = next(pool.child(i) for i in range(pool.childCount()) if pool.child(i).text(0) == "Warteliste")
    handbuch.contents.scrollToItem(waiting)
    qtbot.mouseClick(
        handbuch.contents.viewport(), Qt.MouseButton.LeftButton,
        pos=handbuch.contents.visualItemRect(waiting).center(),
    )  # fmt: skip
    assert handbuch.current_chapter() == "geraeteverleih.md"
    top = handbuch.browser.cursorForPosition(QPoint(30, 10))  # the first line in view
    assert top.block().text() == "Warteliste"


def test_links_lead_to_other_chapters_only(handbuch: HelpWindow) -> None:
    targets = {target for c in chapters() for target in re.findall(r"\]\(([^)]*)\)", c.markdown)}
    assert targets and targets <= set(CHAPTER_FILES)  # offline: no web addresses
    handbuch.browser.anchorClicked.emit(QUrl("abgleich.md"))
    assert handbuch.current_chapter() == "abgleich.md"
    handbuch.browser.anchorClicked.emit(QUrl("https://example.org/"))
    assert handbuch.current_chapter() == "abgleich.md"
    assert "nicht geöffnet" in handbuch.status.text()


def test_an_unknown_chapter_is_refused() -> None:
    with pytest.raises(KeyError):
        chapter("../pyproject.toml")


# -- search -------------------------------------------------------------------------------------
def test_searching_warteliste_finds_the_geraeteverleih_chapter(qtbot, handbuch: HelpWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(handbuch.search, "Warteliste")
    assert "geraeteverleih.md" in handbuch.visible_chapters()
    assert "statistik.md" not in handbuch.visible_chapters()  # chapters without it leave the list
    assert handbuch.current_chapter() == "geraeteverleih.md"
    assert handbuch.browser.textCursor().selectedText().casefold() == "warteliste"
    count = handbuch.hit_count()
    assert count >= 3
    assert handbuch.status.text() == f"Treffer 1 von {count} in »Geräteverleih« · in 2 Kapiteln"
    first = handbuch.browser.textCursor().position()
    qtbot.keyClick(handbuch.search, Qt.Key.Key_Return)  # Enter: the next match
    assert handbuch.status.text().startswith(f"Treffer 2 von {count}")
    assert handbuch.browser.textCursor().position() > first
    qtbot.keyClick(handbuch.search, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert handbuch.status.text().startswith(f"Treffer 1 von {count}")
    assert len(handbuch.browser.extraSelections()) == count  # every match is marked
    qtbot.keyClick(handbuch.search, Qt.Key.Key_Escape)  # clears the search …
    assert handbuch.search.text() == "" and handbuch.status.text() == ""
    assert handbuch.visible_chapters() == list(CHAPTER_FILES)
    assert handbuch.browser.extraSelections() == []
    qtbot.keyClick(handbuch.search, Qt.Key.Key_Escape)  # … and then closes the window
    assert not handbuch.isVisible()


def test_enter_after_the_last_match_goes_on_to_the_next_chapter(handbuch: HelpWindow) -> None:
    handbuch.find("Warteliste")
    for _ in range(handbuch.hit_count()):
        handbuch.next_hit()
    assert handbuch.current_chapter() == "abgleich.md"
    assert handbuch.status.text().startswith("Treffer 1 von")


def test_all_words_of_a_search_must_occur_and_reading_starts_where_they_meet(handbuch: HelpWindow) -> None:
    handbuch.find("Kaution zurück")
    assert handbuch.visible_chapters() == ["geraeteverleih.md"]
    cursor = handbuch.browser.textCursor()
    assert cursor.block().text().startswith("Kaution")  # in "Übergabe und Rückgabe", not the calendar


def test_a_search_without_a_match_says_so_in_german(qtbot, handbuch: HelpWindow) -> None:  # type: ignore[no-untyped-def]
    handbuch.show_chapter("statistik.md")
    handbuch.search.setText("Bürgermeisterwahl")  # as typed (QTest types ASCII keys only)
    assert handbuch.status.text() == "Kein Treffer für »Bürgermeisterwahl«"
    assert handbuch.visible_chapters() == list(CHAPTER_FILES)  # nothing to hide the guide for
    assert handbuch.current_chapter() == "statistik.md" and handbuch.hit_count() == 0
    qtbot.keyClick(handbuch.search, Qt.Key.Key_F3)
    assert handbuch.status.text() == "Kein Treffer für »Bürgermeisterwahl«"


@pytest.mark.parametrize(
    "query",
    [
        "(.*",
        "[a-z]+$",
        r"\d+\s*\Z",
        "\x00",
        "a" * 10_000,
        "<b>fett</b>",
        "\u202e\u0000\u2029",
        "%s%n{0}",
        "  \t ",
    ],
    ids=["regex", "anchored", "backslash", "nul", "10000", "markup", "control", "format", "blank"],
)
def test_hostile_searches_are_plain_text(qtbot, handbuch: HelpWindow, query: str) -> None:  # type: ignore[no-untyped-def]
    handbuch.find(query)
    for key, modifier in (
        (Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_F3, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier),
    ):
        qtbot.keyClick(handbuch.search, key, modifier)
    status = handbuch.status.text()
    assert len(handbuch.search.text()) <= MAX_QUERY_LENGTH
    if query.strip():
        assert status.startswith("Kein Treffer für »") and len(status) < 80, status
        assert "\x00" not in status
    else:
        assert status == "" and handbuch.visible_chapters() == list(CHAPTER_FILES)
    assert handbuch.status.textFormat() == Qt.TextFormat.PlainText  # "<b>" is shown, never rendered


# -- Tastenkürzel ---------------------------------------------------------------------------------
def _named_keys() -> set[str]:
    """Every key combination the Tastenkürzel chapter names, in Qt's portable spelling."""
    found = set()
    for written in NAMED_KEY.findall(chapter("tastenkuerzel.md").markdown):
        for german, portable in GERMAN_KEYS:
            written = written.replace(german, portable)
        found.add(QKeySequence(written).toString(PORTABLE))
    return found


def _bound_keys(win: MainWindow) -> set[str]:
    """The keys the real window reacts to: its actions and shortcuts (the pool section, a case
    and the Handbuch built first) and the menus' Alt letters."""
    keys = {
        f"Alt+{a.text()[a.text().index('&') + 1].upper()}" for a in win.menuBar().actions() if "&" in a.text()
    }
    for action in win.findChildren(QAction):
        keys.update(key.toString(PORTABLE) for key in action.shortcuts())
    for shortcut in win.findChildren(QShortcut):
        keys.update(key.toString(PORTABLE) for key in shortcut.keys())  # noqa: SIM118 (a Qt list, no dict)
    return keys


def test_every_shortcut_the_tastenkuerzel_chapter_names_exists(
    qtbot, window: MainWindow, demo_workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    window.pool_page()  # the Geräteverleih's scan field shortcut
    first = demo_workspace.db.reader().execute("SELECT id FROM applications LIMIT 1").fetchone()[0]
    window.inbox_page.open_case(first)  # the case view's Esc
    window.show_help()  # the Handbuch's own keys
    named = _named_keys()
    assert len(named) >= 15  # the chapter was read: F1 … Strg+Q, Alt+D/A/H, the guide's keys
    assert {"F1", "Ctrl+1", "Ctrl+4", "F5", "F9", "Ctrl+F", "Alt+H", "Shift+F3", "Shift+Return"} <= named
    missing = named - _bound_keys(window)
    assert missing == set(), f"im Kapitel Tastenkürzel, aber nirgends belegt: {sorted(missing)}"


def test_every_menu_shortcut_is_in_the_tastenkuerzel_chapter(window: MainWindow) -> None:
    menu_keys = {
        action.shortcut().toString(PORTABLE)
        for action in window.findChildren(QAction)
        if not action.shortcut().isEmpty()
    }
    assert "F1" in menu_keys
    undocumented = menu_keys - _named_keys()
    assert undocumented == set(), f"belegt, aber nicht im Kapitel Tastenkürzel: {sorted(undocumented)}"


# -- Über KommuneDesk -----------------------------------------------------------------------------
def test_about_shows_version_data_folder_and_copies_them(
    qtbot, window: MainWindow, demo_workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    dialog = window.show_about()
    assert isinstance(dialog, AboutDialog)
    assert f"Version {__version__}" in dialog.title.text()
    assert dialog.windowTitle() == "Über KommuneDesk"
    facts = dialog.facts_text()
    assert f"Version: {__version__}" in facts
    assert f"Datenordner: {demo_workspace.db.data_dir}" in facts
    assert "Python: " in facts and "Qt: " in facts
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == facts
    assert dialog.copy_button.text() == "Kopiert"
    dialog.close()


def test_the_version_is_one_and_the_same_everywhere() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["project"]["version"] == __version__
    try:
        installed = importlib.metadata.version("kommune-desk")
    except importlib.metadata.PackageNotFoundError:  # run from a plain checkout
        return
    assert installed == __version__


# -- start-up -------------------------------------------------------------------------------------
_START_AND_CHECK = """
import sys
from kommune_desk import app
code = app.main(["--data-dir", sys.argv[1], "--exit-when-ready"])
loaded = sorted(m for m in sys.modules if m.startswith(("kommune_desk.help", "kommune_desk.ui.help")))
print("help modules:", ",".join(loaded), flush=True)
sys.exit(code)
"""


def test_start_up_does_not_import_the_help(demo_dir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _START_AND_CHECK, str(demo_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ready " in done.stdout
    assert "help modules: \n" in done.stdout, done.stdout
