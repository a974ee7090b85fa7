"""Text that may reach a reportlab ``Paragraph``: citizens' text escaped, template markup whitelisted.

A ``Paragraph`` interprets markup, including ``<img src>`` (which reads files or URLs) and
``<a href>``. So nothing reaches one as a plain ``str``: it is either escaped user text or a
``Markup`` built from a template whose tags are checked against a short whitelist.
"""

from __future__ import annotations

import re

# The only markup a template may use: bold, italic, underline, line break. No attributes.
ALLOWED_TAGS = frozenset({"b", "i", "u", "br"})
_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9]*)\s*(/?)\s*>")
_ANY_TAG = re.compile(r"<[^>]*>?")
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#39);")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")


class MarkupError(ValueError):
    """A template holds markup outside the whitelist; ``message`` is German."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Markup(str):
    """A string that is safe to hand to a ``Paragraph`` (see the module docstring).

    Never call ``Markup(text)`` on user text: use :func:`escape` or :meth:`from_template`.
    """

    __slots__ = ()

    @classmethod
    def from_template(cls, text: str, label: str = "Textbaustein") -> Markup:
        """Check a template's markup against the whitelist; raise MarkupError naming the tag."""
        check_template_markup(text, label)
        return cls(_CONTROL.sub(" ", text).replace("\n", "<br/>"))

    def __add__(self, other: str) -> Markup:
        return Markup(str.__add__(self, other if isinstance(other, Markup) else escape(other)))

    def join(self, parts: object) -> Markup:  # type: ignore[override]
        return Markup(str.join(self, (p if isinstance(p, Markup) else escape(str(p)) for p in parts)))  # type: ignore[attr-defined]


def escape(text: object) -> Markup:
    """User text as markup-free ``Markup``: ``& < >`` and quotes escaped, control characters
    (which a PDF font cannot draw) replaced by spaces, line breaks kept as ``<br/>``."""
    if isinstance(text, Markup):
        return text
    value = _CONTROL.sub(" ", str(text))
    value = (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )
    return Markup(value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br/>"))


def check_template_markup(text: str, label: str = "Textbaustein") -> None:
    """Raise MarkupError unless ``text`` uses only ALLOWED_TAGS, without attributes, properly
    nested and closed, and writes ``&`` as an entity (a Paragraph would fail on anything else)."""
    allowed = "Erlaubt sind nur <b>…</b>, <i>…</i>, <u>…</u> und <br/>."
    open_tags: list[str] = []
    for match in _ANY_TAG.finditer(text):
        tag = _TAG.fullmatch(match.group(0))
        name = tag.group(2).lower() if tag else ""
        if tag is None or name not in ALLOWED_TAGS:
            shown = match.group(0)[:40]
            raise MarkupError(f"{label}: Die Auszeichnung »{shown}« ist nicht erlaubt. {allowed}")
        closing, self_closing = bool(tag.group(1)), bool(tag.group(3))
        if name == "br":
            if closing or not self_closing:
                raise MarkupError(f"{label}: Einen Zeilenumbruch schreiben Sie als <br/>.")
        elif self_closing:
            raise MarkupError(f"{label}: »{match.group(0)}« ist nicht erlaubt. {allowed}")
        elif not closing:
            open_tags.append(name)
        elif not open_tags or open_tags.pop() != name:
            raise MarkupError(f"{label}: »</{name}>« schließt nichts, was vorher geöffnet wurde.")
    if open_tags:
        raise MarkupError(f"{label}: »<{open_tags[-1]}>« wird nicht wieder geschlossen.")
    if "&" in _ENTITY.sub("", text):
        raise MarkupError(f"{label}: Ein »&« muss als »&amp;« geschrieben werden.")
