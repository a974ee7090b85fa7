"""Municipalities, offices, clerks, services and local settings."""

from __future__ import annotations

import json
import sqlite3

from kommune_desk.domain.catalogue import typed_fields
from kommune_desk.domain.form_checks import specs_from_json
from kommune_desk.domain.records import (
    Address,
    BankAccount,
    Clerk,
    FeeRule,
    Municipality,
    MunicipalityKind,
    Office,
    Procedure,
    Role,
    Service,
)


def insert_municipality(conn: sqlite3.Connection, m: Municipality, at: str) -> None:
    bank = m.bank or BankAccount("", "", "")
    conn.execute(
        "INSERT INTO municipalities (id, ags, name, kind, street, postal_code, city, phone, email,"
        " website, bank_name, iban, bic, logo_sha256, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            m.id,
            m.ags,
            m.name,
            m.kind.value,
            m.address.street,
            m.address.postal_code,
            m.address.city,
            m.phone,
            m.email,
            m.website,
            bank.bank_name,
            bank.iban,
            bank.bic,
            m.logo_sha256,
            at,
            at,
        ),
    )


def insert_office(conn: sqlite3.Connection, o: Office, at: str) -> None:
    conn.execute(
        "INSERT INTO offices (id, municipality_id, name, code, street, postal_code, city,"
        " opening_hours, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            o.id,
            o.municipality_id,
            o.name,
            o.code,
            o.address.street,
            o.address.postal_code,
            o.address.city,
            o.opening_hours,
            at,
            at,
        ),
    )


def insert_clerk(conn: sqlite3.Connection, c: Clerk, at: str) -> None:
    conn.execute(
        "INSERT INTO clerks (id, municipality_id, office_id, os_login, display_name, role, email,"
        " phone, pool_manager, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            c.id,
            c.municipality_id,
            c.office_id,
            c.os_login,
            c.display_name,
            c.role.value,
            c.email,
            c.phone,
            int(c.pool_manager),
            at,
            at,
        ),
    )


def insert_service(conn: sqlite3.Connection, s: Service, at: str) -> None:
    conn.execute(
        "INSERT INTO services (id, municipality_id, leika_id, name, processing_days, fee_rule,"
        " four_eyes, legal_basis, form_fields, procedure, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            s.id,
            s.municipality_id,
            s.leika_id,
            s.name,
            s.processing_days,
            json.dumps(s.fee_rule.to_dict()),
            int(s.four_eyes),
            s.legal_basis,
            form_fields_json(s),
            s.procedure.value,
            at,
            at,
        ),
    )


def form_fields_json(s: Service) -> str:
    """The form's fields as stored: typed objects when the service has types, else the old
    ``[key, label]`` pairs (what older clients wrote and still read)."""
    if s.field_specs:
        return json.dumps([spec.to_json() for spec in s.field_specs], ensure_ascii=False)
    return json.dumps([list(f) for f in s.form_fields], ensure_ascii=False)


def get_municipality(conn: sqlite3.Connection, municipality_id: str) -> Municipality | None:
    row = conn.execute(
        "SELECT id, ags, name, kind, street, postal_code, city, phone, email, website,"
        " bank_name, iban, bic, logo_sha256 FROM municipalities WHERE id = ? AND deleted_at IS NULL",
        (municipality_id,),
    ).fetchone()
    if row is None:
        return None
    bank = BankAccount(row[10], row[11], row[12]) if row[11] else None
    return Municipality(
        row[0],
        row[1],
        row[2],
        MunicipalityKind(row[3]),
        Address(row[4], row[5], row[6]),
        row[7],
        row[8],
        row[9],
        bank,
        row[13],
    )


def get_office(conn: sqlite3.Connection, office_id: str) -> Office | None:
    row = conn.execute(
        "SELECT id, municipality_id, name, code, street, postal_code, city, opening_hours"
        " FROM offices WHERE id = ? AND deleted_at IS NULL",
        (office_id,),
    ).fetchone()
    if row is None:
        return None
    return Office(row[0], row[1], row[2], row[3], Address(row[4], row[5], row[6]), row[7])


_CLERK_COLUMNS = "id, municipality_id, office_id, os_login, display_name, role, email, phone, pool_manager"


def _clerk(row: sqlite3.Row | tuple[str, ...]) -> Clerk:
    return Clerk(row[0], row[1], row[2], row[3], row[4], Role(row[5]), row[6], row[7], bool(row[8]))


def list_clerks(conn: sqlite3.Connection, municipality_id: str) -> list[Clerk]:
    rows = conn.execute(
        f"SELECT {_CLERK_COLUMNS} FROM clerks WHERE municipality_id = ? AND deleted_at IS NULL"
        " ORDER BY display_name",
        (municipality_id,),
    )
    return [_clerk(r) for r in rows]


def find_clerk_by_login(conn: sqlite3.Connection, municipality_id: str, os_login: str) -> Clerk | None:
    """The clerk mapped to an OS login; logins compare case-insensitively as on Windows."""
    row = conn.execute(
        f"SELECT {_CLERK_COLUMNS} FROM clerks WHERE municipality_id = ? AND lower(os_login) = lower(?)"
        " AND deleted_at IS NULL",
        (municipality_id, os_login),
    ).fetchone()
    return None if row is None else _clerk(row)


def list_services(conn: sqlite3.Connection, municipality_id: str) -> list[Service]:
    rows = conn.execute(
        "SELECT id, municipality_id, leika_id, name, processing_days, fee_rule, four_eyes,"
        " legal_basis, form_fields, procedure FROM services WHERE municipality_id = ? AND deleted_at IS NULL"
        " ORDER BY name",
        (municipality_id,),
    ).fetchall()
    return [_service(r) for r in rows]


def _service(r: sqlite3.Row | tuple[object, ...]) -> Service:
    try:
        stored = json.loads(str(r[8] or "[]"))
    except ValueError:
        stored = []  # a damaged synced row: the form shows no fields rather than failing
    specs = typed_fields(str(r[2]), specs_from_json(stored))
    return Service(
        str(r[0]),
        str(r[1]),
        str(r[2]),
        str(r[3]),
        int(str(r[4])),
        FeeRule.from_dict(json.loads(str(r[5]))),
        bool(r[6]),
        str(r[7]),
        tuple((spec.key, spec.label) for spec in specs),
        specs,
        _procedure(r[9]),
    )


def _procedure(value: object) -> Procedure:
    try:
        return Procedure(str(value))
    except ValueError:
        return Procedure.GENEHMIGUNG


def service_procedure(conn: sqlite3.Connection, service_id: str | None) -> Procedure:
    """Whether a service decides or receives notifications (Genehmigung without a service)."""
    return service_leika_and_procedure(conn, service_id)[1]


def service_leika_and_procedure(conn: sqlite3.Connection, service_id: str | None) -> tuple[str, Procedure]:
    """A service's LeiKa key and procedure ("" and Genehmigung without a service)."""
    if service_id is None:
        return "", Procedure.GENEHMIGUNG
    row = conn.execute("SELECT leika_id, procedure FROM services WHERE id = ?", (service_id,)).fetchone()
    return (str(row[0]), _procedure(row[1])) if row else ("", Procedure.GENEHMIGUNG)


def update_municipality_contact(conn: sqlite3.Connection, m: Municipality, at: str) -> None:
    """Kind, name, address, phone and e-mail of the authority (bank, logo … stay)."""
    conn.execute(
        "UPDATE municipalities SET kind = ?, name = ?, street = ?, postal_code = ?, city = ?, phone = ?,"
        " email = ?, updated_at = ? WHERE id = ?",
        (
            m.kind.value,
            m.name,
            m.address.street,
            m.address.postal_code,
            m.address.city,
            m.phone,
            m.email,
            at,
            m.id,
        ),
    )


def update_office_address(conn: sqlite3.Connection, office_id: str, address: Address, at: str) -> None:
    conn.execute(
        "UPDATE offices SET street = ?, postal_code = ?, city = ?, updated_at = ? WHERE id = ?",
        (address.street, address.postal_code, address.city, at, office_id),
    )


def get_setting(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def set_setting(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def delete_setting(conn: sqlite3.Connection, key: str) -> None:
    conn.execute("DELETE FROM settings WHERE key = ?", (key,))


def municipality_created_at(conn: sqlite3.Connection, municipality_id: str) -> str | None:
    row = conn.execute("SELECT created_at FROM municipalities WHERE id = ?", (municipality_id,)).fetchone()
    return row[0] if row else None


def set_pool_manager(conn: sqlite3.Connection, clerk_id: str, on: bool, at: str) -> None:
    conn.execute("UPDATE clerks SET pool_manager = ?, updated_at = ? WHERE id = ?", (int(on), at, clerk_id))
