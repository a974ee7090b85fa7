"""``admin status``: how the offices are doing, read from the server's store.

Per municipality and office: the active workstations, when one was last seen, and the outbox
lag, i.e. what the workstations reported at the start of their last sync round
(``clients.outbox_pending``, ``clients.outbox_oldest_at``): how many changes still wait there
and since when. Overall: the backend, the epoch, the portal submissions no office has taken over
yet (per municipality; :func:`pending_portal_submissions` also feeds the metrics) and the
locked-out workstations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kommune_desk.domain.formatting import count_noun, format_date, parse_timestamp
from kommune_desk.domain.replication import municipality_scope

from .db import ServerDatabase, Tx

BERLIN = ZoneInfo("Europe/Berlin")
BACKEND_NAMES = {"sqlite": "SQLite (eingebettet)", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class OfficeStatus:
    id: str
    name: str
    code: str
    active_workstations: int
    last_seen_at: str | None  # UTC ISO 8601, the latest of its active workstations
    reporting_workstations: int  # active ones that have reported their outbox at least once
    outbox_pending: int  # changes waiting at its workstations, as last reported
    outbox_oldest_at: str | None  # the oldest waiting change (UTC ISO 8601)
    outbox_oldest_age_seconds: int | None


@dataclass(frozen=True)
class MunicipalityStatus:
    id: str
    ags: str
    name: str
    pending_portal_submissions: int
    offices: list[OfficeStatus]


@dataclass(frozen=True)
class ServerStatus:
    backend: str
    epoch: str
    checked_at: str
    revoked_workstations: int  # locked out by the Kreis-IT (or after a copied token)
    replaced_workstations: int  # locked because the workstation was enrolled again
    pending_portal_submissions: int
    municipalities: list[MunicipalityStatus]


def pending_portal_submissions(db: ServerDatabase) -> dict[str, int]:
    """Portal submissions no office has taken over yet, by AGS (every municipality, zero
    included): the metrics' gauge."""
    with db.transaction() as tx:
        waiting = pending_by_municipality(tx)
        return {ags: waiting[m_id] for m_id, ags in tx.all("SELECT id, ags FROM municipalities")}


def pending_by_municipality(tx: Tx) -> dict[str, int]:
    """Portal submissions no office has taken over yet, by municipality id, zero included."""
    if tx.dialect == "postgresql":
        imported_at = "(data::jsonb ->> 'imported_at')"
    else:
        imported_at = "json_extract(data, '$.imported_at')"
    waiting = dict(
        tx.all(
            f"SELECT scope, COUNT(*) FROM entities WHERE kind = 'portal_submissions' AND NOT deleted"
            f" AND {imported_at} IS NULL GROUP BY scope"
        )
    )
    return {
        row[0]: int(waiting.get(municipality_scope(row[0]), 0))
        for row in tx.all("SELECT id FROM municipalities")
    }


def server_status(db: ServerDatabase, now: dt.datetime | None = None) -> ServerStatus:
    """The whole picture in one transaction."""
    now = now or dt.datetime.now(dt.UTC)
    with db.transaction() as tx:
        epoch_row = tx.one("SELECT value FROM meta WHERE key = 'epoch'")
        revoked, replaced = tx.one(
            "SELECT COALESCE(SUM(CASE WHEN replaced_by IS NULL THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN replaced_by IS NULL THEN 0 ELSE 1 END), 0)"
            " FROM clients WHERE revoked_at IS NOT NULL"
        ) or (0, 0)
        waiting = pending_by_municipality(tx)
        rows = tx.all(
            "SELECT m.id, m.ags, m.name, o.id, o.name, o.code, COUNT(c.id), MAX(c.last_seen_at),"
            " COUNT(c.outbox_pending), COALESCE(SUM(c.outbox_pending), 0),"
            " MIN(CASE WHEN c.outbox_pending > 0 THEN c.outbox_oldest_at END)"
            " FROM municipalities m"
            " LEFT JOIN offices o ON o.municipality_id = m.id"
            " LEFT JOIN clients c ON c.office_id = o.id AND c.revoked_at IS NULL"
            " GROUP BY m.id, m.ags, m.name, o.id, o.name, o.code"
            " ORDER BY m.name, m.id, o.name, o.id"
        )
    municipalities: dict[str, MunicipalityStatus] = {}
    for m_id, ags, m_name, o_id, o_name, code, active, seen, reporting, pending, oldest in rows:
        entry = municipalities.setdefault(
            m_id, MunicipalityStatus(m_id, ags, m_name, waiting.get(m_id, 0), [])
        )
        if o_id is None:  # a municipality without an office yet
            continue
        age = None if oldest is None else max(0, int((now - _utc(oldest)).total_seconds()))
        entry.offices.append(
            OfficeStatus(o_id, o_name, code, int(active), seen, int(reporting), int(pending), oldest, age)
        )
    return ServerStatus(
        backend=db.dialect,
        epoch=epoch_row[0] if epoch_row else "",
        checked_at=now.isoformat(timespec="seconds"),
        revoked_workstations=int(revoked),
        replaced_workstations=int(replaced),
        pending_portal_submissions=sum(waiting.values()),
        municipalities=list(municipalities.values()),
    )


def _utc(value: str) -> dt.datetime:
    """A stored timestamp; one without an offset is UTC, as every stored time is."""
    moment = parse_timestamp(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def local_time(value: str) -> str:
    """A stored UTC timestamp as a clerk in Hesse reads it: ``24.11.2026, 10:15 Uhr``."""
    local = _utc(value).astimezone(BERLIN)
    return f"{format_date(local.date())}, {local:%H:%M} Uhr"


def format_age(seconds: int) -> str:
    """``3 Tage 4 Std.``, ``2 Std. 5 Min.``, ``12 Min.``, ``unter 1 Min.``."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{count_noun(days, 'Tag', 'Tage')} {hours} Std."
    if hours:
        return f"{hours} Std. {minutes} Min."
    return f"{minutes} Min." if minutes else "unter 1 Min."


def format_status(status: ServerStatus) -> list[str]:
    """The report as German lines for the terminal."""
    lines = [
        f"Abgleichsserver: {BACKEND_NAMES.get(status.backend, status.backend)}, Epoche {status.epoch}",
        f"Stand: {local_time(status.checked_at)}",
        f"Gesperrte Arbeitsplätze: {status.revoked_workstations}"
        + (
            f" (dazu {status.replaced_workstations} neu eingerichtete)"
            if status.replaced_workstations
            else ""
        ),
        f"Nicht übernommene Portal-Einreichungen: {status.pending_portal_submissions}",
    ]
    for municipality in status.municipalities:
        lines.append("")
        waiting = municipality.pending_portal_submissions
        lines.append(
            f"{municipality.name} ({municipality.ags})"
            + (f" – {count_noun(waiting, 'Portal-Einreichung wartet', 'Portal-Einreichungen warten')}"
               if waiting else "")
        )  # fmt: skip
        if not municipality.offices:
            lines.append("  noch keine Dienststelle")
        for office in municipality.offices:
            lines.append(f"  {office.code:<6} {office.name}: {_office_line(office)}")
    return lines


def _office_line(office: OfficeStatus) -> str:
    if not office.active_workstations:
        return "kein aktiver Arbeitsplatz"
    seen = local_time(office.last_seen_at) if office.last_seen_at else "noch nie"
    parts = [
        f"{count_noun(office.active_workstations, 'Arbeitsplatz', 'Arbeitsplätze')}, zuletzt gesehen {seen}"
    ]
    if not office.reporting_workstations:
        parts.append("Ausgang: noch nicht gemeldet")
    elif not office.outbox_pending:
        parts.append("Ausgang: leer")
    else:
        since = "" if office.outbox_oldest_age_seconds is None else (
            f", die älteste seit {format_age(office.outbox_oldest_age_seconds)}"
        )  # fmt: skip
        parts.append(
            f"Ausgang: {count_noun(office.outbox_pending, 'Änderung wartet', 'Änderungen warten')}{since}"
        )
    return "; ".join(parts)
