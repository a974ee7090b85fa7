"""Assemble the installed tree (``INSTALLDIR``) and its manifest.

Layout::

    KommuneDesk\\
        python\\                    embeddable CPython 3.11 (x64), PSF-signed executables
            Lib\\site-packages\\    the app and its Windows wheels, precompiled
        kommune-desk-cli.cmd        the command line for admins and scripts
        KommuneDesk.ico
"""

from __future__ import annotations

import compileall
import importlib.util
import json
import py_compile
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import embed, trim, wheels
from .fetch import BuildError, sha256_of

PYTHON_DIR = "python"
CLI_LAUNCHER = "kommune-desk-cli.cmd"
KEEP_SOURCES = {"PySide6", "shiboken6"}  # its signature module reads PySide6's own sources
KEEP_ON_DISK = KEEP_SOURCES | {"kommune_desk", "holidays"}
ICON = "KommuneDesk.ico"
GUI_EXECUTABLE = f"{PYTHON_DIR}/pythonw.exe"
GUI_ARGUMENTS = "-m kommune_desk"

# %~dp0 is the folder of the .cmd itself; the exit code of the CLI is passed on.
CLI_SCRIPT = '@"%~dp0python\\python.exe" -m kommune_desk.cli %*\r\n'


@dataclass(frozen=True)
class Payload:
    root: Path
    manifest: dict


def assemble(repo: Path, cache: Path, work: Path, requirements: Path) -> Payload:
    """Build the install tree in ``work/payload`` from the pinned downloads and the checkout."""
    root = work / "payload"
    shutil.rmtree(root, ignore_errors=True)
    python_dir = root / PYTHON_DIR
    embed.unpack_python(cache, python_dir)
    site_packages = python_dir / embed.SITE_PACKAGES
    wheel_dir = wheels.download_wheels(requirements, cache)
    app_wheel = wheels.build_app_wheel(repo, work / "app-wheel")
    wheels.install_into(site_packages, requirements, wheel_dir, app_wheel)
    if any(site_packages.glob("*.pth")):
        raise BuildError("a .pth file needs 'import site' in the ._pth file: check before shipping it")
    trim.trim(site_packages)
    precompile(site_packages, python_dir)
    bundle_pure_packages(site_packages, python_dir / embed.PACKAGES_ZIP)
    (root / CLI_LAUNCHER).write_bytes(CLI_SCRIPT.encode("ascii"))
    shutil.copyfile(repo / "resources" / "icons" / "kommune-desk.ico", root / ICON)
    return Payload(root, write_manifest(root, work / "manifest.json"))


def precompile(site_packages: Path, python_dir: Path) -> None:
    """Compile every module to unchecked-hash .pyc: Program Files is read-only for clerks.

    Without them Windows' Python would recompile on every start; "unchecked" because the
    installer sets new file times. Packages ship as bytecode only, as python.org's embeddable
    stdlib does (the size target; a traceback still names file and line). The build Python must
    share the embedded one's bytecode magic.
    """
    with zipfile.ZipFile(python_dir / f"python{embed.pins.PYTHON_TAG}.zip") as stdlib:
        pyc = next(name for name in stdlib.namelist() if name.endswith(".pyc"))
        magic = stdlib.read(pyc)[:4]
    if magic != importlib.util.MAGIC_NUMBER:
        raise BuildError("the build Python's bytecode differs from the embedded CPython's: use Python 3.11")
    unchecked = py_compile.PycInvalidationMode.UNCHECKED_HASH
    for package in sorted(site_packages.iterdir()):
        if not package.is_dir() or package.name.endswith((".dist-info", ".libs")):
            continue
        sourceless = package.name not in KEEP_SOURCES
        ok = compileall.compile_dir(
            package,
            quiet=1,
            workers=0,
            legacy=sourceless,
            invalidation_mode=unchecked,
            stripdir=str(site_packages),  # tracebacks name site-packages\..., not the build machine
            prependdir="site-packages",
        )
        if not ok:
            raise BuildError(f"compiling {package.name} failed")
        if sourceless:
            for source in package.rglob("*.py"):
                source.unlink()
    for module in site_packages.glob("*.py"):  # single-module distributions (six, typing_extensions)
        target = str(module.with_suffix(".pyc"))
        shown = f"site-packages/{module.name}"
        py_compile.compile(str(module), target, dfile=shown, doraise=True, invalidation_mode=unchecked)
        module.unlink()


def bundle_pure_packages(site_packages: Path, archive: Path) -> None:
    """Move the bytecode-only, pure-Python packages into one zip on sys.path (the size target).

    Left on disk: packages with extension modules (Windows cannot load a .pyd from a zip), those
    that open their data files by path (holidays' translations), namespace
    packages (zipimport does not join them), ours and the .dist-info folders (entry points).
    """
    members = []
    for path in sorted(site_packages.iterdir()):
        if (path.is_file() and path.suffix == ".pyc") or (path.is_dir() and _zippable(path)):
            members.append(path)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        for member in members:
            files = [member] if member.is_file() else sorted(p for p in member.rglob("*") if p.is_file())
            for file in files:
                info = zipfile.ZipInfo(
                    file.relative_to(site_packages).as_posix(), date_time=(2020, 1, 1, 0, 0, 0)
                )
                info.compress_type = zipfile.ZIP_DEFLATED
                bundle.writestr(info, file.read_bytes(), compresslevel=9)
    for member in members:
        if member.is_dir():
            shutil.rmtree(member)
        else:
            member.unlink()


def _zippable(package: Path) -> bool:
    if package.name.endswith((".dist-info", ".libs")) or package.name in KEEP_ON_DISK:
        return False
    if not (package / "__init__.pyc").exists():  # a namespace package or no package at all
        return False
    return not any(package.rglob("*.pyd"))


def write_manifest(root: Path, target: Path) -> dict:
    """Every installed file with its size and SHA-256, in install-relative POSIX paths."""
    files = {
        path.relative_to(root).as_posix(): {"size": path.stat().st_size, "sha256": sha256_of(path)}
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
    manifest = {"files": files, "total_size": sum(entry["size"] for entry in files.values())}
    target.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return manifest
