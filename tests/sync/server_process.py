"""The real ``kommune-desk-server`` as a child process on loopback (for restarts and kills)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

# The console script pip installed beside this interpreter, as an operator starts the server.
SERVER_SCRIPT = str(Path(sys.executable).with_name("kommune-desk-server"))
MODULE_COMMAND = (sys.executable, "-m", "kommune_desk.server.main")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_cli(data_dir: Path, *args: str) -> str:
    """Run ``kommune-desk-server --data-dir DIR …`` and return its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "kommune_desk.server.main", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


class ServerProcess:
    """``kommune-desk-server --data-dir DIR --host 127.0.0.1 --port PORT [args…]``, its output
    (stdout and stderr) in ``server-PORT.log`` beside DIR. ``args`` adds flags (e.g.
    ``--database-url``, ``--workers``), ``env`` variables, ``command`` the executable."""

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        *,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        command: Sequence[str] = MODULE_COMMAND,
    ) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.args = tuple(args)
        self.env = dict(env or {})
        self.command = tuple(command)
        self.process: subprocess.Popen[str] | None = None
        self.log = data_dir.parent / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log.open("a")
        self.process = subprocess.Popen(
            [*self.command, "--data-dir", str(self.data_dir), "--host", "127.0.0.1", "--port", str(self.port),
             *self.args],
            stdout=log, stderr=subprocess.STDOUT, text=True, env={**os.environ, **self.env},
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break  # it gave up (a refused setting, a busy port): no point in waiting
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(self.log.read_text())

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(20)
            self.process = None
