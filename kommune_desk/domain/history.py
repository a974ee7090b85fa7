"""The history of a case in words a clerk reads: what happened and what changed (old → new)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from .corrections import APPLICANT_LABELS, FORM_PREFIX
from .formatting import format_amount, format_date
from .payments import PaymentMethod, PaymentStatus
from .records import ApplicationStatus, Channel
from .workflow import Decision, Step

_ACTIONS = {
    "angelegt": "Antrag erfasst",
    "importiert": "Antrag aus Online-Einreichung übernommen",
    "geoeffnet": "Vorgang geöffnet",
    "uebernommen": "Übernommen",
    "zugewiesen": "Zugewiesen",
    "abgegeben": "An das Team zurückgegeben",
    "wiedervorlage": "Wiedervorlage geändert",
    "notiz": "Notiz hinzugefügt",
    "zahlung": "Zahlung erfasst",
    "eingangsbestaetigung": "Eingangsbestätigung versandt",
    "leistung_zugeordnet": "Leistung zugeordnet",
    "schreiben_erstellt": "Schreiben erstellt (Entwurf)",
    "schreiben_freigegeben": "Schreiben freigegeben",
    "schreiben_versandt": "Schreiben versandt",
    "schreiben_storniert": "Schreiben storniert",
    "schreiben_berichtigt": "Schreiben berichtigt (neue Version)",
    "erneut_uebernommen": "Nach einem Abgleichskonflikt erneut übernommen",
    "konflikt_geloest": "Abgleichskonflikt erledigt",
    "berichtigt": "Angaben berichtigt (Art. 16 DSGVO)",
    # What a step did, as the history reads (the buttons say what a step will do).
    Step.BEARBEITEN.value: "Bearbeitung begonnen",
    Step.UNTERLAGEN_ANFORDERN.value: "Unterlagen angefordert",
    Step.UNTERLAGEN_EINGEGANGEN.value: "Unterlagen eingegangen",
    Step.EMPFANG_BESCHEINIGEN.value: "Empfang der Anzeige bescheinigt",
    Step.ENTSCHEIDUNG_ENTWERFEN.value: "Entscheidung entworfen",
    Step.ENTWURF_ZURUECKGEBEN.value: "Entwurf zurückgegeben",
    Step.FREIGEBEN.value: "Entscheidung freigegeben",
    Step.BESCHEID_VERSENDEN.value: "Bescheid als versandt vermerkt",
    Step.ABSCHLIESSEN.value: "Vorgang abgeschlossen",
    Step.ZURUECKZIEHEN.value: "Antrag zurückgezogen",
    Step.WEITERLEITEN.value: "An die zuständige Stelle weitergeleitet",
    Step.LEISTUNG_ZUORDNEN.value: "Leistung zugeordnet",
}
_FIELDS = {
    "status": "Status",
    "assignee_id": "Bearbeitung",
    "decision": "Entscheidung",
    "drafted_by": "Entwurf von",
    "decided_at": "Entschieden am",
    "due_date": "Frist",
    "paused_remaining_days": "Resttage (Frist ruht)",
    "follow_up_on": "Wiedervorlage",
    "follow_up_note": "Notiz zur Wiedervorlage",
    "aktenzeichen": "Aktenzeichen",
    "service_id": "Leistung",
    "payment_status": "Zahlungsstatus",
    "payment_method": "Zahlart",
    "paid_cents": "Bezahlter Betrag",
    "paid_at": "Bezahlt am",
    "kassenzeichen": "Kassenzeichen",
    "channel": "Eingangsweg",
    "via": "Versandweg",
    "notice": "Schreiben",
    "posted_on": "Zur Post gegeben am",
    "bekanntgabe_on": "Bekanntgabe am",
    "remedy_deadline": "Rechtsbehelfsfrist bis",
    "cancel_reason": "Grund",
    **APPLICANT_LABELS,
    "correction_reason": "Grund der Berichtigung",
}


def action_label(action: str) -> str:
    return _ACTIONS.get(action, action.replace("_", " ").capitalize())


def describe_changes(changes: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    """One line per changed field, e.g. ``Status: Eingegangen → In Bearbeitung``.

    ``names`` maps clerk and service ids to display names.
    """
    lines = []
    for key, value in changes.items():
        label = _FIELDS.get(key)
        if key.startswith(FORM_PREFIX):
            label = "Angabe »" + key[len(FORM_PREFIX) :] + "«"
        if label is None:
            continue  # internal bookkeeping (ids, hashes) is not history a clerk needs
        if isinstance(value, list) and len(value) == 2:
            old, new = (_value(key, v, names) for v in value)
            lines.append(f"{label}: {old} → {new}" if old != "–" else f"{label}: {new}")
        else:
            lines.append(f"{label}: {_value(key, value, names)}")
    return lines


def _value(key: str, value: Any, names: Mapping[str, str]) -> str:
    if value is None or value == "":
        return "–"
    formatter = _FORMATTERS.get(key)
    try:
        return formatter(value, names) if formatter else str(value)
    except (ValueError, KeyError, TypeError):
        return str(value)  # an unknown value from a newer version: show it as it is


def _enum_label(enum: Callable[[Any], Any]) -> Callable[[Any, Mapping[str, str]], str]:
    return lambda value, _names: str(enum(value).label)


def _day(value: Any, _names: Mapping[str, str]) -> str:
    return format_date(dt.date.fromisoformat(str(value)[:10]))


def _name(value: Any, names: Mapping[str, str]) -> str:
    return names.get(str(value), "unbekannt")


_FORMATTERS: dict[str, Callable[[Any, Mapping[str, str]], str]] = {
    "status": _enum_label(ApplicationStatus),
    "decision": _enum_label(Decision),
    "payment_status": _enum_label(PaymentStatus),
    "payment_method": _enum_label(PaymentMethod),
    "channel": _enum_label(Channel),
    "assignee_id": _name,
    "drafted_by": _name,
    "service_id": _name,
    "due_date": _day,
    "follow_up_on": _day,
    "decided_at": _day,
    "paid_at": _day,
    "posted_on": _day,
    "bekanntgabe_on": _day,
    "remedy_deadline": _day,
    "paid_cents": lambda value, _names: format_amount(int(value)),
}
