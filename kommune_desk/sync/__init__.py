"""Client sync engine: push the outbox, pull changes per scope (later issue)."""
