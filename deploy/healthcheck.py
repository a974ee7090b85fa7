"""Health probe for the container: exit 0 when the server answers ``GET /healthz`` with 200, else 1.

The slim image has no curl, so the image's HEALTHCHECK and compose run this with the venv's Python
(standard library only). It asks the server on 127.0.0.1 at ``KOMMUNE_DESK_SERVER_PORT``, over
HTTPS when ``KOMMUNE_DESK_SERVER_SSL_CERTFILE`` is set. /healthz needs no database: a database
outage shows on /readyz, and must not make the orchestrator restart a healthy process.
"""

from __future__ import annotations

import os
import ssl
import sys
import urllib.request
from collections.abc import Mapping

TIMEOUT = 4  # seconds; the HEALTHCHECK allows 5


def probe_url(environ: Mapping[str, str]) -> str:
    """The /healthz address of the server configured by the environment."""
    port = environ.get("KOMMUNE_DESK_SERVER_PORT") or "8765"
    scheme = "https" if environ.get("KOMMUNE_DESK_SERVER_SSL_CERTFILE") else "http"
    return f"{scheme}://127.0.0.1:{port}/healthz"


def main() -> int:
    url = probe_url(os.environ)
    # The certificate names the public host, not 127.0.0.1: this probe checks that the process
    # answers, not who it is. No proxy: HTTP(S)_PROXY must not catch a loopback request.
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
    if url.startswith("https:"):
        handlers.append(urllib.request.HTTPSHandler(context=ssl._create_unverified_context()))
    try:
        with urllib.request.build_opener(*handlers).open(url, timeout=TIMEOUT) as answer:
            status = answer.status
    except (OSError, ValueError) as error:
        print(f"Abgleichsserver antwortet nicht auf {url}: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"Abgleichsserver antwortet auf {url} mit {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
