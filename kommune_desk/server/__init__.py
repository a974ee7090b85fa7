"""Sync server (FastAPI); imports domain/, never ui/ or client internals (later issue)."""
