"""The server's configuration: flags, each with an environment variable; a flag wins.

One table below declares every setting once: its flag, its variable, its help text. Flags and
variables are read as text and checked here, so a wrong value gets the same German message
whichever way it came. ``main`` hands the resolved settings to uvicorn's worker processes as
variables again (:meth:`ServerConfig.environment`), and each worker reads them with
:func:`from_environment`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "KOMMUNE_DESK_SERVER_"
LOG_FORMATS = ("json", "text")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MAX_WORKERS = 64
BLOB_FOLDER = "blobs"  # below the data folder, in SQLite mode


class ConfigError(ValueError):
    """A setting that cannot work; the message is German and names flag and variable."""


@dataclass(frozen=True)
class ServerConfig:
    """Where the server keeps its data and how it listens; ``blob_dir`` may be unset only for
    commands that do not serve (admin, backup)."""

    data_dir: Path | None
    database_url: str | None
    blob_dir: Path | None
    host: str
    port: int
    workers: int
    log_format: str
    ssl_certfile: Path | None
    ssl_keyfile: Path | None
    forwarded_allow_ips: str | None

    @property
    def backend(self) -> str:
        return "postgresql" if self.database_url else "sqlite"

    def check_serving(self) -> None:
        """Refuse what cannot serve: PostgreSQL without a blob folder, several SQLite workers."""
        if self.blob_dir is None:
            raise ConfigError(
                "Mit PostgreSQL braucht der Server einen Ordner für hochgeladene Dateien: "
                f"--blob-dir ORDNER oder {ENV_PREFIX}BLOB_DIR (alle Server-Prozesse müssen ihn erreichen)."
            )
        if self.workers > 1 and self.backend == "sqlite":
            raise ConfigError(
                f"--workers {self.workers} geht nur mit PostgreSQL (--database-url): die eingebettete "
                "SQLite-Datenbank gehört genau einem Prozess. Bitte --workers 1 verwenden."
            )

    def environment(self) -> dict[str, str]:
        """The settings as variables, so a worker process reads exactly what ``main`` resolved."""
        found: dict[str, str] = {}
        for option in _OPTIONS:
            value = getattr(self, option.dest)
            found[option.variable] = "" if value is None else str(value)
        return found


@dataclass(frozen=True)
class _Option:
    flag: str
    metavar: str
    help: str
    parse: Callable[[str, _Option], Any]

    @property
    def dest(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")

    @property
    def variable(self) -> str:
        return ENV_PREFIX + self.dest.upper()

    def refuse(self, value: str, expected: str) -> ConfigError:
        return ConfigError(f"Ungültiger Wert »{value}« für {self.flag} bzw. {self.variable}: {expected}.")


def _text(value: str, _option: _Option) -> str:
    return value.strip()


def _path(value: str, _option: _Option) -> Path:
    return Path(value.strip()).expanduser()


def _database_url(value: str, option: _Option) -> str:
    value = value.strip()
    if not value.startswith(("postgresql://", "postgres://")):
        raise option.refuse(value.split("@")[-1], "erwartet wird eine Adresse postgresql://…")
    return value


def _integer(low: int, high: int) -> Callable[[str, _Option], int]:
    def parse(value: str, option: _Option) -> int:
        try:
            number = int(value.strip())
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            raise option.refuse(value, f"erwartet wird eine ganze Zahl von {low} bis {high}")
        return number

    return parse


def _log_format(value: str, option: _Option) -> str:
    value = value.strip().lower()
    if value not in LOG_FORMATS:
        raise option.refuse(value, "möglich sind json und text")
    return value


_OPTIONS = (
    _Option("--data-dir", "ORDNER", "Datenordner (eingebettete SQLite-Datenbank)", _path),
    _Option("--database-url", "URL", "postgresql://… statt SQLite", _database_url),
    _Option(
        "--blob-dir",
        "ORDNER",
        f"Ordner für hochgeladene Dateien (Standard mit SQLite: DATENORDNER/{BLOB_FOLDER}; "
        "mit PostgreSQL erforderlich)",
        _path,
    ),
    _Option("--host", "ADRESSE", f"Adresse, auf der der Server lauscht (Standard {DEFAULT_HOST})", _text),
    _Option("--port", "PORT", f"Port (Standard {DEFAULT_PORT})", _integer(1, 65535)),
    _Option(
        "--workers",
        "ANZAHL",
        "Anzahl der Server-Prozesse (Standard 1; mehr als 1 nur mit PostgreSQL)",
        _integer(1, MAX_WORKERS),
    ),
    _Option(
        "--log-format",
        "FORMAT",
        "Protokoll auf stderr: json oder text (Standard: json, wenn stderr kein Terminal ist)",
        _log_format,
    ),
    _Option("--ssl-certfile", "DATEI", "TLS-Zertifikat (PEM)", _path),
    _Option("--ssl-keyfile", "DATEI", "privater TLS-Schlüssel (PEM)", _path),
    _Option(
        "--forwarded-allow-ips",
        "ADRESSEN",
        "Reverse-Proxys, deren X-Forwarded-For gilt (kommagetrennt; Standard: keinem vertrauen)",
        _text,
    ),
)
assert {o.dest for o in _OPTIONS} == {f.name for f in fields(ServerConfig)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The server flags, each help text naming its environment variable."""
    for option in _OPTIONS:
        parser.add_argument(
            option.flag, dest=option.dest, metavar=option.metavar, help=f"{option.help}; {option.variable}"
        )


def resolve(args: argparse.Namespace, environ: Mapping[str, str], *, stderr_is_tty: bool) -> ServerConfig:
    """The configuration from parsed flags and the environment; a flag wins over its variable,
    an empty variable counts as unset."""
    values: dict[str, Any] = {}
    for option in _OPTIONS:
        raw = getattr(args, option.dest, None)
        if raw is None:
            raw = environ.get(option.variable) or None
        values[option.dest] = None if raw is None or not raw.strip() else option.parse(raw, option)
    if values["database_url"] is None and values["data_dir"] is None:
        raise ConfigError(
            f"Bitte --data-dir ORDNER (SQLite) oder --database-url postgresql://… angeben "
            f"(oder {ENV_PREFIX}DATA_DIR bzw. {ENV_PREFIX}DATABASE_URL setzen)."
        )
    if (values["ssl_certfile"] is None) != (values["ssl_keyfile"] is None):
        raise ConfigError("Für TLS bitte beides angeben: --ssl-certfile und --ssl-keyfile.")
    if values["blob_dir"] is None and values["database_url"] is None:
        values["blob_dir"] = values["data_dir"] / BLOB_FOLDER
    values["host"] = values["host"] or DEFAULT_HOST
    values["port"] = values["port"] or DEFAULT_PORT
    values["workers"] = values["workers"] or 1
    values["log_format"] = values["log_format"] or ("text" if stderr_is_tty else "json")
    return ServerConfig(**values)


def from_environment(environ: Mapping[str, str]) -> ServerConfig:
    """The configuration from variables alone, as a worker process reads it."""
    return resolve(argparse.Namespace(), environ, stderr_is_tty=False)
