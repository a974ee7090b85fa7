"""``python -m winpack build|check|smoke|lifecycle`` (build.sh and ci-check.sh call it)."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from . import checks, layout, lifecycle, pins, postprocess, sign, smoke, wxs

INSTALLER = Path(__file__).resolve().parent.parent
REPO = INSTALLER.parent
REQUIREMENTS = INSTALLER / "requirements-win.txt"


def project_version() -> str:
    """The one version of KommuneDesk: pyproject.toml's."""
    with (REPO / "pyproject.toml").open("rb") as stream:
        return tomllib.load(stream)["project"]["version"]


def msi_name(version: str) -> str:
    return f"KommuneDesk-{version}-x64.msi"


def build(cache: Path, work: Path, dist: Path) -> Path:
    started = time.monotonic()
    version = project_version()
    payload = layout.assemble(REPO, cache, work, REQUIREMENTS)
    source = work / "kommunedesk.wxs"
    source.write_text(
        wxs.render(list(payload.manifest["files"]), payload.root.relative_to(work).as_posix(), version),
        encoding="utf-8",
    )
    dist.mkdir(parents=True, exist_ok=True)
    msi = dist / msi_name(version)
    msi.unlink(missing_ok=True)
    subprocess.run(["wixl", "--arch", "x64", "--output", str(msi), source.name], check=True, cwd=work)
    postprocess.finish(msi, pins.APP_USER_MODEL_ID)
    if sign.signing_requested():
        sign.sign(msi)
        sign.verify(msi, sign.trusted_ca())
    (dist / f"KommuneDesk-{version}-x64.manifest.json").write_bytes((work / "manifest.json").read_bytes())
    size = payload.manifest["total_size"]
    print(f"{msi}: {msi.stat().st_size / 1e6:.1f} MB, installed {size / 1e6:.1f} MB "
          f"in {len(payload.manifest['files'])} files, {time.monotonic() - started:.0f} s")  # fmt: skip
    return msi


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="winpack", description="Build and check KommuneDesk's MSI")
    parser.add_argument("--cache", type=Path, required=True, help="download cache (outside the repository)")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "msi")
    parser.add_argument("--dist", type=Path, default=REPO / "dist")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build")
    check = commands.add_parser("check", help="inspect a built MSI as CI does")
    check.add_argument("--second", type=Path, help="dist folder of a second build (UpgradeCode stable)")
    check.add_argument("--ca", type=Path, help="CA certificate the signature must chain to")
    commands.add_parser("smoke", help="run the extracted payload's command line under Wine")
    cycle = commands.add_parser("lifecycle", help="install, upgrade, downgrade, uninstall under Wine")
    cycle.add_argument("old_msi", type=Path)
    cycle.add_argument("new_msi", type=Path, help="a newer version of the same product")
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.cache.resolve(), args.work.resolve(), args.dist.resolve())
        return 0
    if args.command == "lifecycle":
        return lifecycle.run(args.old_msi.resolve(), args.new_msi.resolve())
    if args.command == "smoke":
        root = Path((args.work / "extracted-root.txt").read_text(encoding="utf-8"))
        return smoke.run(root, project_version())
    version = project_version()
    name = msi_name(version)
    second = args.second / name if args.second else None
    return checks.run_all(args.dist / name, version, args.work.resolve(), second, args.ca)


if __name__ == "__main__":
    sys.exit(main())
