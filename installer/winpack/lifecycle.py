"""Install, upgrade, refuse a downgrade and uninstall the real MSIs with Wine's Windows Installer.

Wine's msiexec runs the packages' own tables (launch condition, MajorUpgrade, files, shortcut),
so this shows what an MSI-level mistake would break. It is no Windows: Wine installs as an admin,
so the per-user mode (MSIINSTALLPERUSER=1) lands per machine here; that stays on the checklist.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from .smoke import Wine, _decode, require

PROGRAM = "drive_c/Program Files/KommuneDesk"


class Installer:
    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.wine = Wine(prefix / PROGRAM, prefix)  # python.exe of the installed copy
        subprocess.run(["wine", "winecfg", "-v", "win10"], env=self.wine.env, capture_output=True, check=True)
        self.user_dir = next((prefix / "drive_c" / "users").glob("[!Pp]*"))  # not "Public"

    def msiexec(self, *args: str) -> int:
        log = self.prefix / "msiexec.log"
        done = subprocess.run(
            ["wine", "msiexec", *args, "/qn", "/norestart", "/l*v", "Z:" + str(log).replace("/", "\\")],
            env=self.wine.env,
            capture_output=True,
            timeout=900,
        )
        self.last_log = _decode(log.read_bytes()) if log.exists() else ""
        return done.returncode

    def cli(self, *args: str) -> str:
        """The installed ``kommune-desk-cli.cmd``, started through cmd.exe as an admin would."""
        cmd = r"C:\Program Files\KommuneDesk\kommune-desk-cli.cmd"
        done = subprocess.run(["wine", "cmd", "/c", cmd, *args], env=self.wine.env, capture_output=True)
        output = _decode(done.stdout)
        if done.returncode != 0:
            raise AssertionError(
                f"kommune-desk-cli {' '.join(args)}: exit {done.returncode}\n{_decode(done.stderr)}"
            )
        return output.strip()

    def shortcut(self) -> list[Path]:
        return list((self.prefix / "drive_c").rglob("Start Menu/Programs/KommuneDesk.lnk"))


def version_of(msi: Path) -> str:
    return msi.name.removeprefix("KommuneDesk-").removesuffix("-x64.msi")


def run(old_msi: Path, new_msi: Path) -> int:
    """The whole life of an installation; raises AssertionError on the first failure."""
    old_version, new_version = version_of(old_msi), version_of(new_msi)
    with tempfile.TemporaryDirectory(prefix="kd-msiexec-") as temp:
        machine = Installer(Path(temp))
        program = machine.prefix / PROGRAM
        require(machine.msiexec("/i", str(old_msi)) == 0, f"silent install of {old_msi.name}")
        require((program / "kommune-desk-cli.cmd").exists(), "installed to C:\\Program Files\\KommuneDesk")
        require(len(machine.shortcut()) == 1, "Start-menu shortcut KommuneDesk.lnk")
        require(
            machine.cli("--version") == f"KommuneDesk {old_version}", f"kommune-desk-cli.cmd: {old_version}"
        )
        machine.cli("demo", "--applications", "5")
        data = machine.user_dir / "AppData" / "Local" / "KommuneDesk"
        require((data / "kommune-desk.sqlite3").exists(), "default data folder %LOCALAPPDATA%\\KommuneDesk")
        require(machine.msiexec("/i", str(new_msi)) == 0, f"upgrade to {new_msi.name}")
        require("RemoveExistingProducts" in machine.last_log, "MajorUpgrade removed the old version")
        require(machine.cli("--version") == f"KommuneDesk {new_version}", f"after the upgrade: {new_version}")
        require("Datenbank in Ordnung" in machine.cli("check"), "the data survived the upgrade")
        machine.cli("backup")
        require(machine.msiexec("/i", str(old_msi)) != 0, "a downgrade is refused")
        # Wine does not log an error action's text; check_tables checks the German message.
        require(": PreventDowngrade." in machine.last_log, "… by the downgrade action")
        require(machine.cli("--version") == f"KommuneDesk {new_version}", "… and the newer version stays")
        require(machine.msiexec("/x", str(new_msi)) == 0, "silent uninstall")
        require(not program.exists(), "the program folder is gone")
        require(not machine.shortcut(), "the shortcut is gone")
        require((data / "kommune-desk.sqlite3").exists(), "the data folder and its database stay")
        require(any((data / "sicherungen").iterdir()), "the backups stay")
    print("MSI life cycle under Wine passed")
    return 0
