"""The Statistik section: the dashboard of the online services (built when first opened)."""
