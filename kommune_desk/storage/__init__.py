"""SQLite storage: connections, schema migrations, repositories, outbox, audit.

Only this package writes SQL. sqlite-utils is used where it helps (migrations,
bulk loads); the window's hot read path uses plain sqlite3 so start-up stays fast.
"""
