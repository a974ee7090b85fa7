"""What is replicated, and to whom: the row kinds both the client and the server know.

A *kind* is a table on the client and a row kind on the server. Each belongs to one scope
family: ``municipality`` (one scope per town: its applications, notices, statistics),
``pool`` (the equipment shared by the Kreis and its towns) or ``shared`` (what every office
reads alike: the FIM form schemas). The owner column names the
municipality that may create the row; it never changes after the insert.

Pure and shared by the client (storage, sync) and the server: nothing here touches a database.
"""

from __future__ import annotations

from dataclasses import dataclass

MUNICIPALITY = "municipality"
POOL = "pool"
POOL_SCOPE = "pool"
SHARED = "shared"
SHARED_SCOPE = "shared"
# A 401 for a workstation that is locked out carries this header, so the client can tell the
# clerk to ask for a new enrolment code rather than report an invalid sign-in.
PROBLEM_HEADER = "X-KommuneDesk-Problem"
WORKSTATION_REVOKED = "arbeitsplatz-gesperrt"


def municipality_scope(municipality_id: str) -> str:
    return f"municipality:{municipality_id}"


def scope_municipality(scope: str) -> str | None:
    """The municipality id of a municipality scope, None for any other scope."""
    prefix, _, rest = scope.partition(":")
    return rest if prefix == MUNICIPALITY and rest else None


@dataclass(frozen=True)
class Kind:
    """One replicated table.

    ``settled_by`` names a column whose first value on the server settles the row (a conflict
    answered, a submission taken over): a later answer from another workstation changes nothing
    and gets the settled row back.
    ``public_columns``, where given, is the whole set of columns the server keeps for the kind.
    ``immutable`` columns are written once (an archived notice); ``insert_only`` rows are never
    updated at all (template versions). Rows of a kind without ``client_inserts`` are created by
    the server alone (conflict records, portal submissions); clients may only update their
    mutable columns (to mark a conflict resolved).
    """

    name: str
    family: str
    owner_column: str
    immutable: frozenset[str] = frozenset()
    insert_only: bool = False
    client_inserts: bool = True
    public_columns: frozenset[str] = frozenset()
    settled_by: str | None = None

    def scope_of(self, row: dict[str, object]) -> str:
        """The scope a row of this kind lives in."""
        if self.family == POOL:
            return POOL_SCOPE
        if self.family == SHARED:
            return SHARED_SCOPE
        owner = row.get(self.owner_column)
        if not isinstance(owner, str) or not owner:
            raise ValueError(f"{self.name}: owner column {self.owner_column} missing")
        return municipality_scope(owner)

    def fixed_columns(self) -> frozenset[str]:
        """Columns a later change may not touch: the id, the owner and immutable content."""
        return self.immutable | {"id", self.owner_column}


_NOTICE_CONTENT = frozenset(
    {
        "application_id", "kind", "version", "sha256", "size_bytes", "template_versions", "details",
        "letter_date", "remedy", "fee_due_on", "created_at", "created_by", "replaces_id",
    }
)  # fmt: skip

_SUBMISSION = frozenset({"sha256", "size_bytes", "received_at"})
_CONFLICT = frozenset(
    {"mutation_id", "mutation_name", "entity_kind", "entity_id", "reason", "mine", "theirs", "created_at"}
)

# The shared pool carries no personal data: only these columns ever reach another town.
_DEVICE_COLUMNS = frozenset(
    {
        "id", "pool", "home_municipality_id", "inventory_number", "name", "category", "make", "model",
        "serial_number", "base_municipality_id", "location_municipality_id", "accessories", "condition",
        "replacement_value_cents", "loan_days", "max_renewals", "deposit_cents", "pickup_days",
        "status", "notes", "created_at", "updated_at", "deleted_at",
    }
)  # fmt: skip
_LOAN_COLUMNS = frozenset(
    {
        "id", "pool", "device_id", "borrower_municipality_id", "start_date", "end_date", "status",
        "handed_over_at", "returned_at", "renewals", "handed_over_by", "returned_to", "checklist_out",
        "checklist_in", "condition_out", "condition_in", "damage", "override_note",
        "created_at", "updated_at", "deleted_at",
    }
)  # fmt: skip
# Who waits is the town's own data (waitlist_borrowers); the pool sees the town and the period.
_WAITLIST_COLUMNS = frozenset(
    {
        "id", "pool", "municipality_id", "category", "start_date", "end_date", "status",
        "offered_device_id", "offered_on", "offer_until", "passed_over", "loan_id",
        "created_at", "updated_at", "deleted_at",
    }
)  # fmt: skip

# Order matters for a snapshot applied into an empty database: parents before children.
KINDS: tuple[Kind, ...] = (
    Kind("municipalities", MUNICIPALITY, "id"),
    Kind("offices", MUNICIPALITY, "municipality_id"),
    Kind("clerks", MUNICIPALITY, "municipality_id"),
    Kind("services", MUNICIPALITY, "municipality_id"),
    Kind("applications", MUNICIPALITY, "municipality_id"),
    Kind("attachments", MUNICIPALITY, "municipality_id"),
    Kind("application_notes", MUNICIPALITY, "municipality_id"),
    Kind("usage_events", MUNICIPALITY, "municipality_id"),
    Kind("letter_templates", MUNICIPALITY, "municipality_id", insert_only=True),
    Kind("notices", MUNICIPALITY, "municipality_id", immutable=_NOTICE_CONTENT),
    Kind("borrowers", MUNICIPALITY, "municipality_id"),
    Kind("loan_borrowers", MUNICIPALITY, "municipality_id"),
    Kind("waitlist_borrowers", MUNICIPALITY, "municipality_id"),
    Kind("loan_reminders", MUNICIPALITY, "municipality_id"),
    Kind(
        "portal_submissions",
        MUNICIPALITY,
        "municipality_id",
        immutable=_SUBMISSION,
        client_inserts=False,
        settled_by="imported_at",
    ),
    Kind(
        "sync_conflicts",
        MUNICIPALITY,
        "municipality_id",
        immutable=_CONFLICT,
        client_inserts=False,
        settled_by="resolved_at",
    ),
    Kind("pool_members", POOL, "id", insert_only=True, client_inserts=False),
    Kind("devices", POOL, "home_municipality_id", public_columns=_DEVICE_COLUMNS),
    Kind("loans", POOL, "borrower_municipality_id", public_columns=_LOAN_COLUMNS),
    Kind("device_types", POOL, "municipality_id"),
    Kind("device_maintenance", POOL, "municipality_id"),
    Kind("device_transfers", POOL, "municipality_id"),
    Kind("waitlist", POOL, "municipality_id", public_columns=_WAITLIST_COLUMNS),
    # A schema is content by its URI: any office may add one, nobody changes it.
    Kind("form_schemas", SHARED, "municipality_id", insert_only=True),
)
KINDS_BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}
CLIENT_CAPTURED: tuple[str, ...] = tuple(k.name for k in KINDS if not k.insert_only or k.client_inserts)


def kind_named(name: object) -> Kind | None:
    return KINDS_BY_NAME.get(name) if isinstance(name, str) else None
