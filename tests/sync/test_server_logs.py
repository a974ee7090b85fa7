"""The server's log: one JSON object per line (or text), never a name, a code or a token."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from pathlib import Path

from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.records import Channel
from kommune_desk.server.logs import JsonLogFormatter, TextLogFormatter, log_config
from kommune_desk.services.applications import register_application
from kommune_desk.services.cases import add_note
from kommune_desk.services.sync import enrol, sync_once
from kommune_desk.services.workspace import load_workspace
from kommune_desk.storage.database import Database
from kommune_desk.storage.reference import list_services
from kommune_desk.sync import credentials
from tests.sync.fault_support import expire_access_token, state
from tests.sync.server_process import ServerProcess, server_cli

LOGIN = "e.mustermann"
CITIZEN = "Erika Mustermann"


def _record(message: str, exc_info: object = None, **extra: object) -> logging.LogRecord:
    record = logging.getLogger("kommune_desk.server").makeRecord(
        "kommune_desk.server",
        logging.INFO,
        __file__,
        1,
        message,
        (),
        exc_info,
        extra=extra,  # type: ignore[arg-type]
    )
    record.color_message = "\x1b[1mfarbig\x1b[0m"  # what uvicorn adds to its own records
    return record


# Failing values, as a crash would carry them in its exception message (source lines name none).
_APPLICATION_KEY = f"Antrag von {CITIZEN}"
_TOKEN_TEXT = f"Token abc123 für {CITIZEN}"


def _failure() -> object:
    try:
        try:
            raise KeyError(_APPLICATION_KEY)
        except KeyError as exc:
            raise ValueError(_TOKEN_TEXT) from exc
    except ValueError:
        return sys.exc_info()


def test_a_json_line_has_time_level_logger_message_and_the_extras() -> None:
    line = JsonLogFormatter().format(
        _record("Anfrage", method="POST", route="/v1/push", status=200, duration_ms=12.5)
    )
    entry = json.loads(line)
    assert list(entry)[:4] == ["time", "level", "logger", "message"]
    assert entry == {
        "time": entry["time"], "level": "INFO", "logger": "kommune_desk.server", "message": "Anfrage",
        "method": "POST", "route": "/v1/push", "status": 200, "duration_ms": 12.5,
    }  # fmt: skip
    stamp = dt.datetime.fromisoformat(entry["time"])
    assert stamp.utcoffset() == dt.timedelta(0)
    assert abs((dt.datetime.now(dt.UTC) - stamp).total_seconds()) < 60


def test_a_traceback_keeps_frames_and_types_but_no_exception_message() -> None:
    for formatter in (JsonLogFormatter(), TextLogFormatter()):
        text = formatter.format(_record("Fehler bei der Verarbeitung", exc_info=_failure()))
        assert "builtins.ValueError" in text and "builtins.KeyError" in text and "_failure" in text
        assert CITIZEN not in text and "abc123" not in text


def test_the_text_line_is_message_and_key_value_pairs() -> None:
    line = TextLogFormatter().format(
        _record("Anfrage", method="GET", route="/v1/hello", status=401, note="a b")
    )
    stamp, rest = line.split(" ", 1)
    assert dt.datetime.fromisoformat(stamp).utcoffset() == dt.timedelta(0)
    assert rest == 'INFO kommune_desk.server: Anfrage method=GET route=/v1/hello status=401 note="a b"'


def test_uvicorn_logs_through_the_same_handler_and_its_access_log_stays_off() -> None:
    for log_format in ("json", "text"):
        settings = log_config(log_format)
        assert settings["root"]["handlers"] == ["stderr"]
        assert settings["loggers"]["uvicorn.error"] == {"handlers": [], "propagate": True, "level": "INFO"}
        assert settings["loggers"]["uvicorn.access"]["propagate"] is False
        json.dumps(settings)  # plain data: uvicorn hands it to every worker process


def _application_with_scan(ws, folder: Path) -> str:  # type: ignore[no-untyped-def]
    conn = ws.db.reader()
    try:
        service = next(s for s in list_services(conn, ws.municipality.id) if s.name == "Baumfällgenehmigung")
    finally:
        conn.close()
    scan = folder / f"Antrag {CITIZEN}.pdf"
    scan.write_bytes(b"%PDF-1.4\n% Scan des Antrags\n" + CITIZEN.encode() * 40)
    new = NewApplication(
        service.id, CITIZEN, Channel.PAPIER, dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC),
        form_data={"baumart": "Linde"},
    )  # fmt: skip
    return register_application(ws, new, scans=[scan])


def test_the_running_server_logs_json_lines_without_names_codes_or_tokens(tmp_path: Path) -> None:
    server_dir = tmp_path / "server"
    server_cli(server_dir, "admin", "municipality", "--ags", "06433009", "--name", "Gemeinde Nauheim")
    server_cli(
        server_dir, "admin", "office", "--municipality", "06433009", "--name", "Rathaus", "--code", "NAU"
    )
    code = server_cli(server_dir, "admin", "enrolment-code", "--office", "NAU")
    server = ServerProcess(server_dir, args=["--log-format", "json"]).start()
    secrets: set[str] = {code, code.replace("-", "")}
    try:
        db = Database.open(tmp_path / "ws")
        enrol(db, server.url, code, clerk_name=CITIZEN, os_login=LOGIN)
        store_id = state(db, "store_id")
        held = credentials.load(store_id or "")
        assert held is not None
        secrets |= {held.access_token, held.refresh_token}
        ws = load_workspace(db, LOGIN)
        assert ws is not None
        application_id = _application_with_scan(ws, tmp_path)
        add_note(ws, application_id, f"{CITIZEN} hat angerufen.")
        expire_access_token(db)  # the next round refreshes: a refresh token in a request body
        report = sync_once(db)
        assert report.pending == 0
        held = credentials.load(store_id or "")
        assert held is not None
        secrets |= {held.access_token, held.refresh_token}
        db.close()
    finally:
        server.stop()

    lines = server.log.read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert entries
    for entry in entries:
        assert {"time", "level", "logger", "message"} <= set(entry)
        assert dt.datetime.fromisoformat(entry["time"]).utcoffset() == dt.timedelta(0)
    requests = [e for e in entries if e["message"] == "Anfrage"]
    for entry in requests:
        assert isinstance(entry["status"], int) and isinstance(entry["duration_ms"], int | float)
        assert entry["method"] in {"GET", "POST", "PUT"} and entry["route"].startswith("/")
    routes = {(e["method"], e["route"], e["status"]) for e in requests}
    for expected in (("POST", "/v1/enrol", 200), ("POST", "/v1/token", 200), ("POST", "/v1/push", 200),
                     ("PUT", "/v1/blobs/{sha256}", 204)):  # fmt: skip
        assert expected in routes
    assert any(e["logger"] == "uvicorn.error" and e["message"].startswith("Started server") for e in entries)
    text = "\n".join(lines)
    for secret in secrets:
        assert secret not in text
    assert "mustermann" not in text.lower() and "erika" not in text.lower()
    assert "Bearer" not in text and "127.0.0.1:" not in text.replace(server.url, "")
