"""Windows-only paths, run on any system with Windows simulated where the OS is asked: the roaming
profile and network drives are refused for the database, the data folder is %LOCALAPPDATA%, and
the taskbar gets KommuneDesk's AppUserModelID."""

from __future__ import annotations

import logging
import sys
from pathlib import Path, PureWindowsPath
from typing import ClassVar

import pytest
from platformdirs import windows as platformdirs_windows

from kommune_desk.locations import LOG_DIR_ENV, default_data_dir, log_dir
from kommune_desk.storage.location import DRIVE_REMOTE, WindowsDrives, location_problem
from kommune_desk.windows_shell import APP_USER_MODEL_ID, set_app_user_model_id

ROAMING = r"C:\Users\m.yilmaz\AppData\Roaming"
LOCAL = r"C:\Users\m.yilmaz\AppData\Local"
DRIVE_REMOVABLE, DRIVE_FIXED = 2, 3


class FakeDrives:
    """GetDriveTypeW as Windows answers it: C: and D: local disks, E: a USB stick, N: and S: shares
    mapped as drive letters; any other letter does not exist (DRIVE_NO_ROOT_DIR)."""

    TYPES: ClassVar[dict[str, int]] = {
        "C:\\": DRIVE_FIXED,
        "D:\\": DRIVE_FIXED,
        "E:\\": DRIVE_REMOVABLE,
        "N:\\": DRIVE_REMOTE,
        "S:\\": DRIVE_REMOTE,
    }

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, root: str) -> int:
        self.asked.append(root)
        return self.TYPES.get(root.upper(), 1)


def windows(roaming: str | None = ROAMING) -> tuple[WindowsDrives, FakeDrives]:
    drives = FakeDrives()
    return WindowsDrives(roaming=roaming, drive_type=drives), drives


# --- the database location ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        ROAMING + r"\KommuneDesk",
        ROAMING,
        r"c:\USERS\M.Yilmaz\appdata\ROAMING\KommuneDesk\daten",  # Windows ignores case
        r"C:\Users\m.yilmaz\AppData\Local\..\Roaming\KommuneDesk",
        r"C:/Users/m.yilmaz/AppData/Roaming/KommuneDesk",
    ],
)
def test_the_roaming_profile_is_refused(path: str) -> None:
    system, _ = windows()
    problem = location_problem(Path(path), windows=system)
    assert problem is not None and "servergespeicherten (Roaming-)Profil" in problem
    assert "Es wurde nichts verändert" in problem


@pytest.mark.parametrize(
    "path",
    [
        LOCAL + r"\KommuneDesk",  # the default
        r"C:\Users\m.yilmaz\AppData\Roaming2\KommuneDesk",  # only a name that begins the same
        r"C:\Users\m.yilmaz\AppData\RoamingKommuneDesk",
        r"C:\Users\m.yilmaz\AppData\Roaming.alt\KommuneDesk",
        r"D:\Users\m.yilmaz\AppData\Roaming\KommuneDesk",  # another drive
        r"C:\KommuneDesk",
        r"E:\KommuneDesk",  # a USB stick is a local disk (only shares are refused)
    ],
)
def test_local_folders_pass(path: str) -> None:
    system, drives = windows()
    assert location_problem(Path(path), windows=system) is None
    assert drives.asked == [PureWindowsPath(path).drive + "\\"]  # each asked with its root, "X:\"


@pytest.mark.parametrize("path", [r"N:\KommuneDesk", r"s:\Rathaus\Daten\KommuneDesk"])
def test_a_mapped_network_drive_is_refused(path: str) -> None:
    system, _ = windows()
    problem = location_problem(Path(path), windows=system)
    assert problem is not None and "auf einem Netzlaufwerk" in problem and path in problem


@pytest.mark.parametrize("path", [r"\\nas\rathaus\KommuneDesk", "//nas/rathaus/KommuneDesk"])
def test_unc_paths_are_refused_without_asking_windows(path: str) -> None:
    system, drives = windows()
    problem = location_problem(Path(path), windows=system)
    assert problem is not None and "Netzwerkfreigabe" in problem
    assert drives.asked == []


def test_onedrive_is_refused_on_windows_too() -> None:
    system, _ = windows()
    problem = location_problem(
        Path(r"C:\Users\m.yilmaz\OneDrive - Stadt Mörfelden\KommuneDesk"), windows=system
    )
    assert problem is not None and "Cloud-Ordner" in problem


def test_without_a_roaming_folder_only_the_drive_counts() -> None:
    system, _ = windows(roaming=None)
    assert location_problem(Path(ROAMING + r"\KommuneDesk"), windows=system) is None
    assert location_problem(Path(r"N:\KommuneDesk"), windows=system) is not None


# --- the data and log folders ---------------------------------------------------------------------


@pytest.fixture
def windows_known_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    """platformdirs on Windows, with the shell's known-folder lookup (SHGetKnownFolderPath via
    ctypes) replaced by platformdirs' own environment fallback, fed with a user's profile."""
    monkeypatch.setenv("LOCALAPPDATA", LOCAL)
    monkeypatch.setenv("APPDATA", ROAMING)
    for name in ("WIN_PD_OVERRIDE_LOCAL_APPDATA", "WIN_PD_OVERRIDE_APPDATA", LOG_DIR_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(
        platformdirs_windows, "_RESOLVE_WIN_FOLDER", platformdirs_windows.get_win_folder_from_env_vars
    )


@pytest.mark.usefixtures("windows_known_folders")
def test_on_windows_the_data_folder_is_local_appdata_kommune_desk() -> None:
    data = PureWindowsPath(str(default_data_dir(platformdirs_windows.Windows)))
    assert data == PureWindowsPath(LOCAL, "KommuneDesk")  # not roaming, no author folder
    assert PureWindowsPath(str(log_dir(platformdirs_windows.Windows))) == data / "Logs"
    # The lookup tells both folders apart, so the answer above is not an accident.
    roaming = platformdirs_windows.Windows("KommuneDesk", appauthor=False, roaming=True).user_data_dir
    assert PureWindowsPath(roaming) == PureWindowsPath(ROAMING, "KommuneDesk")
    system, _ = windows()
    assert location_problem(Path(str(data)), windows=system) is None  # and it passes our own check


@pytest.mark.usefixtures("windows_known_folders")
def test_the_log_folder_can_still_be_chosen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(LOG_DIR_ENV, str(tmp_path / "protokoll"))
    assert log_dir(platformdirs_windows.Windows) == tmp_path / "protokoll"


# --- the taskbar ------------------------------------------------------------------------------------


def test_windows_gets_kommune_desks_app_user_model_id() -> None:
    given: list[str] = []

    def shell(app_id: str) -> int:
        given.append(app_id)
        return 0  # S_OK

    assert set_app_user_model_id(shell) is True
    assert given == ["KommuneDesk.KommuneDesk"]
    # Microsoft's form: Company.Product, no spaces, at most 128 characters.
    assert (
        " " not in APP_USER_MODEL_ID and len(APP_USER_MODEL_ID) <= 128 and APP_USER_MODEL_ID.count(".") == 1
    )


def test_a_refused_app_id_is_logged_and_the_app_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    e_invalidarg = 0x80070057 - 2**32  # the HRESULT as the signed number ctypes returns
    with caplog.at_level(logging.WARNING, logger="kommune_desk"):
        assert set_app_user_model_id(lambda app_id: e_invalidarg) is False
    assert "HRESULT 0x80070057" in caplog.text

    def missing(app_id: str) -> int:
        raise OSError("procedure not found")

    assert set_app_user_model_id(missing) is False


def test_off_windows_the_shell_is_not_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    assert set_app_user_model_id() is False
