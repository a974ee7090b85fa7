"""Pure domain rules: ids, deadlines, formats, validation, fees."""

from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest

from kommune_desk.domain.aktenzeichen import format_aktenzeichen
from kommune_desk.domain.deadlines import is_working_day, legal_deadline
from kommune_desk.domain.formatting import format_amount, format_count, format_date
from kommune_desk.domain.ids import uuid7, uuid7_unix_ms
from kommune_desk.domain.records import ApplicationStatus, FeeRule, Role
from kommune_desk.domain.validation import ValidationError, validate_setup

from .conftest import setup_input


def test_uuid7_has_version_variant_and_timestamp() -> None:
    value = uuid.UUID(uuid7(1_700_000_000_123))
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert uuid7_unix_ms(str(value)) == 1_700_000_000_123


def test_uuid7_sorts_by_time_and_is_reproducible_with_a_seeded_rng() -> None:
    earlier, later = uuid7(1_000), uuid7(2_000)
    assert earlier < later
    assert uuid7(5, random.Random(3)) == uuid7(5, random.Random(3))
    assert len({uuid7() for _ in range(10_000)}) == 10_000


@pytest.mark.parametrize(
    ("received", "days", "expected"),
    [
        (dt.date(2026, 11, 24), 4, dt.date(2026, 11, 30)),  # Saturday → Monday
        (dt.date(2026, 11, 24), 5, dt.date(2026, 11, 30)),  # Sunday → Monday
        (dt.date(2026, 11, 24), 6, dt.date(2026, 11, 30)),  # a plain Monday
        (dt.date(2026, 5, 4), 10, dt.date(2026, 5, 15)),  # Christi Himmelfahrt 14.05.2026
        (dt.date(2026, 5, 25), 10, dt.date(2026, 6, 5)),  # Fronleichnam 04.06.2026 (Hesse)
        (dt.date(2026, 12, 20), 5, dt.date(2026, 12, 28)),  # 25th, 26th, 27th are off
    ],
)
def test_legal_deadline_moves_to_the_next_hessian_working_day(
    received: dt.date, days: int, expected: dt.date
) -> None:
    assert legal_deadline(received, days) == expected


def test_fronleichnam_is_a_holiday_in_hesse() -> None:
    assert not is_working_day(dt.date(2026, 6, 4))
    assert is_working_day(dt.date(2026, 6, 3))


def test_german_formats() -> None:
    assert format_amount(123450) == "1.234,50 €"
    assert format_amount(5) == "0,05 €"
    assert format_amount(-100_000_00) == "-100.000,00 €"
    assert format_date(dt.date(2026, 11, 24)) == "24.11.2026"
    assert format_count(100_000) == "100.000"


def test_aktenzeichen_is_office_year_and_number() -> None:
    assert format_aktenzeichen("MW", 2026, 42) == "MW-2026-00042"


def test_fee_rules() -> None:
    assert FeeRule(2600).fee_cents(3) == 2600
    assert FeeRule(7500, per_unit="Hund").fee_cents(2) == 15000
    assert FeeRule.from_dict(FeeRule(100, "Tag").to_dict()) == FeeRule(100, "Tag")


def test_labels_are_german() -> None:
    assert ApplicationStatus.WARTET_AUF_UNTERLAGEN.label == "Wartet auf Unterlagen"
    assert Role.TEAMLEITUNG.label == "Teamleitung"
    assert not ApplicationStatus.ABGESCHLOSSEN.is_open
    assert ApplicationStatus.KLAERUNG.is_open


def test_setup_validation_names_every_problem_in_german() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_setup(setup_input(ags="6433009", postal_code="6456", office_code="zu-lang!", clerk_name=" "))
    text = "\n".join(caught.value.messages)
    assert "Gemeindeschlüssel" in text
    assert "Postleitzahl" in text
    assert "Kürzel" in text
    assert "Ihren Namen" in text
    assert len(caught.value.messages) == 4


def test_valid_setup_passes() -> None:
    validate_setup(setup_input())


def test_german_dictionary_order() -> None:
    from kommune_desk.domain.collation import sort_key

    names = [
        "Zimmermann",
        "Öztürk",
        "Otto",
        "Oswald",
        "Łukasz",
        "Lange",
        "Schäfer",
        "Schwarz",
        "Weiß",
        "Weise",
        "ägidius",
        "Braun",
        "Böhm",
    ]
    assert sorted(names, key=sort_key) == [
        "ägidius",
        "Böhm",
        "Braun",
        "Lange",
        "Łukasz",
        "Oswald",
        "Otto",
        "Öztürk",
        "Schäfer",
        "Schwarz",
        "Weise",
        "Weiß",
        "Zimmermann",
    ]


def test_a_replayed_clock_stamps_only_its_own_context() -> None:
    import threading

    from kommune_desk.domain.clock import stamped_by
    from kommune_desk.domain.formatting import utc_now_iso
    from kommune_desk.domain.ids import uuid7, uuid7_unix_ms

    class Replay:
        moment = dt.datetime(2026, 10, 5, 8, 30, tzinfo=dt.UTC)

        def now(self) -> dt.datetime:
            return self.moment

        def new_id(self) -> str:
            return uuid7(int(self.moment.timestamp() * 1000), random.Random(7))

    seen_in_thread: list[str] = []
    with stamped_by(Replay()):
        assert utc_now_iso() == "2026-10-05T08:30:00+00:00"
        assert uuid7_unix_ms(uuid7()) == int(Replay.moment.timestamp() * 1000)
        worker = threading.Thread(target=lambda: seen_in_thread.append(utc_now_iso()))
        worker.start()
        worker.join()
    assert not seen_in_thread[0].startswith("2026-10-05")  # another thread keeps the wall clock
    assert not utc_now_iso().startswith("2026-10-05")
