"""German argparse for ``kommune-desk-cli``: help, one-line errors and argument types."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from typing import Any

# argparse's English message fragments (Python 3.11+) and their German wording.
_ARGPARSE_GERMAN = (
    ("the following arguments are required: ", "Es fehlen die Angaben: "),
    ("one of the arguments ", "eine der Angaben "),
    (" is required", " ist erforderlich"),
    ("unrecognized arguments: ", "unbekannte Angaben: "),
    ("invalid choice: ", "unbekannte Auswahl: "),
    ("(choose from ", "(möglich: "),
    ("expected one argument", "erwartet einen Wert"),
    ("expected at most one argument", "erwartet höchstens einen Wert"),
    ("expected at least one argument", "erwartet mindestens einen Wert"),
    ("ignored explicit argument ", "unerwarteter Wert "),
    ("not allowed with argument ", "nicht zusammen mit Angabe "),
    ("ambiguous option: ", "mehrdeutige Angabe: "),
    (" could match ", " passt zu "),
    ("argument ", "Angabe "),
)
_INVALID_VALUE = re.compile(r"invalid \S+ value: ")
_QUOTED = re.compile(r"'([^']*)'")


def german_argparse_message(message: str) -> str:
    """argparse's English error text in German, on one line."""
    for english, german in _ARGPARSE_GERMAN:
        message = message.replace(english, german)
    message = _INVALID_VALUE.sub("ungültiger Wert: ", message)
    return _QUOTED.sub(r"»\1«", " ".join(message.split()))


class _GermanHelpFormatter(argparse.HelpFormatter):
    """Help text with a German usage prefix."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "Aufruf: " if prefix is None else prefix)


class GermanArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose help and errors are German; subcommand parsers inherit it."""

    def __init__(self, **kwargs: Any) -> None:
        add_help = kwargs.pop("add_help", True)
        kwargs.setdefault("formatter_class", _GermanHelpFormatter)
        super().__init__(add_help=False, **kwargs)
        self._positionals.title = "Angaben"
        self._optionals.title = "Optionen"
        if add_help:
            self.add_argument("-h", "--help", action="help", help="diese Hilfe anzeigen und beenden")

    def error(self, message: str) -> Any:
        """One German line on stderr, exit code 2."""
        text = german_argparse_message(message).rstrip(".")
        self.exit(2, f"Aufruf fehlerhaft: {text}. Hilfe: {self.prog} --help\n")


def non_negative(text: str) -> int:
    """A whole number ≥ 0."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"ganze Zahl ≥ 0 erwartet, nicht »{text}«")
    return value


def whole_number(text: str) -> int:
    """Any whole number."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ganze Zahl erwartet, nicht »{text}«") from None


def iso_date(text: str) -> dt.date:
    """A date as JJJJ-MM-TT."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"Datum im Format JJJJ-MM-TT erwartet, nicht »{text}«") from None


def folder(text: str) -> str:
    """A folder path that is not empty (an empty one must never mean 'the default')."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "der Datenordner darf nicht leer sein; lassen Sie --data-dir weg, um den Standardordner zu nutzen"
        )
    return text
