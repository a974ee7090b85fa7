"""Migration 2: what the workflow needs on an application.

Who drafted the decision (4-eyes), the paused deadline clock (days left while waiting for
documents) and the Wiedervorlage (follow-up date with a note).
"""

from __future__ import annotations

STATEMENTS: tuple[str, ...] = (
    "ALTER TABLE applications ADD COLUMN drafted_by TEXT REFERENCES clerks(id)",
    "ALTER TABLE applications ADD COLUMN paused_remaining_days INTEGER",
    "ALTER TABLE applications ADD COLUMN follow_up_on TEXT",
    "ALTER TABLE applications ADD COLUMN follow_up_note TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX applications_follow_up ON applications (municipality_id, follow_up_on)"
    " WHERE deleted_at IS NULL AND follow_up_on IS NOT NULL",
)
