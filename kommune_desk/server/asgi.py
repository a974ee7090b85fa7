"""The ASGI entry point each uvicorn worker process calls (``factory=True``).

uvicorn needs an import string to start several workers; ``main`` uses it for one worker too,
so there is one way to start. ``main`` has prepared the schema and put its resolved settings
into the environment (:meth:`ServerConfig.environment`) before uvicorn starts; each worker
reads them, opens its own connection(s) and closes them when it shuts down.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from . import config
from .db import ServerDatabase, open_server_database

FACTORY = "kommune_desk.server.asgi:create_app_from_environment"
log = logging.getLogger("kommune_desk.server")


def create_app_from_environment() -> FastAPI:
    """The app on this worker's own database connection, configured by the environment."""
    try:
        from .app import create_app

        settings = config.from_environment(os.environ)
        db = open_server_database(settings.data_dir, settings.database_url)
        app = create_app(db, blob_dir=settings.blob_dir)
    except Exception:
        # Through the server's log (JSON lines), not as a bare traceback of the worker process.
        log.exception("Server-Prozess konnte nicht starten")
        raise SystemExit(1) from None
    _close_at_shutdown(app, db)
    return app


def _close_at_shutdown(app: FastAPI, db: ServerDatabase) -> None:
    """Close ``db`` after the app's own lifespan has ended (PostgreSQL: the pool's connections)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: Any) -> AsyncIterator[Any]:
        try:
            async with inner(running) as state:
                yield state
        finally:
            db.close()

    app.router.lifespan_context = lifespan
