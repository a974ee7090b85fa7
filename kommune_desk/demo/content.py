"""Names, places and equipment the demo draws from. All persons are fictitious."""

from __future__ import annotations

from typing import NamedTuple

# (AGS, name, kind, office code, street of the Rathaus, postal code)
TOWNS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("06433001", "Biebesheim am Rhein", "gemeinde", "BIB", "Rathausstraße 1", "64584"),
    ("06433002", "Bischofsheim", "gemeinde", "BIS", "Schulstraße 45", "65474"),
    ("06433003", "Büttelborn", "gemeinde", "BUE", "Mainzer Straße 13", "64572"),
    ("06433004", "Gernsheim", "stadt", "GER", "Stadthausplatz 1", "64579"),
    ("06433005", "Ginsheim-Gustavsburg", "gemeinde", "GIG", "Dr.-Herrmann-Straße 32", "65462"),
    ("06433006", "Groß-Gerau", "stadt", "GG", "Am Marktplatz 1", "64521"),
    ("06433007", "Kelsterbach", "stadt", "KEL", "Mörfelder Straße 33", "65451"),
    ("06433008", "Mörfelden-Walldorf", "stadt", "MW", "Westendstraße 8", "64546"),
    ("06433009", "Nauheim", "gemeinde", "NAU", "Weingartenstraße 46", "64569"),
    ("06433010", "Raunheim", "stadt", "RAU", "Schulstraße 2", "65479"),
    ("06433011", "Riedstadt", "stadt", "RIE", "Rathausplatz 1", "64560"),
    ("06433012", "Rüsselsheim am Main", "stadt", "RUE", "Marktplatz 4", "65428"),
    ("06433013", "Stockstadt am Rhein", "gemeinde", "STO", "Hauptstraße 27", "64589"),
)
KREIS = ("06433000", "Kreis Groß-Gerau", "kreis", "KGG", "Wilhelm-Seipp-Straße 4", "64521")
LOCAL_TOWN_AGS = "06433008"
POOL_NAME = "kreis-gross-gerau"

# Fictitious staff of the local office; the OS login of the person trying the demo is
# mapped to the first one (Teamleitung). To try the 4-eyes step from the other side, the demo
# starts as a colleague with ``--als``: DEMO_COLLEAGUE drafts (and may not approve a 4-eyes
# decision), DEMO_SECOND_LEAD approves what the first one drafted.
LOCAL_CLERKS: tuple[tuple[str, str, str], ...] = (
    ("Jana Becker", "teamleitung", ""),
    ("Murat Yılmaz", "sachbearbeitung", "m.yilmaz"),
    ("Sabine Weiß", "sachbearbeitung", "s.weiss"),
    ("Thomas Schäfer", "sachbearbeitung", "t.schaefer"),
    ("Łukasz Nowak", "sachbearbeitung", "l.nowak"),
    ("Renate Hofmann", "teamleitung", "r.hofmann"),
    ("Dirk Wagner", "administration", "d.wagner"),
)
DEMO_COLLEAGUE = "m.yilmaz"
DEMO_SECOND_LEAD = "r.hofmann"

GIVEN_NAMES = (
    "Anna",
    "Lena",
    "Marie",
    "Sophie",
    "Emma",
    "Mia",
    "Hannah",
    "Laura",
    "Julia",
    "Sarah",
    "Zoë",
    "Ayşe",
    "Elif",
    "Katarzyna",
    "Chiara",
    "Ingrid",
    "Ursula",
    "Gisela",
    "Renée",
    "Maja",
    "Lukas",
    "Jonas",
    "Leon",
    "Felix",
    "Paul",
    "Maximilian",
    "Tim",
    "Jan",
    "Finn",
    "Ben",
    "Mehmet",
    "Ömer",
    "Łukasz",
    "Dragan",
    "Giuseppe",
    "Jürgen",
    "Klaus",
    "Horst",
    "René",
    "Björn",
)
FAMILY_NAMES = (
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Weiß",
    "Günther",
    "Öztürk",
    "Ağaoğlu",
    "Kowalski",
    "Nowak",
    "Rossi",
    "Dąbrowski",
    "Großmann",
    "Jäger",
    "Böhm",
    "Kühn",
    "Roß",
    "Yılmaz",
)
STREETS = (
    "Langgasse",
    "Westendstraße",
    "Schillerstraße",
    "Goethestraße",
    "Bahnhofstraße",
    "Farmstraße",
    "Kelsterbacher Straße",
    "Flughafenstraße",
    "Okrifteler Straße",
    "Ludwigstraße",
    "Frankfurter Straße",
    "Darmstädter Straße",
    "Gerauer Straße",
    "Aschaffenburger Straße",
    "Feldbergstraße",
    "Am Zollhaus",
    "Waldstraße",
    "Mittelweg",
    "Rüsselsheimer Straße",
)
DISTRICTS = (("64546", "Mörfelden-Walldorf"),)

# --- the shared pool of climate-protection equipment (Geräteverleih) ---------------------------

# The loan policy of each device type, set by the Kreis for every partner:
# (type, code in the inventory number, loan days, renewals, deposit in cents, pickup days)
DEVICE_TYPES: tuple[tuple[str, str, int, int, int, int], ...] = (
    ("Wärmebildkamera", "WBK", 7, 1, 5_000, 3),
    ("Energiekostenmessgerät", "EM", 14, 2, 0, 3),
    ("CO₂-Messgerät", "CO2", 14, 1, 0, 3),
    ("Datenlogger", "DL", 21, 1, 0, 3),
    ("Blower-Door-Messset", "BD", 3, 0, 20_000, 2),
    ("Lastenrad", "LR", 3, 1, 10_000, 1),
    ("Infostand", "IS", 5, 0, 0, 5),
)


class PoolDevice(NamedTuple):
    """One device of the demo pool; its inventory number is owner code, type code, running number."""

    owner: str  # AGS of the owner (home)
    category: str
    name: str
    make: str
    model: str
    serial: str  # each "#" becomes a digit
    accessories: tuple[str, ...]
    value_cents: int  # replacement value
    condition: str
    location: str | None = None  # AGS where it is kept, if not at home
    status: str = "verfuegbar"  # wartung, vermisst and ausgemustert get their story in the generator
    loan_days: int | None = None  # the device's own policy, where it differs from its type's
    deposit_cents: int | None = None


_KREIS, _MW, _RUE = "06433000", "06433008", "06433012"
_FLIR_E8 = ("Ladegerät", "Akku", "Ersatzakku", "Tasche", "USB-Kabel", "Kurzanleitung")
_FLIR_C5 = ("USB-C-Ladekabel", "Schutzhülle", "Trageschlaufe", "Kurzanleitung")
_TESTO_865 = ("Netzteil", "Akku", "Transportkoffer", "USB-Kabel", "Kurzanleitung")
_LOGGER_4000 = ("SD-Karte", "Auswertesoftware (USB-Stick)", "Kurzanleitung", "Tasche")
_PM_231 = ("Kurzanleitung", "Aufbewahrungsbox")
_ARANET = ("2 Batterien AA", "Kurzanleitung")
_TESTO_174 = ("USB-Interface", "Wandhalterung", "Kurzanleitung")
_CARGO = ("Akku", "Ladegerät", "Regenverdeck", "Schloss mit 2 Schlüsseln", "Helm")

POOL_DEVICES: tuple[PoolDevice, ...] = (
    PoolDevice(_KREIS, "Wärmebildkamera", "Wärmebildkamera testo 875-1i", "Testo", "875-1i", "0560 8751 ####",
               ("Netzteil", "Akku", "Koffer"), 0, "Detektor defekt", status="ausgemustert"),
    PoolDevice(_KREIS, "Wärmebildkamera", "Wärmebildkamera FLIR E8 Pro", "FLIR", "E8 Pro", "6390#####",
               _FLIR_E8, 329_000, "gut, leichte Gebrauchsspuren am Griff"),
    PoolDevice(_KREIS, "Wärmebildkamera", "Wärmebildkamera FLIR E8 Pro", "FLIR", "E8 Pro", "6390#####",
               _FLIR_E8, 329_000, "sehr gut", location="06433011"),
    PoolDevice(_KREIS, "Wärmebildkamera", "Wärmebildkamera FLIR C5", "FLIR", "C5", "7220#####",
               _FLIR_C5, 69_900, "gut"),
    PoolDevice(_KREIS, "Wärmebildkamera", "Wärmebildkamera FLIR C5", "FLIR", "C5", "7220#####",
               _FLIR_C5, 69_900, "Display gesprungen, zur Reparatur", status="wartung"),
    PoolDevice(_KREIS, "Wärmebildkamera", "Wärmebildkamera testo 865s", "Testo", "865s", "6290####",
               _TESTO_865, 149_000, "gut", location="06433007"),
    PoolDevice(_KREIS, "Wärmebildkamera", "Wärmebildkamera testo 865s", "Testo", "865s", "6290####",
               _TESTO_865, 149_000, "gut, Koffer mit Kratzern"),
    PoolDevice(_RUE, "Wärmebildkamera", "Wärmebildkamera FLIR E8 Pro", "FLIR", "E8 Pro", "6390#####",
               _FLIR_E8, 329_000, "sehr gut"),
    PoolDevice(_MW, "Wärmebildkamera", "Wärmebildkamera testo 868", "Testo", "868", "6180####",
               _TESTO_865, 199_000, "gut"),
    PoolDevice(_KREIS, "Energiekostenmessgerät", "Energiekostenmessgerät Energy Logger 4000", "Voltcraft",
               "Energy Logger 4000", "EL4K-######", _LOGGER_4000, 4_990, "gut"),
    PoolDevice(_KREIS, "Energiekostenmessgerät", "Energiekostenmessgerät Energy Logger 4000", "Voltcraft",
               "Energy Logger 4000", "EL4K-######", _LOGGER_4000, 4_990, "gut"),
    PoolDevice(_KREIS, "Energiekostenmessgerät", "Energiekostenmessgerät Energy Logger 4000", "Voltcraft",
               "Energy Logger 4000", "EL4K-######", _LOGGER_4000, 4_990, "gut", location=_MW),
    PoolDevice(_MW, "Energiekostenmessgerät", "Energiekostenmessgerät Brennenstuhl PM 231 E", "Brennenstuhl",
               "PM 231 E", "1506220-####", _PM_231, 2_499, "gut"),
    PoolDevice(_MW, "Energiekostenmessgerät", "Energiekostenmessgerät Brennenstuhl PM 231 E", "Brennenstuhl",
               "PM 231 E", "1506220-####", _PM_231, 2_499, "neuwertig"),
    PoolDevice("06433006", "Energiekostenmessgerät", "Energiekostenmessgerät Energy Check 3000", "Voltcraft",
               "Energy Check 3000", "EC3K-######", ("Kurzanleitung",), 2_999, "gut"),
    PoolDevice(_KREIS, "CO₂-Messgerät", "CO₂-Messgerät Aranet4 Home", "Aranet", "Aranet4 Home", "1A0##-####",
               _ARANET, 22_900, "gut"),
    PoolDevice(_KREIS, "CO₂-Messgerät", "CO₂-Messgerät Aranet4 Home", "Aranet", "Aranet4 Home", "1A0##-####",
               _ARANET, 22_900, "gut", location=_MW),
    PoolDevice(_KREIS, "CO₂-Messgerät", "CO₂-Messgerät testo 160 IAQ", "Testo", "160 IAQ", "5903####",
               ("USB-Netzteil", "Wandhalterung", "Kurzanleitung", "Karte mit WLAN-Zugangsdaten"), 39_900,
               "sehr gut"),
    PoolDevice("06433011", "CO₂-Messgerät", "CO₂-Messgerät Aranet4 Home", "Aranet", "Aranet4 Home",
               "1A0##-####", _ARANET, 22_900, "gut", status="vermisst"),
    PoolDevice(_KREIS, "Datenlogger", "Datenlogger testo 174 H", "Testo", "174 H", "4477####", _TESTO_174,
               13_900, "gut"),
    PoolDevice(_KREIS, "Datenlogger", "Datenlogger testo 174 H", "Testo", "174 H", "4477####", _TESTO_174,
               13_900, "gut"),
    PoolDevice(_KREIS, "Datenlogger", "Datenlogger testo 174 H", "Testo", "174 H", "4477####", _TESTO_174,
               13_900, "Gehäuse leicht vergilbt"),
    PoolDevice(_KREIS, "Datenlogger", "Datenlogger Voltcraft DL-121TH", "Voltcraft", "DL-121TH", "DL21-#####",
               ("Schutzkappe", "Ersatzbatterie", "Kurzanleitung"), 4_990, "gut"),
    PoolDevice(_KREIS, "Datenlogger", "Datenlogger Voltcraft DL-121TH", "Voltcraft", "DL-121TH", "DL21-#####",
               ("Schutzkappe", "Ersatzbatterie", "Kurzanleitung"), 4_990, "gut"),
    PoolDevice(_KREIS, "Blower-Door-Messset", "Blower-Door-Messset Minneapolis Model 3",
               "The Energy Conservatory", "Minneapolis Blower Door Model 3 mit DG-1000", "BD3-#####",
               ("Gebläse", "Türrahmen und Plane", "Druckmessgerät DG-1000", "Schläuche", "Transportkoffer",
                "Tablet mit Auswertesoftware"), 785_000, "gut, Plane an einer Ecke geflickt"),
    PoolDevice(_KREIS, "Lastenrad", "Lastenrad Urban Arrow Family", "Urban Arrow", "Family", "UA######",
               (*_CARGO, "Kindersitzbank mit Gurten"), 679_000, "gut, Reifen neu"),
    PoolDevice(_MW, "Lastenrad", "Lastenrad Babboe Curve-E", "Babboe", "Curve-E", "BBC######",
               (*_CARGO, "Transportbox-Abdeckung"), 449_000, "gut, Gebrauchsspuren an der Box",
               loan_days=7, deposit_cents=5_000),
    PoolDevice("06433007", "Lastenrad", "Lastenrad Riese & Müller Load 60", "Riese & Müller", "Load 60",
               "RM######", _CARGO, 799_000, "sehr gut"),
    PoolDevice(_KREIS, "Infostand", "Infostand Klimaschutz (Faltpavillon mit Theke)", "Mastertent",
               "Faltpavillon 3 × 3 m mit Theke", "", ("Pavillontasche", "4 Gewichte", "Theke",
               "Banner »Klimaschutz im Kreis«"), 180_000, "gut"),
    PoolDevice(_KREIS, "Infostand", "Roll-up-Set »Energie sparen«", "", "3 Roll-ups 85 × 200 cm", "",
               ("3 Roll-ups in Taschen", "Prospektständer"), 45_000, "gut"),
)  # fmt: skip

# Roughly how many people live in each partner (the Kreis borrows for its schools and buildings):
# the demo's towns borrow in proportion, and more from devices kept near them.
INHABITANTS: dict[str, int] = {
    "06433000": 14_000, "06433001": 7_000, "06433002": 13_000, "06433003": 15_000, "06433004": 10_500,
    "06433005": 17_000, "06433006": 26_000, "06433007": 17_500, "06433008": 35_000, "06433009": 11_000,
    "06433010": 16_500, "06433011": 24_000, "06433012": 66_000, "06433013": 6_000,
}  # fmt: skip

# The pool manager: she runs the pool for all partners from the Projektmanagementstelle Klimaschutz.
POOL_MANAGER = "Sabine Weiß"
# Borrowers of the local town that are no citizen (kind verein / personal).
LOCAL_VEREIN = "Bürgerverein Klimaschutz Walldorf e. V."
LOCAL_STAFF_UNIT = "Gebäudemanagement"

ATTACHMENT_KINDS = (
    "Personalausweis (Kopie)",
    "Lageplan",
    "Foto des Baumes",
    "Kaufbeleg",
    "Nachweis Sachkunde",
    "Handelsregisterauszug",
    "Vollmacht",
    "Skizze der Fläche",
)
