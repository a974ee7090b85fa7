"""Map OS logins to clerks: who may work with this database, in which role."""

from __future__ import annotations

from dataclasses import replace

from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.records import Clerk, Role
from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage import reference
from kommune_desk.storage.outbox import municipality_scope

from .changes import Actor, record_change
from .workspace import Workspace


def add_clerk(
    workspace: Workspace, os_login: str, display_name: str, role: Role, actor_clerk_id: str | None = None
) -> Clerk:
    """Map ``os_login`` to a new clerk of the workspace's office; German ValidationError on bad input.

    ``actor_clerk_id`` is who did it (None when an administrator runs the CLI).
    """
    login, name = os_login.strip(), display_name.strip()
    problems = []
    if not login or any(ch.isspace() for ch in login):
        problems.append("Der Anmeldename darf nicht leer sein und keine Leerzeichen enthalten.")
    if not name:
        problems.append("Bitte geben Sie den Namen an.")
    if problems:
        raise ValidationError(problems)
    clerk = Clerk(uuid7(), workspace.municipality.id, workspace.office.id, login, name, role)
    at = utc_now_iso()
    with workspace.db.write() as conn:
        if reference.find_clerk_by_login(conn, workspace.municipality.id, login) is not None:
            raise ValidationError([f"Die Anmeldung »{login}« ist bereits jemandem zugeordnet."])
        reference.insert_clerk(conn, clerk, at)
        record_change(
            conn,
            Actor(actor_clerk_id, workspace.municipality.id),
            at=at,
            mutation="add_clerk",
            scope=municipality_scope(workspace.municipality.id),
            args={
                "id": clerk.id,
                "office_id": clerk.office_id,
                "os_login": login,
                "display_name": name,
                "role": role.value,
            },
            entity="clerk",
            entity_id=clerk.id,
            action="angelegt",
            changes={"os_login": [None, login], "role": [None, role.value]},
        )
    return clerk


def list_clerks(workspace: Workspace) -> list[Clerk]:
    """All active clerks of the workspace's municipality, by name."""
    conn = workspace.db.reader()
    try:
        return reference.list_clerks(conn, workspace.municipality.id)
    finally:
        conn.close()


def set_pool_manager(
    workspace: Workspace, os_login: str, on: bool, actor_clerk_id: str | None = None
) -> Clerk:
    """Give or take the role of the pool manager (Projektmanagementstelle Klimaschutz): it may
    change every partner's devices and loans and set the loan policies per device type."""
    at = utc_now_iso()
    with workspace.db.write() as conn:
        clerk = reference.find_clerk_by_login(conn, workspace.municipality.id, os_login.strip())
        if clerk is None:
            raise ValidationError([f"Die Anmeldung »{os_login.strip()}« ist niemandem zugeordnet."])
        if clerk.pool_manager == on:
            return clerk
        reference.set_pool_manager(conn, clerk.id, on, at)
        record_change(
            conn,
            Actor(actor_clerk_id, workspace.municipality.id),
            at=at,
            mutation="set_pool_manager",
            scope=municipality_scope(workspace.municipality.id),
            args={"id": clerk.id, "pool_manager": on},
            entity="clerk",
            entity_id=clerk.id,
            action="poolverwaltung" if on else "poolverwaltung_entzogen",
            changes={"pool_manager": [clerk.pool_manager, on]},
        )
    return replace(clerk, pool_manager=on)
