"""Hilfe → Handbuch: the user guide in a window of its own, with chapters, sections and search.

Offline: the chapters are package data (``kommune_desk.help``) rendered by QTextDocument's
Markdown reader, and links lead only to other chapters. The search is literal text (never a
pattern), so whatever a clerk types or pastes is just something to look for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QTextBrowser,
    QTextEdit,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kommune_desk import APP_NAME
from kommune_desk.help import Chapter, chapters

MAX_QUERY_LENGTH = 200  # longer is a paste by mistake, never a phrase from the guide
MAX_HITS = 500  # per chapter: a one-letter search still answers at once
SHOWN_QUERY_LENGTH = 40  # of the query, in the "Kein Treffer" line
HIT = QColor("#fff0a0")
CURRENT_HIT = QColor("#ffb347")


@dataclass
class _Page:
    """A chapter as the window holds it: rendered once, with its tree items and current hits."""

    chapter: Chapter
    document: QTextDocument
    item: QTreeWidgetItem
    sections: list[tuple[int, QTreeWidgetItem]]  # (position of the "##" heading, its tree item)
    hits: list[tuple[int, int]] = field(default_factory=list)  # (start, end) of each match, in order
    word_hits: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # the same, by word

    def parts(self) -> list[tuple[int, int]]:
        """(start, end) of the introduction and of each "##" section."""
        starts = [0, *(start for start, _ in self.sections)]
        return list(zip(starts, [*starts[1:], self.document.characterCount()], strict=True))

    def best_hit(self) -> int:
        """Where to start reading: the first match in the first part that holds every word."""
        for start, end in self.parts():
            if all(any(start <= hit < end for hit, _ in hits) for hits in self.word_hits.values()):
                return next((i for i, (hit, _) in enumerate(self.hits) if hit >= start), 0)
        return 0


def _find_all(document: QTextDocument, text: str) -> list[tuple[int, int]]:
    """Where ``text`` occurs in ``document`` (case-insensitive, literal), at most MAX_HITS times."""
    hits: list[tuple[int, int]] = []
    cursor = document.find(text, 0)
    while not cursor.isNull() and len(hits) < MAX_HITS:
        hits.append((cursor.selectionStart(), cursor.selectionEnd()))
        cursor = document.find(text, cursor)
    return hits


def find_words(document: QTextDocument, query: str) -> dict[str, list[tuple[int, int]]]:
    """The matches of each word of ``query``, or none unless every word occurs in ``document``:
    "Kaution zurück" finds the chapter that says "Kaution vollständig zurückgezahlt"."""
    found: dict[str, list[tuple[int, int]]] = {}
    for word in dict.fromkeys(query.split()):
        found[word] = _find_all(document, word)
        if not found[word]:
            return {}
    return found


def _shown(query: str) -> str:
    """The query as a message may quote it: control characters as �, long ones shortened."""
    text = "".join(c if c.isprintable() else "\ufffd" for c in query)
    return text if len(text) <= SHOWN_QUERY_LENGTH else text[: SHOWN_QUERY_LENGTH - 1] + "…"


class HelpWindow(QWidget):
    """Chapters and their sections on the left, the text on the right, the search on top.

    Non-modal: the clerk reads and works side by side. Closing only hides it (it is not deleted on
    close), so the place and the search are still there at the next F1.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("handbuch")
        self.setWindowTitle(f"Handbuch – {APP_NAME}")

        self.search = QLineEdit()
        self.search.setObjectName("helpSearch")
        self.search.setPlaceholderText("Im Handbuch suchen …  (Strg+F)")
        self.search.setAccessibleName("Im Handbuch suchen")
        self.search.setClearButtonEnabled(True)
        self.search.setMaxLength(MAX_QUERY_LENGTH)
        self.search.textChanged.connect(self._search)
        self.search.returnPressed.connect(self.next_hit)
        self.previous_button = self._tool_button(Qt.ArrowType.UpArrow, "Vorheriger Treffer (Umschalt+F3)")
        self.previous_button.clicked.connect(self.previous_hit)
        self.next_button = self._tool_button(Qt.ArrowType.DownArrow, "Nächster Treffer (F3)")
        self.next_button.clicked.connect(self.next_hit)
        self.status = QLabel()
        self.status.setObjectName("helpSearchStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # it quotes what was typed
        self.status.setMinimumWidth(120)  # long lines are cut, never widen the window

        self.contents = QTreeWidget()
        self.contents.setObjectName("helpContents")
        self.contents.setAccessibleName("Kapitel des Handbuchs")
        self.contents.setHeaderHidden(True)
        self.contents.setStyleSheet("QTreeWidget::item { padding: 2px 0px; }")  # room for Ü's dots
        self.contents.setMinimumWidth(200)
        self.contents.itemClicked.connect(lambda item, _column: self._item_chosen(item))
        self.contents.itemActivated.connect(lambda item, _column: self._item_chosen(item))

        self.browser = QTextBrowser()
        self.browser.setObjectName("helpText")
        self.browser.setAccessibleName("Text des Handbuchs")
        self.browser.setOpenLinks(False)  # offline: a link may only lead to another chapter
        self.browser.anchorClicked.connect(self._link)

        self._pages: list[_Page] = [self._page(chapter) for chapter in chapters()]
        self._shown_page = self._pages[0]
        self._current_hit = -1
        self.browser.setDocument(self._shown_page.document)
        self.contents.setCurrentItem(self._shown_page.item)
        self._shown_page.item.setExpanded(True)

        bar = QHBoxLayout()
        bar.addWidget(self.search, 2)
        bar.addWidget(self.previous_button)
        bar.addWidget(self.next_button)
        bar.addSpacing(8)
        bar.addWidget(self.status, 3)  # beside the field: the text below keeps its place
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.contents)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([260, 740])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        self._shortcuts()
        self._fit_to_screen()

    # -- building ------------------------------------------------------------------------------
    @staticmethod
    def _tool_button(arrow: Qt.ArrowType, tip: str) -> QToolButton:
        button = QToolButton()
        button.setArrowType(arrow)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        return button

    def _page(self, chapter: Chapter) -> _Page:
        document = QTextDocument(self)
        font = self.font()
        font.setPointSizeF(max(font.pointSizeF(), 10.0) + 1)  # reading text, a little larger than the UI
        document.setDefaultFont(font)
        document.setDocumentMargin(14)
        document.setMarkdown(chapter.markdown)
        item = QTreeWidgetItem([chapter.title])
        item.setData(0, Qt.ItemDataRole.UserRole, (chapter.name, -1))
        self.contents.addTopLevelItem(item)
        sections = []
        block = document.begin()
        while block.isValid():
            if block.blockFormat().headingLevel() == 2:
                child = QTreeWidgetItem([block.text()])
                child.setData(0, Qt.ItemDataRole.UserRole, (chapter.name, block.position()))
                item.addChild(child)
                sections.append((block.position(), child))
            block = block.next()
        return _Page(chapter, document, item, sections)

    def _shortcuts(self) -> None:
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(self.focus_search)
        QShortcut(QKeySequence("F3"), self).activated.connect(self.next_hit)
        QShortcut(QKeySequence("Shift+F3"), self).activated.connect(self.previous_hit)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self).activated.connect(self._escape)
        # Enter goes to the next hit (returnPressed); with Shift, back to the one before.
        for keys in ("Shift+Return", "Shift+Enter"):
            back = QShortcut(QKeySequence(keys), self.search)
            back.setContext(Qt.ShortcutContext.WidgetShortcut)
            back.activated.connect(self.previous_hit)

    def _fit_to_screen(self) -> None:
        """Room for reading, yet beside the main window on a 1280×720 laptop."""
        screen = self.screen().availableGeometry()
        self.resize(min(1050, int(screen.width() * 0.8)), min(760, int(screen.height() * 0.9)))

    # -- chapters ------------------------------------------------------------------------------
    def chapter_names(self) -> list[str]:
        """The chapters' file names, in reading order."""
        return [page.chapter.name for page in self._pages]

    def visible_chapters(self) -> list[str]:
        """The chapters the list shows now (a search hides those without a match)."""
        return [page.chapter.name for page in self._pages if not page.item.isHidden()]

    def current_chapter(self) -> str:
        return self._shown_page.chapter.name

    def document(self, name: str) -> QTextDocument:
        """The rendered chapter ``name``."""
        return self._by_name(name).document

    def show_chapter(self, name: str, position: int = -1) -> None:
        """Show chapter ``name``, from the top or (``position`` ≥ 0) from that heading."""
        page = self._by_name(name)
        self._show_page(page)
        if position >= 0:
            self._scroll_to(position)
        else:
            self.browser.verticalScrollBar().setValue(0)

    def _by_name(self, name: str) -> _Page:
        for page in self._pages:
            if page.chapter.name == name:
                return page
        raise KeyError(name)

    def _show_page(self, page: _Page) -> None:
        if page is not self._shown_page:
            if not self._query():  # without a search only the chapter read is unfolded
                self._shown_page.item.setExpanded(False)
            self._shown_page = page
            self._current_hit = -1
            self.browser.setDocument(page.document)
        self.contents.blockSignals(True)
        self.contents.setCurrentItem(page.item)
        page.item.setExpanded(True)
        self.contents.blockSignals(False)
        self._highlight()

    def _scroll_to(self, position: int) -> None:
        """Put the heading at ``position`` at the top of the view."""
        document = self._shown_page.document
        document.documentLayout().documentSize()  # lays the whole chapter out, so the block has a place
        block = document.findBlock(position)
        top = document.documentLayout().blockBoundingRect(block).top()
        self.browser.verticalScrollBar().setValue(int(top))

    def _item_chosen(self, item: QTreeWidgetItem) -> None:
        name, position = item.data(0, Qt.ItemDataRole.UserRole)
        self.show_chapter(name, position)

    def _link(self, url: QUrl) -> None:
        name = url.path() or url.toString()
        if name in self.chapter_names():
            self.show_chapter(name)
        else:  # a web address: the guide is offline and opens nothing outside
            self.status.setText("Dieser Verweis führt aus dem Handbuch hinaus und wird nicht geöffnet.")

    # -- search --------------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def find(self, text: str) -> None:
        """Search for ``text`` as if the clerk had typed it."""
        before = self.search.text()
        self.search.setText(text)  # searches (textChanged) …
        if self.search.text() == before:
            self._search()  # … unless the text was already there

    def _query(self) -> str:
        return self.search.text().strip()

    def _search(self, _text: str = "") -> None:
        """Keep the chapters and sections that contain the query and go to its first match."""
        query = self._query()
        for page in self._pages:
            page.word_hits = find_words(page.document, query) if query else {}
            page.hits = sorted({hit for hits in page.word_hits.values() for hit in hits})[:MAX_HITS]
        found = [page for page in self._pages if page.hits]
        self._current_hit = -1
        for page in self._pages:
            page.item.setHidden(bool(found) and not page.hits)
            for (_, child), (start, end) in zip(page.sections, page.parts()[1:], strict=True):
                child.setHidden(bool(found) and not any(start <= hit < end for hit, _ in page.hits))
            page.item.setExpanded(page is self._shown_page or bool(found and page.hits))
        self.status.setStyleSheet("color: #a61b1b;" if query and not found else "")
        if not query:
            self.status.clear()
            self._highlight()
        elif not found:
            self.status.setText(f"Kein Treffer für »{_shown(query)}«")
            self._highlight()
        else:
            page = self._shown_page if self._shown_page.hits else found[0]
            self._go(page, page.best_hit())

    def next_hit(self) -> None:
        """Enter, F3: the next match, in the next chapter with matches after the last one here."""
        self._step(1)

    def previous_hit(self) -> None:
        """Shift+Enter, Shift+F3: the match before."""
        self._step(-1)

    def _step(self, step: int) -> None:
        found = [page for page in self._pages if page.hits]
        if not found:
            if self._query():
                self.status.setText(f"Kein Treffer für »{_shown(self._query())}«")
            return
        page = self._shown_page
        target = self._current_hit + step
        if page.hits and 0 <= target < len(page.hits):
            self._go(page, target)
            return
        # On to the neighbouring chapter with matches (round the end of the guide).
        order = self._pages.index(page)
        for offset in range(1, len(self._pages) + 1):
            neighbour = self._pages[(order + step * offset) % len(self._pages)]
            if neighbour.hits:
                self._go(neighbour, 0 if step > 0 else len(neighbour.hits) - 1)
                return

    def _go(self, page: _Page, index: int) -> None:
        self._show_page(page)
        self._current_hit = index
        start, end = page.hits[index]
        cursor = QTextCursor(page.document)
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        self.browser.setTextCursor(cursor)
        self._bring_into_view(cursor)
        self._highlight()
        chapters_found = sum(1 for p in self._pages if p.hits)
        more = f" · in {chapters_found} Kapiteln" if chapters_found > 1 else ""
        count = f"mindestens {MAX_HITS}" if len(page.hits) >= MAX_HITS else str(len(page.hits))
        self.status.setText(f"Treffer {index + 1} von {count} in »{page.chapter.title}«{more}")

    def _bring_into_view(self, cursor: QTextCursor) -> None:
        """Scroll a match near the edge (or outside) to a third from the top: read with context."""
        self.browser.ensureCursorVisible()
        rect = self.browser.cursorRect(cursor)
        height = self.browser.viewport().height()
        if rect.top() < height // 6 or rect.bottom() > height - height // 6:
            bar = self.browser.verticalScrollBar()
            bar.setValue(bar.value() + rect.top() - height // 3)

    def _highlight(self) -> None:
        """Mark every match in the chapter shown; the current one stronger."""
        page = self._shown_page
        selections = []
        for index, (start, end) in enumerate(page.hits):
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(page.document)
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            char_format = QTextCharFormat()
            char_format.setBackground(CURRENT_HIT if index == self._current_hit else HIT)
            selection.format = char_format
            selections.append(selection)
        self.browser.setExtraSelections(selections)

    def hit_count(self) -> int:
        """How many matches the chapter shown has (0 without a search)."""
        return len(self._shown_page.hits)

    # -- closing -------------------------------------------------------------------------------
    def _escape(self) -> None:
        if self.search.text():
            self.search.clear()
        else:
            self.close()


def open_help(parent: QWidget, chapter: str | None = None) -> HelpWindow:
    """Show the Handbuch of ``parent`` (made on first use, then kept). When it opens, it opens at
    ``chapter``; when it is already open, it only comes to the front."""
    window = parent.findChild(HelpWindow)
    if window is None:
        window = HelpWindow(parent)
    if not window.isVisible():
        if chapter:
            window.show_chapter(chapter)
        window.show()
    window.raise_()
    window.activateWindow()
    return window
