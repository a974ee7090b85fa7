"""The server's settings: flags, environment variables (a flag wins), defaults and refusals;
and in the running server: forwarded addresses only from a named proxy, TLS from its files."""

from __future__ import annotations

import ssl
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from kommune_desk.server import config
from kommune_desk.server.main import build_parser
from tests.sync.server_process import SERVER_SCRIPT, ServerProcess, free_port

PG = "postgresql://kd_owner:geheim@db.kreis.local/kommune_desk"


def _resolve(
    argv: list[str], environ: dict[str, str] | None = None, tty: bool = False
) -> config.ServerConfig:
    return config.resolve(build_parser().parse_args(argv), environ or {}, stderr_is_tty=tty)


def test_defaults_with_a_data_folder(tmp_path: Path) -> None:
    settings = _resolve(["--data-dir", str(tmp_path)])
    assert settings == config.ServerConfig(
        data_dir=tmp_path, database_url=None, blob_dir=tmp_path / "blobs", host="127.0.0.1", port=8765,
        workers=1, log_format="json", ssl_certfile=None, ssl_keyfile=None, forwarded_allow_ips=None,
    )  # fmt: skip
    assert settings.backend == "sqlite"
    settings.check_serving()  # one SQLite worker with its blob folder: fine
    # At a terminal the log is text; in a service (journal, container) it is JSON.
    assert _resolve(["--data-dir", str(tmp_path)], tty=True).log_format == "text"


def test_every_setting_comes_from_its_variable_and_a_flag_wins(tmp_path: Path) -> None:
    environ = {
        "KOMMUNE_DESK_SERVER_DATA_DIR": str(tmp_path / "aus-variable"),
        "KOMMUNE_DESK_SERVER_DATABASE_URL": PG,
        "KOMMUNE_DESK_SERVER_BLOB_DIR": "/srv/kd/dateien",
        "KOMMUNE_DESK_SERVER_HOST": "0.0.0.0",
        "KOMMUNE_DESK_SERVER_PORT": "9000",
        "KOMMUNE_DESK_SERVER_WORKERS": "4",
        "KOMMUNE_DESK_SERVER_LOG_FORMAT": "TEXT",
        "KOMMUNE_DESK_SERVER_SSL_CERTFILE": "/etc/kd/cert.pem",
        "KOMMUNE_DESK_SERVER_SSL_KEYFILE": "/etc/kd/key.pem",
        "KOMMUNE_DESK_SERVER_FORWARDED_ALLOW_IPS": "10.0.0.5",
    }
    from_variables = _resolve([], environ, tty=False)
    assert from_variables == config.ServerConfig(
        data_dir=tmp_path / "aus-variable", database_url=PG, blob_dir=Path("/srv/kd/dateien"), host="0.0.0.0",
        port=9000, workers=4, log_format="text", ssl_certfile=Path("/etc/kd/cert.pem"),
        ssl_keyfile=Path("/etc/kd/key.pem"), forwarded_allow_ips="10.0.0.5",
    )  # fmt: skip
    assert from_variables.backend == "postgresql"
    from_variables.check_serving()

    flags = [
        "--data-dir", str(tmp_path / "aus-option"), "--database-url", "postgresql://andere@host/db",
        "--blob-dir", str(tmp_path / "b"), "--host", "127.0.0.1", "--port", "9001", "--workers", "2",
        "--log-format", "json", "--ssl-certfile", "c.pem", "--ssl-keyfile", "k.pem",
        "--forwarded-allow-ips", "10.0.0.6,10.0.0.7",
    ]  # fmt: skip
    assert _resolve(flags, environ) == config.ServerConfig(
        data_dir=tmp_path / "aus-option", database_url="postgresql://andere@host/db", blob_dir=tmp_path / "b",
        host="127.0.0.1", port=9001, workers=2, log_format="json", ssl_certfile=Path("c.pem"),
        ssl_keyfile=Path("k.pem"), forwarded_allow_ips="10.0.0.6,10.0.0.7",
    )  # fmt: skip


def test_an_empty_variable_counts_as_unset(tmp_path: Path) -> None:
    environ = {"KOMMUNE_DESK_SERVER_PORT": "", "KOMMUNE_DESK_SERVER_BLOB_DIR": " "}
    settings = _resolve(["--data-dir", str(tmp_path)], environ)
    assert settings.port == 8765 and settings.blob_dir == tmp_path / "blobs"


def test_a_worker_reads_exactly_what_main_resolved(tmp_path: Path) -> None:
    """main hands its settings to uvicorn's worker processes as variables."""
    resolved = _resolve(
        ["--database-url", PG, "--blob-dir", str(tmp_path / "b"), "--workers", "3", "--port", "9100"],
        {"KOMMUNE_DESK_SERVER_LOG_FORMAT": "text"},
    )
    environment = resolved.environment()
    assert set(environment) == {f"KOMMUNE_DESK_SERVER_{name}" for name in (
        "DATA_DIR", "DATABASE_URL", "BLOB_DIR", "HOST", "PORT", "WORKERS", "LOG_FORMAT", "SSL_CERTFILE",
        "SSL_KEYFILE", "FORWARDED_ALLOW_IPS",
    )}  # fmt: skip
    assert config.from_environment(environment) == resolved
    # A variable left over from the shell cannot creep in: the unset settings are set empty.
    assert environment["KOMMUNE_DESK_SERVER_DATA_DIR"] == ""
    assert config.from_environment({"KOMMUNE_DESK_SERVER_DATA_DIR": "/alt", **environment}) == resolved


def test_postgresql_needs_a_blob_folder_to_serve_but_not_for_admin() -> None:
    settings = _resolve(["--database-url", PG])
    assert settings.blob_dir is None  # admin commands, backup: no files involved
    with pytest.raises(config.ConfigError) as refused:
        settings.check_serving()
    assert "--blob-dir" in str(refused.value) and "KOMMUNE_DESK_SERVER_BLOB_DIR" in str(refused.value)


def test_several_workers_only_with_postgresql(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError) as refused:
        _resolve(["--data-dir", str(tmp_path), "--workers", "2"]).check_serving()
    assert "nur mit PostgreSQL" in str(refused.value) and "--workers 1" in str(refused.value)
    _resolve(["--database-url", PG, "--blob-dir", str(tmp_path), "--workers", "2"]).check_serving()


@pytest.mark.parametrize(
    ("flag", "value", "expected"),
    [
        ("--port", "achtzig", "ganze Zahl von 1 bis 65535"),
        ("--port", "70000", "ganze Zahl von 1 bis 65535"),
        ("--workers", "0", "ganze Zahl von 1 bis 64"),
        ("--log-format", "xml", "möglich sind json und text"),
        ("--database-url", "mysql://root@db/kd", "postgresql://"),
    ],
)
def test_a_wrong_value_is_refused_alike_from_flag_and_variable(
    flag: str, value: str, expected: str, tmp_path: Path
) -> None:
    variable = "KOMMUNE_DESK_SERVER_" + flag.removeprefix("--").replace("-", "_").upper()
    messages = []
    for argv, environ in (([flag, value], {}), ([], {variable: value})):
        with pytest.raises(config.ConfigError) as refused:
            _resolve(["--data-dir", str(tmp_path), *argv], environ)
        messages.append(str(refused.value))
    assert messages[0] == messages[1]
    assert expected in messages[0] and flag in messages[0] and variable in messages[0]


def test_refusals_never_echo_a_database_password(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError) as refused:
        _resolve(["--database-url", "mysql://kd:streng-geheim@db/kd"])
    assert "streng-geheim" not in str(refused.value)


def test_no_store_and_half_a_tls_pair_are_refused(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match=r"--data-dir ORDNER .* oder --database-url"):
        _resolve([])
    with pytest.raises(config.ConfigError, match="--ssl-certfile und --ssl-keyfile"):
        _resolve(["--data-dir", str(tmp_path), "--ssl-certfile", "c.pem"])


def test_the_help_names_every_variable() -> None:
    text = build_parser().format_help()
    for name in ("DATA_DIR", "DATABASE_URL", "BLOB_DIR", "HOST", "PORT", "WORKERS", "LOG_FORMAT",
                 "SSL_CERTFILE", "SSL_KEYFILE", "FORWARDED_ALLOW_IPS"):  # fmt: skip
        assert f"KOMMUNE_DESK_SERVER_{name}" in "".join(text.split())


def test_the_installed_command_refuses_a_wrong_variable_before_it_starts(tmp_path: Path) -> None:
    bad_port = subprocess.run(
        [SERVER_SCRIPT, "--data-dir", str(tmp_path / "s"), "admin", "offices"],
        capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": "/usr/bin:/bin", "KOMMUNE_DESK_SERVER_PORT": "x"},
    )  # fmt: skip
    assert bad_port.returncode == 2 and "Traceback" not in bad_port.stderr
    assert bad_port.stderr.startswith("Fehler: Ungültiger Wert »x« für --port bzw. KOMMUNE_DESK_SERVER_PORT")
    assert not (tmp_path / "s").exists()  # refused before anything was created


@pytest.mark.parametrize("proxy", [False, True], ids=["ohne-proxy", "hinter-proxy"])
def test_the_rate_limiter_believes_x_forwarded_for_only_from_a_named_proxy(
    proxy: bool, tmp_path: Path
) -> None:
    """Behind a reverse proxy every request comes from the proxy's address: only with
    --forwarded-allow-ips does each workstation get its own limit on sign-in attempts."""
    server = ServerProcess(tmp_path / "server", args=["--forwarded-allow-ips", "127.0.0.1"] if proxy else [])
    server.start()
    try:

        def attempt(address: str) -> int:
            return httpx.post(
                f"{server.url}/v1/enrol", json={"code": "AAAAA-BBBBB-CCCCC-DDDDD"},
                headers={"X-Forwarded-For": address},
            ).status_code  # fmt: skip

        first = [attempt("203.0.113.7") for _ in range(21)]
        assert first == [401] * 20 + [429]
        # Another workstation: its own limit behind the named proxy; without it, the same address.
        assert attempt("203.0.113.8") == (401 if proxy else 429)
    finally:
        server.stop()


def test_tls_from_the_certificate_and_key_files(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    port = free_port()
    environ = {"KOMMUNE_DESK_SERVER_SSL_CERTFILE": str(cert), "KOMMUNE_DESK_SERVER_SSL_KEYFILE": str(key)}
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [SERVER_SCRIPT, "--data-dir", str(tmp_path / "server"), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env={"PATH": "/usr/bin:/bin", **environ},
    )  # fmt: skip
    try:
        trusted = ssl.create_default_context(cafile=str(cert))
        deadline, answer = time.monotonic() + 20, None
        while answer is None and time.monotonic() < deadline and process.poll() is None:
            try:
                answer = httpx.get(f"https://127.0.0.1:{port}/healthz", verify=trusted, timeout=0.5)
            except httpx.TransportError:
                time.sleep(0.05)
        assert answer is not None and answer.json() == {"status": "ok"}, (tmp_path / "server.log").read_text()
        with pytest.raises(httpx.TransportError):  # no plain HTTP beside it
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        process.terminate()
        process.wait(20)
        log.close()
