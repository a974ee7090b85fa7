"""The portal's usage events as a CSV file (documented in docs/statistik.md).

Header ``zeitpunkt;leika_id;sitzung;ereignis;schritt;zahlart;kanal;anmeldung;bewertung`` (``;`` or
``,``, UTF-8 with or without BOM). ``zeitpunkt`` is ISO 8601 with an offset or ``TT.MM.JJJJ HH:MM``
in German local time. A file is read whole or not at all: every bad row is named with its line.
Each event's id is derived from its content, so the same file imported twice adds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from dataclasses import dataclass

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
_NAMESPACE = uuid.UUID("6f0c8a52-4f4e-4b8e-9a51-7b1f0d2c9e31")  # KommuneDesk usage events


class UsageFileError(ValueError):
    """A file that cannot be imported; ``messages`` are German lines for the clerk."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class UsageFile:
    events: list[UsageEvent]
    rows: int  # data rows read (duplicates within the file included)


def read_usage_csv(data: bytes) -> UsageFile:
    """Every event of the file, or UsageFileError naming the first bad rows and how many there are."""
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
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue  # an empty line (a trailing newline in Excel's export)
        rows += 1
        if len(values) != len(header):
            found = [f"{len(values)} Felder statt {len(header)} (Trennzeichen „{separator}“)."]
        else:
            event, found = _event(dict(zip(header, (v.strip() for v in values), strict=True)))
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
        raise UsageFileError(
            ["Die Kopfzeile passt nicht. " + " ".join(problems), "Erwartet: " + ";".join(COLUMNS)]
        )


def _event(row: dict[str, str]) -> tuple[UsageEvent | None, list[str]]:
    problems: list[str] = []
    moment = parse_time(row["zeitpunkt"])
    if moment is None:
        problems.append(
            f"Zeitpunkt „{shown(row['zeitpunkt'])}“ nicht lesbar"
            " (z. B. 2026-11-24T14:05:00+01:00 oder 24.11.2026 14:05)."
        )
    step = _number(row.get("schritt", ""), "Schritt", problems)
    rating = _number(row.get("bewertung", ""), "Bewertung", problems)
    if problems:
        return None, problems
    assert moment is not None
    fields = (
        row["leika_id"], row["sitzung"], row["ereignis"].lower(), step,
        row.get("zahlart", "").upper() or None, row.get("kanal", "").lower() or None,
        row.get("anmeldung", "").lower() or None, rating,
    )  # fmt: skip
    key = "|".join(str(f) for f in (moment.astimezone(dt.UTC).isoformat(), *fields))
    event = UsageEvent(str(uuid.uuid5(_NAMESPACE, key)), fields[0], fields[1], moment, fields[2], *fields[3:])
    if len(event.leika_id) > 64 or len(event.session_id) > 64:
        problems.append("Leistung und Sitzung dürfen höchstens 64 Zeichen lang sein.")
    problems.extend(event_problems(event))
    return (None, problems) if problems else (event, [])


def parse_time(text: str) -> dt.datetime | None:
    """ISO 8601 with an offset, or ``TT.MM.JJJJ HH:MM`` (also with seconds) in German local time."""
    text = text.strip()
    for pattern in ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, pattern).replace(tzinfo=LOCAL_TIME)
        except ValueError:
            continue
    return parse_moment(text)


def _number(text: str, label: str, problems: list[str]) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        problems.append(f"{label} „{shown(text)}“ ist keine ganze Zahl.")
        return None
    return int(text)
