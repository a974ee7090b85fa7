"""The Handbuch: a German user guide for clerks, one Markdown file per chapter (package data).

Pure Python and only read when the clerk opens the guide; the window is ``kommune_desk.ui.help``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

# The chapters in reading order; each file starts with its "# " title.
CHAPTER_FILES: tuple[str, ...] = (
    "erste-schritte.md",
    "antraege.md",
    "statistik.md",
    "geraeteverleih.md",
    "abgleich.md",
    "datensicherung.md",
    "tastenkuerzel.md",
)


@dataclass(frozen=True)
class Chapter:
    """One chapter: its file name (the key links use), its title and its Markdown text."""

    name: str
    title: str
    markdown: str


def chapter(name: str) -> Chapter:
    """The chapter stored as ``name`` (one of :data:`CHAPTER_FILES`)."""
    if name not in CHAPTER_FILES:
        raise KeyError(name)
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    title = first[2:].strip() if first.startswith("# ") else name
    return Chapter(name, title, text)


def chapters() -> list[Chapter]:
    """Every chapter, in reading order."""
    return [chapter(name) for name in CHAPTER_FILES]
