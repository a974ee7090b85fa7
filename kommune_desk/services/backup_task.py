"""The daily backup as a scheduled task of the Windows user (Aufgabenplanung), so it also runs on
days nobody opens KommuneDesk.

One task per Windows user (tasks share one namespace per computer), in the root folder (a standard
user may not create task folders), registered from a Task Scheduler XML (schema 1.2, UTF-16)
with ``schtasks``. It runs ``pythonw.exe -m kommune_desk.cli --data-dir … backup --if-due`` daily
at 12:30, and as soon as possible after a missed start; ``--if-due`` backs up only when the last
good backup is older than a day, so the app's own backup at start and the task never double up.

The app makes sure of the task at start, in the daily backup's worker: it registers it when it is
missing, and replaces it when its action points elsewhere (KommuneDesk reinstalled into another
folder, so the registered ``pythonw.exe`` is gone; or the app now runs with another data folder).
A failure is logged (exit code only) and never stops the app or the backup. The OS boundary is one
callable, ``run_schtasks``, and the values read in :func:`this_computer`: the tests put a fake
``schtasks`` there and run everything else for real.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import ntpath
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException

from .backups import BackupState, daily_backup, file_name_safe

if TYPE_CHECKING:
    from kommune_desk.storage.database import Database

log = logging.getLogger(__name__)

TASK_PREFIX = "KommuneDesk Datensicherung"
DAILY_AT = dt.time(12, 30)
TASK_NAMESPACE = "http://schemas.microsoft.com/windows/2004/02/mit/task"
# A date in the past: the trigger starts from there, every day at DAILY_AT local time.
_START_DAY = dt.date(2025, 1, 1)
ONLY_ON_WINDOWS = "Die geplante Aufgabe gibt es nur unter Windows."
_TASK_DESCRIPTION = (
    "Legt einmal täglich eine geprüfte Sicherung des KommuneDesk-Datenordners an, wenn die letzte "
    "Sicherung älter als 24 Stunden ist. War der Rechner zur geplanten Zeit ausgeschaltet, wird die "
    "Sicherung nachgeholt. Eingerichtet von KommuneDesk; entfernen mit "
    "»kommune-desk-cli backup --unregister-task«."
)

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


def run_schtasks(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """The OS boundary: run ``schtasks`` and collect its answer, without a console window."""
    windows = sys.platform == "win32"
    return subprocess.run(
        list(argv),
        capture_output=True,
        text=True,
        encoding="oem" if windows else None,  # schtasks writes in the console's code page
        errors="replace",
        timeout=60,
        check=False,
        creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0) if windows else 0,
    )


class TaskUnavailableError(Exception):
    """No scheduled task on this computer (not Windows, or not an installed KommuneDesk)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TaskError(Exception):
    """``schtasks`` refused or failed; the German message says what was kept and what to do."""

    def __init__(self, message: str, returncode: int | None, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.returncode = returncode  # for the log; never the output, it names the user
        self.detail = detail  # what Windows said (first line), for the admin at the console


@dataclass(frozen=True)
class TaskHost:
    """The Windows side: which Python runs the task, as whom, and how ``schtasks`` is called."""

    pythonw: str  # full path of pythonw.exe in the installed payload
    user: str  # %USERNAME%
    domain: str  # %USERDOMAIN% (the computer's name for a local account)
    schtasks: str = r"C:\Windows\System32\schtasks.exe"
    run: Runner = run_schtasks

    @property
    def task_name(self) -> str:
        return task_name(self.user)

    @property
    def user_id(self) -> str:
        return f"{self.domain}\\{self.user}" if self.domain and self.user else self.user


def this_computer() -> TaskHost:
    """This computer's task host; TaskUnavailableError (German) off Windows or without an install.

    Only an installed KommuneDesk registers a task: ``pythonw.exe`` beside the running Python.
    """
    if sys.platform != "win32":
        raise TaskUnavailableError(ONLY_ON_WINDOWS)
    pythonw = Path(sys.executable).with_name("pythonw.exe")
    if not pythonw.is_file():
        raise TaskUnavailableError(
            "Die geplante Aufgabe lässt sich nur für ein installiertes KommuneDesk einrichten "
            f"(neben {sys.executable} fehlt pythonw.exe). Es wurde nichts verändert."
        )
    system_root = os.environ.get("SYSTEMROOT") or r"C:\Windows"
    return TaskHost(
        pythonw=str(pythonw),
        user=os.environ.get("USERNAME", ""),
        domain=os.environ.get("USERDOMAIN", ""),
        schtasks=ntpath.join(system_root, "System32", "schtasks.exe"),
        run=run_schtasks,  # looked up now, so a test's fake takes its place
    )


def task_name(user: str) -> str:
    """The task's name, one per Windows user, e.g. ``KommuneDesk Datensicherung (m.yilmaz)``."""
    clean = file_name_safe(user)  # a task name is a file name under C:\Windows\System32\Tasks
    return f"{TASK_PREFIX} ({clean})" if clean else TASK_PREFIX


def quote_argument(text: str) -> str:
    """``text`` as one argument of a Windows command line (the C runtime's rules, as CreateProcess
    hands it on; quoted where it holds spaces, backslashes before a quote doubled)."""
    return subprocess.list2cmdline([text])


def task_arguments(data_dir: str) -> str:
    """What pythonw.exe gets: the CLI's ``backup --if-due`` for ``data_dir``."""
    return f"-m kommune_desk.cli --data-dir {quote_argument(data_dir)} backup --if-due"


def task_xml(host: TaskHost, data_dir: str) -> bytes:
    """The task definition: Task Scheduler schema 1.2, UTF-16 LE with BOM, as ``schtasks /XML`` wants."""
    task = ET.Element("Task", {"version": "1.2", "xmlns": TASK_NAMESPACE})
    info = _sub(task, "RegistrationInfo")
    _sub(info, "Author", "KommuneDesk")
    _sub(info, "Description", _TASK_DESCRIPTION)
    trigger = _sub(_sub(task, "Triggers"), "CalendarTrigger")  # its children in the schema's order
    _sub(trigger, "Enabled", "true")
    _sub(trigger, "StartBoundary", dt.datetime.combine(_START_DAY, DAILY_AT).isoformat())  # local time
    _sub(trigger, "RandomDelay", "PT10M")  # not every workstation at once on the backup share
    _sub(_sub(trigger, "ScheduleByDay"), "DaysInterval", "1")
    principal = _sub(_sub(task, "Principals"), "Principal", id="Author")
    if host.user_id:  # without it, Windows takes the user who registers the task
        _sub(principal, "UserId", host.user_id)
    _sub(principal, "LogonType", "InteractiveToken")  # runs while the user is logged on, no password
    _sub(principal, "RunLevel", "LeastPrivilege")
    settings = _sub(task, "Settings")
    for name, value in (
        ("MultipleInstancesPolicy", "IgnoreNew"),
        ("DisallowStartIfOnBatteries", "false"),
        ("StopIfGoingOnBatteries", "false"),
        ("AllowHardTerminate", "true"),
        ("StartWhenAvailable", "true"),  # after a missed start (the computer was off)
        ("RunOnlyIfNetworkAvailable", "false"),
        ("AllowStartOnDemand", "true"),
        ("Enabled", "true"),
        ("Hidden", "false"),
        ("RunOnlyIfIdle", "false"),
        ("WakeToRun", "false"),
        ("ExecutionTimeLimit", "PT1H"),
        ("Priority", "7"),
    ):
        _sub(settings, name, value)
    idle = _sub(settings, "IdleSettings")
    _sub(idle, "StopOnIdleEnd", "false")
    _sub(idle, "RestartOnIdle", "false")
    action = _sub(_sub(task, "Actions", Context="Author"), "Exec")
    _sub(action, "Command", quote_argument(host.pythonw))
    _sub(action, "Arguments", task_arguments(data_dir))
    # Not the data folder: ``-m`` would look for modules there. Never in quotes (Windows takes them
    # as part of the folder's name).
    _sub(action, "WorkingDirectory", ntpath.dirname(host.pythonw))
    ET.indent(task, space="  ")
    text = '<?xml version="1.0" encoding="UTF-16"?>\n' + ET.tostring(task, encoding="unicode") + "\n"
    return ("\ufeff" + text).encode("utf-16-le")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


_Action = tuple[str, str, str]  # an Exec action's Command, Arguments, WorkingDirectory
_DECLARATION = re.compile(r"<\?xml[^>]*\?>")


def task_actions(text: str) -> list[_Action] | None:
    """The Exec actions of a task definition as ``schtasks /Query /XML`` prints it, made comparable;
    None if it cannot be read.

    schtasks prints the definition as text in the console's code page, while its declaration still
    says UTF-16, perhaps behind a byte order mark: both go before parsing (ElementTree refuses a
    string that declares UTF-16). Compared as Windows reads the values: surrounding blanks, a path's
    quotes and case do not count.
    """
    text = text.replace("\x00", "")  # no XML holds NUL; what is left of UTF-16 read byte by byte
    start = text.find("<")  # past a byte order mark, however it was decoded
    if start < 0:
        return None
    text = text[start:]
    declaration = _DECLARATION.match(text)
    if declaration:
        text = text[declaration.end() :]
    try:
        root = DefusedET.fromstring(text)  # what Windows printed: no entities, no external references
    except (ET.ParseError, ValueError, DefusedXmlException):
        return None
    if root.tag != f"{{{TASK_NAMESPACE}}}Task":
        return None
    ns = {"t": TASK_NAMESPACE}
    actions: list[_Action] = []
    for action in root.findall("t:Actions/*", ns):
        if action.tag != f"{{{TASK_NAMESPACE}}}Exec":
            return None  # not one of ours (a COM handler, an e-mail): replace it
        command, arguments, folder = (
            (action.findtext(f"t:{name}", "", ns) or "").strip()
            for name in ("Command", "Arguments", "WorkingDirectory")
        )
        actions.append((command.strip('"').casefold(), arguments.casefold(), folder.strip('"').casefold()))
    return actions or None


def is_registered(host: TaskHost) -> bool:
    """Whether the user's task exists (``schtasks /Query``; any failure counts as missing)."""
    return _call(host, "/Query", "/TN", host.task_name).returncode == 0


def register(host: TaskHost, data_dir: Path | str) -> None:
    """Create the task, or replace the user's existing one (``/F``); TaskError (German) on failure."""
    fd, xml_path = tempfile.mkstemp(prefix="kommune-desk-aufgabe-", suffix=".xml")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(task_xml(host, str(data_dir)))
        done = _call(host, "/Create", "/TN", host.task_name, "/XML", xml_path, "/F")
    finally:
        Path(xml_path).unlink(missing_ok=True)
    if done.returncode != 0:
        raise TaskError(
            f"Die geplante Aufgabe »{host.task_name}« für die tägliche Sicherung konnte nicht eingerichtet "
            "werden. Es wurde nichts verändert; KommuneDesk sichert weiterhin beim Programmstart. "
            "Bitte wenden Sie sich an Ihre IT-Betreuung.",
            done.returncode,
            _first_line(done),
        )
    log.info("scheduled backup task registered")


def unregister(host: TaskHost) -> bool:
    """Remove the user's task; False if there is none. TaskError (German) if Windows refuses."""
    if not is_registered(host):
        return False
    done = _call(host, "/Delete", "/TN", host.task_name, "/F")
    if done.returncode != 0:
        raise TaskError(
            f"Die geplante Aufgabe »{host.task_name}« konnte nicht entfernt werden; sie besteht weiter. "
            "Bitte wenden Sie sich an Ihre IT-Betreuung.",
            done.returncode,
            _first_line(done),
        )
    log.info("scheduled backup task removed")
    return True


def _call(host: TaskHost, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [host.schtasks, *args]
    try:
        return host.run(argv)
    except (OSError, subprocess.SubprocessError) as exc:  # schtasks missing, blocked or hanging
        log.warning("schtasks could not run: %s", type(exc).__name__)
        raise TaskError(
            "Die Aufgabenplanung von Windows (schtasks) ist nicht erreichbar. Es wurde nichts verändert; "
            "KommuneDesk sichert weiterhin beim Programmstart. Bitte wenden Sie sich an Ihre IT-Betreuung.",
            None,
        ) from exc


def _first_line(done: subprocess.CompletedProcess[str]) -> str:
    for text in (done.stderr, done.stdout):
        for line in (text or "").splitlines():
            if line.strip():
                return line.strip()
    return ""


def is_current(host: TaskHost, data_dir: Path | str) -> bool:
    """Whether the user's task exists and runs what :func:`register` would register now: the same
    ``pythonw.exe``, data folder and working folder (``schtasks /Query /XML``). Missing, unreadable
    or any failure of schtasks counts as not current."""
    done = _call(host, "/Query", "/TN", host.task_name, "/XML")
    if done.returncode != 0:
        return False
    registered = task_actions(done.stdout or "")
    wanted = task_actions(task_xml(host, str(data_dir)).decode("utf-16"))
    return registered is not None and registered == wanted


def ensure_registered(data_dir: Path, host: TaskHost | None = None) -> str | None:
    """At app start: register the task when it is missing, or replace it when its action differs
    from the one it would get now (another install folder or data folder). A German note if that
    failed, else None.

    Never raises: without Windows or an installed KommuneDesk there is nothing to do, and a failure
    is logged (exit code only) and left to the note, so the backup and the app go on.
    """
    try:
        chosen = host or this_computer()
    except TaskUnavailableError:
        return None
    try:
        if is_current(chosen, data_dir):
            return None
        register(chosen, data_dir)  # /F: replaces a task that points elsewhere
    except TaskError as exc:
        log.warning("scheduled backup task not registered (schtasks exit code %s)", exc.returncode)
        return exc.message
    except Exception as exc:  # a surprise must not cost the day's backup
        log.error("scheduled backup task not registered: %s", type(exc).__name__)
        return (
            "Die geplante Aufgabe für die tägliche Sicherung konnte nicht eingerichtet werden. "
            "KommuneDesk sichert weiterhin beim Programmstart."
        )
    return None


def start_of_day_backup(db: Database, host: TaskHost | None = None) -> BackupState:
    """What the app runs after start, in a worker: the scheduled task made sure of, then the
    daily backup (which runs whatever became of the task)."""
    note = ensure_registered(db.data_dir, host)
    return dataclasses.replace(daily_backup(db), task_problem=note)
