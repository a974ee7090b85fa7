"""A fee block for a fee already paid: the notice states the payment instead of asking for it.

Plain data like :mod:`.model` (no reportlab). A subclass, so every place that looks for the
letter's ``FeeBlock`` (``Letter.fee``, batch printing) still finds it; ``with_qr_code`` is False
because there is nothing left to transfer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .model import FeeBlock


@dataclass(frozen=True)
class PaidFeeBlock(FeeBlock):
    """§ 14 HVwKostG's Kostenfestsetzung of a fee that was paid on ``paid_on``."""

    paid_on: dt.date | None = None
    paid_cents: int | None = None  # None: the payment reported no amount (counts as the fee)
