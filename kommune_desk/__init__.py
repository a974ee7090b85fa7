"""KommuneDesk: offline-first desktop administration for Hessian town halls."""

from __future__ import annotations

from pathlib import Path

APP_NAME = "KommuneDesk"
ORGANIZATION = "KommuneDesk"
DISTRIBUTION = "kommune-desk"
# The sync server alone (server/pyproject.toml) ships this package too, under its own name.
SERVER_DISTRIBUTION = "kommune-desk-server"


def __getattr__(name: str) -> str:
    """``__version__``, read when asked: its one home is pyproject.toml (the installed metadata of the
    desktop or the server distribution).

    Lazily, because importlib.metadata would cost the window's start several milliseconds.
    """
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    for distribution in (DISTRIBUTION, SERVER_DISTRIBUTION):
        try:
            return version(distribution)
        except PackageNotFoundError:
            continue
    import tomllib  # a source tree that was never installed

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    with pyproject.open("rb") as stream:
        return str(tomllib.load(stream)["project"]["version"])
