"""The sync server's HTTP API (FastAPI). Everything a client may read follows from its token.

Logs name the route, the status and the time taken; never a body, a token or a name.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.domain.protocol import (
    PROTOCOL_VERSION,
    Accepted,
    Comparison,
    EnrolRequest,
    EnrolResponse,
    Hello,
    MutationOutcome,
    Problem,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    RefreshRequest,
    TokenResponse,
    UsageEvents,
)
from kommune_desk.domain.replication import PROBLEM_HEADER, WORKSTATION_REVOKED, municipality_scope

from . import auth, entities, exchange, metrics, schema, statistics
from .arbiter import Principal
from .blobs import BlobStore, Received
from .db import ServerDatabase, SqliteServerDatabase, TransientError, UnavailableError
from .limits import BodySizeLimit, RateLimiter
from .observe import RequestObserver

log = logging.getLogger("kommune_desk.server")

# The oldest client database schema this server understands (migration 6 brought sync).
MIN_CLIENT_SCHEMA = 6
_NO_ACCESS = "Die Anmeldung dieses Arbeitsplatzes ist ungültig oder abgelaufen."
_REVOKED = (
    "Dieser Arbeitsplatz ist für den Abgleich gesperrt. Er braucht einen neuen Einrichtungscode der "
    "Kreis-IT; die noch nicht übertragenen Änderungen bleiben erhalten."
)
_NOT_FOUND = "Nicht gefunden."
_BUSY = "Der Abgleichsserver ist gerade ausgelastet. Es wird gleich erneut versucht."
_DATABASE_DOWN = (
    "Die Datenbank des Abgleichsservers ist gerade nicht erreichbar. Es wird später erneut versucht."
)
_RETRY_AFTER_S = "5"
_BINARY = {"type": "string", "format": "binary"}
_RESPONSES: dict[int | str, dict] = {
    401: {"model": Problem}, 404: {"model": Problem}, 413: {"model": Problem},
    422: {"model": Problem}, 426: {"model": Problem}, 429: {"model": Problem},
}  # fmt: skip


def default_blob_dir(db: ServerDatabase) -> Path:
    """Beside the SQLite file; PostgreSQL has no folder of its own, so it must be named."""
    if isinstance(db, SqliteServerDatabase):
        return db.path.parent / "blobs"
    raise ValueError("Mit PostgreSQL braucht der Server einen Ordner für Dateien (--blob-dir).")


def create_app(
    db: ServerDatabase,
    *,
    blob_dir: Path | None = None,
    token_rate: tuple[int, float] = (20, 60.0),
    min_client_schema: int = MIN_CLIENT_SCHEMA,
) -> FastAPI:
    """The ASGI app on ``db`` (schema already created) with uploaded files in ``blob_dir``
    (default: beside the SQLite file); ``min_client_schema`` is the oldest workstation database
    it syncs with.

    Handlers that touch the database, a file or a ZIP are plain ``def`` (run in the thread pool)
    or hand that work to it: the event loop only moves bytes, so /healthz always answers."""
    app = FastAPI(
        title="KommuneDesk Sync",
        version=str(PROTOCOL_VERSION),
        description="Abgleich der KommuneDesk-Arbeitsplätze (Anträge, Statistik, Geräte-Pool).",
        responses=_RESPONSES,
    )
    token_limiter = RateLimiter(*token_rate)
    blobs = BlobStore(blob_dir or default_blob_dir(db))
    db.on_retry = metrics.RETRIES.inc

    def limit_token_requests(request: Request) -> None:
        key = request.client.host if request.client else "?"
        wait = token_limiter.retry_after(key)
        if wait:
            raise HTTPException(
                429, "Zu viele Anmeldeversuche. Bitte später erneut versuchen.", {"Retry-After": str(wait)}
            )

    def client_version(
        x_kommunedesk_schema: Annotated[int | None, Header()] = None,
        x_kommunedesk_protocol: Annotated[int | None, Header()] = None,
    ) -> None:
        if x_kommunedesk_protocol is not None and x_kommunedesk_protocol != PROTOCOL_VERSION:
            # Nothing of such a client is read: its requests may mean something else here.
            raise HTTPException(
                426,
                f"Diese KommuneDesk-Version spricht eine andere Version des Abgleichs "
                f"({x_kommunedesk_protocol}) als der Abgleichsserver ({PROTOCOL_VERSION}). Bitte wenden "
                "Sie sich an die Kreis-IT; Ihre noch nicht übertragenen Änderungen bleiben erhalten.",
            )
        if x_kommunedesk_schema is not None and x_kommunedesk_schema < min_client_schema:
            raise HTTPException(
                426,
                "Diese KommuneDesk-Version ist zu alt für den Abgleich. Bitte installieren Sie die aktuelle "
                "Version; Ihre noch nicht übertragenen Änderungen bleiben erhalten.",
            )

    def principal(
        authorization: Annotated[str | None, Header()] = None, _: None = Depends(client_version)
    ) -> Principal:
        token = (authorization or "").removeprefix("Bearer ").strip()
        who = auth.authenticate(db, token) if token else auth.Refusal.INVALID
        if isinstance(who, auth.Refusal):
            raise _not_authorised(who)
        return who

    def portal(authorization: Annotated[str | None, Header()] = None) -> str:
        token = (authorization or "").removeprefix("Bearer ").strip()
        municipality_id = auth.portal_municipality(db, token) if token else None
        if municipality_id is None:
            raise HTTPException(
                401, "Die Zugangsdaten des Portals sind ungültig.", {"WWW-Authenticate": "Bearer"}
            )
        return municipality_id

    @app.get("/healthz", summary="Lebt der Serverprozess?")
    async def healthz() -> dict[str, str]:
        # async on purpose: answered by the event loop itself, however busy the thread pool is.
        return {"status": "ok"}

    @app.get("/readyz", summary="Bereit: Datenbank erreichbar, Schema aktuell")
    def readyz() -> JSONResponse:
        try:
            db.ping()
            with db.transaction() as tx:
                current = schema.is_current(tx)
        except (UnavailableError, TransientError):
            return JSONResponse({"status": "Datenbank nicht erreichbar"}, status_code=503)
        if not current:
            return JSONResponse(
                {"status": "Datenbankschema passt nicht zu dieser Serverversion"}, status_code=503
            )
        return JSONResponse({"status": "ok"})

    @app.get("/metrics", summary="Kennzahlen (Prometheus)", response_class=Response)
    def prometheus() -> Response:
        body, content_type = metrics.scrape(lambda: _pending_submissions(db))
        return Response(body, media_type=content_type)

    @app.post("/v1/enrol", response_model=EnrolResponse, dependencies=[Depends(limit_token_requests)])
    def enrol(body: EnrolRequest) -> EnrolResponse:
        """Exchange an office's one-time enrolment code for this client's tokens."""
        try:
            enrolled = auth.enrol(
                db, body.code, body.client_name, body.expected_office_id, body.previous_client_id
            )
        except auth.OfficeMismatchError as exc:
            raise HTTPException(
                409,
                "Der Einrichtungscode gehört zu einer anderen Dienststelle als die Daten dieses "
                "Arbeitsplatzes. Der Code bleibt gültig. Bitte fragen Sie die Administration.",
            ) from exc
        if enrolled is None:
            raise HTTPException(401, auth.INVALID_CODE)
        tokens, office_id, municipality_id, workstation = enrolled
        with db.transaction() as tx:
            epoch = exchange.epoch(tx)
        who = Principal(tokens.client_id, office_id, municipality_id)
        return EnrolResponse(
            **tokens.__dict__, office_id=office_id, municipality_id=municipality_id,
            scopes=list(who.scopes), epoch=epoch, workstation=workstation,
        )  # fmt: skip

    @app.post("/v1/token", response_model=TokenResponse, dependencies=[Depends(limit_token_requests)])
    def token(body: RefreshRequest) -> TokenResponse:
        """Rotate the refresh token: new access and refresh tokens, the old refresh token is spent.

        The same request again (same ``request_id``) after its answer was lost is answered anew."""
        tokens = auth.refresh(db, body.refresh_token, body.request_id)
        if isinstance(tokens, auth.Refusal):
            raise _not_authorised(tokens)
        return TokenResponse(**tokens.__dict__)

    @app.get("/v1/hello", response_model=Hello)
    def hello(
        who: Principal = Depends(principal),
        x_kommunedesk_outbox: Annotated[str | None, Header()] = None,
    ) -> Hello:
        """Handshake: protocol, epoch, this client's scopes and the last sequence number processed.

        The client says how many changes wait in its outbox (``X-KommuneDesk-Outbox``), for the
        Kreis IT's overview (``admin status``)."""
        pending, oldest = parse_outbox_report(x_kommunedesk_outbox)
        with db.transaction() as tx:
            row = tx.one("SELECT last_seq FROM clients WHERE id = ?", (who.client_id,))
            tx.execute(
                "UPDATE clients SET last_seen_at = ?, outbox_pending = ?, outbox_oldest_at = ? WHERE id = ?",
                (utc_now_iso(), pending, oldest, who.client_id),
            )
            epoch = exchange.epoch(tx)
        return Hello(
            protocol=PROTOCOL_VERSION, min_client_schema=min_client_schema, epoch=epoch,
            client_id=who.client_id, office_id=who.office_id, municipality_id=who.municipality_id,
            scopes=list(who.scopes), last_seq=int(row[0]) if row else 0, server_time=utc_now_iso(),
        )  # fmt: skip

    @app.post("/v1/rebind", response_model=TokenResponse)
    def rebind(who: Principal = Depends(principal)) -> TokenResponse:
        """Continue under a new client id after the client's database was restored from a copy."""
        return TokenResponse(**auth.rebind(db, who).__dict__)

    @app.post("/v1/push", response_model=PushResponse)
    def push(body: PushRequest, who: Principal = Depends(principal)) -> PushResponse:
        """Process outbox mutations in sequence order; each outcome is stored and repeated on resend."""
        result = exchange.push(db, who, [dict(vars(m)) for m in body.mutations])
        metrics.PUSHED.observe(len(body.mutations))
        for answer in result.results:
            metrics.OUTCOMES.labels(answer["outcome"]).inc()
        return PushResponse(
            results=[MutationOutcome(**r) for r in result.results],
            expected_seq=result.expected_seq,
            stale_client=result.stale_client,
        )

    @app.post("/v1/pull", response_model=PullResponse)
    def pull(body: PullRequest, who: Principal = Depends(principal)) -> Response:
        """One page of changes of a scope the token may read."""
        if body.scope not in who.scopes:
            raise HTTPException(404, _NOT_FOUND)
        page = exchange.pull(db, who, body.scope, body.cursor, body.epoch, body.limit)
        metrics.PULLED.observe(len(page.changes))
        # Pages are large and made of the server's own stored JSON: sent as stored, not re-validated.
        return Response(page.to_json(), media_type="application/json")

    @app.put("/v1/blobs/{sha256}", status_code=204, response_class=Response)
    async def put_blob(sha256: str, request: Request, who: Principal = Depends(principal)) -> Response:
        """Upload a file (attachment, notice PDF) of the own municipality, named by its SHA-256."""
        received = await blobs.receive(request.stream())
        if received.sha256 != sha256:
            await run_in_threadpool(received.discard)
            raise HTTPException(422, "Die Prüfsumme der Datei stimmt nicht.")
        await run_in_threadpool(_keep_blob, db, blobs, who, received)
        return Response(status_code=204)

    @app.get(
        "/v1/blobs/{sha256}",
        response_class=Response,
        responses={200: {"content": {"application/octet-stream": {}}}},
    )
    def get_blob(sha256: str, who: Principal = Depends(principal)) -> Response:
        """Download a file of a scope this client may read."""
        scope = municipality_scope(who.municipality_id)
        with db.transaction(who.scopes) as tx:
            row = tx.one("SELECT in_file, data FROM blobs WHERE sha256 = ? AND scope = ?", (sha256, scope))
        if row is None:
            raise HTTPException(404, _NOT_FOUND)
        if not row[0]:
            return Response(bytes(row[1]), media_type="application/octet-stream")  # stored before the folder
        path = blobs.find(scope, sha256)
        if path is None:
            log.error("Datei fehlt im Dateiordner", extra={"route": "/v1/blobs/{sha256}"})
            raise HTTPException(404, _NOT_FOUND)
        return FileResponse(path, media_type="application/octet-stream")

    @app.get("/v1/statistics/comparison", response_model=Comparison)
    def comparison(who: Principal = Depends(principal)) -> Response:
        """The Kreisvergleich: median and quartiles across the towns per period, service and metric
        (Abbruchquote, Online-Anteil, Bearbeitungstage). Only figures at least two towns contribute
        to; rates and days, never counts or ids. Computed at most hourly."""
        # Kept as JSON text by the server itself: sent as stored, not re-validated.
        return Response(statistics.current(db), media_type="application/json")

    @app.post(
        "/v1/intake/submissions", response_model=Accepted,
        openapi_extra={"requestBody": {"content": {"application/zip": {"schema": _BINARY}}}},
    )  # fmt: skip
    async def intake_submission(request: Request, municipality_id: str = Depends(portal)) -> Accepted:
        """The online portal delivers one decrypted FIT-Connect submission as a ZIP."""
        received = await blobs.receive(request.stream())
        metrics.UPLOADED.inc(received.size)
        try:
            return await run_in_threadpool(_accept_submission, db, blobs, municipality_id, received)
        finally:
            await run_in_threadpool(received.discard)  # kept files were moved away already

    @app.post("/v1/intake/events", response_model=Accepted)
    def intake_events(body: UsageEvents, municipality_id: str = Depends(portal)) -> Accepted:
        """The online portal delivers usage events of its forms (for the Statistik)."""
        scope = municipality_scope(municipality_id)
        accepted = known = 0
        with db.transaction() as tx:
            for event in body.events:
                if entities.load(tx, "usage_events", event.id) is not None:
                    known += 1
                    continue
                entities.store(
                    tx,
                    "usage_events",
                    event.id,
                    scope,
                    {**vars(event), "municipality_id": municipality_id},
                )
                accepted += 1
        return Accepted(accepted=accepted, already_known=known)

    @app.exception_handler(HTTPException)
    async def german_problem(_request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(TransientError)
    async def busy(_request: Request, _exc: TransientError) -> JSONResponse:
        # Retried inside the server already; the client backs off and sends the same again.
        return JSONResponse({"detail": _BUSY}, status_code=503, headers={"Retry-After": _RETRY_AFTER_S})

    @app.exception_handler(UnavailableError)
    async def database_down(_request: Request, _exc: UnavailableError) -> JSONResponse:
        return JSONResponse(
            {"detail": _DATABASE_DOWN}, status_code=503, headers={"Retry-After": _RETRY_AFTER_S}
        )

    app.add_middleware(BodySizeLimit)
    app.add_middleware(RequestObserver)
    return app


def _keep_blob(db: ServerDatabase, blobs: BlobStore, who: Principal, received: Received) -> None:
    scope = municipality_scope(who.municipality_id)
    blobs.keep(received, scope)  # first the file, then the row: a row never names a missing file
    with db.transaction(who.scopes) as tx:
        _blob_row(tx, scope, received)
    metrics.UPLOADED.inc(received.size)


def _blob_row(tx: Any, scope: str, received: Received) -> None:
    tx.execute(
        "INSERT INTO blobs (sha256, scope, size, data, created_at, in_file) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (scope, sha256) DO NOTHING",
        (received.sha256, scope, received.size, b"", utc_now_iso(), True),
    )


def _pending_submissions(db: ServerDatabase) -> dict[str, int]:
    from .status import pending_portal_submissions

    return pending_portal_submissions(db)


def parse_outbox_report(header: str | None) -> tuple[int | None, str | None]:
    """``"12;2026-12-06T09:00:00+00:00"`` → (12, that time); anything malformed → (None, None)."""
    if not header:
        return None, None
    count, _, oldest = header.partition(";")
    if not count.strip().isdigit() or len(oldest) > 40:
        return None, None
    return int(count), (oldest.strip() or None)


def _not_authorised(refusal: auth.Refusal) -> HTTPException:
    if refusal is auth.Refusal.REVOKED:
        return HTTPException(
            401, _REVOKED, {"WWW-Authenticate": "Bearer", PROBLEM_HEADER: WORKSTATION_REVOKED}
        )
    return HTTPException(401, _NO_ACCESS, {"WWW-Authenticate": "Bearer"})


def _accept_submission(
    db: ServerDatabase, blobs: BlobStore, municipality_id: str, received: Received
) -> Accepted:
    """Check a submission ZIP as the office would (schema, hashes, sizes) and queue it for the
    municipality's offices; the same submission twice is accepted once. Blocking: thread pool."""
    from kommune_desk.intake.errors import SubmissionRejected
    from kommune_desk.intake.reader import read_submission

    with tempfile.TemporaryDirectory(prefix="kd-intake-") as folder:
        try:
            submission = read_submission(received.path, Path(folder) / "staging")
        except SubmissionRejected as exc:
            raise HTTPException(422, f"Die Einreichung wurde nicht angenommen: {exc}") from exc
    submission_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"kommune-desk:{municipality_id}:{submission.key}"))
    scope = municipality_scope(municipality_id)

    def queue(tx: Any) -> Accepted:
        if entities.load(tx, "portal_submissions", submission_id) is not None:
            return Accepted(accepted=0, already_known=1, id=submission_id)
        _blob_row(tx, scope, received)
        now = utc_now_iso()
        entities.store(
            tx, "portal_submissions", submission_id, scope,
            {
                "id": submission_id, "municipality_id": municipality_id, "sha256": received.sha256,
                "size_bytes": received.size, "received_at": now, "imported_at": None, "imported_by": None,
                "outcome": None, "updated_at": now,
            },
        )  # fmt: skip
        return Accepted(accepted=1, id=submission_id)

    blobs.keep(received, scope)
    return db.run(queue)
