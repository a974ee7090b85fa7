"""Build KommuneDesk's Windows MSI on Linux: embeddable CPython + Windows wheels + the app, no freezer."""
