"""The portal's usage events as a CSV file (documented in docs/statistik.md).

Header ``zeitpunkt;leika_id;sitzung;ereignis;schritt;zahlart;kanal;anmeldung;bewertung`` (``;`` or
``,``, UTF-8 with or without BOM). ``zeitpunkt`` is ISO 8601 with an offset or ``TT.MM.JJJJ HH:MM``
in German local time. A file is read whole or not at all: every bad row is named with its line.
Each event's id is derived from its content, so the same file imported twice adds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

from .usage import LOCAL_TIME, UsageEvent, event_problems, parse_moment, shown

COLUMNS = (
    "zeitpunkt",
    "leika_id",
    "sitzung",
    "ereignis",
    "schritt",
    "zahlart",
    "kanal",
    "anmeldung",
    "bewertung",
)
REQUIRED = ("zeitpunkt", "leika_id", "sitzung", "ereignis")
MAX_REPORTED = 20
_LEIKA = re.compile(r"\d{14}")
_PERSON = b"kd-usage-csv"  # keeps these ids apart from any other blake2b use
_GERMAN_TIME = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?")


class UsageFileError(ValueError):
    """A file that cannot be imported; ``messages`` are German lines for the clerk."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class UsageFile:
    events: list[UsageEvent]
    rows: int  # data rows read (duplicates within the file included)


def read_usage_csv(data: bytes, now: dt.datetime | None = None) -> UsageFile:
    """Every event of the file, or UsageFileError naming the first bad rows and how many there are.
    An event later than a day after ``now`` is refused (a typing error, not a usage)."""
    latest = (now or dt.datetime.now(dt.UTC)) + dt.timedelta(days=1)
    text = _decode(data)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise UsageFileError(["Die Datei ist leer. Erwartet wird die Kopfzeile " + ";".join(COLUMNS) + "."])
    separator = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header = [name.strip().lower() for name in next(reader)]
    _check_header(header)
    problems: list[str] = []
    bad_rows = 0
    events: list[UsageEvent] = []
    rows = 0
    # Each column's place in this file (optional ones may be missing: their field reads "").
    places = itemgetter(*(header.index(c) if c in header else len(header) for c in COLUMNS))
    for values in reader:
        line = reader.line_num
        if not "".join(values).strip():
            continue  # an empty line (a trailing newline in Excel's export)
        rows += 1
        if len(values) != len(header):
            found = [f"{len(values)} Felder statt {len(header)} (Trennzeichen „{separator}“)."]
        else:
            values.append("")
            event, found = _event(list(map(str.strip, places(values))), latest)
            if event is not None:
                events.append(event)
        if found:
            bad_rows += 1
            if bad_rows <= MAX_REPORTED:
                problems.append(f"Zeile {line}: " + " ".join(found))
    if bad_rows:
        summary = (
            f"Die Datei wurde nicht importiert: {bad_rows} fehlerhafte Zeile"
            f"{'n' if bad_rows != 1 else ''}. Es wurde nichts gespeichert."
        )
        more = [f"… und {bad_rows - MAX_REPORTED} weitere."] if bad_rows > MAX_REPORTED else []
        raise UsageFileError([summary, *problems, *more])
    if not rows:
        raise UsageFileError(["Die Datei enthält nur die Kopfzeile, aber keine Ereignisse."])
    return UsageFile(events, rows)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageFileError(
            [
                "Die Datei ist nicht in UTF-8 gespeichert. Bitte speichern Sie sie als „CSV UTF-8“ "
                "(in Excel: Datei → Speichern unter → Dateityp „CSV UTF-8 (durch Trennzeichen getrennt)“)."
            ]
        ) from exc


def _check_header(header: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    twice = sorted({c for c in header if header.count(c) > 1})
    problems = []
    if missing:
        problems.append("Es fehlen die Spalten: " + ", ".join(missing) + ".")
    if unknown:
        problems.append("Unbekannte Spalten: " + ", ".join(unknown) + ".")
    if twice:
        problems.append("Doppelte Spalten: " + ", ".join(twice) + ".")
    if problems:
        lines = ["Die Kopfzeile passt nicht. " + " ".join(problems), "Erwartet: " + ";".join(COLUMNS)]
        if len(header) == 1 and ("\t" in header[0] or "|" in header[0]):
            lines.append("Die Spalten sind offenbar nicht durch „;“ oder „,“ getrennt (Tabulator?).")
        raise UsageFileError(lines)


def _event(row: list[str], latest: dt.datetime) -> tuple[UsageEvent | None, list[str]]:
    """One row, its fields in the order of COLUMNS."""
    when, leika, session, kind, step_text, method, channel, auth, rating_text = row
    problems: list[str] = []
    moment = parse_time(when)
    if moment is None:
        why = "ohne Zeitzone" if _naive_iso(when) else "nicht lesbar"
        problems.append(
            f"Zeitpunkt „{shown(when)}“ {why} (z. B. 2026-11-24T14:05:00+01:00 oder 24.11.2026 14:05)."
        )
    step = _number(step_text, "Schritt", problems)
    rating = _number(rating_text, "Bewertung", problems)
    if problems:
        return None, problems
    assert moment is not None
    fields = (
        leika, session, kind.lower(), step, method.upper() or None, channel.lower() or None,
        auth.lower() or None, rating,
    )  # fmt: skip
    # The id follows from the row's content: the same row is the same event, in any file.
    event_id = hashlib.blake2b("|".join(row).encode(), digest_size=16, person=_PERSON).hexdigest()
    event = UsageEvent(event_id, fields[0], fields[1], moment, fields[2], *fields[3:])
    if not _LEIKA.fullmatch(event.leika_id):
        problems.append(
            f"„{shown(event.leika_id)}“ ist kein LeiKa-Schlüssel (14 Ziffern, z. B. 99108008001000)."
        )
    if len(event.session_id) > 64:
        problems.append("Die Sitzung darf höchstens 64 Zeichen lang sein.")
    if moment > latest:
        problems.append(f"Der Zeitpunkt {moment:%d.%m.%Y %H:%M} liegt in der Zukunft.")
    problems.extend(event_problems(event))
    return (None, problems) if problems else (event, [])


@lru_cache(maxsize=65_536)  # exports repeat their minutes: a session's events share a few
def parse_time(text: str) -> dt.datetime | None:
    """ISO 8601 with an offset, or ``TT.MM.JJJJ HH:MM`` (also with seconds) in German local time."""
    text = text.strip()
    german = _GERMAN_TIME.fullmatch(text)
    if german is None:
        return parse_moment(text)
    day, month, year, hour, minute, second = (int(part or 0) for part in german.groups())
    try:
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=LOCAL_TIME)
    except ValueError:  # 31.02., 25:00
        return None


def _naive_iso(text: str) -> bool:
    """An ISO 8601 time without an offset (which would be ambiguous, so it is refused)."""
    try:
        return dt.datetime.fromisoformat(text.strip()).tzinfo is None
    except ValueError:
        return False


def _number(text: str, label: str, problems: list[str]) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        problems.append(f"{label} „{shown(text)}“ ist keine ganze Zahl.")
        return None
    return int(text)
