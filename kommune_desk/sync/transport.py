"""HTTP to the sync server (httpx): system proxy and the system's certificate store (truststore),
timeouts, and every failure turned into a German SyncError."""

from __future__ import annotations

import functools
from typing import Any

from kommune_desk.domain.protocol import (
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    SCHEMA_HEADER,
    ProtocolError,
    parse,
)
from kommune_desk.domain.replication import PROBLEM_HEADER, WORKSTATION_REVOKED

from .errors import (
    REVOKED,
    NotAuthorisedError,
    OfflineError,
    ProtocolMismatchError,
    ServerBusyError,
    SyncError,
    UpdateRequiredError,
    WorkstationRevokedError,
)

TIMEOUT_S = 30.0
OFFLINE = "Der Abgleichsserver ist nicht erreichbar. Ihre Änderungen bleiben gespeichert."
_BUSY = "Der Abgleichsserver ist gerade überlastet oder gestört. Es wird später erneut versucht."
_KEPT = "Es wurde nichts verändert; Ihre Änderungen bleiben gespeichert."
UNEXPECTED_ANSWER = "Der Abgleichsserver hat eine unerwartete Antwort geschickt ({where}). " + _KEPT


def other_protocol(server: str) -> str:
    """The German message for a server that speaks another protocol version."""
    return (
        f"Der Abgleichsserver spricht eine andere Version des Abgleichs ({server}) als diese "
        f"KommuneDesk-Version ({PROTOCOL_VERSION}). Bitte wenden Sie sich an die Kreis-IT: Server und "
        f"Arbeitsplätze brauchen zueinander passende Versionen. {_KEPT}"
    )


@functools.cache
def _tls_context() -> Any:
    """The system's certificate store (truststore: Windows' store, with the Kreis' own CA), made
    once per process: loading it costs more than a sync round. Also given for http:// servers,
    so httpx does not build a context of its own every time."""
    import ssl

    import truststore

    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class Transport:
    """One HTTP client to one server; ``schema`` is the local database schema (handshake)."""

    def __init__(self, base_url: str, schema: int, *, timeout: float = TIMEOUT_S) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        # trust_env: the system proxy settings (HTTPS_PROXY, Windows: the IE/WinINet proxy via env).
        self._client = httpx.Client(
            base_url=self.base_url, timeout=timeout, verify=_tls_context(), trust_env=True,
            headers={SCHEMA_HEADER: str(schema), PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                     "User-Agent": "KommuneDesk"},
        )  # fmt: skip

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        shape: type | None = None,
    ) -> Any:
        """Send one request; return the decoded JSON (checked as ``shape`` when given: an instance
        of it) or bytes for files; raise SyncError otherwise."""
        import httpx

        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._client.request(method, path, json=json, content=content, headers=headers)
        except (httpx.TransportError, OSError) as exc:
            raise OfflineError(OFFLINE) from exc
        answer = _answer(response)
        if path.startswith("/v1/"):
            spoken = response.headers.get(PROTOCOL_HEADER, "")
            if spoken != str(PROTOCOL_VERSION):
                raise ProtocolMismatchError(other_protocol(spoken or "unbekannt"))
        if shape is None:
            return answer
        try:
            return parse(shape, answer)
        except ProtocolError as exc:
            raise SyncError(UNEXPECTED_ANSWER.format(where=exc)) from exc

    def probe(self) -> bool:
        """Is the server reachable right now? (cheap, no authentication)"""
        try:
            self.request("GET", "/healthz")
        except SyncError:
            return False
        return True


def _answer(response: Any) -> Any:
    status = response.status_code
    if 200 <= status < 300:
        if status == 204:
            return None
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.content
    detail = _detail(response)
    if status == 401:
        if response.headers.get(PROBLEM_HEADER) == WORKSTATION_REVOKED:
            raise WorkstationRevokedError(REVOKED)
        raise NotAuthorisedError(detail or "Die Anmeldung dieses Arbeitsplatzes ist ungültig.")
    if status == 426:
        raise UpdateRequiredError(detail or "Bitte installieren Sie die aktuelle KommuneDesk-Version.")
    if status == 429 or status >= 500:
        raise ServerBusyError(detail if status == 429 and detail else _BUSY, _retry_after(response))
    raise SyncError(detail or f"Der Abgleichsserver hat die Anfrage abgelehnt (HTTP {status}).")


def _detail(response: Any) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        return ""
    return detail if isinstance(detail, str) else ""


def _retry_after(response: Any) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None
