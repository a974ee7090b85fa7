"""The pool's rules: inclusive periods, which loans block, what a period may be."""

from __future__ import annotations

import datetime as dt

import pytest

from kommune_desk.domain.pool import (
    MAX_LOAN_DAYS,
    Booking,
    booking_refusal,
    cancel_refusal,
    device_problems,
    device_state,
    overlapping,
    period_problem,
    period_text,
)

TODAY = dt.date(2026, 11, 24)
CAMERA = "geraet-1"


def _booking(
    loan_id: str,
    start: tuple[int, int],
    end: tuple[int, int],
    status: str = "reserviert",
    device: str = CAMERA,
) -> Booking:
    return Booking(
        loan_id, device, dt.date(2026, *start), dt.date(2026, *end), status, municipality_id="nauheim"
    )


FIRST_TO_FIFTH = _booking("a", (12, 1), (12, 5))


@pytest.mark.parametrize(
    ("start", "end", "clash"),
    [
        ((12, 5), (12, 8), True),  # shares the 5th: days are inclusive
        ((11, 28), (12, 1), True),  # shares the 1st
        ((12, 2), (12, 3), True),  # inside
        ((11, 20), (12, 20), True),  # around
        ((12, 6), (12, 8), False),  # starts the day after
        ((11, 25), (11, 30), False),  # ends the day before
    ],
)
def test_periods_clash_when_they_share_a_day(
    start: tuple[int, int], end: tuple[int, int], clash: bool
) -> None:
    candidate = _booking("b", start, end)
    assert overlapping(candidate, [FIRST_TO_FIFTH]) == ([FIRST_TO_FIFTH] if clash else [])


def test_one_to_four_and_five_to_eight_do_not_clash() -> None:
    assert overlapping(_booking("b", (12, 5), (12, 8)), [_booking("a", (12, 1), (12, 4))]) == []


@pytest.mark.parametrize("status", ["storniert", "zurueckgegeben"])
def test_cancelled_or_returned_loans_block_nothing(status: str) -> None:
    other = _booking("a", (12, 1), (12, 5), status=status)
    assert overlapping(_booking("b", (12, 1), (12, 5)), [other]) == []


def test_a_handed_over_loan_blocks() -> None:
    other = _booking("a", (12, 1), (12, 5), status="ausgegeben")
    assert overlapping(_booking("b", (12, 3), (12, 4)), [other]) == [other]


def test_a_cancelled_candidate_clashes_with_nothing() -> None:
    assert overlapping(_booking("b", (12, 1), (12, 5), status="storniert"), [FIRST_TO_FIFTH]) == []


def test_the_own_loan_and_other_devices_are_not_clashes() -> None:
    changed = _booking("a", (12, 3), (12, 9))  # the same loan, moved
    other_device = _booking("c", (12, 1), (12, 5), device="geraet-2")
    assert overlapping(changed, [FIRST_TO_FIFTH, other_device]) == []


def test_clashes_come_sorted_by_start() -> None:
    later = _booking("c", (12, 10), (12, 12))
    assert overlapping(_booking("b", (11, 30), (12, 11)), [later, FIRST_TO_FIFTH]) == [FIRST_TO_FIFTH, later]


def test_refusal_names_the_taken_period_in_german_dates() -> None:
    taken = _booking("a", (12, 3), (12, 10))
    assert booking_refusal(_booking("b", (12, 8), (12, 9)), [taken]) == (
        "Das Gerät ist vom 03.12.2026 bis 10.12.2026 bereits reserviert."
    )
    assert booking_refusal(_booking("b", (12, 11), (12, 12)), [taken]) is None


def test_refusal_names_every_taken_period() -> None:
    others = [
        _booking("a", (12, 1), (12, 2)),
        _booking("c", (12, 4), (12, 5)),
        _booking("d", (12, 7), (12, 8)),
    ]
    assert booking_refusal(_booking("b", (12, 1), (12, 31)), others) == (
        "Das Gerät ist vom 01.12.2026 bis 02.12.2026, vom 04.12.2026 bis 05.12.2026"
        " und vom 07.12.2026 bis 08.12.2026 bereits reserviert."
    )


def test_a_period_from_today_within_the_limit_is_fine() -> None:
    assert period_problem(TODAY, TODAY, TODAY) is None  # one day
    assert period_problem(TODAY, TODAY + dt.timedelta(days=MAX_LOAN_DAYS - 1), TODAY) is None


def test_an_end_before_the_start_is_refused() -> None:
    text = period_problem(dt.date(2026, 12, 5), dt.date(2026, 12, 3), TODAY)
    assert text is not None and "03.12.2026" in text and "05.12.2026" in text and "vor" in text


def test_a_start_in_the_past_is_refused() -> None:
    text = period_problem(TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=2), TODAY)
    assert text is not None and "Vergangenheit" in text and "24.11.2026" in text


def test_more_than_ninety_days_are_refused() -> None:
    text = period_problem(TODAY, TODAY + dt.timedelta(days=MAX_LOAN_DAYS), TODAY)
    assert text is not None and "höchstens 90 Tage" in text and "91 Tage" in text


def test_only_the_borrowing_town_cancels_and_only_a_reservation() -> None:
    assert cancel_refusal(FIRST_TO_FIFTH, "nauheim") is None
    assert "andere Gemeinde" in (cancel_refusal(FIRST_TO_FIFTH, "trebur") or "")
    out = _booking("a", (12, 1), (12, 5), status="ausgegeben")
    assert "ausgegeben" in (cancel_refusal(out, "nauheim") or "")


def test_a_device_needs_number_name_and_category() -> None:
    assert device_problems("KGG-KS-025", "Wärmebildkamera FLIR", "Wärmebildkamera") == []
    assert len(device_problems(" ", "", "\t")) == 3


def test_period_text_is_short_within_a_year() -> None:
    assert period_text(dt.date(2026, 12, 3), dt.date(2026, 12, 10)) == "03.12.–10.12.2026"
    assert period_text(dt.date(2026, 12, 28), dt.date(2027, 1, 4)) == "28.12.2026–04.01.2027"


def test_the_device_state_says_where_a_lent_device_is() -> None:
    assert device_state("verfuegbar", None, TODAY) == "verfügbar"
    assert device_state("wartung", None, TODAY) == "in Wartung"
    assert device_state("verfuegbar", TODAY, TODAY) == "ausgeliehen bis 24.11.2026"
    assert device_state("verfuegbar", dt.date(2026, 11, 20), TODAY) == "überfällig seit 21.11.2026"
    assert device_state("wartung", TODAY, TODAY) == "in Wartung, ausgeliehen bis 24.11.2026"
