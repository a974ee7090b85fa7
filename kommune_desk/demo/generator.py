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
from kommune_desk.domain.statistics import COMPLETED

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


def _ms(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp() * 1000)


def _iso(unix_ms: int) -> str:
    return dt.datetime.fromtimestamp(unix_ms / 1000, dt.UTC).isoformat(timespec="seconds")


def reference_ms(options: DemoOptions) -> int:
    """When the demo network "was set up": the start of its history, so same options → same rows."""
    return _ms(options.today) - HISTORY_DAYS * DAY_MS


def reference_time(options: DemoOptions) -> str:
    return _iso(reference_ms(options))


def build_reference(options: DemoOptions, rng: random.Random) -> DemoReference:
    """Municipalities, offices, clerks and services of the demo network."""
    base_ms = _ms(options.today) - HISTORY_DAYS * DAY_MS
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
        )
        for i, (name, role, login) in enumerate(content.LOCAL_CLERKS)
    ]
    services = [
        Service(
            uuid7(base_ms, rng),
            local.id,
            e.leika_id,
            e.name,
            e.processing_days,
            e.fee,
            e.four_eyes,
            e.legal_basis,
            e.form_fields,
        )
        for e in STANDARD_SERVICES
    ]
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
    end_ms = _ms(options.today) + 15 * 3_600_000
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
    today_ms = _ms(options.today)
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
            decision = rng.choices(("bewilligt", "teilweise_bewilligt", "abgelehnt"), (80, 5, 15))[0]
            decided_ms = stamp + int(min(age, service.processing_days) * rng.random() * DAY_MS)
            decided_at = _iso(decided_ms)
            if status in COMPLETED:  # posted a few days after the release, never after today
                latest = max(decided_ms, _ms(options.today))
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


def iter_usage_events(
    ref: DemoReference, options: DemoOptions, rng: random.Random
) -> Iterator[tuple[object, ...]]:
    """Portal usage events (id, municipality, LeiKa, session, time, kind, step, payment)."""
    end_ms = _ms(options.today) + 15 * 3_600_000
    start_ms = end_ms - HISTORY_DAYS * DAY_MS
    municipality_id = ref.local_office.municipality_id
    services = ref.services
    emitted = 0
    # Sessions arrive in time order; their count is tuned so the events fill the span.
    mean_events = 5.0
    sessions = max(1, int(options.events / mean_events))
    step_ms = (end_ms - start_ms) / sessions
    t = float(start_ms)
    while emitted < options.events:
        t += rng.expovariate(1.0) * step_ms
        stamp = int(min(t, end_ms))
        service = services[int(rng.random() ** 1.6 * len(services))]
        steps = 3 + len(service.form_fields)
        session_id = uuid7(stamp, rng)
        for step in range(1, steps + 1):
            kind = "gestartet" if step == 1 else "schritt"
            yield (
                uuid7(stamp, rng),
                municipality_id,
                service.leika_id,
                session_id,
                _iso(stamp),
                kind,
                step,
                None,
            )
            emitted += 1
            stamp += rng.randint(20_000, 240_000)
            if emitted >= options.events:
                return
            if rng.random() < 0.03 + 0.02 * step:
                yield (
                    uuid7(stamp, rng),
                    municipality_id,
                    service.leika_id,
                    session_id,
                    _iso(stamp),
                    "abgebrochen",
                    step,
                    None,
                )
                emitted += 1
                break
        else:
            yield (
                uuid7(stamp, rng),
                municipality_id,
                service.leika_id,
                session_id,
                _iso(stamp),
                "abgeschickt",
                steps,
                None,
            )
            emitted += 1
            if service.fee_rule.amount_cents and emitted < options.events:
                method = rng.choices(_ONLINE_PAYMENT, (20, 10, 25, 35, 10))[0]
                yield (
                    uuid7(stamp, rng),
                    municipality_id,
                    service.leika_id,
                    session_id,
                    _iso(stamp + 60_000),
                    "bezahlt",
                    steps,
                    method,
                )
                emitted += 1
        if emitted >= options.events:
            return


def iter_devices_and_loans(
    ref: DemoReference, options: DemoOptions, rng: random.Random
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The shared equipment pool and its loans: past, running, overdue and reserved."""
    base_ms = _ms(options.today) - HISTORY_DAYS * DAY_MS
    created = _iso(base_ms)
    kreis = next(m for m in ref.municipalities if m.kind is MunicipalityKind.KREIS)
    towns = [m for m in ref.municipalities if m.kind is not MunicipalityKind.KREIS]
    devices: list[tuple[object, ...]] = []
    loans: list[tuple[object, ...]] = []
    number = 0
    for name, category, count in content.DEVICES:
        for _ in range(count):
            number += 1
            device_id = uuid7(base_ms, rng)
            home = kreis if number % 3 else rng.choice(towns)
            status = "wartung" if number == 5 else "verfuegbar"
            devices.append(
                (
                    device_id,
                    content.POOL_NAME,
                    home.id,
                    f"KGG-KS-{number:03d}",
                    name,
                    category,
                    f"SN{rng.randint(10**7, 10**8 - 1)}",
                    status,
                    "",
                    created,
                    created,
                )
            )
            day = options.today - dt.timedelta(days=HISTORY_DAYS - rng.randint(0, 20))
            horizon = options.today + dt.timedelta(days=60)
            while day < horizon:
                length = rng.randint(3, 14)
                end = day + dt.timedelta(days=length)
                borrower = rng.choice(towns)
                person = f"{rng.choice(content.GIVEN_NAMES)} {rng.choice(content.FAMILY_NAMES)}"
                if end < options.today:
                    state = "storniert" if rng.random() < 0.05 else "zurueckgegeben"
                    if number in (2, 9) and end > options.today - dt.timedelta(days=10):
                        state = "ausgegeben"  # overdue: a reminder will be due
                elif day <= options.today:
                    state = "ausgegeben"
                else:
                    state = "reserviert"
                handed = (
                    f"{day.isoformat()}T08:30:00+00:00"
                    if state != "reserviert" and state != "storniert"
                    else None
                )
                returned = f"{end.isoformat()}T15:00:00+00:00" if state == "zurueckgegeben" else None
                loans.append(
                    (
                        uuid7(_ms(day), rng),
                        content.POOL_NAME,
                        device_id,
                        borrower.id,
                        person,
                        day.isoformat(),
                        end.isoformat(),
                        state,
                        handed,
                        returned,
                        created,
                        created,
                    )
                )
                if state == "ausgegeben" and end < options.today:
                    # The camera is still out, so nothing else can start before it is back.
                    day = options.today + dt.timedelta(days=rng.randint(3, 10))
                else:
                    day = end + dt.timedelta(days=rng.randint(1, 25))
    return devices, loans
