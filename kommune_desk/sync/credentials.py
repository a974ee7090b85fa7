"""The workstation's tokens, kept in the operating system's keyring (Windows Credential Manager).

Never in a plain file of ours: without a usable keyring backend, enrolment and sync stop with a
German explanation. On a headless machine an admin chooses a backend explicitly with keyring's
standard ``PYTHON_KEYRING_BACKEND`` (the tests do the same).
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import asdict, dataclass

from kommune_desk.domain.protocol import TokenResponse

from .errors import SyncError

SERVICE = "KommuneDesk-Abgleich"


@dataclass(frozen=True)
class Credentials:
    client_id: str
    access_token: str
    refresh_token: str
    access_expires_at: float  # time.time() seconds
    # Set (and stored) before a refresh is sent, cleared with its answer: if the answer is lost,
    # the same request goes again and the server answers it instead of seeing a copied token.
    refresh_request: str | None = None

    @classmethod
    def from_answer(cls, answer: TokenResponse) -> Credentials:
        """The tokens of an enrolment, refresh or rebind answer; expiry on this machine's clock."""
        return cls(
            answer.client_id, answer.access_token, answer.refresh_token, time.time() + answer.expires_in
        )


def _keyring():  # type: ignore[no-untyped-def]
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or (
        type(backend).__name__ == "Keyring" and "null" in type(backend).__module__
    ):
        raise SyncError(
            "Auf diesem Rechner steht kein sicherer Schlüsselspeicher zur Verfügung (z. B. die Windows-"
            "Anmeldeinformationsverwaltung). Ohne ihn kann der Abgleich nicht eingerichtet werden. "
            "Bitte wenden "
            "Sie sich an Ihre IT-Betreuung."
        )
    if hasattr(type(backend), "persist"):  # the Credential Manager: keep them on this PC only
        # (keyring's default "enterprise" would copy a workstation's tokens to every PC the
        # user logs on to with a roaming profile)
        backend.persist = "local machine"
    return keyring


def ensure_available() -> None:
    """Raise the German SyncError now if no usable keyring exists (before a code is spent)."""
    _keyring()


def _account(store_id: str) -> str:
    return f"arbeitsplatz:{store_id}"


def load(store_id: str) -> Credentials | None:
    """The tokens of this data folder (``store_id`` is its database's id), or None."""
    raw = _keyring().get_password(SERVICE, _account(store_id))
    if not raw:
        return None
    try:
        return Credentials(**json.loads(raw))
    except (TypeError, ValueError):
        return None


def save(store_id: str, credentials: Credentials) -> None:
    try:
        _keyring().set_password(SERVICE, _account(store_id), json.dumps(asdict(credentials)))
    except SyncError:
        raise
    except Exception as exc:  # any backend failure: locked keychain, no D-Bus, …
        raise SyncError(
            "Die Anmeldedaten konnten nicht im Schlüsselspeicher des Rechners abgelegt werden. "
            "Bitte wenden Sie sich an Ihre IT-Betreuung."
        ) from exc


def forget(store_id: str) -> None:
    import keyring.errors

    with contextlib.suppress(keyring.errors.PasswordDeleteError):
        _keyring().delete_password(SERVICE, _account(store_id))
