"""The Hilfe menu's windows: the Handbuch (``window``) and "Über KommuneDesk" (``about``).

Imported only when the clerk opens one of them, so none of it is part of start-up.
"""
