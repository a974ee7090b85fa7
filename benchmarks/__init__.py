"""KommuneDesk benchmarks, each measured against a bare reference in the same run.

Run them with ``python -m benchmarks``; see ``registry.py`` for the list.
"""
