"""Use cases the UI and the CLI call. Every write runs in one transaction together
with its outbox mutation and its audit entry."""
