"""The scheduled task of the daily backup (Windows): its XML, registering it when missing, removing
it, and the CLI flags. Windows is simulated only at its boundary: a fake ``schtasks.exe`` that keeps
its tasks and answers with the exit codes and texts the real one gives; everything of ours runs."""

from __future__ import annotations

import datetime as dt
import logging
import ntpath
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from defusedxml import ElementTree as SafeET

from kommune_desk import cli
from kommune_desk.services import backup_task
from kommune_desk.services.backup_task import (
    ONLY_ON_WINDOWS,
    TaskError,
    TaskHost,
    TaskUnavailableError,
    ensure_registered,
    is_registered,
    quote_argument,
    register,
    start_of_day_backup,
    task_name,
    task_xml,
    this_computer,
    unregister,
)
from kommune_desk.services.backups import backup_settings
from kommune_desk.storage.backup import list_backups
from kommune_desk.storage.database import Database

NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
PYTHONW = r"C:\Program Files\KommuneDesk\python\pythonw.exe"
LOCAL_DATA = r"C:\Users\m.yilmaz\AppData\Local\KommuneDesk"
USER = "m.yilmaz"
NOT_FOUND = "ERROR: The system cannot find the file specified.\n"
ACCESS_DENIED = "ERROR: Access is denied.\n"


class FakeSchtasks:
    """``schtasks.exe`` as far as KommuneDesk uses it (/Create /XML, /Query [/XML], /Delete).

    Task names are case-insensitive as on Windows; answers and exit codes as on an English
    Windows: 0 and ``SUCCESS: …`` on stdout, 1 and ``ERROR: …`` on stderr for every failure.
    ``/Query /XML`` prints the stored definition as text, as Windows does: still declared UTF-16,
    with the ``URI`` Windows adds. ``deny`` holds the commands refused with "Access is denied"
    (e.g. a locked-down PC); ``printed`` what ``/Query /XML`` prints for a task instead (until the
    task is created anew).
    """

    def __init__(self, deny: Sequence[str] = ()) -> None:
        self.tasks: dict[str, tuple[str, bytes]] = {}  # casefolded name -> (name, XML as given)
        self.printed: dict[str, str] = {}  # casefolded name -> what /Query /XML prints instead
        self.calls: list[list[str]] = []
        self.deny = {command.casefold() for command in deny}

    def __call__(self, argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
        argv = list(argv)
        self.calls.append(argv)
        assert ntpath.basename(argv[0]).casefold() == "schtasks.exe", argv[0]
        command = argv[1].casefold()
        options = self._options(argv[2:], xml_is_a_file=command == "/create")
        if options is None or "/tn" not in options:
            return self._answer(
                argv, 1, err='ERROR: Invalid argument/option.\nType "SCHTASKS /?" for usage.\n'
            )
        if command in self.deny:
            return self._answer(argv, 1, err=ACCESS_DENIED)
        name = str(options["/tn"])
        key = name.casefold()
        if command == "/query":
            if key not in self.tasks:
                return self._answer(argv, 1, err=NOT_FOUND)
            if "/xml" in options:
                printed = self.printed[key] if key in self.printed else self.as_printed(*self.tasks[key])
                return self._answer(argv, 0, out=printed)
            table = (
                "\nFolder: \\\nTaskName                                 Next Run Time          Status\n"
                "======================================== ====================== ===============\n"
                f"{self.tasks[key][0]:<40} 08.12.2026 12:30:00    Ready\n"
            )
            return self._answer(argv, 0, out=table)
        if command == "/delete":
            if key not in self.tasks:
                return self._answer(argv, 1, err=NOT_FOUND)
            del self.tasks[key]
            return self._answer(
                argv, 0, out=f'SUCCESS: The scheduled task "{name}" was successfully deleted.\n'
            )
        if command == "/create":
            if key in self.tasks and not options.get("/f"):
                return self._answer(
                    argv, 1, err="ERROR: Cannot create a file when that file already exists.\n"
                )
            data = Path(str(options["/xml"])).read_bytes()
            if not self._valid_task(data):
                return self._answer(argv, 1, err="ERROR: The task XML is malformed.\n")
            self.tasks[key] = (name, data)
            self.printed.pop(key, None)
            return self._answer(
                argv, 0, out=f'SUCCESS: The scheduled task "{name}" has successfully been created.\n'
            )
        return self._answer(argv, 1, err="ERROR: Invalid argument/option.\n")

    @staticmethod
    def _options(args: list[str], xml_is_a_file: bool) -> dict[str, str | bool] | None:
        options: dict[str, str | bool] = {}
        rest = iter(args)
        for arg in rest:
            switch = arg.casefold()
            if switch == "/tn" or (switch == "/xml" and xml_is_a_file):
                value = next(rest, None)
                if value is None:
                    return None
                options[switch] = value
            elif switch == "/xml":  # /Query /XML [ONE]
                options[switch] = True
            elif switch == "one" and options.get("/xml") is True:
                pass
            elif switch == "/f":
                options[switch] = True
            else:
                return None
        return options

    @staticmethod
    def _valid_task(data: bytes) -> bool:
        """What Windows insists on: UTF-16 with BOM as declared, and a Task of a known schema."""
        if not data.startswith(b"\xff\xfe") or 'encoding="UTF-16"' not in data.decode("utf-16"):
            return False
        try:
            root = SafeET.fromstring(data)
        except SafeET.ParseError:
            return False
        return root.tag == f"{{{NS['t']}}}Task" and root.get("version") == "1.2"

    @staticmethod
    def as_printed(name: str, data: bytes) -> str:
        """The definition as ``schtasks /Query /XML`` prints it: text (our runner decodes the console
        code page), the declaration still saying UTF-16, with the URI Windows adds to what it keeps."""
        text = data.decode("utf-16")  # drops the byte order mark
        info = "<RegistrationInfo>"
        assert info in text
        return text.replace(info, f"{info}\n    <URI>\\{name}</URI>", 1)

    @staticmethod
    def _answer(argv: list[str], code: int, out: str = "", err: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(argv, code, out, err)

    def xml(self, name: str) -> SafeET.Element:
        return SafeET.fromstring(self.tasks[name.casefold()][1])


def host_with(fake: FakeSchtasks, user: str = USER, pythonw: str = PYTHONW) -> TaskHost:
    return TaskHost(pythonw=pythonw, user=user, domain="RATHAUS", run=fake)


def split_windows_command_line(line: str) -> list[str]:
    """How a Windows program (the C runtime, CommandLineToArgvW) splits its command line."""
    args: list[str] = []
    current: list[str] = []
    in_quotes = in_arg = False
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            run = len(line[i:]) - len(line[i:].lstrip("\\"))
            if line[i + run : i + run + 1] == '"':
                current.append("\\" * (run // 2))
                if run % 2:
                    current.append('"')
                    i += run + 1
                else:
                    i += run
            else:
                current.append("\\" * run)
                i += run
            in_arg = True
            continue
        if ch == '"':
            in_quotes, in_arg = not in_quotes, True
        elif ch in " \t" and not in_quotes:
            if in_arg:
                args.append("".join(current))
                current, in_arg = [], False
        else:
            current.append(ch)
            in_arg = True
        i += 1
    if in_arg:
        args.append("".join(current))
    return args


def _local(element: SafeET.Element) -> str:
    return element.tag.split("}")[1]


def _text(root: SafeET.Element, path: str) -> str | None:
    found = root.find(path, NS)
    assert found is not None, path
    return found.text


# --- the task definition ------------------------------------------------------------------------


def test_the_task_definition_is_utf16_schema_1_2_daily_and_runs_as_the_user() -> None:
    data = task_xml(host_with(FakeSchtasks()), LOCAL_DATA)
    assert data.startswith(b"\xff\xfe")  # UTF-16 LE with BOM
    assert data.decode("utf-16").startswith('<?xml version="1.0" encoding="UTF-16"?>')
    task = SafeET.fromstring(data)
    assert task.tag == f"{{{NS['t']}}}Task" and task.get("version") == "1.2"
    assert "Sicherung" in (_text(task, "t:RegistrationInfo/t:Description") or "")

    triggers = task.findall("t:Triggers/*", NS)
    assert [_local(t) for t in triggers] == ["CalendarTrigger"]
    # The trigger and the action are xs:sequence in the schema: their order matters.
    assert [_local(c) for c in triggers[0]] == ["Enabled", "StartBoundary", "RandomDelay", "ScheduleByDay"]
    assert [_local(c) for c in task.find("t:Actions/t:Exec", NS)] == [  # type: ignore[union-attr]
        "Command", "Arguments", "WorkingDirectory",
    ]  # fmt: skip
    start = dt.datetime.fromisoformat(_text(task, "t:Triggers/t:CalendarTrigger/t:StartBoundary") or "")
    assert (start.time(), start.tzinfo) == (dt.time(12, 30), None)  # local time, every day
    assert _text(task, "t:Triggers/t:CalendarTrigger/t:ScheduleByDay/t:DaysInterval") == "1"

    principal = task.find("t:Principals/t:Principal", NS)
    assert principal is not None
    assert (
        _text(principal, "t:UserId"), _text(principal, "t:LogonType"), _text(principal, "t:RunLevel")
    ) == ("RATHAUS\\m.yilmaz", "InteractiveToken", "LeastPrivilege")  # fmt: skip
    assert task.find("t:Actions", NS).get("Context") == principal.get("id")  # type: ignore[union-attr]

    settings = {_local(child): child.text for child in task.find("t:Settings", NS)}  # type: ignore[union-attr]
    assert settings["StartWhenAvailable"] == "true"  # a start missed while the PC was off runs later
    assert settings["DisallowStartIfOnBatteries"] == settings["StopIfGoingOnBatteries"] == "false"
    assert settings["MultipleInstancesPolicy"] == "IgnoreNew"
    assert settings["ExecutionTimeLimit"] == "PT1H"
    assert settings["RunOnlyIfNetworkAvailable"] == "false"
    assert settings["Enabled"] == "true"

    command = _text(task, "t:Actions/t:Exec/t:Command") or ""
    assert split_windows_command_line(command) == [PYTHONW]
    arguments = split_windows_command_line(_text(task, "t:Actions/t:Exec/t:Arguments") or "")
    assert arguments == ["-m", "kommune_desk.cli", "--data-dir", LOCAL_DATA, "backup", "--if-due"]
    assert _text(task, "t:Actions/t:Exec/t:WorkingDirectory") == r"C:\Program Files\KommuneDesk\python"


@pytest.mark.parametrize(
    "data_dir",
    [
        r"D:\Daten & Sicherung\Bauamt <alt>\KommuneDesk",
        r"C:\Users\Jörg Müller-Weiß\AppData\Local\KommuneDesk",
        "D:\\Ordner mit Schrägstrich am Ende\\",
        r"E:\KommuneDesk",
    ],
)
def test_paths_with_spaces_umlauts_and_ampersands_reach_our_cli_unchanged(data_dir: str) -> None:
    pythonw = r"C:\Program Files (x86)\Stadt & Land\KommuneDesk\python\pythonw.exe"
    task = SafeET.fromstring(task_xml(host_with(FakeSchtasks(), pythonw=pythonw), data_dir))
    assert split_windows_command_line(_text(task, "t:Actions/t:Exec/t:Command") or "") == [pythonw]
    argv = split_windows_command_line(_text(task, "t:Actions/t:Exec/t:Arguments") or "")
    assert argv[:2] == ["-m", "kommune_desk.cli"]
    parsed = cli.build_parser().parse_args(argv[2:])  # what pythonw hands our CLI
    assert (parsed.data_dir, parsed.command, parsed.if_due) == (data_dir, "backup", True)


@pytest.mark.parametrize(
    "text", ["einfach", r"C:\a b\c", "C:\\endet mit\\", 'mit "Anführung"', 'a\\"b', "", "C:\\\\server"]
)
def test_windows_quoting_round_trips(text: str) -> None:
    assert split_windows_command_line("x.exe " + quote_argument(text)) == ["x.exe", text]


def test_the_task_name_is_one_per_windows_user() -> None:
    assert task_name("m.yilmaz") == "KommuneDesk Datensicherung (m.yilmaz)"
    assert task_name("r.hofmann") != task_name("m.yilmaz")
    assert task_name('a\\b/c:d*e?f"g<h>i|j') == "KommuneDesk Datensicherung (a_b_c_d_e_f_g_h_i_j)"
    assert "\\" not in task_name("RATHAUS\\x")  # a backslash would make a task folder
    assert task_name("") == "KommuneDesk Datensicherung"
    nameless = TaskHost(pythonw=PYTHONW, user="", domain="RATHAUS", run=FakeSchtasks())
    principal = SafeET.fromstring(task_xml(nameless, LOCAL_DATA)).find("t:Principals/t:Principal", NS)
    assert principal is not None and principal.find("t:UserId", NS) is None  # never an empty UserId
    assert _text(principal, "t:LogonType") == "InteractiveToken"


# --- registering and removing -----------------------------------------------------------------------


def test_the_task_is_registered_when_missing_and_left_alone_when_present(tmp_path: Path) -> None:
    fake = FakeSchtasks()
    host = host_with(fake)
    assert ensure_registered(tmp_path / "Daten & Co", host) is None
    assert [call[1] for call in fake.calls] == ["/Query", "/Create"]
    assert list(fake.tasks) == [task_name(USER).casefold()]
    stored = fake.xml(task_name(USER))
    argv = split_windows_command_line(_text(stored, "t:Actions/t:Exec/t:Arguments") or "")
    assert argv[3] == str(tmp_path / "Daten & Co")

    fake.calls.clear()
    assert ensure_registered(tmp_path / "Daten & Co", host) is None
    assert [call[1] for call in fake.calls] == ["/Query"]  # present: not registered again
    assert is_registered(host)


OTHER_INSTALLS = [
    r"D:\Programme\KommuneDesk\python\pythonw.exe",  # an earlier INSTALLDIR, not given at the update
    r"C:\Users\m.yilmaz\AppData\Local\Programs\KommuneDesk\python\pythonw.exe",  # was per user
]


def _exec(fake: FakeSchtasks) -> tuple[list[str], list[str], str | None]:
    """The stored task's action: the program and its arguments as Windows splits them, the folder."""
    stored = fake.xml(task_name(USER))
    return (
        split_windows_command_line(_text(stored, "t:Actions/t:Exec/t:Command") or ""),
        split_windows_command_line(_text(stored, "t:Actions/t:Exec/t:Arguments") or ""),
        _text(stored, "t:Actions/t:Exec/t:WorkingDirectory"),
    )


def _creates(fake: FakeSchtasks) -> list[list[str]]:
    return [call for call in fake.calls if call[1] == "/Create"]


@pytest.mark.parametrize(
    "printed",
    [
        lambda text: text,
        lambda text: "\ufeff" + text,  # with its byte order mark
        lambda text: "\xa0\u25a0" + text,  # the byte order mark read through code page 850
        lambda text: text.replace("\n", "\r\n") + "\r\n",
        lambda text: "".join(ch + "\x00" for ch in text),  # the NULs of UTF-16 read byte by byte
        lambda text: text.replace("Stadt &amp; Land", "STADT &amp; LAND"),  # Windows paths ignore case
    ],
    ids=["plain", "bom", "bom-cp850", "crlf", "utf16-bytes", "case"],
)
def test_an_up_to_date_task_is_left_alone(printed: Callable[[str], str]) -> None:
    fake = FakeSchtasks()
    host = host_with(fake, pythonw=r"C:\Program Files (x86)\Stadt & Land\KommuneDesk\python\pythonw.exe")
    data = Path(r"D:\Daten & Sicherung\Jörg Müller-Weiß\KommuneDesk")
    register(host, data)
    before = dict(fake.tasks)
    name = task_name(USER)
    fake.printed[name.casefold()] = printed(fake.as_printed(name, fake.tasks[name.casefold()][1]))
    fake.calls.clear()
    assert ensure_registered(data, host) is None
    assert fake.calls == [[host.schtasks, "/Query", "/TN", name, "/XML"]]  # read, not registered again
    assert fake.tasks == before


@pytest.mark.parametrize("old_pythonw", OTHER_INSTALLS)
def test_a_task_of_an_install_in_another_folder_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old_pythonw: str
) -> None:
    fake = FakeSchtasks()
    pythonw = _installed_windows(monkeypatch, tmp_path, fake)
    data = tmp_path / "Daten & Co"
    register(host_with(fake, pythonw=old_pythonw), data)  # what the earlier install registered
    fake.calls.clear()

    assert ensure_registered(data) is None
    assert [call[1] for call in fake.calls] == ["/Query", "/Create"]
    assert _creates(fake)[0][-1] == "/F"  # replaces the task, keeps its name
    assert list(fake.tasks) == [task_name(USER).casefold()]
    command, arguments, folder = _exec(fake)
    assert command == [str(pythonw)] and folder == ntpath.dirname(str(pythonw))
    assert arguments[2:4] == ["--data-dir", str(data)]

    fake.calls.clear()
    assert ensure_registered(data) is None  # from now on up to date
    assert [call[1] for call in fake.calls] == ["/Query"]


def test_a_task_for_another_data_folder_is_replaced(tmp_path: Path) -> None:
    fake = FakeSchtasks()
    host = host_with(fake)
    register(host, tmp_path / "alter Datenordner")
    fake.calls.clear()
    assert ensure_registered(tmp_path / "Daten & Co", host) is None
    assert [call[1] for call in fake.calls] == ["/Query", "/Create"] and _creates(fake)[0][-1] == "/F"
    command, arguments, folder = _exec(fake)
    assert command == [PYTHONW] and folder == r"C:\Program Files\KommuneDesk\python"
    assert arguments == [
        "-m",
        "kommune_desk.cli",
        "--data-dir",
        str(tmp_path / "Daten & Co"),
        "backup",
        "--if-due",
    ]


@pytest.mark.parametrize(
    "printed",
    [
        lambda text: "",
        lambda text: text[: len(text) // 2],  # cut off
        lambda text: "INFO: There are no scheduled tasks presently available at your access level.\n",
        lambda text: text.replace("mit/task", "mit/taskx"),  # not a task definition we know
        lambda text: text[: text.index("<Actions")] + "</Task>\n",  # no action at all
        lambda text: text.replace("<Exec>", "<ComHandler><ClassId>{0}</ClassId></ComHandler><Exec>"),
        lambda text: text.replace("</Actions>", "<Exec><Command>cmd.exe</Command></Exec></Actions>"),
    ],
    ids=["empty", "cut-off", "info", "other-namespace", "no-action", "com-handler", "second-exec"],
)
def test_a_task_whose_definition_cannot_be_read_or_is_not_ours_is_replaced(
    tmp_path: Path, printed: Callable[[str], str]
) -> None:
    fake = FakeSchtasks()
    host = host_with(fake)
    register(host, tmp_path)
    name = task_name(USER)
    fake.printed[name.casefold()] = printed(fake.as_printed(name, fake.tasks[name.casefold()][1]))
    fake.calls.clear()
    assert ensure_registered(tmp_path, host) is None
    assert [call[1] for call in fake.calls] == ["/Query", "/Create"] and _creates(fake)[0][-1] == "/F"
    assert _exec(fake)[0] == [PYTHONW]
    fake.calls.clear()
    assert ensure_registered(tmp_path, host) is None  # Windows prints the new definition: readable
    assert [call[1] for call in fake.calls] == ["/Query"]


def test_each_user_has_their_own_task(tmp_path: Path) -> None:
    fake = FakeSchtasks()
    ensure_registered(tmp_path / "a", host_with(fake, user="m.yilmaz"))
    ensure_registered(tmp_path / "b", host_with(fake, user="r.hofmann"))
    assert len(fake.tasks) == 2
    assert unregister(host_with(fake, user="r.hofmann"))
    assert is_registered(host_with(fake, user="m.yilmaz"))


def test_unregister_removes_the_task_and_a_missing_one_is_no_error(tmp_path: Path) -> None:
    fake = FakeSchtasks()
    host = host_with(fake)
    register(host, tmp_path)
    assert unregister(host) is True
    assert fake.tasks == {}
    fake.calls.clear()
    assert unregister(host) is False
    assert [call[1] for call in fake.calls] == ["/Query"]  # nothing to delete, nothing tried


def test_a_refused_registration_is_said_in_german_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    (tmp_path / "temp").mkdir()
    fake = FakeSchtasks()
    register(host_with(fake, user="r.hofmann"), tmp_path)  # someone else's task, made before
    fake.deny = {"/create"}
    before = dict(fake.tasks)
    with caplog.at_level(logging.INFO, logger="kommune_desk"):
        note = ensure_registered(tmp_path / "daten", host_with(fake))
        with pytest.raises(TaskError) as refused:
            register(host_with(fake), tmp_path / "daten")
    assert note is not None
    assert "konnte nicht eingerichtet werden" in note and "Es wurde nichts verändert" in note
    assert "IT-Betreuung" in note
    assert refused.value.returncode == 1 and refused.value.detail == ACCESS_DENIED.strip()
    assert fake.tasks == before
    assert list((tmp_path / "temp").iterdir()) == []  # the XML file is gone again
    assert "exit code 1" in caplog.text
    assert USER not in caplog.text and str(tmp_path) not in caplog.text  # no personal data logged


def test_a_refused_removal_keeps_the_task(tmp_path: Path) -> None:
    fake = FakeSchtasks()
    host = host_with(fake)
    register(host, tmp_path)
    fake.deny = {"/delete"}
    with pytest.raises(TaskError) as refused:
        unregister(host)
    assert "konnte nicht entfernt werden; sie besteht weiter" in refused.value.message
    assert is_registered(host)


def test_without_schtasks_the_app_goes_on(tmp_path: Path) -> None:
    def missing(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
        raise FileNotFoundError(2, "Das System kann die angegebene Datei nicht finden", argv[0])

    host = TaskHost(pythonw=PYTHONW, user=USER, domain="", run=missing)
    note = ensure_registered(tmp_path, host)
    assert note is not None and "schtasks" in note and "sichert weiterhin beim Programmstart" in note


def test_off_windows_there_is_no_task(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeSchtasks()
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(backup_task, "run_schtasks", fake)
    with pytest.raises(TaskUnavailableError) as unavailable:
        this_computer()
    assert unavailable.value.message == ONLY_ON_WINDOWS
    assert ensure_registered(tmp_path) is None
    assert fake.calls == []


def _installed_windows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake: FakeSchtasks) -> Path:
    """Windows with an installed KommuneDesk, as far as our code asks: the platform, pythonw.exe
    beside the running Python, the user's environment and schtasks."""
    payload = tmp_path / "Program Files" / "KommuneDesk" / "python"
    payload.mkdir(parents=True)
    (payload / "pythonw.exe").write_bytes(b"MZ")
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(sys, "executable", str(payload / "python.exe"))
    monkeypatch.setenv("USERNAME", USER)
    monkeypatch.setenv("USERDOMAIN", "RATHAUS")
    monkeypatch.setenv("SYSTEMROOT", r"C:\WINDOWS")
    monkeypatch.setattr(backup_task, "run_schtasks", fake)
    return payload / "pythonw.exe"


def test_on_windows_only_an_installed_kommune_desk_registers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeSchtasks()
    pythonw = _installed_windows(monkeypatch, tmp_path, fake)
    host = this_computer()
    assert (host.pythonw, host.user_id, host.schtasks) == (
        str(pythonw), "RATHAUS\\m.yilmaz", r"C:\WINDOWS\System32\schtasks.exe",
    )  # fmt: skip
    assert ensure_registered(tmp_path / "daten") is None and len(fake.tasks) == 1

    pythonw.unlink()  # a developer's Python, not the installed one
    with pytest.raises(TaskUnavailableError) as unavailable:
        this_computer()
    assert "installiertes KommuneDesk" in unavailable.value.message


@pytest.fixture
def db(demo_dir: Path):  # type: ignore[no-untyped-def]
    database = Database.open(demo_dir)
    yield database
    database.close()


def test_the_start_of_day_backup_registers_the_task_and_backs_up(db: Database) -> None:
    fake = FakeSchtasks()
    state = start_of_day_backup(db, host_with(fake))
    assert state.made is not None and state.task_problem is None
    stored = fake.xml(task_name(USER))
    assert split_windows_command_line(_text(stored, "t:Actions/t:Exec/t:Arguments") or "")[3] == str(
        db.data_dir
    )


def test_a_failing_task_never_costs_the_backup(db: Database) -> None:
    fake = FakeSchtasks(deny=["/Create"])
    state = start_of_day_backup(db, host_with(fake))
    assert state.made is not None and len(list_backups(backup_settings(db).folder)) == 1
    assert state.task_problem is not None and "nicht eingerichtet" in state.task_problem
    assert fake.tasks == {}


def test_a_failing_replacement_is_said_in_german_and_the_backup_still_runs(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeSchtasks()
    register(host_with(fake, pythonw=OTHER_INSTALLS[0]), db.data_dir)  # the earlier install's task
    before = dict(fake.tasks)
    fake.deny = {"/create"}
    with caplog.at_level(logging.INFO, logger="kommune_desk"):
        state = start_of_day_backup(db, host_with(fake))
    assert state.made is not None and len(list_backups(backup_settings(db).folder)) == 1
    assert state.task_problem is not None
    assert "konnte nicht eingerichtet werden" in state.task_problem
    assert "sichert weiterhin beim Programmstart" in state.task_problem
    assert fake.tasks == before  # the old task stays as it was
    assert [call[1] for call in fake.calls[-2:]] == ["/Query", "/Create"]
    assert "exit code 1" in caplog.text
    assert USER not in caplog.text and str(db.data_dir) not in caplog.text and "Programme" not in caplog.text


# --- the CLI --------------------------------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("flag", ["--register-task", "--unregister-task"])
def test_off_windows_the_cli_says_so_and_changes_nothing(
    demo_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, flag: str
) -> None:
    fake = FakeSchtasks()
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(backup_task, "run_schtasks", fake)
    assert run_cli(capsys, "--data-dir", str(demo_dir), "backup", flag) == (2, "", ONLY_ON_WINDOWS + "\n")
    assert fake.calls == [] and not (demo_dir / "sicherungen").exists()


def test_the_cli_registers_and_removes_the_task(
    demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeSchtasks()
    _installed_windows(monkeypatch, tmp_path, fake)
    name = task_name(USER)

    code, out, err = run_cli(capsys, "--data-dir", str(demo_dir), "backup", "--register-task")
    assert (code, err) == (0, "")
    assert out.startswith(
        f"Die geplante Aufgabe »{name}« ist eingerichtet: Sie sichert den Datenordner {demo_dir}"
    )
    assert "täglich um 12:30 Uhr" in out and "nachgeholt" in out
    argv = split_windows_command_line(_text(fake.xml(name), "t:Actions/t:Exec/t:Arguments") or "")
    assert argv[3] == str(demo_dir)
    assert run_cli(capsys, "--data-dir", str(demo_dir), "backup", "--register-task")[0] == 0
    assert len(fake.tasks) == 1  # registered again means replaced (/F)

    code, out, err = run_cli(capsys, "--data-dir", str(demo_dir), "backup", "--unregister-task")
    assert (code, err) == (0, "") and out.startswith(f"Die geplante Aufgabe »{name}« wurde entfernt.")
    assert fake.tasks == {}
    code, out, err = run_cli(capsys, "--data-dir", str(demo_dir), "backup", "--unregister-task")
    assert (code, err) == (0, "")
    assert out == f"Es ist keine geplante Aufgabe »{name}« eingerichtet; es wurde nichts verändert.\n"


def test_the_cli_says_in_german_when_windows_refuses(
    demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeSchtasks(deny=["/Create"])
    _installed_windows(monkeypatch, tmp_path, fake)
    code, out, err = run_cli(capsys, "--data-dir", str(demo_dir), "backup", "--register-task")
    assert (code, out) == (1, "")
    assert "konnte nicht eingerichtet werden. Es wurde nichts verändert" in err
    assert err.rstrip().endswith("Meldung von Windows: ERROR: Access is denied.")
    assert fake.tasks == {}


def test_the_cli_registers_no_task_for_a_folder_without_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeSchtasks()
    _installed_windows(monkeypatch, tmp_path, fake)
    code, out, err = run_cli(capsys, "--data-dir", str(tmp_path / "leer"), "backup", "--register-task")
    assert (code, out) == (1, "") and "noch nicht eingerichtet" in err
    assert fake.tasks == {} and not (tmp_path / "leer").exists()


def test_backup_if_due_backs_up_once_a_day(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "--data-dir", str(demo_dir), "backup", "--if-due")
    assert (code, err) == (0, "") and out.startswith("Sicherung angelegt und geprüft: ")
    made = Path(out.split(": ", 1)[1].strip())
    assert made.parent == demo_dir / "sicherungen" and made.is_dir()
    code, out, err = run_cli(capsys, "--data-dir", str(demo_dir), "backup", "--if-due")
    assert (code, err) == (0, "")
    assert out.startswith("Keine Sicherung nötig: Die letzte Sicherung (") and "jünger als 24 Stunden" in out
    assert len(list_backups(demo_dir / "sicherungen")) == 1


def test_backup_flags_that_do_not_go_together_are_refused(
    demo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "--data-dir", str(demo_dir), "backup", "--if-due", "--to", "X:\\")
    assert (code, out) == (2, "") and "--to und --keep gelten nicht" in err
    with pytest.raises(SystemExit) as wrong:
        cli.main(["--data-dir", str(demo_dir), "backup", "--list", "--register-task"])
    assert wrong.value.code == 2
    assert "nicht zusammen mit Angabe" in capsys.readouterr().err
    assert not (demo_dir / "sicherungen").exists()
