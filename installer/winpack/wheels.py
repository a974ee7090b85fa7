"""The app and its Windows wheels, installed into the embeddable CPython's site-packages.

The wheel set is resolved for Windows (``requirements-win.txt``, made by ``installer/lock.sh``
with uv for x86_64-pc-windows-msvc) and every wheel is checked against its pinned hash.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

WINDOWS_TARGET = [
    "--platform", "win_amd64", "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311",
    "--only-binary=:all:",
]  # fmt: skip


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args], check=True)


def download_wheels(requirements: Path, cache: Path) -> Path:
    """Download (or reuse from the cache) every pinned Windows wheel; pip checks the hashes."""
    wheels = cache / "wheels"
    _pip(
        "download",
        "--quiet",
        "--no-deps",
        "--require-hashes",
        *WINDOWS_TARGET,
        "-r",
        str(requirements),
        "-d",
        str(wheels),
    )
    return wheels


def build_app_wheel(repo: Path, out: Path) -> Path:
    """The kommune-desk wheel built from the checkout (the version comes from pyproject.toml)."""
    shutil.rmtree(out, ignore_errors=True)
    _pip("wheel", "--no-deps", "--quiet", "-w", str(out), str(repo))
    (wheel,) = out.glob("kommune_desk-*.whl")
    return wheel


def install_into(site_packages: Path, requirements: Path, wheels: Path, app_wheel: Path) -> None:
    """Install the pinned wheels and the app into ``site_packages`` for Windows, without compiling."""
    common = [
        "install",
        "--no-deps",
        "--no-index",
        "--no-compile",
        "--target",
        str(site_packages),
        *WINDOWS_TARGET,
    ]
    _pip(*common, "--quiet", "--find-links", str(wheels), "--require-hashes", "-r", str(requirements))
    # pip --target writes Linux launcher scripts into bin/ (the Windows launchers are ours), and
    # would warn about it on the second install.
    shutil.rmtree(site_packages / "bin", ignore_errors=True)
    _pip(*common, "--quiet", str(app_wheel))
    shutil.rmtree(site_packages / "bin", ignore_errors=True)
