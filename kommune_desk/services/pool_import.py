"""Take over an existing inventory list (CSV) into the pool: all rows or none.

The file is the Kreis's list as Excel saves it: semicolon separated, a header line, UTF-8 (with
or without BOM) or Windows-1252. Columns (order free, names as in the header):
Inventarnummer; Bezeichnung; Geräteart; Hersteller; Modell; Seriennummer; Zubehör (comma
separated); Wiederbeschaffungswert (German amount, "1.234,50"); Zustand. Every problem is
reported with its line number; if there is one, nothing is imported. The devices belong to this
town and are written in one transaction, each with its outbox entry (``pool.insert_device_row``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.pool import device_problems
from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage import pool as repo

from .pool import insert_device_row, pool_actor
from .workspace import Workspace

__all__ = ["COLUMNS", "DeviceRow", "ImportResult", "import_devices", "import_devices_file", "parse_devices"]

COLUMNS = {
    "inventarnummer": "inventory_number",
    "bezeichnung": "name",
    "geräteart": "category",
    "hersteller": "make",
    "modell": "model",
    "seriennummer": "serial_number",
    "zubehör": "accessories",
    "wiederbeschaffungswert": "replacement_value",
    "zustand": "condition",
}
REQUIRED = ("inventarnummer", "bezeichnung", "geräteart")
MAX_PROBLEMS = 50  # a wholly wrong file is not listed line by line to the end
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_AMOUNT = re.compile(r"^(\d{1,3}(\.\d{3})+|\d+)(,\d{1,2})?$")


@dataclass(frozen=True)
class DeviceRow:
    """One checked line of the file."""

    line: int
    inventory_number: str
    name: str
    category: str
    make: str = ""
    model: str = ""
    serial_number: str = ""
    accessories: tuple[str, ...] = ()
    replacement_value_cents: int = 0
    condition: str = ""


@dataclass(frozen=True)
class ImportResult:
    count: int

    def message(self) -> str:
        noun = "Gerät" if self.count == 1 else "Geräte"
        return f"{self.count} {noun} in den Pool übernommen."


def _clean(value: str | None) -> str:
    return " ".join(_CONTROL.sub(" ", value or "").split())


def parse_amount(text: str) -> int | None:
    """``1.234,50`` (also ``1234,5``, ``1234``, with or without €) in cents; None if unreadable."""
    value = text.replace("€", "").replace("\u00a0", " ").strip().replace(" ", "")
    if not value:
        return 0
    if not _AMOUNT.match(value):
        return None
    euros, _, cents = value.replace(".", "").partition(",")
    return int(euros) * 100 + int((cents or "0").ljust(2, "0"))


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else Windows-1252 as older Excel versions save."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ValidationError(
            [
                "Die Datei ist weder als UTF-8 noch als Windows-1252 lesbar. "
                "Bitte speichern Sie sie als CSV (UTF-8)."
            ]
        ) from None


def parse_devices(text: str) -> list[DeviceRow]:
    """The rows of the file; ValidationError with every problem (line numbers as in an editor)."""
    rows, problems = read_devices(text)
    if problems:
        raise ValidationError(_capped(problems))
    return rows


def read_devices(text: str) -> tuple[list[DeviceRow], list[str]]:
    """The good rows of the file and the problems of the others (a wrong header is raised)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    header = next(reader, None)
    if header is None:
        raise ValidationError(["Die Datei ist leer."])
    names = [_clean(h).casefold() for h in header]
    missing = [h.capitalize() for h in REQUIRED if h not in names]
    if missing:
        raise ValidationError(
            [
                f"Zeile 1: Es fehlen die Spalten {', '.join(missing)}. Erwartet wird eine Kopfzeile mit "
                "Inventarnummer;Bezeichnung;Geräteart;Hersteller;Modell;Seriennummer;Zubehör;"
                "Wiederbeschaffungswert;Zustand (durch Semikolon getrennt)."
            ]
        )
    unknown = [header[i].strip() for i, name in enumerate(names) if name and name not in COLUMNS]
    if unknown:
        raise ValidationError([f"Zeile 1: Unbekannte Spalte(n): {', '.join(unknown)}."])
    rows: list[DeviceRow] = []
    problems: list[str] = []
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) > len(names):
            problems.append(f"Zeile {line}: {len(fields)} Spalten statt {len(names)} (Semikolon im Text?).")
            continue
        values = {COLUMNS[n]: fields[i] for i, n in enumerate(names) if n and i < len(fields)}
        row, row_problems = _row(line, values)
        problems += row_problems
        if row is not None:
            rows.append(row)
    if not rows and not problems:
        raise ValidationError(["Die Datei enthält keine Geräte (nur die Kopfzeile)."])
    return rows, problems + _duplicates(rows)


def _row(line: int, values: dict[str, str]) -> tuple[DeviceRow | None, list[str]]:
    number, name, category = (_clean(values.get(k)) for k in ("inventory_number", "name", "category"))
    problems = [f"Zeile {line}: {p}" for p in device_problems(number, name, category)]
    raw_value = _clean(values.get("replacement_value"))
    cents = parse_amount(raw_value)
    if cents is None:
        problems.append(
            f"Zeile {line}: Wiederbeschaffungswert »{raw_value}« ist kein Betrag (z.\u00a0B. 1.234,50)."
        )
    if problems:
        return None, problems
    accessories = tuple(a for a in (_clean(p) for p in (values.get("accessories") or "").split(",")) if a)
    return (
        DeviceRow(
            line,
            number,
            name,
            category,
            make=_clean(values.get("make")),
            model=_clean(values.get("model")),
            serial_number=_clean(values.get("serial_number")),
            accessories=accessories,
            replacement_value_cents=cents or 0,
            condition=_clean(values.get("condition")),
        ),
        [],
    )


def _duplicates(rows: Sequence[DeviceRow]) -> list[str]:
    first: dict[str, int] = {}
    problems = []
    for row in rows:
        key = row.inventory_number.casefold()
        if key in first:
            problems.append(
                f"Zeile {row.line}: Inventarnummer {row.inventory_number} steht schon in Zeile {first[key]}."
            )
        else:
            first[key] = row.line
    return problems


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], f"… und {len(problems) - MAX_PROBLEMS} weitere Fehler."]


def import_devices(
    ws: Workspace, rows: Sequence[DeviceRow], problems: Sequence[str] = (), *, new_types: bool = False
) -> ImportResult:
    """Write every row as a device of this town in one transaction; refused (nothing written)
    with every problem of the file, an inventory number taken already, or a device type the
    pool does not know (a typo would make a type of its own) unless ``new_types``."""
    pool_actor(ws)
    at = utc_now_iso()
    with ws.db.write() as conn:
        known = {c.casefold(): c for c in repo.categories(conn)}
        found = [
            *problems,
            *(
                f"Zeile {row.line}: Inventarnummer {row.inventory_number} ist schon vergeben."
                for row in rows
                if repo.inventory_number_taken(conn, row.inventory_number)
            ),
        ]
        if known and not new_types:
            found += [
                f"Zeile {row.line}: Die Geräteart »{row.category}« gibt es im Pool nicht "
                f"(bekannt: {', '.join(sorted(known.values()))}). Neue Gerätearten mit --new-types."
                for row in rows
                if row.category.casefold() not in known
            ]
        if found:
            raise ValidationError(_capped(sorted(found, key=_line_of)))
        rows = [replace(row, category=known.get(row.category.casefold(), row.category)) for row in rows]
        for row in rows:
            details: dict[str, object] = {
                "make": row.make,
                "model": row.model,
                "accessories": list(row.accessories),
                "condition": row.condition,
                "replacement_value_cents": row.replacement_value_cents,
            }
            insert_device_row(
                conn,
                ws,
                uuid7(),
                row.inventory_number,
                row.name,
                row.category,
                row.serial_number,
                details,
                at,
            )
    return ImportResult(len(rows))


def import_devices_file(ws: Workspace, path: Path, *, new_types: bool = False) -> ImportResult:
    """Read, check and import an inventory CSV: all rows or none, every problem named at once."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError([f"Die Datei {path} lässt sich nicht lesen ({exc.strerror or exc})."]) from exc
    rows, problems = read_devices(decode(data))
    return import_devices(ws, rows, problems, new_types=new_types)


def _line_of(problem: str) -> int:
    match = re.match(r"Zeile (\d+):", problem)
    return int(match.group(1)) if match else 0
