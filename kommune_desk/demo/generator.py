"""Build demo rows from a seed: same options → byte-identical data."""

from __future__ import annotations

import bisect
import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate

from kommune_desk.domain.aktenzeichen import format_aktenzeichen
from kommune_desk.domain.catalogue import STANDARD_SERVICES
from kommune_desk.domain.deadlines import legal_deadline
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.payments import kassenzeichen as kassenzeichen_for
from kommune_desk.domain.records import (
    COMPLETED,
    Address,
    ApplicationStatus,
    BankAccount,
    Clerk,
    Municipality,
    MunicipalityKind,
    Office,
    Role,
    Service,
)
from kommune_desk.domain.usage import AUTHENTICATIONS, LOCAL_TIME, RATINGS

from . import content
from .sample_files import sample_pdf

DAY_MS = 86_400_000
HISTORY_DAYS = 730
S = ApplicationStatus


@dataclass(frozen=True)
class DemoOptions:
    applications: int = 10_000
    events: int = 100_000
    seed: int = 1
    today: dt.date = field(default_factory=dt.date.today)
    os_login: str = "demo"


@dataclass
class DemoReference:
    municipalities: list[Municipality]
    offices: list[Office]
    clerks: list[Clerk]
    services: list[Service]
    local_office: Office
    attachments: list[tuple[str, bytes]]  # (display name, bytes)


def _iban(blz: str, account: int) -> str:
    """A German IBAN with a correct check sum (ISO 13616 mod 97)."""
    bban = f"{blz}{account:010d}"
    check = 98 - int(bban + "131400") % 97
    return f"DE{check:02d}{bban}"


def day_start_ms(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp() * 1000)


def _iso(unix_ms: int) -> str:
    return dt.datetime.fromtimestamp(unix_ms / 1000, dt.UTC).isoformat(timespec="seconds")


def reference_ms(options: DemoOptions) -> int:
    """When the demo network "was set up": the start of its history, so same options → same rows."""
    return day_start_ms(options.today) - HISTORY_DAYS * DAY_MS


def reference_time(options: DemoOptions) -> str:
    return _iso(reference_ms(options))


def build_reference(options: DemoOptions, rng: random.Random) -> DemoReference:
    """Municipalities, offices, clerks and services of the demo network."""
    base_ms = day_start_ms(options.today) - HISTORY_DAYS * DAY_MS
    municipalities, offices = [], []
    for index, (ags, name, kind, code, street, plz) in enumerate((*content.TOWNS, content.KREIS)):
        mid = uuid7(base_ms, rng)
        bank = BankAccount("Kreissparkasse Groß-Gerau", _iban("50852553", 1000 + index), "HELADEF1GRG")
        municipalities.append(
            Municipality(
                mid,
                ags,
                name,
                MunicipalityKind(kind),
                Address(street, plz, name),
                f"06105 {938 + index:03d}-0",
                f"rathaus@{code.lower()}.example",
                f"https://www.{code.lower()}.example",
                bank,
            )
        )
        offices.append(
            Office(
                uuid7(base_ms, rng),
                mid,
                "Kreisverwaltung" if kind == "kreis" else "Bürgerbüro",
                code,
                Address(street, plz, name),
                "Mo–Fr 8:00–12:00 Uhr, Do 14:00–18:00 Uhr",
            )
        )
    local_index = next(i for i, m in enumerate(municipalities) if m.ags == content.LOCAL_TOWN_AGS)
    local = municipalities[local_index]
    local_office = offices[local_index]
    clerks = [
        Clerk(
            uuid7(base_ms, rng),
            local.id,
            local_office.id,
            login or options.os_login,
            name,
            Role(role),
            f"{name.split()[0].lower()}@mw.example",
            f"06105 938-{200 + i}",
            pool_manager=name == content.POOL_MANAGER,
        )
        for i, (name, role, login) in enumerate(content.LOCAL_CLERKS)
    ]
    services = [entry.service(uuid7(base_ms, rng), local.id) for entry in STANDARD_SERVICES]
    attachments = [(kind, sample_pdf(f"{kind} – Beispiel")) for kind in content.ATTACHMENT_KINDS]
    return DemoReference(municipalities, offices, clerks, services, local_office, attachments)


def _weighted(rng: random.Random, table: tuple[tuple[S, int], ...]) -> S:
    return rng.choices([s for s, _ in table], weights=[w for _, w in table])[0]


_FRESH = ((S.EINGEGANGEN, 60), (S.IN_BEARBEITUNG, 25), (S.KLAERUNG, 5), (S.WARTET_AUF_UNTERLAGEN, 10))
_RUNNING = (
    (S.EINGEGANGEN, 10),
    (S.IN_BEARBEITUNG, 40),
    (S.WARTET_AUF_UNTERLAGEN, 20),
    (S.ENTSCHEIDUNG_ENTWORFEN, 15),
    (S.FREIGEGEBEN, 5),
    (S.BESCHEID_VERSANDT, 5),
    (S.ABGESCHLOSSEN, 5),
    (S.KLAERUNG, 4),
)
_LATE = (
    (S.IN_BEARBEITUNG, 15),
    (S.WARTET_AUF_UNTERLAGEN, 15),
    (S.ENTSCHEIDUNG_ENTWORFEN, 10),
    (S.FREIGEGEBEN, 10),
    (S.BESCHEID_VERSANDT, 20),
    (S.ABGESCHLOSSEN, 25),
    (S.ZURUECKGEZOGEN, 3),
    (S.WEITERGELEITET, 2),
)
_OLD = (
    (S.ABGESCHLOSSEN, 82),
    (S.BESCHEID_VERSANDT, 4),
    (S.ZURUECKGEZOGEN, 7),
    (S.WEITERGELEITET, 4),
    (S.IN_BEARBEITUNG, 2),
    (S.WARTET_AUF_UNTERLAGEN, 1),
)
# Older than half a year: every case is closed one way or another.
_ANCIENT = ((S.ABGESCHLOSSEN, 85), (S.BESCHEID_VERSANDT, 3), (S.ZURUECKGEZOGEN, 8), (S.WEITERGELEITET, 4))
_CHANNELS = (("fit_connect", 55), ("papier", 20), ("schalter", 15), ("email", 7), ("datei", 3))
_ONLINE_PAYMENT = ("GIROPAY", "PAYDIRECT", "CREDITCARD", "PAYPAL", "INVOICE")
_DECIDED = {S.FREIGEGEBEN, S.BESCHEID_VERSANDT, S.ABGESCHLOSSEN}
_FIELD_VALUES = {
    "hund_name": ("Bello", "Luna", "Balu", "Emma", "Rocky", "Nala", "Sammy"),
    "rasse": ("Labrador", "Mischling", "Dackel", "Schäferhund", "Golden Retriever"),
    "betrieb": ("Café am Bahnhof", "Malerbetrieb Schäfer", "Onlinehandel Öztürk", "Nagelstudio Zoë"),
    "taetigkeit": ("Gastronomie", "Malerarbeiten", "Einzelhandel im Internet", "Kosmetik"),
    "zweck": ("Baugerüst", "Umzugswagen", "Infostand", "Außengastronomie"),
    "ort": ("Langgasse 12", "Vor dem Rathaus", "Parkplatz Waldstraße", "Festplatz Walldorf"),
    "baumart": ("Fichte", "Birke", "Walnuss", "Kiefer", "Ahorn"),
    "grund": ("Sturmschaden", "Krankheit", "Verkehrssicherheit"),
    "kennzeichen": ("GG-AB 123", "GG-MW 42", "GG-Z 7001", "GG-KL 815"),
    "zone": ("A (Mörfelden Mitte)", "B (Walldorf Mitte)"),
}


def iter_applications(
    ref: DemoReference, options: DemoOptions, rng: random.Random
) -> Iterator[tuple[dict[str, object], list[tuple[str, int, str, int]]]]:
    """Application rows in receipt order, each with its attachments
    (id, index into ``ref.attachments``, display name, size)."""
    end_ms = day_start_ms(options.today) + 15 * 3_600_000
    start_ms = end_ms - HISTORY_DAYS * DAY_MS
    # Recent months see more online use: a gentle linear ramp.
    stamps = sorted(
        start_ms + int((end_ms - start_ms) * (rng.random() ** 0.8)) for _ in range(options.applications)
    )
    channels = [c for c, _ in _CHANNELS]
    channel_cum = list(accumulate(w for _, w in _CHANNELS))
    service_cum = list(accumulate(max(1, 40 - 2 * i) for i in range(len(ref.services))))
    staff = [c.id for c in ref.clerks if c.role is not Role.ADMINISTRATION]
    numbers: dict[int, int] = {}
    local = ref.local_office
    today_ms = day_start_ms(options.today)
    for stamp in stamps:
        received = dt.datetime.fromtimestamp(stamp / 1000, dt.UTC)
        day = received.date()
        year = day.year
        numbers[year] = numbers.get(year, 0) + 1
        service = ref.services[bisect.bisect(service_cum, rng.random() * service_cum[-1])]
        channel = channels[bisect.bisect(channel_cum, rng.random() * channel_cum[-1])]
        age = (today_ms - stamp) / DAY_MS
        ratio = age / max(service.processing_days, 1)
        table: tuple[tuple[S, int], ...]
        if age > 180:
            table = _ANCIENT
        else:
            table = _FRESH if ratio < 0.1 else _RUNNING if ratio < 0.6 else _LATE if ratio < 1.5 else _OLD
        status = _weighted(rng, table)
        given, family = rng.choice(content.GIVEN_NAMES), rng.choice(content.FAMILY_NAMES)
        fee = service.fee_rule.fee_cents(1)
        payment_method, payment_status, kassenzeichen = None, "keine_gebuehr", None
        aktenzeichen = format_aktenzeichen(local.code, year, numbers[year])
        if fee:
            kassenzeichen = kassenzeichen_for(aktenzeichen)
            if channel == "fit_connect":
                payment_method = rng.choice(_ONLINE_PAYMENT)
                payment_status = "offen" if payment_method == "INVOICE" else "bezahlt"
            elif channel == "schalter":
                payment_method, payment_status = rng.choice(("bar", "ec_karte")), "bezahlt"
            else:
                payment_method = "ueberweisung"
                payment_status = "bezahlt" if status in _DECIDED and rng.random() < 0.9 else "offen"
        decision = decided_at = completed_at = None
        if status in _DECIDED:
            drawn = rng.choices(("bewilligt", "teilweise_bewilligt", "abgelehnt"), (80, 5, 15))[0]
            decision = None if service.is_notification else drawn  # an Anzeige's receipt decides nothing
            decided_ms = stamp + int(min(age, service.processing_days) * rng.random() * DAY_MS)
            decided_at = _iso(decided_ms)
            if status in COMPLETED:  # posted a few days after the release, never after today
                latest = max(decided_ms, day_start_ms(options.today))
                # Delays from the stamp, not from rng: the demo's other draws stay as they were.
                completed_at = _iso(min(decided_ms + (1 + stamp % 6) * DAY_MS, latest))
        # At the counter one pays at once; a transfer arrives a week or two later (never after today).
        paid_at = None
        if payment_status == "bezahlt":
            delay = 0 if channel in ("schalter", "fit_connect") else (5 + stamp % 11) * DAY_MS
            paid_at = _iso(min(stamp + delay, max(stamp, today_ms)))
        klaerung = status is S.KLAERUNG
        due = None if klaerung else legal_deadline(day, service.processing_days)
        # A case waiting for documents has its clock stopped with the days that were left.
        paused = (due - options.today).days if status is S.WARTET_AUF_UNTERLAGEN and due else None
        form = {key: rng.choice(_FIELD_VALUES.get(key, ("siehe Anlage",))) for key, _ in service.form_fields}
        application_id = uuid7(stamp, rng)
        row: dict[str, object] = {
            "id": application_id,
            "municipality_id": local.municipality_id,
            "office_id": local.id,
            "service_id": None if klaerung else service.id,
            "aktenzeichen": aktenzeichen,
            "received_at": received.isoformat(timespec="seconds"),
            "channel": channel,
            "status": status.value,
            "applicant_name": f"{family}, {given}",
            "applicant_street": f"{rng.choice(content.STREETS)} {rng.randint(1, 120)}",
            "applicant_postal_code": "64546",
            "applicant_city": "Mörfelden-Walldorf",
            "applicant_email": f"{given.lower()}.{family.lower()}@mail.example"
            if channel == "fit_connect"
            else "",
            "form_data": json.dumps(form, ensure_ascii=False, sort_keys=True),
            "assignee_id": None if status in (S.EINGEGANGEN, S.KLAERUNG) else rng.choice(staff),
            "due_date": due.isoformat() if due else None,
            "paused_remaining_days": paused,
            "decision": decision,
            "decided_at": decided_at,
            "completed_at": completed_at,
            "paid_at": paid_at,
            "paid_cents": fee if paid_at else None,
            "fee_cents": fee,
            "kassenzeichen": kassenzeichen,
            "payment_status": payment_status,
            "payment_method": payment_method,
            "submission_id": uuid7(stamp, rng) if channel == "fit_connect" else None,
            "created_at": received.isoformat(timespec="seconds"),
            "updated_at": received.isoformat(timespec="seconds"),
        }
        attachments = []
        if rng.random() < (0.7 if channel == "fit_connect" else 0.3):
            for _ in range(rng.randint(1, 2)):
                index = rng.randrange(len(ref.attachments))
                kind = ref.attachments[index][0]
                file_name = kind.replace(" ", "_").replace("(", "").replace(")", "") + ".pdf"
                attachments.append((uuid7(stamp, rng), index, file_name, len(ref.attachments[index][1])))
        yield row, attachments


@dataclass(frozen=True)
class _Usage:
    """How citizens use one online service in the demo: the story its statistics tell."""

    share: float  # sessions, relative to the other services (at a month factor of 1)
    months: tuple[float, ...] = (1.0,) * 12  # season: a factor for January … December
    trend: tuple[float, float] = (1.0, 1.0)  # factor two years ago → today (linear in between)
    extra_steps: int = 0  # form pages beyond personal data, one per form field and the summary
    bounce: float = 0.06  # leave on the first page
    step_loss: float = 0.03  # leave on each later page
    payment_loss: float = 0.08  # leave on the payment page (services with a fee)
    payments: tuple[int, ...] = (20, 10, 25, 35, 10)  # weights of _ONLINE_PAYMENT
    sign_in: tuple[int, ...] = (80, 12, 0, 3, 5)  # weights of AUTHENTICATIONS
    app: float = 1.0  # use of the app, relative to the average service
    ratings: tuple[int, ...] = (3, 5, 12, 35, 45)  # weights of the ratings 1 … 5
    rated: float = 0.18  # share of submitted sessions that end with a rating


_SIMPLE = (80, 12, 0, 3, 5)  # keine, bundid, elster, eid, sonstige
_IDENTIFIED = (3, 58, 2, 29, 8)
_BUSINESS = (5, 22, 58, 8, 7)
_FLAT = (1.0,) * 12
# The story of the demo's statistics, by LeiKa key.
_USAGE: dict[str, _Usage] = {
    # Hundesteuer: the tax notices of January (and the dogs given at Christmas) bring a peak.
    "99108008001000": _Usage(
        10, (2.6, 1.3, 1.1, 1.2, 1.1, 1.0, 0.9, 0.9, 1.0, 1.0, 0.9, 0.9), bounce=0.05, step_loss=0.02,
        app=1.3, ratings=(2, 3, 10, 35, 50),
    ),
    "99108008002000": _Usage(
        5, (2.0, 1.2, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1), bounce=0.05, step_loss=0.02, app=1.2
    ),
    # Gewerbe: steady all year, signed in with the ELSTER company account, paid by giropay or invoice.
    "99050012104000": _Usage(
        8, _FLAT, extra_steps=1, payments=(35, 15, 10, 5, 35), sign_in=_BUSINESS, app=0.4
    ),
    "99050012106000": _Usage(
        4, (1.1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.5), payments=(35, 15, 10, 5, 35),
        sign_in=_BUSINESS, app=0.4,
    ),
    "99108016017000": _Usage(
        5, (0.5, 0.6, 1.0, 1.4, 1.5, 1.4, 1.2, 1.1, 1.2, 1.0, 0.7, 0.5), extra_steps=2, step_loss=0.05,
        payments=(25, 10, 20, 15, 30), sign_in=(40, 30, 20, 0, 10),
    ),
    # Balkonkraftwerk: more every month, a long form that loses many on every page, the worst ratings
    # (and the displeased rate more often).
    "99108017001000": _Usage(
        9, (0.6, 0.7, 1.1, 1.4, 1.5, 1.4, 1.2, 1.1, 1.0, 0.9, 0.7, 0.6), trend=(0.3, 2.0), extra_steps=4,
        bounce=0.1, step_loss=0.07, sign_in=_IDENTIFIED, ratings=(30, 33, 22, 10, 5), rated=0.32,
    ),
    # Bewohnerparkausweis: a short form, but a third give up on the payment page; PayPal, the app.
    "99108007054000": _Usage(
        11, (1.3, 1.1, 1.0, 1.0, 1.0, 1.0, 0.9, 0.9, 1.0, 1.0, 1.0, 1.0), bounce=0.04, step_loss=0.02,
        payment_loss=1 / 3, payments=(10, 5, 25, 55, 5), sign_in=(0, 55, 0, 35, 10), app=1.6,
        ratings=(8, 12, 25, 30, 25),
    ),
    # Trees may be felled from October to February only.
    "99108018001000": _Usage(
        4, (1.5, 1.6, 0.5, 0.3, 0.3, 0.3, 0.3, 0.4, 0.8, 1.6, 1.8, 1.2), step_loss=0.04,
        sign_in=(50, 35, 0, 10, 5),
    ),
    # Osterfeuer: applied for in March, a few late ones in April.
    "99108019001000": _Usage(
        1.5, (0.05, 1.5, 8.0, 3.0, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05),
        payments=(30, 5, 10, 30, 25), sign_in=_SIMPLE,
    ),
    "99108020001000": _Usage(
        4, (0.4, 0.5, 0.9, 1.3, 1.5, 1.5, 1.3, 1.2, 1.2, 1.0, 1.1, 0.6), extra_steps=3, step_loss=0.05,
        sign_in=(45, 30, 15, 0, 10),
    ),
    # Grabnutzungsrecht: 850 euros, paid on invoice; more leave on the payment page.
    "99108009002000": _Usage(
        3, (1.3, 1.2, 1.1, 1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0, 1.1, 1.2), payment_loss=0.12,
        payments=(15, 10, 10, 5, 60), sign_in=(10, 50, 0, 30, 10), app=0.5,
    ),
    "99108010001000": _Usage(
        3, (0.5, 0.6, 1.1, 1.3, 1.3, 1.2, 1.1, 1.1, 1.2, 1.1, 0.9, 0.5), extra_steps=2,
        payments=(25, 10, 10, 5, 50), sign_in=(10, 20, 50, 0, 20), app=0.3,
    ),
    # Verdienstausfall: the council members sign in with the council information system (sonstige).
    "99108011001000": _Usage(
        3, (1.0, 1.0, 1.1, 1.1, 1.1, 1.0, 0.3, 0.3, 1.0, 1.1, 1.2, 1.5), sign_in=(10, 30, 0, 0, 60), app=0.8
    ),
    # Brauchtumsfeuer in spring, the barbecue site in summer.
    "99108012001000": _Usage(
        4, (0.2, 0.3, 1.5, 2.5, 2.0, 1.8, 1.8, 1.5, 0.8, 0.3, 0.2, 0.2), bounce=0.05, step_loss=0.02,
        payments=(25, 5, 15, 45, 10), sign_in=_SIMPLE, app=1.4,
    ),
    "99108013001000": _Usage(
        3, (0.5, 0.6, 1.3, 1.6, 1.5, 1.2, 1.0, 0.9, 0.9, 0.8, 0.6, 0.5), trend=(0.8, 1.3), extra_steps=3,
        step_loss=0.05, sign_in=_IDENTIFIED,
    ),
}  # fmt: skip
_OTHER_USAGE = _Usage(3)
# Local hours from 6:00 to 22:00: busy in the morning and in the evening.
_HOURS = (1, 3, 6, 8, 9, 8, 6, 6, 7, 7, 6, 6, 6, 7, 8, 7, 4)
_WEEKDAYS = (1.15, 1.1, 1.05, 1.05, 0.9, 0.55, 0.6)  # Monday … Sunday
# (kind, step, payment method, rating, milliseconds after the session's previous event)
_Planned = tuple[str, int | None, str | None, int | None, int]


def _day_factor(day: dt.date) -> float:
    """Everyone's use on ``day``: less at the weekend, in the summer holidays and at Christmas."""
    factor = _WEEKDAYS[day.weekday()]
    if (day.month, day.day) >= (12, 23) or (day.month, day.day) <= (1, 1):
        factor *= 0.4
    elif (7, 1) <= (day.month, day.day) <= (8, 14):
        factor *= 0.7
    return factor


@dataclass(frozen=True)
class _Form:
    """One service's online form as the demo's citizens meet it."""

    leika_id: str
    usage: _Usage
    steps: int  # the last one is the payment page where there is a fee
    fee: bool
    payments: tuple[float, ...]  # cumulative weights
    sign_in: tuple[float, ...]
    ratings: tuple[float, ...]

    @classmethod
    def of(cls, service: Service) -> _Form:
        usage = _USAGE.get(service.leika_id, _OTHER_USAGE)
        fee = service.fee_rule.amount_cents > 0
        steps = 2 + len(service.form_fields) + usage.extra_steps + int(fee)
        return cls(
            service.leika_id, usage, steps, fee, tuple(accumulate(usage.payments)),
            tuple(accumulate(usage.sign_in)), tuple(accumulate(usage.ratings)),
        )  # fmt: skip

    def expected_events(self) -> float:
        """The mean number of events of one session (the plan of :meth:`plan`)."""
        usage, staying, events = self.usage, 1.0, 0.0
        for step in range(1, self.steps + 1):
            loss = self.loss(step)
            events += staying * (1 + loss)  # the page, and the ``abgebrochen`` of those who leave
            staying *= 1 - loss
        return events + staying * (1 + int(self.fee) + usage.rated)

    def loss(self, step: int) -> float:
        if step == 1:
            return self.usage.bounce
        return self.usage.payment_loss if self.fee and step == self.steps else self.usage.step_loss

    def plan(self, rng: random.Random) -> list[_Planned]:
        """The events of one session: its pages, then it is given up or paid, sent and rated."""
        planned: list[_Planned] = [("gestartet", 1, None, None, 0)]
        for step in range(1, self.steps + 1):
            if step > 1:
                planned.append(("schritt", step, None, None, rng.randint(20_000, 240_000)))
            if rng.random() < self.loss(step):
                planned.append(("abgebrochen", step, None, None, rng.randint(30_000, 600_000)))
                return planned
        if self.fee:
            method = rng.choices(_ONLINE_PAYMENT, cum_weights=self.payments)[0]
            planned.append(("bezahlt", self.steps, method, None, rng.randint(45_000, 180_000)))
        planned.append(("abgeschickt", self.steps, None, None, rng.randint(3_000, 20_000)))
        if rng.random() < self.usage.rated:
            rating = rng.choices(RATINGS, cum_weights=self.ratings)[0]
            planned.append(("bewertet", None, None, rating, rng.randint(5_000, 60_000)))
        return planned


def iter_usage_events(
    ref: DemoReference, options: DemoOptions, rng: random.Random
) -> Iterator[tuple[object, ...]]:
    """Portal usage events (id, municipality, LeiKa, session, time, kind, step, payment method,
    channel, sign-in, rating), exactly ``options.events`` of them, day by day over the history.

    Each day gets its share of the events by its weight (season and trend of each service, the
    weekday, holidays, some noise), so the sessions fill the two years whatever the count. The
    services' forms differ (see ``_USAGE``): how many pages, who leaves where, how citizens pay,
    sign in and rate, and how much the app is used (more every month).
    """
    municipality_id = ref.local_office.municipality_id
    forms = [_Form.of(s) for s in ref.services]
    expected = [form.expected_events() for form in forms]
    first = options.today - dt.timedelta(days=HISTORY_DAYS - 1)
    days: list[tuple[dt.date, float, list[float], float]] = []
    event_weights: list[float] = []
    for index in range(HISTORY_DAYS):
        day = first + dt.timedelta(days=index)
        t = index / (HISTORY_DAYS - 1)
        weights = [
            f.usage.share
            * f.usage.months[day.month - 1]
            * (f.usage.trend[0] + (f.usage.trend[1] - f.usage.trend[0]) * t)
            for f in forms
        ]
        common = _day_factor(day) * (0.85 + 0.3 * t) * rng.lognormvariate(0.0, 0.15)
        if day == options.today:
            common *= 0.55  # "now" is the afternoon
        per_session = sum(w * e for w, e in zip(weights, expected, strict=True)) / sum(weights)
        # A session begins while the day's target lies beyond its middle, so even a few sessions
        # keep to their days; today begins sessions until the count is reached.
        half = 0.0 if day == options.today else per_session / 2
        days.append((day, t, list(accumulate(weights)), half))
        event_weights.append(common * sum(weights) * per_session)
    all_hours = list(accumulate(_HOURS))
    morning = all_hours[:9]  # today: sessions start until 14:59, before the demo's "now"
    total, running, emitted = sum(event_weights), 0.0, 0
    for (day, t, weights, half), weight in zip(days, event_weights, strict=True):
        running += weight
        target = options.events if day == options.today else round(options.events * running / total)
        sessions: list[tuple[str, str, str, list[_Planned]]] = []
        while emitted + half < target:
            form = forms[bisect.bisect(weights, rng.random() * weights[-1])]
            channel = "app" if rng.random() < min(0.9, (0.06 + 0.24 * t) * form.usage.app) else "web"
            sign_in = rng.choices(AUTHENTICATIONS, cum_weights=form.sign_in)[0]
            planned = form.plan(rng)[: options.events - emitted]
            sessions.append((form.leika_id, channel, sign_in, planned))
            emitted += len(planned)
        hours = morning if day == options.today else all_hours
        starts = []
        for _ in sessions:
            hour = 6 + bisect.bisect(hours, rng.random() * hours[-1])
            second = rng.randrange(3600)
            moment = dt.datetime.combine(day, dt.time(hour, second // 60, second % 60), LOCAL_TIME)
            starts.append(int(moment.timestamp()) * 1000)
        starts.sort()
        for (leika_id, channel, sign_in, planned), stamp in zip(sessions, starts, strict=True):
            session_id = uuid7(stamp, rng)
            for kind, step, method, rating, after in planned:
                stamp += after
                yield (
                    uuid7(stamp, rng), municipality_id, leika_id, session_id, _iso(stamp), kind, step, method,
                    channel, sign_in, rating,
                )  # fmt: skip
