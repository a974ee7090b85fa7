"""Authenticode signing with osslsigncode, when a certificate is given.

KOMMUNE_DESK_SIGN_PFX       path of the PKCS#12 file (certificate with key and chain)
KOMMUNE_DESK_SIGN_PASSWORD  its password (or KOMMUNE_DESK_SIGN_PASSWORD_FILE: a file holding it)
KOMMUNE_DESK_SIGN_TIMESTAMP optional RFC 3161 timestamp server, e.g. http://timestamp.digicert.com
KOMMUNE_DESK_SIGN_CA        optional CA file to verify against (default: the system's CA store)
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from . import pins
from .fetch import BuildError


def signing_requested() -> bool:
    return bool(os.environ.get("KOMMUNE_DESK_SIGN_PFX"))


def trusted_ca() -> Path | None:
    ca = os.environ.get("KOMMUNE_DESK_SIGN_CA")
    return Path(ca) if ca else None


def _password() -> str:
    if password_file := os.environ.get("KOMMUNE_DESK_SIGN_PASSWORD_FILE"):
        return Path(password_file).read_text(encoding="utf-8").strip()
    return os.environ.get("KOMMUNE_DESK_SIGN_PASSWORD", "")


def sign(path: Path) -> None:
    """Sign ``path`` in place (the password goes to osslsigncode in a file, never on its command line)."""
    pfx = os.environ["KOMMUNE_DESK_SIGN_PFX"]
    signed = path.with_suffix(path.suffix + ".signed")
    password_file = path.with_suffix(".pass")
    password_file.write_text(_password(), encoding="utf-8")
    password_file.chmod(0o600)
    command = ["osslsigncode", "sign", "-pkcs12", pfx, "-readpass", str(password_file), "-h", "sha256"]
    command += ["-n", pins.PRODUCT_NAME, "-i", pins.ABOUT_LINK]
    if timestamp := os.environ.get("KOMMUNE_DESK_SIGN_TIMESTAMP"):
        command += ["-ts", timestamp]
    try:
        result = subprocess.run(
            [*command, "-in", str(path), "-out", str(signed)], capture_output=True, text=True
        )
    finally:
        password_file.unlink()
    if result.returncode != 0:
        signed.unlink(missing_ok=True)
        raise BuildError(f"signing {path.name} failed:\n{result.stdout}{result.stderr}")
    signed.replace(path)


def verify(path: Path, ca_file: Path | None = None) -> str:
    """Verify the signature of ``path`` (against ``ca_file`` if given); return osslsigncode's report."""
    command = ["osslsigncode", "verify", "-ignore-crl", "-in", str(path)]
    if ca_file is not None:
        command[2:2] = ["-CAfile", str(ca_file)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 or "Signature verification: ok" not in result.stdout:
        raise BuildError(f"signature of {path.name} does not verify:\n{result.stdout[-2000:]}{result.stderr}")
    return result.stdout
