"""Where the pool's partners are: the Rathäuser of the Kreis Groß-Gerau and the Kreishaus.

Reference data like the holidays: keyed by the official municipality key (AGS), so every
database that knows a town by its AGS knows where its Rathaus is. A town not listed has no
place and sorts after every listed one in a search by distance.
"""

from __future__ import annotations

import math

# AGS → (latitude, longitude) of the Rathaus (the Kreishaus for the Kreis).
PLACES: dict[str, tuple[float, float]] = {
    "06433000": (49.9230, 8.4790),  # Kreishaus Groß-Gerau, Wilhelm-Seipp-Straße 4
    "06433001": (49.7806, 8.4669),  # Biebesheim am Rhein
    "06433002": (49.9931, 8.3633),  # Bischofsheim
    "06433003": (49.9022, 8.5178),  # Büttelborn
    "06433004": (49.7533, 8.4856),  # Gernsheim
    "06433005": (49.9925, 8.3150),  # Ginsheim-Gustavsburg
    "06433006": (49.9214, 8.4850),  # Groß-Gerau
    "06433007": (50.0617, 8.5303),  # Kelsterbach
    "06433008": (49.9794, 8.5658),  # Mörfelden-Walldorf
    "06433009": (49.9447, 8.4542),  # Nauheim
    "06433010": (50.0097, 8.4528),  # Raunheim
    "06433011": (49.8347, 8.4933),  # Riedstadt (Goddelau)
    "06433012": (49.9950, 8.4131),  # Rüsselsheim am Main
    "06433013": (49.8103, 8.4725),  # Stockstadt am Rhein
    "06433014": (49.9253, 8.4083),  # Trebur
}

_EARTH_RADIUS_KM = 6371.0


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points, in km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def town_distance(from_ags: str | None, to_ags: str | None) -> float | None:
    """km between two partners' Rathäuser, None if either place is unknown."""
    a, b = PLACES.get(from_ags or ""), PLACES.get(to_ags or "")
    return distance_km(a, b) if a and b else None


def format_km(km: float | None) -> str:
    """``3,4 km``; ``vor Ort`` under 100 m; ``–`` if unknown."""
    if km is None:
        return "–"
    if km < 0.1:
        return "vor Ort"
    return f"{km:.1f} km".replace(".", ",")
