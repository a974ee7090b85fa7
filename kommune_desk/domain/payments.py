"""Fees and payments: Kassenzeichen, payment states and methods (portal and counter)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class PaymentStatus(StrEnum):
    OFFEN = "offen"
    BEZAHLT = "bezahlt"
    FEHLGESCHLAGEN = "fehlgeschlagen"
    ABGEBROCHEN = "abgebrochen"
    KEINE_GEBUEHR = "keine_gebuehr"

    @property
    def label(self) -> str:
        return {
            "offen": "Offen",
            "bezahlt": "Bezahlt",
            "fehlgeschlagen": "Zahlung fehlgeschlagen",
            "abgebrochen": "Zahlung abgebrochen",
            "keine_gebuehr": "Gebührenfrei",
        }[self.value]


class PaymentMethod(StrEnum):
    """Online methods keep FIT-Connect's names (they arrive in ``paymentInformation``);
    the counter and transfer methods are ours."""

    GIROPAY = "GIROPAY"
    PAYDIRECT = "PAYDIRECT"
    CREDITCARD = "CREDITCARD"
    PAYPAL = "PAYPAL"
    INVOICE = "INVOICE"
    OTHER = "OTHER"
    BAR = "bar"
    EC_KARTE = "ec_karte"
    UEBERWEISUNG = "ueberweisung"

    @property
    def label(self) -> str:
        return _METHOD_LABELS[self]


_METHOD_LABELS = {
    PaymentMethod.GIROPAY: "giropay",
    PaymentMethod.PAYDIRECT: "paydirekt",
    PaymentMethod.CREDITCARD: "Kreditkarte",
    PaymentMethod.PAYPAL: "PayPal",
    PaymentMethod.INVOICE: "Rechnung",
    PaymentMethod.OTHER: "Sonstige (online)",
    PaymentMethod.BAR: "Bar",
    PaymentMethod.EC_KARTE: "EC-Karte (Girocard)",
    PaymentMethod.UEBERWEISUNG: "Überweisung",
}
COUNTER_METHODS = (PaymentMethod.BAR, PaymentMethod.EC_KARTE, PaymentMethod.UEBERWEISUNG)

# FIT-Connect paymentInformation.status → ours. INITIAL: the citizen never reached the provider.
_FIT_STATUS = {
    "INITIAL": PaymentStatus.OFFEN,
    "BOOKED": PaymentStatus.BEZAHLT,
    "FAILED": PaymentStatus.FEHLGESCHLAGEN,
    "CANCELED": PaymentStatus.ABGEBROCHEN,
}


def status_from_fit_connect(status: str) -> PaymentStatus:
    """Our payment status for a FIT-Connect ``paymentInformation.status``."""
    return _FIT_STATUS.get(status, PaymentStatus.OFFEN)


def method_from_fit_connect(method: str) -> PaymentMethod:
    try:
        return PaymentMethod(method)
    except ValueError:
        return PaymentMethod.OTHER


def initial_payment_status(fee_cents: int) -> PaymentStatus:
    return PaymentStatus.OFFEN if fee_cents > 0 else PaymentStatus.KEINE_GEBUEHR


def fee_settled(fee_cents: int, status: str | None, paid_cents: int | None) -> bool:
    """Whether a case's fee is paid in full, so a letter must not ask for it again. A payment
    without an amount (a portal that reported none) counts as the fee paid."""
    if fee_cents <= 0 or status != PaymentStatus.BEZAHLT.value:
        return False
    return paid_cents is None or paid_cents >= fee_cents


def paid_on(paid_at: str | None) -> dt.date | None:
    """The local day of a stored payment: a date (counter) or a timestamp (portal)."""
    if not paid_at:
        return None
    try:
        moment = dt.datetime.fromisoformat(paid_at.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone().date() if moment.tzinfo else moment.date()


def kassenzeichen(aktenzeichen: str) -> str:
    """The Kassenzeichen of a case, from its Aktenzeichen (``OFFICE-YEAR-NNNNN``): office code,
    two-digit year, running number and a Luhn check digit, e.g. ``MW-2026-00042`` → ``MW26000422``.

    It is unique because the Aktenzeichen is; the check digit catches a mistyped
    Verwendungszweck when bank transfers are matched.
    """
    office_code, year, number = aktenzeichen.rsplit("-", 2)
    digits = f"{int(year) % 100:02d}{int(number):05d}"
    return f"{office_code}{digits}{_luhn_digit(digits)}"


def _luhn_digit(digits: str) -> int:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10
