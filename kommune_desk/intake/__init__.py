"""Intake of FIT-Connect submission folders/ZIPs and portal exports (later issue)."""
