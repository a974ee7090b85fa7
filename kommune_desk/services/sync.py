"""Sync use cases: enrol this workstation, run a round, tell the clerk how things stand.

Enrolment exchanges an office's one-time code for tokens (kept in the OS keyring) and downloads
the office's scopes as a snapshot. A fresh data folder becomes that office's workstation; the
first workstation of a new municipality also brings the standard service catalogue and its
first clerk (Administration).
"""

from __future__ import annotations

from dataclasses import dataclass

from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.protocol import EnrolResponse
from kommune_desk.domain.records import Clerk, Role
from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage import reference, replica, usage_stats
from kommune_desk.storage.database import Database
from kommune_desk.storage.migrations import LATEST_VERSION
from kommune_desk.storage.outbox import municipality_scope, pending_count
from kommune_desk.sync import credentials
from kommune_desk.sync.credentials import Credentials
from kommune_desk.sync.engine import RoundReport, SyncEngine
from kommune_desk.sync.errors import NotAuthorisedError, SyncError
from kommune_desk.sync.lock import exclusive_round
from kommune_desk.sync.transport import Transport

from .changes import Actor, record_change
from .portal_intake import import_portal_submissions
from .setup import insert_standard_services
from .workspace import LOCAL_OFFICE_KEY, current_os_login, load_workspace

# Answered mutations are kept this long, to re-send them if the server is restored from a backup.
OUTBOX_RETENTION_DAYS = 60


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows."""

    enrolled: bool
    server_url: str | None
    pending: int
    last_success_at: str | None
    last_error: str | None
    open_conflicts: int
    # "gesperrt" or "ungueltig" when the server no longer takes this workstation's sign-in:
    # it needs a new enrolment code (its work waits in the outbox).
    locked_out: str | None = None


@dataclass(frozen=True)
class Enrolment:
    """What an enrolment did, in words for the clerk."""

    office_id: str
    office_name: str
    again: bool  # the folder was enrolled before (locked out, or its tokens were lost)
    sent: int  # changes of this workstation the server received with the enrolment
    pending: int  # changes still waiting (e.g. the connection dropped right after)

    def message(self) -> str:
        if not self.again:
            return f"Arbeitsplatz eingerichtet ({self.office_name}). Die Daten der Dienststelle sind geladen."
        text = f"Arbeitsplatz neu eingerichtet ({self.office_name}). "
        if self.sent:
            text += (
                f"{self.sent} noch nicht übertragene Änderung wurde gesendet."
                if self.sent == 1
                else f"{self.sent} noch nicht übertragene Änderungen wurden gesendet."
            )
        else:
            text += "Es warteten keine Änderungen auf die Übertragung."
        if self.pending == 1:
            text += " 1 Änderung wartet noch; sie folgt beim nächsten Abgleich."
        elif self.pending:
            text += f" {self.pending} Änderungen warten noch; sie folgen beim nächsten Abgleich."
        return text


ALREADY_ENROLLED = (
    "Dieser Arbeitsplatz ist bereits eingerichtet und der Abgleich funktioniert. Ein neuer Code ist "
    "nicht nötig; er bleibt gültig."
)


def enrol(
    db: Database, server_url: str, code: str, *, clerk_name: str = "", os_login: str | None = None
) -> Enrolment:
    """Enrol this data folder with the server's one-time ``code``.

    A folder enrolled before is enrolled again only if the server no longer takes its sign-in
    (locked out, expired, tokens lost): it keeps its data and its unsent outbox, which goes to the
    server under the new enrolment. A folder whose enrolment was cut off before its office's data
    arrived is finished without spending ``code``. Raises SyncError (German) when the server
    refuses or cannot be reached; the code is not spent then unless the server took it.
    """
    login = current_os_login() if os_login is None else os_login
    if (office_id := _unfinished_setup(db)) is not None:
        return _finish_setup(db, office_id, clerk_name, login)  # the code is not needed, nor spent
    with exclusive_round(db.data_dir):
        previous_client = _enrolment_to_replace(db)
        credentials.ensure_available()  # before the one-time code is spent
        conn = db.reader()
        try:
            local_office = reference.get_setting(conn, LOCAL_OFFICE_KEY)
            store_id = replica.get_state(conn, "store_id") or uuid7()
        finally:
            conn.close()
        transport = Transport(server_url, LATEST_VERSION)
        try:
            request = {
                "code": code.strip(), "client_name": login[:200], "expected_office_id": local_office,
                "previous_client_id": previous_client,
            }  # fmt: skip
            answer = transport.request("POST", "/v1/enrol", json=request, shape=EnrolResponse)
            if local_office and local_office != answer.office_id:
                raise SyncError(
                    "Diese Datenbank gehört zu einer anderen Dienststelle als der Einrichtungscode. Bitte "
                    "richten Sie den Abgleich in einem leeren Datenordner ein oder fragen Sie die "
                    "Administration."
                )
            # Tokens first: the folder counts as enrolled only once they are safely in the keyring.
            credentials.save(store_id, Credentials.from_answer(answer))
            _note_enrolment(db, store_id, server_url, answer, again=previous_client is not None)
            report = SyncEngine(db, transport, store_id).run_round()
        finally:
            transport.close()
        sent = report.pushed
        if _complete_setup(db, answer.office_id, answer.municipality_id, clerk_name, login):
            report = _sync_round(db)  # the new catalogue and first clerk go to the server at once
    conn = db.reader()
    try:
        office = reference.get_office(conn, answer.office_id)
    finally:
        conn.close()
    return Enrolment(
        answer.office_id, office.name if office else answer.office_id, previous_client is not None,
        sent, report.pending,
    )  # fmt: skip


def _unfinished_setup(db: Database) -> str | None:
    """The office of an enrolment whose set-up was cut off (None: nothing to finish).

    The server took the code, but the connection broke before the office's data arrived: the
    folder is enrolled, its sign-in works, yet it has no local office. Another code would be
    refused as "bereits eingerichtet"; the set-up is finished instead."""
    conn = db.reader()
    try:
        client_id = replica.get_state(conn, "client_id")
        office_id = replica.get_state(conn, "office_id")
        set_up = reference.get_setting(conn, LOCAL_OFFICE_KEY) is not None
        locked_out = replica.get_state(conn, "locked_out")
    finally:
        conn.close()
    if client_id is None or office_id is None or set_up or locked_out:
        return None
    engine = engine_for(db)
    try:
        engine.check_access()
    except NotAuthorisedError:
        return None  # enrolled anew with the code, as any folder the server no longer takes
    finally:
        engine.transport.close()
    return office_id


def _finish_setup(db: Database, office_id: str, clerk_name: str, login: str) -> Enrolment:
    """Download what the cut-off enrolment missed and make the folder a workstation."""
    report = _sync_round(db)
    conn = db.reader()
    try:
        office = reference.get_office(conn, office_id)
    finally:
        conn.close()
    if office is None:
        raise SyncError("Der Server hat die Dienststelle nicht geliefert. Bitte erneut synchronisieren.")
    if _complete_setup(db, office_id, office.municipality_id, clerk_name, login):
        report = _sync_round(db)
    return Enrolment(office_id, office.name, False, 0, report.pending)


def _enrolment_to_replace(db: Database) -> str | None:
    """The client id of an enrolment the server no longer takes (None: a fresh folder).

    Raises SyncError if the folder's enrolment still works: a new code is not needed then.
    """
    conn = db.reader()
    try:
        client_id = replica.get_state(conn, "client_id")
        locked_out = replica.get_state(conn, "locked_out")
    finally:
        conn.close()
    if client_id is None or locked_out:
        return client_id
    engine = engine_for(db)
    try:
        engine.check_access()
    except NotAuthorisedError:
        return client_id
    finally:
        engine.transport.close()
    raise SyncError(ALREADY_ENROLLED)


def _note_enrolment(
    db: Database, store_id: str, server_url: str, answer: EnrolResponse, *, again: bool
) -> None:
    """Record the new identity. Unsent changes are numbered on from 1 for the new client; a
    folder enrolled again keeps its epoch and cursors, so a server restored meanwhile is noticed."""
    with db.write() as conn:
        first = replica.first_unsent_seq(conn)
        offset = (first - 1) if first is not None else replica.last_local_seq(conn)
        values = {
            "store_id": store_id, "server_url": server_url.rstrip("/"), "client_id": answer.client_id,
            "office_id": answer.office_id, "seq_offset": str(offset),
            "workstation": str(answer.workstation), "locked_out": None, "last_error": None,
        }  # fmt: skip
        if not again:
            values["epoch"] = answer.epoch
        for key, value in values.items():
            replica.set_state(conn, key, value)


def _complete_setup(db: Database, office_id: str, municipality_id: str, clerk_name: str, login: str) -> bool:
    """Make the snapshot a workstation: the local office, and for a new municipality its service
    catalogue and first clerk; True if that wrote something to send."""
    at = utc_now_iso()
    with db.write() as conn:
        if reference.get_setting(conn, LOCAL_OFFICE_KEY) is None:
            if reference.get_office(conn, office_id) is None:
                raise SyncError(
                    "Der Server hat die Dienststelle nicht geliefert. Bitte erneut synchronisieren."
                )
            reference.set_setting(conn, LOCAL_OFFICE_KEY, office_id)
        has_services = bool(reference.list_services(conn, municipality_id))
        if not has_services:
            # The municipality's own timestamp: a second first workstation writes the same rows.
            created = reference.municipality_created_at(conn, municipality_id) or at
            insert_standard_services(conn, municipality_id, created)
        clerk_id = None
        if not reference.list_clerks(conn, municipality_id):
            if not clerk_name.strip():
                raise ValidationError(["Bitte geben Sie den Namen der ersten Person an (Administration)."])
            clerk_id = uuid7()
            reference.insert_clerk(
                conn,
                Clerk(clerk_id, municipality_id, office_id, login, clerk_name.strip(), Role.ADMINISTRATION),
                at,
            )
        if has_services and clerk_id is None:
            return False
        record_change(
            conn, Actor(clerk_id, municipality_id), at=at, mutation="complete_enrolment",
            scope=municipality_scope(municipality_id), args={"office_id": office_id},
            entity="office", entity_id=office_id, action="abgleich_eingerichtet",
        )  # fmt: skip
    return True


def engine_for(db: Database) -> SyncEngine:
    """The sync engine of an enrolled data folder (the caller closes ``engine.transport``)."""
    conn = db.reader()
    try:
        url = replica.get_state(conn, "server_url")
        store_id = replica.get_state(conn, "store_id")
    finally:
        conn.close()
    if not url or not store_id:
        raise SyncError(
            "Dieser Arbeitsplatz ist noch nicht für den Abgleich eingerichtet "
            "(kommune-desk-cli enrol --server ADRESSE --code CODE)."
        )
    return SyncEngine(db, Transport(url, LATEST_VERSION), store_id)


def sync_once(db: Database) -> RoundReport:
    """One round (push, pull); a failure is recorded for the status bar and raised again."""
    with exclusive_round(db.data_dir):
        return _sync_round(db)


def _sync_round(db: Database) -> RoundReport:
    engine = engine_for(db)
    try:
        report = engine.run_round()
        ws = load_workspace(db) if report.portal_waiting else None
        if ws is not None and import_portal_submissions(ws):
            # What the portal delivered is now an application here: tell the other offices at once.
            report = engine.run_round()
    except SyncError as exc:
        with db.write() as conn:
            replica.set_state(conn, "last_error", str(exc))
            if isinstance(exc, NotAuthorisedError):
                replica.set_state(conn, "locked_out", exc.locked_out)
        raise
    finally:
        engine.transport.close()
    _prune(db)
    return report


def _prune(db: Database) -> None:
    import datetime as dt

    cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(days=OUTBOX_RETENTION_DAYS)).isoformat()
    with db.write() as conn:
        replica.prune_outbox(conn, cutoff)
        usage_stats.prune_if_due(conn)  # raw usage events past their retention (once a day)


def sync_status(db: Database) -> SyncStatus:
    conn = db.reader()
    try:
        return SyncStatus(
            enrolled=replica.get_state(conn, "client_id") is not None,
            server_url=replica.get_state(conn, "server_url"),
            pending=pending_count(conn),
            last_success_at=replica.get_state(conn, "last_success_at"),
            last_error=replica.get_state(conn, "last_error"),
            locked_out=replica.get_state(conn, "locked_out"),
            open_conflicts=conn.execute(
                "SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL"
            ).fetchone()[0],
        )
    finally:
        conn.close()
