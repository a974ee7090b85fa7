"""Who issues a notice and where the citizen can challenge it (Rechtsbehelfsbelehrung).

In Hesse the administrative authority of a Gemeinde is the Gemeindevorstand, of a Stadt the
Magistrat (§ 9 Abs. 2, § 66 HGO) and of a Kreis the Kreisausschuss (§ 41 HKO).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .markup import Markup, escape
from .records import MunicipalityKind


class Remedy(StrEnum):
    """The remedy against a service's notices. Widerspruch is the rule in Hesse; § 16a
    HessAGVwGO excludes it for some matters, where the citizen goes to court directly."""

    WIDERSPRUCH = "widerspruch"
    KLAGE = "klage"

    @property
    def label(self) -> str:
        return {"widerspruch": "Widerspruch", "klage": "Klage beim Verwaltungsgericht"}[self.value]


DEFAULT_REMEDY = Remedy.WIDERSPRUCH
# The court for the Kreis Groß-Gerau (Regierungsbezirk Darmstadt).
ADMINISTRATIVE_COURT = "Verwaltungsgericht Darmstadt, Julius-Reiber-Straße 37, 64293 Darmstadt"

_ORGANS = {
    MunicipalityKind.GEMEINDE: ("Gemeinde", "Gemeindevorstand", "der Gemeinde"),
    MunicipalityKind.STADT: ("Stadt", "Magistrat", "der Stadt"),
    MunicipalityKind.KREIS: ("Kreis", "Kreisausschuss", "des Kreises"),
}


@dataclass(frozen=True)
class Authority:
    title: str  # "Gemeinde Nauheim"
    organ: str  # "Gemeindevorstand"
    of: str  # "der Gemeinde Nauheim"

    @property
    def letterhead(self) -> str:
        """``Gemeinde Nauheim – Der Gemeindevorstand``."""
        return f"{self.title} – Der {self.organ}"

    @property
    def signing(self) -> str:
        """Who issues the letter, above the clerk's "Im Auftrag": ``Der Gemeindevorstand der
        Gemeinde Nauheim``, ``Der Magistrat der Stadt Mörfelden-Walldorf``."""
        return f"Der {self.organ} {self.of}"

    @property
    def at(self) -> str:
        """Where to lodge something: ``beim Gemeindevorstand der Gemeinde Nauheim``."""
        return f"beim {self.organ} {self.of}"


def authority_of(kind: MunicipalityKind, name: str) -> Authority:
    """The authority of a municipality, whether or not its stored name repeats its kind
    ("Gemeinde Nauheim" or "Nauheim"; "Kreis Groß-Gerau")."""
    word, organ, article = _ORGANS[kind]
    name = name.strip()
    if kind is MunicipalityKind.KREIS and name.startswith("Landkreis "):
        return Authority(name, organ, f"des Landkreises {name.removeprefix('Landkreis ')}")
    bare = name.removeprefix(f"{word} ")
    return Authority(f"{word} {bare}", organ, f"{article} {bare}")


def remedy_instruction(remedy: Remedy, authority: Authority, address: str) -> Markup:
    """The Rechtsbehelfsbelehrung (§ 58 Abs. 1 VwGO): remedy, where, form and period."""
    if remedy is Remedy.KLAGE:
        return Markup.from_template(
            "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Klage beim "
            f"{ADMINISTRATIVE_COURT}, erhoben werden. Die Klage ist schriftlich oder zur Niederschrift "
            "der Urkundsbeamtin oder des Urkundsbeamten der Geschäftsstelle des Gerichts zu erheben; "
            "sie kann auch elektronisch nach Maßgabe des § 55a VwGO erhoben werden. Die Klage muss die "
            "Klägerin oder den Kläger, die Beklagte oder den Beklagten und den Gegenstand des "
            "Klagebegehrens bezeichnen (§ 82 VwGO).",
            "Rechtsbehelfsbelehrung",
        )
    return (
        Markup.from_template(
            "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben "
            "werden. Der Widerspruch ist schriftlich, in elektronischer Form nach § 3a Abs. 2 HVwVfG "
            "oder zur Niederschrift ",
            "Rechtsbehelfsbelehrung",
        )
        + escape(f"{authority.at}, {address}")
        + Markup(", einzulegen.")
    )


# -- the authority's own data, as the Administration changes it -----------------------------------
_PHONE = re.compile(r"^\+?[0-9][0-9 ()/\-]{3,30}[0-9]$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_POSTAL_CODE = re.compile(r"^\d{5}$")
_WORDS = {"stadt": "Stadt", "gemeinde": "Gemeinde"}


@dataclass(frozen=True)
class AuthorityData:
    """Kind, name and contact data of the municipality and its office's address."""

    kind: str  # "stadt" or "gemeinde"
    name: str  # without "Stadt"/"Gemeinde"
    phone: str
    email: str
    street: str
    postal_code: str
    city: str


def authority_problems(data: AuthorityData) -> dict[str, str]:
    """field → German message for every faulty entry (empty: all fine)."""
    problems: dict[str, str] = {}
    if data.kind not in _WORDS:
        problems["kind"] = "Bitte wählen Sie Stadt oder Gemeinde."
    name = data.name.strip()
    if not name:
        problems["name"] = "Bitte geben Sie den Namen der Stadt oder Gemeinde an."
    elif len(name) > 80:
        problems["name"] = "Der Name ist zu lang (höchstens 80 Zeichen)."
    elif name.split(" ", 1)[0] in ("Stadt", "Gemeinde", "Kreis", "Landkreis"):
        problems["name"] = "Bitte den Namen ohne »Stadt« oder »Gemeinde« angeben; die Art wählen Sie oben."
    phone = " ".join(data.phone.split())
    if phone and not _PHONE.match(phone):
        problems["phone"] = (
            "Die Telefonnummer darf nur Ziffern, Leerzeichen, »+«, »/«, »-« und Klammern enthalten, "
            "z. B. 06152 1234-0."
        )
    email = data.email.strip()
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        problems["email"] = "Die E-Mail-Adresse ist nicht vollständig, z. B. buergerbuero@nauheim.de."
    if not data.street.strip():
        problems["street"] = "Bitte geben Sie Straße und Hausnummer der Dienststelle an."
    if not _POSTAL_CODE.match(data.postal_code.strip()):
        problems["postal_code"] = "Die Postleitzahl hat 5 Ziffern."
    if not data.city.strip():
        problems["city"] = "Bitte geben Sie den Ort an."
    return problems


def bare_name(kind: str, name: str) -> str:
    """The name without its kind: ("stadt", "Stadt Teststadt") → "Teststadt"."""
    word = _WORDS.get(kind, "")
    stripped = " ".join(name.split())
    return stripped.removeprefix(f"{word} ") if word else stripped
