"""The Geräteverleih's rules at their edges: overdue blocking, renewals, the waiting list,
retention dates, who may change what, distances and policies."""

from __future__ import annotations

import datetime as dt

import pytest

from kommune_desk.domain import waitlist
from kommune_desk.domain.pool import (
    Booking,
    CheckedItem,
    borrower_refusal,
    checklist_from_json,
    checklist_items,
    checklist_json,
    display_status,
    is_overdue,
    overdue_refusal,
    renewal_refusal,
)
from kommune_desk.domain.pool_policy import LoanPolicy, PolicyOverrides, effective_policy, policy_problems
from kommune_desk.domain.pool_rights import (
    PoolActor,
    may_change_device,
    may_change_loan,
    may_override_overdue,
    pool_row_writable,
)
from kommune_desk.domain.pool_towns import format_km, town_distance
from kommune_desk.domain.retention import add_months, is_due, retain_until
from kommune_desk.domain.waitlist import WaitEntry

TODAY = dt.date(2026, 12, 7)
CAM = "kamera-1"


def _day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def _loan(loan_id: str, start: int, end: int, status: str = "reserviert", town: str = "nauheim") -> Booking:
    return Booking(loan_id, CAM, _day(start), _day(end), status, town)


# --- overdue -------------------------------------------------------------------------------------


def test_a_loan_is_overdue_from_the_day_after_its_last_day() -> None:
    out = _loan("a", -7, -1, "ausgegeben")
    assert is_overdue(out, TODAY)
    assert not is_overdue(out, _day(-1))  # its last day: still due today
    assert not is_overdue(_loan("b", -7, -1, "reserviert"), TODAY)  # never handed over


def test_an_overdue_device_blocks_every_new_booking_until_its_return() -> None:
    out = _loan("out", -7, -3, "ausgegeben")
    for start, end in ((0, 6), (30, 40), (365, 370)):
        reason = overdue_refusal(_loan("new", start, end), [out], TODAY)
        assert reason is not None and "seit dem 05.12.2026 überfällig" in reason and "Teamleitung" in reason
    returned = _loan("out", -7, -3, "zurueckgegeben")
    assert overdue_refusal(_loan("new", 0, 6), [returned], TODAY) is None
    # On its last day it is not overdue yet: the overlap rule alone decides.
    assert overdue_refusal(_loan("new", 0, 6), [_loan("out", -7, 0, "ausgegeben")], TODAY) is None


def test_only_the_teamleitung_may_override_an_overdue_block() -> None:
    assert may_override_overdue(PoolActor("nauheim", "teamleitung"))
    assert not may_override_overdue(PoolActor("nauheim", "sachbearbeitung", pool_manager=True))
    assert not may_override_overdue(PoolActor("nauheim", "administration"))


# --- renewals ------------------------------------------------------------------------------------


def test_renewal_until_the_day_before_the_next_booking_and_not_onto_it() -> None:
    loan = _loan("mine", -3, 3, "ausgegeben")
    later = _loan("later", 7, 10)
    assert renewal_refusal(loan, _day(6), 0, 1, [loan, later], someone_waits=False) is None
    clash = renewal_refusal(loan, _day(7), 0, 1, [loan, later], someone_waits=False)
    assert clash is not None and "14.12.2026" in clash and "Verlängerung ist deshalb nicht möglich" in clash


def test_renewal_is_refused_when_someone_waits_or_the_renewals_are_used_up() -> None:
    loan = _loan("mine", -3, 3, "ausgegeben")
    waits = renewal_refusal(loan, _day(5), 0, 1, [loan], someone_waits=True)
    assert waits is not None and "Warteliste" in waits
    used = renewal_refusal(loan, _day(5), 1, 1, [loan], someone_waits=False)
    assert used is not None and "schon einmal verlängert" in used
    none = renewal_refusal(loan, _day(5), 0, 0, [loan], someone_waits=False)
    assert none is not None and "keine Verlängerung" in none
    assert renewal_refusal(loan, _day(3), 0, 1, [loan], someone_waits=False) is not None  # not later
    assert renewal_refusal(_loan("x", -9, -2, "zurueckgegeben"), _day(5), 0, 1, [], False) is not None


def test_renewal_asks_the_waiting_list_for_the_extension_days_only() -> None:
    entries = [_entry("w1", start=4, end=8), _entry("w2", start=-5, end=2, category="Lastenrad")]
    # The extension 11.12.–12.12. meets w1's days; a later extension would meet none after 15.12.
    assert waitlist.waiting_for(entries, "Wärmebildkamera", _day(4), _day(5)) == [entries[0]]
    assert waitlist.waiting_for(entries, "Wärmebildkamera", _day(9), _day(12)) == []
    assert waitlist.waiting_for(entries, "Lastenrad", _day(3), _day(5)) == []  # ended the day before


# --- waiting list --------------------------------------------------------------------------------


def _entry(
    entry_id: str,
    *,
    start: int = 0,
    end: int = 6,
    created: str = "2026-12-01T10:00:00Z",
    status: str = waitlist.WAITING,
    category: str = "Wärmebildkamera",
    offered: str | None = None,
    until: int | None = None,
    passed: tuple[str, ...] = (),
    town: str = "nauheim",
) -> WaitEntry:
    return WaitEntry(
        entry_id, town, category, _day(start), _day(end), status, created, offered,
        _day(until) if until is not None else None, passed,
    )  # fmt: skip


def test_first_come_first_served_with_the_id_as_tie_breaker() -> None:
    entries = [
        _entry("c", created="2026-12-02T09:00:00Z"),
        _entry("b", created="2026-12-01T09:00:00Z"),
        _entry("a", created="2026-12-02T09:00:00Z"),
        _entry("x", created="2026-11-01T09:00:00Z", status=waitlist.EXPIRED),
        _entry("y", created="2026-11-01T09:00:00Z", category="Lastenrad"),
    ]
    assert [e.id for e in waitlist.queue(entries, "Wärmebildkamera")] == ["b", "a", "c"]


def test_the_first_entry_the_device_can_serve_gets_it() -> None:
    first = _entry("first", start=10, end=20, created="2026-12-01T08:00:00Z")
    second = _entry("second", start=0, end=5, created="2026-12-01T09:00:00Z")
    passed = _entry("passed", start=0, end=5, created="2026-12-01T07:00:00Z", passed=(CAM,))
    over = _entry("over", start=-9, end=-1, created="2026-12-01T06:00:00Z")

    def free_until_the_15th(start: dt.date, end: dt.date) -> bool:
        return end < _day(8)

    chosen = waitlist.choose_entry(
        [first, second, passed, over], "Wärmebildkamera", CAM, free_until_the_15th, TODAY
    )
    assert chosen == second  # first cannot be served, passed let this device go, over is over


def test_an_offer_holds_its_days_until_the_pickup_window_ends() -> None:
    deadline = waitlist.offer_deadline(TODAY, 3)
    assert deadline == _day(3)
    offered = _entry("o", start=-2, end=6, status=waitlist.OFFERED, offered=CAM, until=3)
    held = waitlist.hold(offered, TODAY)
    assert held is not None and (held.start, held.end, held.device_id) == (TODAY, _day(6), CAM)
    assert not waitlist.offer_expired(offered, _day(3))  # the last pickup day
    assert waitlist.offer_expired(offered, _day(4))
    assert waitlist.hold(offered, _day(4)) is None
    assert waitlist.hold(_entry("w"), TODAY) is None  # waiting holds nothing


def test_waiting_list_periods() -> None:
    assert waitlist.period_problem(_day(3), _day(1), TODAY) is not None
    assert waitlist.period_problem(_day(-5), _day(-1), TODAY) is not None
    assert waitlist.period_problem(_day(-5), TODAY, TODAY) is None
    assert waitlist.wanted_period(_entry("e", start=-5, end=2), TODAY) == (TODAY, _day(2))
    assert waitlist.period_over(_entry("e", start=-5, end=-1), TODAY)


# --- retention -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("closed", "months", "kept_until"),
    [
        (dt.date(2025, 12, 5), 12, dt.date(2026, 12, 5)),
        (dt.date(2025, 3, 31), 11, dt.date(2026, 2, 28)),
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 11, 15), 2, dt.date(2027, 1, 15)),
    ],
)
def test_retention_keeps_data_until_the_same_day_months_later(
    closed: dt.date, months: int, kept_until: dt.date
) -> None:
    assert retain_until(closed, months) == kept_until
    assert not is_due(kept_until, kept_until)  # kept on its last day
    assert is_due(kept_until, kept_until + dt.timedelta(days=1))  # gone the day after
    assert not is_due(None, kept_until + dt.timedelta(days=999))  # an open loan keeps everything


def test_add_months_backwards_and_across_years() -> None:
    assert add_months(dt.date(2026, 1, 15), -1) == dt.date(2025, 12, 15)
    assert add_months(dt.date(2026, 12, 31), 2) == dt.date(2027, 2, 28)


# --- rights --------------------------------------------------------------------------------------


def test_who_may_change_a_device_and_a_loan() -> None:
    clerk = PoolActor("nauheim", "sachbearbeitung")
    manager = PoolActor("trebur", "sachbearbeitung", pool_manager=True)
    assert may_change_device(clerk, "nauheim") and not may_change_device(clerk, "kreis")
    assert may_change_device(manager, "kreis")
    assert may_change_loan(clerk, "nauheim", "kreis")  # the lending town
    assert may_change_loan(clerk, "trebur", "nauheim")  # the device's home town
    assert not may_change_loan(clerk, "trebur", "kreis")
    assert may_change_loan(manager, "raunheim", "kreis")


def test_the_servers_check_lets_any_partner_move_a_device_but_not_edit_its_register_entry() -> None:
    assert pool_row_writable(
        "devices", "kreis", "nauheim", columns=frozenset({"status", "location_municipality_id"})
    )
    assert not pool_row_writable("devices", "kreis", "nauheim", columns=frozenset({"inventory_number"}))
    assert pool_row_writable("devices", "kreis", "nauheim", columns=frozenset({"name"}), pool_manager=True)
    assert pool_row_writable("loans", "trebur", "kreis", device_home="kreis")
    assert not pool_row_writable("loans", "trebur", "nauheim", device_home="kreis")
    assert pool_row_writable("waitlist", "trebur", "nauheim")
    assert not pool_row_writable("device_types", "kreis", "nauheim")


def test_a_blocked_borrower_cannot_book() -> None:
    reason = borrower_refusal("Kamera beschädigt, Klärung offen")
    assert reason is not None and "gesperrt (Kamera beschädigt, Klärung offen)" in reason
    assert borrower_refusal(None) is None and borrower_refusal("") is None


# --- places, policies, statuses, checklists ------------------------------------------------------


def test_distances_between_rathaeuser() -> None:
    nauheim, gross_gerau, kelsterbach = "06433009", "06433006", "06433007"
    assert town_distance(nauheim, nauheim) == 0.0
    near = town_distance(nauheim, gross_gerau)
    far = town_distance(nauheim, kelsterbach)
    assert near is not None and far is not None and 2 < near < 5 < far < 15
    assert town_distance(nauheim, "99999999") is None
    assert format_km(near) == f"{near:.1f} km".replace(".", ",") and format_km(None) == "–"
    assert format_km(0.0) == "vor Ort"


def test_a_device_policy_overrides_its_type_which_overrides_the_default() -> None:
    camera = LoanPolicy(loan_days=7, max_renewals=1, deposit_cents=5000, pickup_days=3)
    assert effective_policy(camera, PolicyOverrides(deposit_cents=10000)) == LoanPolicy(7, 1, 10000, 3)
    assert effective_policy(None, PolicyOverrides()) == LoanPolicy()
    assert policy_problems(LoanPolicy(0, -1, -5, 30)) and not policy_problems(camera)


def test_register_status_words() -> None:
    assert display_status("verfuegbar", lent=True, reserved_today=False) == "verliehen"
    assert display_status("verfuegbar", lent=False, reserved_today=True) == "reserviert"
    assert display_status("verfuegbar", lent=False, reserved_today=False) == "verfügbar"
    assert display_status("wartung", lent=False, reserved_today=True) == "in Wartung"
    assert display_status("vermisst", lent=False, reserved_today=False) == "vermisst"


def test_checklists_round_trip_and_survive_garbage() -> None:
    items = [CheckedItem(i, i != "Ladegerät", "fehlt" if i == "Ladegerät" else "") for i in checklist_items(
        ["Ladegerät", " ", "Tasche"])]  # fmt: skip
    assert [i.item for i in items][-2:] == ["Ladegerät", "Tasche"]
    assert checklist_from_json(checklist_json(items)) == items
    assert checklist_from_json("{kaputt") == [] and checklist_from_json('{"a": 1}') == []


def test_a_settled_return_checklist_never_contradicts_itself() -> None:
    from kommune_desk.domain.pool import BASE_CHECKS, settle_return_checklist

    ticked = [CheckedItem(i, True) for i in checklist_items(["Ladegerät", "Tasche"])]
    assert settle_return_checklist(ticked, "") == ticked
    charger_gone = [CheckedItem(i.item, i.item != "Ladegerät") for i in ticked]
    settled = {i.item: i for i in settle_return_checklist(charger_gone, "")}
    assert settled["Ladegerät"] == CheckedItem("Ladegerät", False, "fehlt")
    assert settled[BASE_CHECKS[0]] == CheckedItem(BASE_CHECKS[0], False, "Teile fehlen")
    assert settled[BASE_CHECKS[1]].ok and settled["Tasche"].ok
    scratched = {i.item: i for i in settle_return_checklist(ticked, "Kratzer im Display")}
    assert scratched[BASE_CHECKS[0]] == CheckedItem(BASE_CHECKS[0], False, "Schaden festgestellt")
    said = [CheckedItem("Ladegerät", False, "kommt per Post")]
    assert settle_return_checklist(said, "")[0].note == "kommt per Post"
