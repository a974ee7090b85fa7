"""Enrolment codes, access and refresh tokens: the server never stores a token itself.

An office's one-time code becomes a client with a short-lived access token and a refresh token.
Each refresh rotates the refresh token. The same refresh request repeated after its answer was
lost is answered again; any other reuse of a spent token means it was copied, so every token of
that client is revoked (the office enrols the workstation again with a new code).
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from kommune_desk.domain.ids import uuid7

from .arbiter import Principal
from .db import ServerDatabase, Tx

ACCESS_TTL = dt.timedelta(minutes=15)
REFRESH_TTL = dt.timedelta(days=60)
CODE_TTL = dt.timedelta(days=14)
# No 0/O, 1/I/L: the code is read out on the phone and typed by hand.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVALID_CODE = "Der Einrichtungscode ist ungültig, abgelaufen oder wurde schon verwendet."


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def new_enrolment_code(tx: Tx, office_id: str) -> str:
    """A fresh one-time code for an office (shown once, stored as a hash)."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(20))
    code = "-".join(raw[i : i + 5] for i in range(0, 20, 5))
    now = _now()
    tx.execute(
        "INSERT INTO enrolment_codes (code_hash, office_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        (digest(normalise_code(code)), office_id, _iso(now), _iso(now + CODE_TTL)),
    )
    return code


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True)
class Tokens:
    client_id: str
    access_token: str
    refresh_token: str
    expires_in: int


# Tokens are signed with the server's key (kept in its database, so a restored server still
# knows every workstation): an access token is checked without storing it; of the refresh token
# only the current generation, its hash and the previous one's hash are kept. See refresh() for
# what is accepted and why.


def ensure_token_key(tx: Tx) -> None:
    """Create the signing key once (at server start)."""
    _key(tx)


def _key(tx: Tx) -> bytes:
    row = tx.one("SELECT value FROM meta WHERE key = 'token_key'")
    if row is None:
        key = secrets.token_hex(32)
        tx.execute("INSERT INTO meta (key, value) VALUES ('token_key', ?)", (key,))
        return bytes.fromhex(key)
    return bytes.fromhex(row[0])


def _sign(key: bytes, *parts: str) -> str:
    body = ".".join(parts)
    mac = hmac.new(key, body.encode("utf-8"), hashlib.sha256).digest()
    return f"{body}.{base64.urlsafe_b64encode(mac).decode('ascii').rstrip('=')}"


def _verify(key: bytes, token: str, prefix: str, count: int) -> list[str] | None:
    """The token's parts if its signature holds and it has the expected form, else None."""
    parts = token.split(".")
    if len(parts) != count + 1 or parts[0] != prefix:
        return None
    expected = _sign(key, *parts[:-1])
    return parts[1:-1] if hmac.compare_digest(expected.encode(), token.encode()) else None


def _issue(tx: Tx, client_id: str, generation: int) -> Tokens:
    """New tokens of ``generation``; every access token issued before is void from here on (each
    names its grant, and only the newest grant counts, even within the same second)."""
    key = _key(tx)
    issued = int(_now().timestamp())
    grant = secrets.token_hex(8)
    expires = str(issued + int(ACCESS_TTL.total_seconds()))
    access = _sign(key, "a", client_id, grant, str(issued), expires)
    refresh = _sign(key, "r", client_id, str(generation), secrets.token_urlsafe(16))
    tx.execute(
        "UPDATE clients SET refresh_generation = ?, refresh_hash = ?, refresh_expires_at = ?,"
        " access_not_before = ?, access_grant = ?, refresh_used = FALSE WHERE id = ?",
        (generation, digest(refresh), _iso(_now() + REFRESH_TTL), issued, grant, client_id),
    )
    return Tokens(client_id, access, refresh, int(ACCESS_TTL.total_seconds()))


class OfficeMismatchError(Exception):
    """The code is valid but for another office than the workstation's own (the code is kept)."""


def enrol(
    db: ServerDatabase,
    code: str,
    client_name: str,
    expected_office_id: str | None = None,
    previous_client_id: str | None = None,
) -> tuple[Tokens, str, str, int] | None:
    """Exchange a one-time code for a new client; None for any invalid code (one answer for all).

    ``previous_client_id`` names the client a workstation enrolled again was before: if it is of
    the same office and not yet succeeded, it is locked and its workstation number carries over,
    so the Aktenzeichen prefix stays (no two live clients ever share one).
    """
    with db.transaction() as tx:
        row = tx.one(
            "SELECT c.office_id, o.municipality_id, c.expires_at, c.used_at FROM enrolment_codes c"
            " JOIN offices o ON o.id = c.office_id WHERE c.code_hash = ?",
            (digest(normalise_code(code)),),
        )
        if row is None or row[3] is not None or row[2] < _iso(_now()):
            return None
        office_id, municipality_id = row[0], row[1]
        if expected_office_id is not None and expected_office_id != office_id:
            raise OfficeMismatchError(office_id)
        client_id = uuid7()
        tx.execute(
            "UPDATE enrolment_codes SET used_at = ? WHERE code_hash = ?",
            (_iso(_now()), digest(normalise_code(code))),
        )
        predecessor = tx.one(
            "SELECT workstation FROM clients WHERE id = ? AND office_id = ? AND replaced_by IS NULL",
            (previous_client_id or "", office_id),
        )
        if predecessor is not None:
            number = int(predecessor[0])
            _revoke(tx, previous_client_id or "")
        else:
            # Each workstation of an office numbers its Aktenzeichen with its own prefix.
            found = tx.one(
                "SELECT coalesce(max(workstation), 0) + 1 FROM clients WHERE office_id = ?", (office_id,)
            )
            number = int(found[0]) if found else 1
        tx.execute(
            "INSERT INTO clients (id, office_id, municipality_id, name, created_at, workstation)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (client_id, office_id, municipality_id, client_name[:200], _iso(_now()), number),
        )
        if predecessor is not None:
            tx.execute("UPDATE clients SET replaced_by = ? WHERE id = ?", (client_id, previous_client_id))
        return _issue(tx, client_id, 1), office_id, municipality_id, number


class Refusal(enum.Enum):
    """Why a token was not accepted."""

    INVALID = "invalid"  # not ours, malformed or expired
    REVOKED = "revoked"  # a genuine token of a workstation that is locked out


def refresh(db: ServerDatabase, refresh_token: str, request_id: str | None = None) -> Tokens | Refusal:
    """Rotate the refresh token; what is accepted:

    - the current generation: new tokens of the next generation (the request id is noted);
    - the previous generation again, with the request id that rotated it, while no token of the
      current generation has been used: the answer of that rotation was lost (a dropped line, a
      crash before the keyring write), so the current generation is issued again, with a new
      secret (a copy of the lost answer is void);
    - a newer generation than stored: the server was restored from a backup and the signature
      shows it issued the token, so the count moves on.

    Anything else presented with a genuine signature is a copy in someone else's hands (an older
    generation, the previous one after the current one was used, or with another request id):
    the workstation is locked out.
    """
    with db.transaction() as tx:
        parts = _verify(_key(tx), refresh_token, "r", 4)
        if parts is None or not parts[1].isdigit():
            return Refusal.INVALID
        client_id, generation = parts[0], int(parts[1])
        row = tx.one(
            "SELECT revoked_at, refresh_generation, refresh_hash, refresh_expires_at,"
            " refresh_previous_hash, refresh_request_id, refresh_used FROM clients WHERE id = ?",
            (client_id,),
        )
        if row is None:
            return Refusal.INVALID
        if row[0] is not None:
            return Refusal.REVOKED
        stored, (current_hash, expires_at, previous_hash, last_request) = int(row[1]), row[2:6]
        used = bool(row[6])
        presented = digest(refresh_token)
        if generation > stored:  # the server went back to a backup
            return _rotate(tx, client_id, generation + 1, presented, request_id)
        if expires_at is not None and expires_at < _iso(_now()):
            return Refusal.INVALID
        if generation == stored and presented == current_hash:
            return _rotate(tx, client_id, generation + 1, presented, request_id)
        lost_answer = (
            generation == stored - 1 and presented == previous_hash and not used
            and request_id is not None and request_id == last_request
        )  # fmt: skip
        if lost_answer:
            return _issue(tx, client_id, stored)
        _revoke(tx, client_id)  # a spent token again: someone has a copy
        return Refusal.REVOKED


def _rotate(tx: Tx, client_id: str, generation: int, presented: str, request_id: str | None) -> Tokens:
    tx.execute(
        "UPDATE clients SET refresh_previous_hash = ?, refresh_request_id = ? WHERE id = ?",
        (presented, request_id, client_id),
    )
    return _issue(tx, client_id, generation)


def rebind(db: ServerDatabase, who: Principal) -> Tokens:
    """A client whose database went back in time continues under a new client id (same office)."""
    with db.transaction() as tx:
        client_id = uuid7()
        tx.execute(
            "INSERT INTO clients (id, office_id, municipality_id, name, created_at, workstation)"
            " SELECT ?, office_id, municipality_id, name, ?, workstation FROM clients WHERE id = ?",
            (client_id, _iso(_now()), who.client_id),
        )
        tx.execute("UPDATE clients SET replaced_by = ? WHERE id = ?", (client_id, who.client_id))
        _revoke(tx, who.client_id)
        return _issue(tx, client_id, 1)


def _revoke(tx: Tx, client_id: str) -> None:
    tx.execute(
        "UPDATE clients SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (_iso(_now()), client_id)
    )


def revoke_client(db: ServerDatabase, client_id: str) -> bool:
    with db.transaction() as tx:
        found = tx.one("SELECT 1 FROM clients WHERE id = ?", (client_id,)) is not None
        if found:
            _revoke(tx, client_id)
        return found


def authenticate(db: ServerDatabase, access_token: str) -> Principal | Refusal:
    """The client an access token belongs to, if it is valid and the client not revoked.

    Using an access token of the current generation marks that generation as used: from then on
    the previous refresh token is a copy, never a lost answer (see refresh()).
    """
    with db.transaction() as tx:
        parts = _verify(_key(tx), access_token, "a", 5)
        if parts is None or not (parts[2].isdigit() and parts[3].isdigit()):
            return Refusal.INVALID
        grant, issued, expires = parts[1], int(parts[2]), int(parts[3])
        if expires <= int(_now().timestamp()):
            return Refusal.INVALID
        row = tx.one(
            "SELECT id, office_id, municipality_id, revoked_at, access_not_before, refresh_used, access_grant"
            " FROM clients WHERE id = ?",
            (parts[0],),
        )
        # Tokens of an earlier grant are void (a refresh ends the old ones).
        if row is None or row[6] != grant or int(row[4]) > issued:
            return Refusal.INVALID
        if row[3] is not None:
            return Refusal.REVOKED
        if not row[5]:
            tx.execute("UPDATE clients SET refresh_used = TRUE WHERE id = ?", (row[0],))
    return Principal(row[0], row[1], row[2])


def new_portal_credential(tx: Tx, municipality_id: str) -> str:
    """The online portal's secret for one municipality's intake (shown once)."""
    secret = "portal_" + secrets.token_urlsafe(32)
    tx.execute(
        "INSERT INTO portal_credentials (id, token_hash, municipality_id, created_at) VALUES (?, ?, ?, ?)",
        (uuid7(), digest(secret), municipality_id, _iso(_now())),
    )
    return secret


def portal_municipality(db: ServerDatabase, secret: str) -> str | None:
    with db.transaction() as tx:
        row = tx.one(
            "SELECT municipality_id FROM portal_credentials WHERE token_hash = ? AND revoked_at IS NULL",
            (digest(secret),),
        )
    return row[0] if row else None
