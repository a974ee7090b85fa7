"""Startup: process start until the main window shows a filled Posteingang, against a bare QMainWindow."""

from __future__ import annotations

import os
import select
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .demo_data import demo_dir
from .harness import Benchmark, BenchmarkError, Context, Result, interleaved

TIMEOUT = 60.0
MAX_RATIO = 2.0
MAX_EXTRA_RSS_MIB = 80.0
BARE_WINDOW = Path(__file__).with_name("bare_window.py")


@dataclass(frozen=True)
class Launch:
    """One start: seconds until the ``ready`` line arrived, the child's peak RSS, the rows it reported."""

    seconds: float
    peak_rss_mib: float
    rows: int


def launch_until_ready(argv: list[str], env: dict[str, str], timeout: float = TIMEOUT) -> Launch:
    """Start ``argv``, time it until it prints ``ready <rows>``, wait for it to exit and read its peak RSS."""
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        with subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr
        ) as child:
            assert child.stdout is not None
            try:
                ready_at, rows = _read_until_exit(child.stdout.fileno(), started + timeout)
            except BenchmarkError:
                child.kill()
                _reap(child)
                raise _failure(
                    argv, f"did not print 'ready' and exit within {timeout:.0f} s", stderr
                ) from None
            status, peak_kib = _reap(child)
        if status != 0:
            raise _failure(argv, f"exited with code {status}", stderr)
        if ready_at is None:
            raise _failure(argv, "exited without printing 'ready'", stderr)
    # ru_maxrss is in KiB on Linux but in bytes on macOS.
    peak_mib = peak_kib / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Launch(ready_at - started, peak_mib, rows)


def _read_until_exit(fd: int, deadline: float) -> tuple[float | None, int]:
    """Read the child's stdout to its end; return when the ``ready`` line arrived and its row count."""
    buffer = b""
    ready_at: float | None = None
    rows = 0
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise BenchmarkError("timed out")
        chunk = os.read(fd, 65536)
        now = time.perf_counter()
        if not chunk:
            return ready_at, rows
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            words = line.split()
            if ready_at is None and words[:1] == [b"ready"]:
                ready_at = now
                rows = int(words[1]) if len(words) > 1 and words[1].isdigit() else 0


def _reap(child: subprocess.Popen[bytes]) -> tuple[int, int]:
    """Wait for the child with wait4; return its exit code and peak RSS (ru_maxrss)."""
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, usage.ru_maxrss


def _failure(argv: list[str], what: str, stderr: IO[bytes]) -> BenchmarkError:
    stderr.seek(0)
    tail = stderr.read().decode(errors="replace").strip()[-2000:]
    message = f"{' '.join(argv)}\n  {what}"
    return BenchmarkError(f"{message}\n  stderr:\n{tail}" if tail else message)


def _compile_bytecode() -> None:
    """Measure the app as installed: pip (and the installer) ship compiled bytecode, while a
    checkout with PYTHONDONTWRITEBYTECODE=1 would recompile every module on every start."""
    import compileall

    import kommune_desk

    compileall.compile_dir(Path(kommune_desk.__file__).parent, quiet=1)


def run(ctx: Context) -> list[Result]:
    """Median start time and peak RSS of KommuneDesk and of the bare window, measured in turns."""
    data_dir = demo_dir(ctx)
    _compile_bytecode()
    env = ctx.child_env()
    app_argv = [sys.executable, "-m", "kommune_desk", "--data-dir", str(data_dir), "--exit-when-ready"]
    bare_argv = [sys.executable, str(BARE_WINDOW)]
    bare, app = interleaved(
        ctx.runs, lambda: launch_until_ready(bare_argv, env), lambda: launch_until_ready(app_argv, env)
    )
    if not all(launch.rows > 0 for launch in app):
        raise BenchmarkError("KommuneDesk reported an empty Posteingang; the demo database is not filled")
    app_seconds = statistics.median(launch.seconds for launch in app)
    bare_seconds = statistics.median(launch.seconds for launch in bare)
    app_rss = statistics.median(launch.peak_rss_mib for launch in app)
    bare_rss = statistics.median(launch.peak_rss_mib for launch in bare)
    return [
        Result("startup", app_seconds, "s", reference=bare_seconds, limit=MAX_RATIO, compare="ratio"),
        Result(
            "startup peak RSS", app_rss, "MiB", reference=bare_rss, limit=MAX_EXTRA_RSS_MIB, compare="delta"
        ),
    ]


BENCHMARK = Benchmark("startup", "start to a filled Posteingang (100,000 applications) vs a bare window", run)
