"""Reading the sync server's deployment files for tests/test_server_packaging.py: the Dockerfile's
instructions, the import closure of the server modules, the settings table of the docs, and the
real ``kommune-desk-server`` of a venv as a child process on 127.0.0.1."""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
INSTALL_SCRIPT = "deploy/install-server.sh"
SETTINGS_DOC = ROOT / "docs" / "server-betrieb.md"


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY, …
    arguments: str
    stage: int  # 0 for the first FROM's stage


def dockerfile_instructions(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile, continuation lines joined and comments dropped."""
    instructions: list[Instruction] = []
    stage = -1
    pending = ""
    for line in text.splitlines():
        if line.strip().startswith("#") or (not pending and not line.strip()):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical = " ".join((pending + line).split())
        pending = ""
        keyword, _, arguments = logical.partition(" ")
        if keyword.upper() == "FROM":
            stage += 1
        instructions.append(Instruction(keyword.upper(), arguments, stage))
    return instructions


def stage_environment(instructions: Iterable[Instruction], stage: int) -> dict[str, str]:
    """The ``ENV`` values one stage sets (``KEY=value`` form)."""
    found: dict[str, str] = {}
    for instruction in instructions:
        if instruction.keyword == "ENV" and instruction.stage == stage:
            for pair in shlex.split(instruction.arguments):
                key, _, value = pair.partition("=")
                found[key] = value
    return found


def install_steps(instructions: Iterable[Instruction]) -> list[list[str]]:
    """Every ``RUN`` of the build stage as the argument list of deploy/install-server.sh."""
    steps = []
    for instruction in instructions:
        if instruction.keyword == "RUN" and instruction.stage == 0:
            words = shlex.split(instruction.arguments)
            assert words[:2] == ["sh", INSTALL_SCRIPT], (
                f"Die Bauphase installiert ohne {INSTALL_SCRIPT}: RUN {instruction.arguments} – "
                "der Test kann diesen Schritt nicht im venv wiederholen."
            )
            steps.append(words[2:])
    return steps


# --- imports of the server modules ---------------------------------------------------------------


def module_file(module: str) -> Path | None:
    """The source file of one of our modules (``kommune_desk.x.y``), or None."""
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(module: str, path: Path) -> Iterable[str]:
    """Every module name one file imports, lazily or not, relative imports resolved."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            yield source
            yield from (f"{source}.{alias.name}" for alias in node.names)  # may name a submodule


def import_closure(start: Iterable[str]) -> tuple[dict[str, str], set[str]]:
    """Our modules reached from ``start`` (each with the module that first imports it) and the
    top-level names of everything else imported along the way that is not standard library."""
    reached: dict[str, str] = {name: "(Start)" for name in start}
    third_party: set[str] = set()
    queue = list(reached)
    while queue:
        module = queue.pop()
        path = module_file(module)
        assert path is not None, f"{module} (importiert von {reached[module]}) gibt es nicht"
        for name in _imports(module, path):
            top = name.partition(".")[0]
            if top != "kommune_desk":
                if top not in sys.stdlib_module_names and top != "__future__":
                    third_party.add(top)
                continue
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):  # the packages above it are imported too
                candidate = ".".join(parts[:depth])
                if candidate not in reached and module_file(candidate) is not None:
                    reached[candidate] = module
                    queue.append(candidate)
    return reached, third_party


def server_modules() -> list[str]:
    """Every module of the kommune_desk.server package."""
    folder = ROOT / "kommune_desk" / "server"
    names = sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    return ["kommune_desk.server", *(f"kommune_desk.server.{name}" for name in names)]


# --- the documented settings ---------------------------------------------------------------------

_SETTING_ROW = re.compile(r"^\|\s*`(--[a-z-]+)[^`]*`\s*\|\s*`(KOMMUNE_DESK_SERVER_[A-Z_]+)`\s*\|")


def documented_settings(text: str) -> dict[str, str]:
    """Flag → environment variable, from the settings table of docs/server-betrieb.md."""
    rows = (_SETTING_ROW.match(line) for line in text.splitlines())
    return {row.group(1): row.group(2) for row in rows if row}


def variables_named(text: str) -> set[str]:
    return set(re.findall(r"\bKOMMUNE_DESK_SERVER_[A-Z_]*[A-Z]\b", text))


# --- a server of a venv as a child process -------------------------------------------------------


class VenvServer:
    """``kommune-desk-server`` of a venv, configured by environment variables alone (as the
    container is), listening on 127.0.0.1."""

    def __init__(self, venv: Path, environment: Mapping[str, str], log: Path) -> None:
        self.venv = venv
        self.environment = dict(environment)
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.environment['KOMMUNE_DESK_SERVER_PORT']}"

    def start(self, timeout: float = 30) -> VenvServer:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(self.venv / "bin" / "kommune-desk-server")],
                env=self.environment, stdout=log, stderr=subprocess.STDOUT, cwd=self.environment["HOME"],
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"Server beendet ({self.process.returncode}):\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"Server antwortet nicht auf /healthz:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


def base_environment(venv: Path, tmp: Path) -> dict[str, str]:
    """A minimal environment like a container's: the venv first on PATH, nothing of ours inherited."""
    return {
        "PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
    }
