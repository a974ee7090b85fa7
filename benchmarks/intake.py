"""Import of 1,000 FIT-Connect submissions against a raw insert of the same rows.

The import reads each folder, validates the metadata against the schema, checks SHA-512 of the
Fachdaten and the attachment, stores the files content-addressed and commits the application
with its outbox and audit entries, one durable transaction per submission (all or nothing).
The reference inserts the very rows the import produced, also one durable transaction per
submission, with plain ``executemany`` on the same schema and pragmas.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import time
from pathlib import Path

from .harness import Benchmark, BenchmarkError, Context, Result, progress

SUBMISSIONS = 1_000
LOGIN = "benchmark"
GIVEN = ("Zoë", "Łukasz", "Ingrid", "Mehmet", "Anna", "Jürgen", "Ayşe", "Tim")
FAMILY = ("Ağaoğlu", "Müller", "Öztürk", "Schmidt", "Nowak", "Weiß", "Roß", "Becker")


def _submissions(ctx: Context) -> list[Path]:
    from kommune_desk.intake import write_submission

    folder = ctx.scratch / "submissions"
    if folder.exists():
        return sorted(folder.iterdir())
    progress(f"intake: writing {SUBMISSIONS:,} submissions …")
    folder.mkdir(parents=True)
    for index in range(SUBMISSIONS):
        write_submission(
            folder / f"einreichung-{index:04d}",
            leika_id="99050012104000",
            service_name="Gewerbeanmeldung",
            applicant={
                "vorname": GIVEN[index % len(GIVEN)],
                "nachname": FAMILY[index // len(GIVEN) % len(FAMILY)],
                "strasse": "Hauptstraße",
                "hausnummer": str(index % 120 + 1),
                "plz": "64569",
                "ort": "Nauheim",
            },
            form={"betrieb": f"Betrieb {index}", "taetigkeit": "Einzelhandel", "beginn": "2026-12-01"},
            attachments=[(f"Erlaubnis-{index}.pdf", b"%PDF-1.7\n" + os.urandom(2048), "application/pdf")],
        )
    return sorted(folder.iterdir())


def _fresh_workspace(ctx: Context, name: str):  # type: ignore[no-untyped-def]
    from kommune_desk.domain.validation import SetupInput
    from kommune_desk.services.setup import set_up_office
    from kommune_desk.services.workspace import load_workspace
    from kommune_desk.storage.database import Database

    target = ctx.scratch / name
    shutil.rmtree(target, ignore_errors=True)
    db = Database.open(target)
    set_up_office(
        db,
        SetupInput(
            municipality_name="Gemeinde Nauheim", ags="06433009", street="Weingartenstraße 46",
            postal_code="64569", city="Nauheim", office_name="Bürgerbüro", office_code="NAU",
            clerk_name="Bea Benchmark", role="sachbearbeitung", os_login=LOGIN,
        ),
    )  # fmt: skip
    ws = load_workspace(db, LOGIN)
    if ws is None:
        raise BenchmarkError("setting up the benchmark office failed")
    return ws


def _import_once(ctx: Context, paths: list[Path]) -> tuple[float, Path]:
    from kommune_desk.services.intake import import_paths

    ws = _fresh_workspace(ctx, "intake-import")
    started = time.perf_counter()
    results = import_paths(ws, paths)
    elapsed = time.perf_counter() - started
    ws.db.close()
    if not all(r.outcome.value == "importiert" for r in results):
        raise BenchmarkError("not every benchmark submission was imported")
    return elapsed, ws.db.path


def _raw_insert_once(ctx: Context, imported: Path) -> float:
    """The same application and attachment rows, one durable transaction per submission."""
    from kommune_desk.storage.connection import connect

    source = sqlite3.connect(imported)
    applications = source.execute("SELECT * FROM applications ORDER BY rowid").fetchall()
    columns = [d[1] for d in source.execute("PRAGMA table_info(applications)")]
    attachments = source.execute("SELECT * FROM attachments ORDER BY rowid").fetchall()
    attachment_columns = [d[1] for d in source.execute("PRAGMA table_info(attachments)")]
    source.close()
    by_application: dict[str, list[tuple[object, ...]]] = {}
    position = attachment_columns.index("application_id")
    for row in attachments:
        by_application.setdefault(str(row[position]), []).append(row)

    ws = _fresh_workspace(ctx, "intake-raw")
    db_path = ws.db.path
    ws.db.close()
    conn = connect(db_path)
    conn.execute("DROP TRIGGER applications_fts_insert")  # a bare insert: no search index upkeep
    conn.execute("PRAGMA foreign_keys = OFF")  # the rows name the import database's office ids
    insert_application = f"INSERT INTO applications VALUES ({', '.join('?' for _ in columns)})"
    insert_attachment = f"INSERT INTO attachments VALUES ({', '.join('?' for _ in attachment_columns)})"
    started = time.perf_counter()
    for row in applications:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(insert_application, row)
        conn.executemany(insert_attachment, by_application.get(str(row[0]), []))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def run(ctx: Context) -> list[Result]:
    paths = _submissions(ctx)
    runs = max(1, min(ctx.runs, 3))  # each run imports 1,000 submissions
    progress(f"intake: importing {len(paths):,} submissions × {runs} runs …")
    ours, bare = [], []
    for _ in range(runs):
        elapsed, imported = _import_once(ctx, paths)
        ours.append(elapsed)
        bare.append(_raw_insert_once(ctx, imported))
    mine, reference = statistics.median(ours), statistics.median(bare)
    note = f"{len(paths) / mine:,.0f} vs {len(paths) / reference:,.0f} submissions per second"
    return [Result("import 1,000", mine, "s", reference, reference_label="raw insert", note=note)]


BENCHMARK = Benchmark("intake", "import of 1,000 FIT-Connect submissions vs raw insert of the same rows", run)
