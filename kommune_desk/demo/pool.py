"""The demo's shared equipment pool (Geräteverleih): devices, types, two heating seasons of
loans with handovers and returns, overdue loans, waiting list, maintenance and local borrowers."""

from __future__ import annotations

import datetime as dt
import json
import random
import unicodedata
from dataclasses import dataclass, field, replace
from itertools import accumulate

from kommune_desk.domain.formatting import format_amount, format_date
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.pool import (
    BASE_CHECKS,
    BLOCKING_STATUSES,
    MAX_LOAN_DAYS,
    POOL_NAME,
    CheckedItem,
    checklist_items,
    checklist_json,
)
from kommune_desk.domain.pool_policy import LoanPolicy
from kommune_desk.domain.pool_towns import town_distance
from kommune_desk.domain.records import Municipality
from kommune_desk.domain.retention import ANONYMISED_NAME, add_months, retain_until
from kommune_desk.domain.usage import LOCAL_TIME

from . import content
from .generator import HISTORY_DAYS, DemoOptions, DemoReference, day_start_ms, reference_time

CAMERA = "Wärmebildkamera"
# How much each type is asked for, January … December (1.0: a device hardly stands idle). A
# thermal image needs the cold: the cameras are out from November to February and rest in summer.
_SEASON: dict[str, tuple[float, ...]] = {
    CAMERA: (1.0, 1.0, 0.7, 0.15, 0.03, 0.02, 0.02, 0.02, 0.05, 0.55, 0.95, 1.0),
    "Energiekostenmessgerät": (0.8, 0.75, 0.6, 0.4, 0.3, 0.25, 0.25, 0.25, 0.4, 0.6, 0.75, 0.8),
    "CO₂-Messgerät": (0.75, 0.7, 0.5, 0.3, 0.15, 0.1, 0.05, 0.05, 0.4, 0.6, 0.7, 0.65),
    "Datenlogger": (0.6, 0.6, 0.4, 0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.6, 0.6),
    "Blower-Door-Messset": (0.3, 0.3, 0.3, 0.25, 0.2, 0.15, 0.1, 0.1, 0.2, 0.3, 0.3, 0.2),
    "Lastenrad": (0.05, 0.1, 0.3, 0.6, 0.9, 0.9, 0.8, 0.7, 0.8, 0.5, 0.15, 0.05),
    "Infostand": (0.05, 0.05, 0.2, 0.4, 0.6, 0.6, 0.5, 0.4, 0.6, 0.3, 0.1, 0.1),
}
# The most days a device of the type stands between two loans while it is asked for.
_GAP = {
    CAMERA: 3, "Energiekostenmessgerät": 8, "CO₂-Messgerät": 10, "Datenlogger": 12,
    "Blower-Door-Messset": 20, "Lastenrad": 5, "Infostand": 14,
}  # fmt: skip
_RESERVE_AHEAD = 56  # days: how far ahead the partners reserve
_CALIBRATION_CENTS = {"E8 Pro": 24_900, "C5": 14_900, "865s": 19_900, "868": 22_900}
_DEPOSIT_METHODS = ("bar", "EC-Karte", "Überweisung")
_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ł": "l", "ı": "i"})
_DAY = dt.timedelta(days=1)


@dataclass
class DemoPool:
    """The shared pool's rows by table, parents first; the rows of one table share their columns."""

    tables: dict[str, list[dict[str, object]]]

    @property
    def devices(self) -> int:
        return len(self.tables["devices"])

    @property
    def loans(self) -> int:
        return len(self.tables["loans"])


@dataclass(eq=False)
class _Device:
    spec: content.PoolDevice
    id: str
    number: str
    home: Municipality
    location: Municipality
    policy: LoanPolicy
    serial: str = ""
    status: str = "verfuegbar"
    notes: str = ""
    changed: dt.date | None = None  # when its status or place last changed
    blocks: list[tuple[dt.date, dt.date]] = field(default_factory=list)  # days no new loan may take
    loans: list[_Loan] = field(default_factory=list)


@dataclass(eq=False)
class _Person:
    """A borrower of the local town."""

    id: str
    kind: str
    name: str
    street: str
    phone: str
    email: str
    since: dt.date
    blocked_reason: str | None = None
    dedicated: bool = False  # has a story of their own: never drawn for another loan
    loans: list[_Loan] = field(default_factory=list)
    waits: list[str] = field(default_factory=list)  # waiting-list entries (ids)
    open_wait: bool = False
    retain: dt.date | None = None
    anonymised: dt.date | None = None


@dataclass(eq=False)
class _Loan:
    device: _Device
    start: dt.date
    end: dt.date
    status: str
    town: Municipality
    created: dt.date
    renewals: int = 0
    back: dt.date | None = None  # the day it came back
    cancelled_on: dt.date | None = None
    damage: str | None = None
    failed_check: tuple[str, str] | None = None  # (checklist item, note) at the return
    retained: tuple[int, str] | None = None  # deposit kept and why
    person: _Person | None = None
    id: str = ""

    @property
    def busy_until(self) -> dt.date:
        return max(self.end, self.back or self.end)

    @property
    def closed_on(self) -> dt.date | None:
        return self.back or self.cancelled_on


def build_pool(ref: DemoReference, options: DemoOptions) -> DemoPool:
    """The equipment pool of the Kreis and its towns as the local town's database knows it.

    About two heating seasons of loans and some in summer, today's running and overdue loans,
    reservations, a waiting list for thermal cameras, the maintenance log and moves between
    towns. Pool rows name towns, never persons; the local town's borrowers (and only theirs) are
    in ``borrowers``, ``loan_borrowers`` and ``waitlist_borrowers``. The pool draws from its own
    random stream (from the seed), so it is the same whatever the number of applications.
    """
    return _PoolBuilder(ref, options).build()


class _PoolBuilder:
    def __init__(self, ref: DemoReference, options: DemoOptions) -> None:
        self.rng = random.Random(f"pool:{options.seed}")
        self.today = options.today
        self.first = options.today - dt.timedelta(days=HISTORY_DAYS - 1)
        self.horizon = options.today + dt.timedelta(days=_RESERVE_AHEAD)
        self.far = self.horizon + dt.timedelta(days=366)
        self.setup_at = reference_time(options)
        self.by_ags = {m.ags: m for m in ref.municipalities}
        self.codes = {o.municipality_id: o.code for o in ref.offices}
        self.local = self.by_ags[content.LOCAL_TOWN_AGS]
        self.kreis = self.by_ags[content.KREIS[0]]
        self.partners = sorted(ref.municipalities, key=lambda m: m.ags)
        self.types = {
            name: (code, LoanPolicy(days, renewals, deposit, pickup))
            for name, code, days, renewals, deposit, pickup in content.DEVICE_TYPES
        }
        self.devices: list[_Device] = []
        self.people: list[_Person] = []
        self.maintenance: list[dict[str, object]] = []
        self.transfers: list[dict[str, object]] = []
        self.waitlist: list[dict[str, object]] = []
        self.wait_people: dict[str, _Person] = {}  # the local town's entries and who waits
        self.served: dict[str, _Loan] = {}  # the local town's served entries and their loans
        self.offer: tuple[_Device, dt.date] | None = None  # the camera offered, the day it came back
        self.address = next(t for t in content.TOWNS if t[0] == content.LOCAL_TOWN_AGS)
        self.reminders: list[tuple[_Loan, int, str, dt.date]] = []
        self.weights: dict[tuple[str, str], list[float]] = {}
        self.verein: _Person | None = None
        self.names: set[str] = set()
        self.staff: _Person | None = None

    # --- days and times -------------------------------------------------------------------

    @staticmethod
    def _workday(day: dt.date, back: bool = False) -> dt.date:
        """``day``, or the next (``back``: the last) Monday to Friday: the Rathaus is closed at weekends."""
        while day.weekday() >= 5:
            day += -_DAY if back else _DAY
        return day

    def _moment(self, day: dt.date, afternoon: bool = False) -> dt.datetime:
        """A time in the Rathaus opening hours of ``day`` (Thursday afternoons too), in UTC."""
        hour = self.rng.randint(14, 17) if afternoon and day.weekday() == 3 else self.rng.randint(8, 11)
        local = dt.datetime.combine(day, dt.time(hour, self.rng.randrange(0, 60, 5)), LOCAL_TIME)
        return local.astimezone(dt.UTC)

    def _stamp(self, day: dt.date) -> str:
        """A moment of ``day`` as stored; today's are in the morning (the demo's "now" is 15:00 UTC)."""
        afternoon = self.rng.random() < 0.2 and day < self.today
        return self._moment(day, afternoon).isoformat(timespec="seconds")

    def _id(self, day: dt.date) -> str:
        return uuid7(day_start_ms(day) + self.rng.randrange(8 * 3_600_000), self.rng)

    # --- build ----------------------------------------------------------------------------

    def build(self) -> DemoPool:
        self._make_devices()
        self._stories()
        self._transfers()
        self._maintain()
        for device in self.devices:
            self._walk(device)
        self._retired_and_missing()
        self._open_waitlist()
        for device in self.devices:
            device.loans.sort(key=lambda loan: (loan.start, loan.end))
            for loan in device.loans:
                loan.id = self._id(loan.created)
        self._closed_waitlist()
        self._borrowers()
        self._retention()
        return DemoPool(self._tables())

    def _make_devices(self) -> None:
        numbers: dict[tuple[str, str], int] = {}
        for spec in content.POOL_DEVICES:
            home = self.by_ags[spec.owner]
            code, policy = self.types[spec.category]
            key = (spec.owner, code)
            numbers[key] = numbers.get(key, 0) + 1
            device = _Device(
                spec,
                uuid7(day_start_ms(self.first), self.rng),
                f"{self.codes[home.id]}-{code}-{numbers[key]:02d}",
                home,
                home,
                replace(
                    policy,
                    loan_days=spec.loan_days or policy.loan_days,
                    deposit_cents=policy.deposit_cents if spec.deposit_cents is None else spec.deposit_cents,
                ),
            )
            device.serial = "".join(str(self.rng.randrange(10)) if c == "#" else c for c in spec.serial)
            self.devices.append(device)

    def _device(self, number: str) -> _Device:
        return next(d for d in self.devices if d.number == number)

    def _fixed(
        self, device: _Device, start: dt.date, end: dt.date, status: str, town: Municipality,
        back: dt.date | None = None, until: dt.date | None = None,
    ) -> _Loan:  # fmt: skip
        """A loan the demo's story needs; nothing else is placed in its days (or up to ``until``)."""
        created = max(self.first, start - dt.timedelta(days=self.rng.randint(3, 12)))
        loan = _Loan(device, start, end, status, town, created, back=back)
        device.loans.append(loan)
        device.blocks.append((start, max(loan.busy_until, until or loan.busy_until)))
        return loan

    def _stories(self) -> None:
        """What today looks like: overdue loans, a damaged camera in repair, an offered camera."""
        today, town = self.today, self.by_ags
        # A camera of the local town's citizen, a week overdue; a first reminder went out by post.
        camera = self._device("KGG-WBK-02")
        start = self._workday(today - dt.timedelta(days=11), back=True)
        end = self._workday(start + dt.timedelta(days=6), back=True)
        late = self._fixed(camera, start, end, "ausgegeben", self.local, until=today + 2 * _DAY)
        self.reminders.append((late, 1, "brief", self._workday(end + 2 * _DAY)))
        # Two other towns' loans are overdue too (their reminders are in their own databases).
        for number, ags, days_ago in (("KGG-EM-02", "06433010", 24), ("KGG-CO2-03", "06433004", 16)):
            device = self._device(number)
            start = self._workday(today - dt.timedelta(days=days_ago), back=True)
            end = self._workday(start + dt.timedelta(days=device.policy.loan_days - 1), back=True)
            self._fixed(device, start, end, "ausgegeben", town[ags], until=today + 2 * _DAY)
        # A camera came back damaged from a local borrower: deposit kept, borrower blocked, camera in repair.
        camera = self._device("KGG-WBK-05")
        start = self._workday(today - dt.timedelta(days=37))
        end = self._workday(start + 6 * _DAY)
        broken = self._fixed(camera, start, end, "zurueckgegeben", self.local, back=end, until=self.far)
        broken.damage = "Display gesprungen (laut Entleiher heruntergefallen)"
        broken.failed_check = (BASE_CHECKS[0], "Display gesprungen")
        broken.retained = (
            camera.policy.deposit_cents,
            f"{format_amount(camera.policy.deposit_cents)} einbehalten bis zur Klärung des Schadens"
            " (Kostenvoranschlag FLIR: 189,00 €)",
        )
        broken.person = self._person(
            broken.created, dedicated=True, blocked="Gerät beschädigt zurückgegeben, Klärung offen"
        )
        sent = self._workday(end + 3 * _DAY)
        camera.status, camera.changed = "wartung", sent
        camera.notes = f"Seit {format_date(sent)} zur Reparatur bei FLIR (Display gesprungen)."
        self._log(camera, sent, "Zur Reparatur an FLIR eingesandt: Display gesprungen", 18_900, None)
        # Yesterday a camera came back; it is offered to the first on the waiting list.
        camera = self._device("KGG-WBK-04")
        back = self._workday(today - _DAY, back=True)
        start = self._workday(back - 6 * _DAY, back=True)
        self.offer = (camera, back)
        self._fixed(
            camera, start, back, "zurueckgegeben", town["06433003"], back=back, until=today + 7 * _DAY
        )
        # A local borrower whose keeping period ended two days ago: retention has not run yet.
        meter = self._device("MW-EM-01")
        back = self._workday(add_months(today - 2 * _DAY, -12), back=True)
        start = self._workday(back - 13 * _DAY, back=True)
        done = self._fixed(meter, start, back, "zurueckgegeben", self.local, back=back)
        done.person = self._person(done.created, dedicated=True)
        # The retired camera and the missing CO₂ monitor: nothing after their day.
        retired = self._device("KGG-WBK-01")
        day = self._workday(self.first + dt.timedelta(days=80))
        retired.status, retired.changed = "ausgemustert", day
        retired.notes = f"Ausgemustert am {format_date(day)}: Detektor defekt, Reparatur unwirtschaftlich."
        retired.blocks.append((day - 10 * _DAY, self.far))
        self._log(retired, day - 6 * _DAY, "Kostenvoranschlag Testo: Detektor defekt, Reparatur 1.450,00 € –"
                  " unwirtschaftlich, Gerät ausgemustert", 0, None)  # fmt: skip
        lost = self._device("RIE-CO2-01")
        day = self._workday(today - dt.timedelta(days=40), back=True)
        lost.status, lost.changed = "vermisst", day
        lost.blocks.append((day - 30 * _DAY, self.far))

    def _transfers(self) -> None:
        moves = (
            ("KGG-WBK-03", "06433011", "Standort Südkreis: kürzere Wege für Riedstadt, Gernsheim, Biebesheim"
                                       " und Stockstadt"),
            ("KGG-WBK-06", "06433007", "Standort Nordkreis: kürzere Wege für Kelsterbach, Raunheim und"
                                       " Rüsselsheim"),
            ("KGG-EM-03", content.LOCAL_TOWN_AGS, "Bei der Poolverwaltung in Mörfelden-Walldorf"),
            ("KGG-CO2-02", content.LOCAL_TOWN_AGS, "Lüftungsberatung an Schulen in Mörfelden-Walldorf"),
        )  # fmt: skip
        for number, ags, reason in moves:
            device = self._device(number)
            day = self._workday(self.first + dt.timedelta(days=self.rng.randint(20, 60)))
            self._move(device, self.by_ags[ags], day, reason)
        # The Kreis's cargo bike spent last summer in Rüsselsheim and came back.
        bike = self._device("KGG-LR-01")
        summer = self.today.year if self.today.month >= 10 else self.today.year - 1
        there = self._workday(dt.date(summer, 5, 4))
        self._move(bike, self.by_ags["06433012"], there, "Sommeraktion »Lastenrad testen« in Rüsselsheim")
        self._move(bike, self.kreis, self._workday(dt.date(summer, 9, 28)), "Zurück nach der Sommeraktion")

    def _move(self, device: _Device, to: Municipality, day: dt.date, reason: str) -> None:
        at = self._stamp(day)
        self.transfers.append({
            "id": self._id(day), "pool": POOL_NAME, "device_id": device.id, "municipality_id": device.home.id,
            "from_municipality_id": device.location.id, "to_municipality_id": to.id,
            "moved_on": day.isoformat(), "reason": reason, "created_at": at, "updated_at": at,
        })  # fmt: skip
        device.location, device.changed = to, max(day, device.changed or day)

    def _log(self, device: _Device, day: dt.date, what: str, cents: int, next_due: dt.date | None) -> None:
        at = self._stamp(day)
        self.maintenance.append({
            "id": self._id(day), "pool": POOL_NAME, "device_id": device.id, "municipality_id": device.home.id,
            "done_on": day.isoformat(), "what": what, "cost_cents": cents,
            "next_due": next_due.isoformat() if next_due else None, "created_at": at, "updated_at": at,
        })  # fmt: skip

    def _free(self, device: _Device, start: dt.date, end: dt.date) -> bool:
        return not any(a <= end and start <= b for a, b in device.blocks)

    def _service(self, device: _Device, day: dt.date, days_away: int, what: str, cents: int,
                 months: int | None) -> None:  # fmt: skip
        """A maintenance on ``day`` (the device away ``days_away`` days before), if nothing else is then."""
        day = self._workday(day, back=True)
        away = day - dt.timedelta(days=days_away)
        if day < self.first or day >= self.today or not self._free(device, away, day):
            return
        device.blocks.append((away, day))
        self._log(device, day, what, cents, add_months(day, months) if months else None)

    def _maintain(self) -> None:
        """Calibrations, batteries and inspections; one camera's calibration is overdue, the blower
        door's is due within two weeks."""
        rng, today = self.rng, self.today
        for device in self.devices:
            spec = device.spec
            if spec.category == CAMERA and spec.model in _CALIBRATION_CENTS:
                augusts = [dt.date(y, 8, 1) for y in range(self.first.year, today.year + 1)]
                augusts = [a for a in augusts if self.first + 20 * _DAY < a < today - 30 * _DAY]
                if device.number == "KGG-WBK-07":  # this summer's calibration was forgotten
                    augusts = augusts[:-1]
                for august in augusts:
                    self._service(device, august + dt.timedelta(days=rng.randint(0, 20)), 14,
                                  f"Jährliche Kalibrierung und Prüfung beim Hersteller ({spec.make})",
                                  _CALIBRATION_CENTS[spec.model], 12)  # fmt: skip
            elif spec.category == "Blower-Door-Messset":
                day = self._workday(add_months(today + 10 * _DAY, -24), back=True)
                device.blocks.append((day - 10 * _DAY, day))
                what = "Kalibrierung Druckmessgerät DG-1000 (The Energy Conservatory)"
                self._log(device, day, what, 42_000, add_months(day, 24))
            elif spec.model == "Aranet4 Home":
                day = today - dt.timedelta(days=rng.randint(40, 300))
                self._service(device, day, 0, "Batterien gewechselt (2 × AA)", 450, 12)
            elif spec.model == "DL-121TH":
                day = today - dt.timedelta(days=rng.randint(40, 300))
                self._service(device, day, 0, "Batterie gewechselt (3,6 V Lithium)", 690, 12)
            elif spec.model == "160 IAQ":
                self._service(device, today - dt.timedelta(days=rng.randint(380, 420)), 7,
                              "Kalibrierung des CO₂-Sensors beim Hersteller (Testo)", 11_900, 24)  # fmt: skip
            elif spec.category == "Lastenrad":
                for year in range(self.first.year, today.year + 1):
                    self._service(device, dt.date(year, 3, 10 + rng.randint(0, 10)), 2,
                                  "Frühjahrsinspektion in der Fahrradwerkstatt (Bremsen, Kette, Licht, Akku)",
                                  rng.choice((9_900, 12_900, 14_900)), 12)  # fmt: skip
            elif spec.category == "Energiekostenmessgerät":
                self._service(device, self.first + dt.timedelta(days=rng.randint(30, 120)), 0,
                              "Prüfung ortsveränderlicher Geräte nach DGUV Vorschrift 3", 0, 24)  # fmt: skip

    # --- loans ----------------------------------------------------------------------------

    def _town(self, device: _Device) -> Municipality:
        """Who borrows: a town's own device mostly its own people; otherwise the towns near it."""
        if device.home is not self.kreis and self.rng.random() < 0.8:
            return device.home
        key = (device.location.ags, device.spec.category)
        if key not in self.weights:
            extra = {"Infostand": 3.0, "CO₂-Messgerät": 2.0, "Lastenrad": 0.2}.get(device.spec.category, 1.0)
            weights = []
            for m in self.partners:
                km = town_distance(device.location.ags, m.ags)
                weight = content.INHABITANTS[m.ags] / (1 + (20.0 if km is None else km) / 8)
                weights.append(weight * (extra if m is self.kreis else 1.0))
            self.weights[key] = list(accumulate(weights))
        return self.rng.choices(self.partners, cum_weights=self.weights[key])[0]

    def _walk(self, device: _Device) -> None:
        """Loans one after the other, as often as the season asks for the type."""
        rng, today, policy = self.rng, self.today, device.policy
        category = device.spec.category
        season, gap = _SEASON[category], _GAP[category]
        day = self.first + dt.timedelta(days=rng.randint(3, 20))
        while day < self.horizon:
            demand = season[day.month - 1]
            if day > today:  # fewer reservations the further ahead
                demand *= max(0.1, 1 - (day - today).days / _RESERVE_AHEAD)
            if rng.random() >= demand:
                day += dt.timedelta(days=rng.randint(3, 8))
                continue
            start = self._workday(day + dt.timedelta(days=rng.randint(0, gap)))
            days, renewals = policy.loan_days, 0
            if category == "Lastenrad":
                days = rng.choice((2, 3, 3)) if days <= 3 else rng.choice((3, 5, 7, 7))
            elif rng.random() < 0.2:
                days -= rng.randint(0, days // 2)
            if start < today and policy.max_renewals and rng.random() < 0.18:
                # Renewed before each end: a loan that began a few days ago was not renewed yet.
                renewals = rng.randint(1, policy.max_renewals)
                while renewals and start + dt.timedelta(days=renewals * days - 3) > today:
                    renewals -= 1
                days = min(days + renewals * policy.loan_days, MAX_LOAN_DAYS)
            end = self._workday(start + dt.timedelta(days=days - 1))
            clashes = [b for a, b in device.blocks if a <= end and start <= b]
            if clashes:
                day = max(clashes) + _DAY
                continue
            loan = self._loan(device, start, end, renewals)
            if loan.back and loan.back > end and not self._free(device, end + _DAY, loan.back):
                loan.back = end  # back in time for what comes next
            device.loans.append(loan)
            day = loan.busy_until + _DAY

    def _loan(self, device: _Device, start: dt.date, end: dt.date, renewals: int) -> _Loan:
        rng, today = self.rng, self.today
        created = min(today, max(self.first, start - dt.timedelta(days=rng.randint(2, 28))))
        loan = _Loan(device, start, end, "reserviert", self._town(device), created, renewals)
        if end < today:
            if rng.random() < 0.05:
                self._cancel(loan)
                return loan
            loan.status = "zurueckgegeben"
            luck = rng.random()
            delta = -rng.randint(1, 3) if luck < 0.1 else rng.randint(1, 4) if luck < 0.16 else 0
            back = max(start, self._workday(end + dt.timedelta(days=delta)))
            loan.back = back if back < today else end
            luck = rng.random()
            if luck < 0.015 and device.spec.accessories:
                missing = rng.choice(device.spec.accessories)
                loan.failed_check = (missing, "fehlt bei der Rückgabe")
                loan.damage = f"Fehlt bei der Rückgabe: {missing}"
                if "anleitung" not in missing:  # a lost manual is printed again, nothing kept for it
                    loan.retained = (2_000, f"20,00 € einbehalten: {missing} fehlt")
            elif luck < 0.025:
                loan.failed_check = (BASE_CHECKS[0], "Kratzer am Gehäuse")
                loan.damage = "Kratzer am Gehäuse, Funktion nicht beeinträchtigt"
        elif start < today:
            loan.status = "ausgegeben"
        elif start > today and rng.random() < 0.07:
            self._cancel(loan)
        return loan

    def _cancel(self, loan: _Loan) -> None:
        loan.status, loan.renewals = "storniert", 0
        last = min(loan.start - _DAY, self.today)
        loan.cancelled_on = loan.created + dt.timedelta(
            days=self.rng.randint(0, max(0, (last - loan.created).days))
        )

    def _retired_and_missing(self) -> None:
        """The retired camera's last loan found the defect; the missing monitor's last return."""
        retired = self._device("KGG-WBK-01")
        returned = [loan for loan in retired.loans if loan.status == "zurueckgegeben"]
        if returned:
            returned[-1].damage = "Kein Wärmebild mehr (Bild bleibt schwarz): Detektor defekt"
            returned[-1].failed_check = ("Funktion geprüft", "kein Wärmebild")
        lost = self._device("RIE-CO2-01")
        backs = [loan.back for loan in lost.loans if loan.back]
        last = f"; zuletzt am {format_date(max(backs))} zurückgenommen" if backs else ""
        lost.notes = f"Bei der Inventur am {format_date(lost.changed or self.today)} nicht auffindbar{last}."

    # --- waiting list ---------------------------------------------------------------------

    def _open_waitlist(self) -> None:
        """Thermal cameras are short in the weeks ahead: who waits, and the camera offered."""
        today, town = self.today, self.by_ags
        assert self.offer is not None
        camera, back = self.offer
        policy = self.types[CAMERA][1]
        offered = self._entry(
            self.local, today + _DAY, today + 7 * _DAY, today - 12 * _DAY, "angeboten", back
        )
        offered.update(offered_device_id=camera.id, offered_on=back.isoformat(),
                       offer_until=(back + dt.timedelta(days=policy.pickup_days)).isoformat())  # fmt: skip
        waiting = (
            (town["06433003"], 3, 9, 9), (self.local, 4, 10, 7), (town["06433006"], 6, 12, 5),
            (town["06433012"], 8, 14, 2),
        )  # fmt: skip
        cameras = [d for d in self.devices if d.spec.category == CAMERA and d.status == "verfuegbar"]
        for municipality, first, last, ago in waiting:
            start, end = today + dt.timedelta(days=first), today + dt.timedelta(days=last)
            created = today - dt.timedelta(days=ago)
            # They wait because every camera was taken for some of their days when they asked.
            for device in cameras:
                self._take(device, start, end, created)
            self._entry(municipality, start, end, created, "wartend")
        for entry in self.waitlist:
            if entry["municipality_id"] == self.local.id:
                person = self._person(dt.date.fromisoformat(str(entry["created_at"])[:10]))
                person.open_wait = True
                self.wait_people[str(entry["id"])] = person

    def _take(self, device: _Device, first: dt.date, last: dt.date, before: dt.date) -> None:
        """A reservation (made before ``before``) that meets ``first``–``last``, unless one does already."""
        taken = [(a, b) for a, b in device.blocks]
        taken += [(loan.start, loan.busy_until) for loan in device.loans if loan.status != "storniert"]
        if any(a <= last and first <= b for a, b in taken):
            return
        for days in range(device.policy.loan_days, 0, -1):
            start = max(first - dt.timedelta(days=days - 1), self.today + _DAY)
            while start <= last:
                end = start + dt.timedelta(days=days - 1)
                if (
                    start.weekday() < 5
                    and end.weekday() < 5
                    and not any(a <= end and start <= b for a, b in taken)
                ):
                    created = before - dt.timedelta(days=self.rng.randint(1, 6))
                    device.loans.append(_Loan(device, start, end, "reserviert", self._town(device), created))
                    return
                start += _DAY

    def _entry(self, town: Municipality, start: dt.date, end: dt.date, created: dt.date, status: str,
               changed: dt.date | None = None) -> dict[str, object]:  # fmt: skip
        at = self._moment(created).isoformat(timespec="seconds")
        entry: dict[str, object] = {
            "id": uuid7(day_start_ms(created) + 9 * 3_600_000, self.rng), "pool": POOL_NAME,
            "municipality_id": town.id, "category": CAMERA, "start_date": start.isoformat(),
            "end_date": end.isoformat(), "status": status,
            "offered_device_id": None, "offered_on": None, "offer_until": None, "passed_over": "[]",
            "loan_id": None, "created_at": at, "updated_at": self._stamp(changed) if changed else at,
        }  # fmt: skip
        self.waitlist.append(entry)
        return entry

    def _closed_waitlist(self) -> None:
        """Last winter's waiting list: served (one of them local), expired, withdrawn."""
        winter = [
            loan for device in self.devices if device.spec.category == CAMERA for loan in device.loans
            if loan.status == "zurueckgegeben" and loan.start.month in (12, 1)
            and self.first + 30 * _DAY < loan.created < self.today - 200 * _DAY
        ]  # fmt: skip
        winter.sort(key=lambda loan: (loan.start, loan.id))
        local = [loan for loan in winter if loan.town is self.local]
        other = [loan for loan in winter if loan.town is not self.local]
        for loan in local[:1] + other[len(other) // 2 : len(other) // 2 + 1]:
            entry = self._entry(
                loan.town, loan.start, loan.end, loan.created - 4 * _DAY, "erledigt", loan.created
            )
            entry.update(offered_device_id=loan.device.id, offered_on=loan.created.isoformat(),
                         offer_until=(loan.created + 3 * _DAY).isoformat(), loan_id=loan.id)  # fmt: skip
            if loan.town is self.local:
                self.served[str(entry["id"])] = loan
        january = dt.date(self.today.year if self.today.month > 2 else self.today.year - 1, 1, 12)
        if january - 10 * _DAY > self.first:
            late, week = january - 10 * _DAY, january + 6 * _DAY
            self._entry(self.by_ags["06433002"], january, week, late, "abgelaufen", week + _DAY)
            self._entry(self.by_ags["06433007"], january + 14 * _DAY, january + 20 * _DAY, january - 2 * _DAY,
                        "storniert", january + 3 * _DAY)  # fmt: skip

    # --- the local town's borrowers -------------------------------------------------------

    def _person(self, since: dt.date, kind: str = "buerger", dedicated: bool = False,
                blocked: str | None = None) -> _Person:  # fmt: skip
        rng = self.rng
        given, family = rng.choice(content.GIVEN_NAMES), rng.choice(content.FAMILY_NAMES)
        while f"{given} {family}" in self.names:  # two of the same name would be told apart by address only
            given, family = rng.choice(content.GIVEN_NAMES), rng.choice(content.FAMILY_NAMES)
        self.names.add(f"{given} {family}")
        mail = f"{given}.{family}".lower().translate(_ASCII)
        mail = unicodedata.normalize("NFKD", mail).encode("ascii", "ignore").decode()
        street = f"{rng.choice(content.STREETS)} {rng.randint(1, 120)}"
        phone = f"06105 {rng.randint(20_000, 99_999)}" if rng.random() < 0.6 else ""
        email = f"{mail}@mail.example" if not phone or rng.random() < 0.3 else ""
        name = f"{given} {family}"
        if kind == "verein":
            name, street, phone = content.LOCAL_VEREIN, "Langgasse 45", ""
            email = "vorstand@klimaschutz-walldorf.example"
        elif kind == "personal":
            name, street, phone = f"{name} ({content.LOCAL_STAFF_UNIT})", self.address[4], ""
            email = f"{mail}@mw.example"
        person = _Person(
            uuid7(day_start_ms(since), rng), kind, name, street, phone, email, since, blocked, dedicated
        )
        self.people.append(person)
        return person

    def _kept(self, person: _Person | None, day: dt.date) -> bool:
        """Whether the person's data is still kept on ``day`` (not anonymised in between)."""
        if person is None:
            return False
        closed = [loan.closed_on or self.far for loan in person.loans]
        return not closed or retain_until(max(closed)) >= day

    def _borrowers(self) -> None:
        """Who borrowed the local town's devices: citizens (some often), a Verein, the town's staff."""
        rng = self.rng
        local = [loan for d in self.devices for loan in d.loans if loan.town is self.local]
        for loan in sorted(local, key=lambda loan: (loan.created, loan.id)):
            if loan.person is None:
                category = loan.device.spec.category
                if category in ("Infostand", "Lastenrad") and rng.random() < 0.35:
                    if not self._kept(self.verein, loan.created):
                        self.verein = self._person(loan.created, "verein")
                    loan.person = self.verein
                elif category in ("CO₂-Messgerät", "Datenlogger") and rng.random() < 0.3:
                    if not self._kept(self.staff, loan.created):
                        self.staff = self._person(loan.created, "personal")
                    loan.person = self.staff
                else:
                    regulars = [p for p in self.people if p.kind == "buerger" and not p.dedicated
                                and p.loans and self._kept(p, loan.created)]  # fmt: skip
                    if regulars and rng.random() < 0.25:
                        loan.person = rng.choice(regulars)
                    else:
                        loan.person = self._person(loan.created)
            loan.person.loans.append(loan)
        for entry_id, loan in self.served.items():  # a served entry: the borrower of its loan
            if loan.person is not None:
                self.wait_people[entry_id] = loan.person
        for entry_id, person in self.wait_people.items():
            person.waits.append(entry_id)

    def _retention(self) -> None:
        """Keeping periods; everyone past theirs until the last daily run is anonymised already."""
        last_run = self._workday(self.today - 5 * _DAY, back=True)
        for person in self.people:
            if person.open_wait or any(loan.status in BLOCKING_STATUSES for loan in person.loans):
                continue
            closed = [loan.closed_on for loan in person.loans if loan.closed_on]
            if not closed:
                continue
            person.retain = retain_until(max(closed))
            if person.retain < last_run:
                person.anonymised = self._workday(person.retain + _DAY)

    # --- rows -----------------------------------------------------------------------------

    def _tables(self) -> dict[str, list[dict[str, object]]]:
        setup = self.setup_at
        kreis = self.kreis.id
        types = [
            {
                "id": uuid7(day_start_ms(self.first), self.rng), "pool": POOL_NAME, "municipality_id": kreis,
                "name": name, "loan_days": p.loan_days, "max_renewals": p.max_renewals,
                "deposit_cents": p.deposit_cents, "pickup_days": p.pickup_days, "created_at": setup,
                "updated_at": setup,
            }
            for name, (_, p) in self.types.items()
        ]  # fmt: skip
        devices = [
            {
                "id": d.id, "pool": POOL_NAME, "home_municipality_id": d.home.id,
                "inventory_number": d.number, "name": d.spec.name, "category": d.spec.category,
                "make": d.spec.make, "model": d.spec.model, "serial_number": d.serial,
                "base_municipality_id": d.location.id, "location_municipality_id": d.location.id,
                "accessories": json.dumps(list(d.spec.accessories), ensure_ascii=False),
                "condition": d.spec.condition, "replacement_value_cents": d.spec.value_cents,
                "loan_days": d.spec.loan_days, "max_renewals": None, "deposit_cents": d.spec.deposit_cents,
                "pickup_days": None, "status": d.status, "notes": d.notes, "created_at": setup,
                "updated_at": self._stamp(d.changed) if d.changed else setup,
            }
            for d in self.devices
        ]  # fmt: skip
        loans, parties = [], []
        for device in self.devices:
            for loan in device.loans:
                row, party = self._loan_rows(loan)
                loans.append(row)
                if party is not None:
                    parties.append(party)
        waiting = [self._wait_party(entry) for entry in self.waitlist if str(entry["id"]) in self.wait_people]
        reminders = []
        for loan, level, channel, sent in sorted(self.reminders, key=lambda r: (r[3], r[0].id)):
            at = self._stamp(sent)
            reminders.append({
                "id": self._id(sent), "municipality_id": self.local.id, "loan_id": loan.id, "level": level,
                "channel": channel, "sent_on": sent.isoformat(), "created_at": at, "updated_at": at,
            })  # fmt: skip
        return {
            "device_types": types,
            "devices": devices,
            "device_maintenance": sorted(self.maintenance, key=lambda r: (str(r["done_on"]), str(r["id"]))),
            "device_transfers": self.transfers,
            "loans": loans,
            "borrowers": [self._borrower_row(p) for p in self.people],
            "loan_borrowers": parties,
            "waitlist": self.waitlist,
            "waitlist_borrowers": waiting,
            "loan_reminders": reminders,
            "retention_log": self._retention_log(),
        }

    def _loan_rows(self, loan: _Loan) -> tuple[dict[str, object], dict[str, object] | None]:
        device, town = loan.device, loan.town.id
        created = self._stamp(loan.created)
        handed = returned = checks_out = checks_in = condition_in = None
        handed_by = returned_to = None
        updated = created
        if loan.status in ("ausgegeben", "zurueckgegeben"):
            handed, handed_by = self._stamp(loan.start), town
            items = checklist_items(device.spec.accessories)
            checks_out = checklist_json(CheckedItem(item, True) for item in items)
            updated = handed
            if loan.back:
                failed = loan.failed_check
                checks_in = checklist_json(
                    CheckedItem(item, False, failed[1])
                    if failed and item == failed[0]
                    else CheckedItem(item, True)
                    for item in items
                )
                returned, returned_to = self._stamp(loan.back), town
                if returned <= handed:  # back the same day: in the afternoon
                    returned = (dt.datetime.fromisoformat(handed) + dt.timedelta(hours=4)).isoformat()
                condition_in = loan.damage or "wie ausgegeben"
                updated = returned
        elif loan.cancelled_on:
            updated = max(created, self._stamp(loan.cancelled_on))
        row: dict[str, object] = {
            "id": loan.id, "pool": POOL_NAME, "device_id": device.id, "borrower_municipality_id": town,
            "start_date": loan.start.isoformat(), "end_date": loan.end.isoformat(), "status": loan.status,
            "handed_over_at": handed, "returned_at": returned, "renewals": loan.renewals,
            "handed_over_by": handed_by, "returned_to": returned_to, "checklist_out": checks_out,
            "checklist_in": checks_in, "condition_out": device.spec.condition if handed else None,
            "condition_in": condition_in, "damage": loan.damage, "override_note": None,
            "created_at": created, "updated_at": updated,
        }  # fmt: skip
        person = loan.person
        if person is None:  # another town's loan: who borrowed it stays in that town
            return row, None
        deposit = device.policy.deposit_cents if handed else 0
        kept, note = 0, None
        if loan.back and deposit and loan.retained:
            kept, note = min(deposit, loan.retained[0]), loan.retained[1]
        if loan.back and loan.back >= loan.end + 3 * _DAY:
            channel = "email" if person.email else "brief"
            self.reminders.append((loan, 1, channel, self._workday(loan.end + 2 * _DAY)))
        party: dict[str, object] = {
            "id": loan.id, "municipality_id": self.local.id, "borrower_id": person.id, "name": person.name,
            "contact": person.phone or person.email, "id_seen": int(bool(handed)),
            "briefing_given": int(bool(handed) and device.spec.category != "Infostand"),
            "deposit_cents": deposit,
            "deposit_method": self.rng.choices(_DEPOSIT_METHODS, (60, 30, 10))[0] if deposit else None,
            "deposit_returned_cents": deposit - kept if loan.back and deposit else None,
            "deposit_note": note, "created_at": created, "updated_at": updated,
        }  # fmt: skip
        if person.anonymised:
            gone = self._moment(person.anonymised).isoformat(timespec="seconds")
            party.update(name=ANONYMISED_NAME, contact="", deposit_note=None, updated_at=gone)
        return row, party

    def _wait_party(self, entry: dict[str, object]) -> dict[str, object]:
        person = self.wait_people[str(entry["id"])]
        row: dict[str, object] = {
            "id": entry["id"], "municipality_id": self.local.id, "borrower_id": person.id,
            "name": person.name, "contact": person.phone or person.email, "created_at": entry["created_at"],
            "updated_at": entry["created_at"],
        }  # fmt: skip
        if person.anonymised:
            gone = self._moment(person.anonymised).isoformat(timespec="seconds")
            row.update(name=ANONYMISED_NAME, contact="", updated_at=gone)
        return row

    def _borrower_row(self, p: _Person) -> dict[str, object]:
        created = self._moment(p.since).isoformat(timespec="seconds")
        row: dict[str, object] = {
            "id": p.id, "municipality_id": self.local.id, "kind": p.kind, "name": p.name, "street": p.street,
            "postal_code": self.address[5], "city": self.local.name, "phone": p.phone, "email": p.email,
            "privacy_ack_on": p.since.isoformat(), "blocked_reason": p.blocked_reason,
            "retain_until": p.retain.isoformat() if p.retain else None, "anonymised_at": None,
            "created_at": created, "updated_at": created,
        }  # fmt: skip
        if p.anonymised:
            gone = self._moment(p.anonymised).isoformat(timespec="seconds")
            row.update(name=ANONYMISED_NAME, street="", postal_code="", city="", phone="", email="",
                       blocked_reason=None, anonymised_at=gone, updated_at=gone)  # fmt: skip
        return row

    def _retention_log(self) -> list[dict[str, object]]:
        """The daily retention runs that anonymised someone (counts and dates only)."""
        runs: dict[dt.date, list[int]] = {}
        for p in self.people:
            if p.anonymised:
                counts = runs.setdefault(p.anonymised, [0, 0, 0])
                counts[0] += 1
                counts[1] += len(p.loans)
                counts[2] += len(p.waits)
        return [
            {
                "run_at": dt.datetime.combine(day, dt.time(7, 45), LOCAL_TIME).astimezone(dt.UTC)
                .isoformat(timespec="seconds"), "cutoff": day.isoformat(), "borrowers": people,
                "loan_records": records, "waitlist_records": waits, "dry_run": 0,
            }
            for day, (people, records, waits) in sorted(runs.items())
        ]  # fmt: skip
