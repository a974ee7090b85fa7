"""The built-in text blocks of every letter kind, as a Hessian town hall writes them.

They are version 0 of each block: a municipality (or one of its services) saves its own
wording as version 1, 2, … Placeholders: see ``letter_templates.PLACEHOLDERS``. The letter's
salutation ends with a comma, so an Einleitung starts in lower case unless its first word is a
noun or "Ihr"/"Sie".
"""

from __future__ import annotations

from .letter_kinds import LetterKind
from .records import Procedure

# {{erreichbarkeit}} is "unter den oben genannten Kontaktdaten" only when the information block
# prints a phone number or an e-mail address; otherwise it names the office's address.
_QUESTIONS = "Bei Fragen erreichen Sie {{sachbearbeitung}} {{erreichbarkeit}}."
# § 26 Abs. 2 Satz 1 HVwVfG asks the parties to cooperate ("sollen"); it imposes no strict duty,
# so the letter quotes it rather than saying "Sie sind verpflichtet".
_COOPERATION = (
    "Die Beteiligten sollen bei der Ermittlung des Sachverhalts mitwirken und insbesondere ihnen "
    "bekannte Tatsachen und Beweismittel angeben (§ 26 Abs. 2 HVwVfG)."
)
_CANNOT_KEEP_DATE = "Können Sie die Frist nicht einhalten, melden Sie sich bitte rechtzeitig bei uns."

DEFAULT_TEXTS: dict[tuple[LetterKind, str], str] = {
    # -- Eingangsbestätigung ------------------------------------------------------------------
    (LetterKind.EINGANGSBESTAETIGUNG, "einleitung"): (
        "vielen Dank für Ihren Antrag »{{leistung}}«, der am {{eingangsdatum}} bei uns eingegangen ist. "
        "Wir bearbeiten ihn unter dem Aktenzeichen <b>{{aktenzeichen}}</b>. Bitte geben Sie dieses "
        "Aktenzeichen bei allen Rückfragen an."
    ),
    (LetterKind.EINGANGSBESTAETIGUNG, "hinweise"): (
        "Wir prüfen Ihren Antrag jetzt. Fehlen noch Unterlagen oder Angaben, melden wir uns bei Ihnen. "
        "Über den Antrag erhalten Sie einen schriftlichen Bescheid."
    ),
    (LetterKind.EINGANGSBESTAETIGUNG, "schluss"): _QUESTIONS,
    # -- Anforderung fehlender Unterlagen -----------------------------------------------------
    (LetterKind.ANFORDERUNG_UNTERLAGEN, "einleitung"): (
        "vielen Dank für Ihren Antrag »{{leistung}}« vom {{eingangsdatum}}. Damit wir über ihn "
        "entscheiden können, benötigen wir noch folgende Unterlagen:\n{{unterlagen}}\n\n"
        "Bitte reichen Sie diese <b>bis zum {{frist_unterlagen}}</b> ein: per Post, persönlich oder "
        "elektronisch. Geben Sie dabei bitte das Aktenzeichen {{aktenzeichen}} an."
    ),
    (LetterKind.ANFORDERUNG_UNTERLAGEN, "hinweise"): (
        f"{_COOPERATION} Liegen uns die Unterlagen bis zum {{{{frist_unterlagen}}}} nicht vor, entscheiden "
        "wir über Ihren Antrag auf Grundlage der Angaben, die uns vorliegen (nach Aktenlage). Reichen "
        "diese für eine Bewilligung nicht aus, müssen wir den Antrag ablehnen.\n"
        f"{_CANNOT_KEEP_DATE}"
    ),
    (LetterKind.ANFORDERUNG_UNTERLAGEN, "schluss"): _QUESTIONS,
    # -- Bewilligung (auch teilweise) ---------------------------------------------------------
    (LetterKind.BEWILLIGUNG, "einleitung"): (
        "auf Ihren Antrag vom {{eingangsdatum}} (Aktenzeichen {{aktenzeichen}}) ergeht folgender Bescheid:"
    ),
    (LetterKind.BEWILLIGUNG, "tenor"): (
        "Ihrem Antrag »{{leistung}}« vom {{eingangsdatum}} wird <b>stattgegeben</b>."
    ),
    (LetterKind.BEWILLIGUNG, "tenor_teilweise"): (
        "Ihrem Antrag »{{leistung}}« vom {{eingangsdatum}} wird <b>teilweise stattgegeben</b>. "
        "Im Übrigen wird der Antrag abgelehnt. Umfang und Gründe ergeben sich aus der Begründung."
    ),
    (LetterKind.BEWILLIGUNG, "nebenbestimmungen"): (
        "Die Bewilligung ergeht mit folgenden Nebenbestimmungen (§ 36 HVwVfG):"
    ),
    (LetterKind.BEWILLIGUNG, "kosten"): (
        "Für diese Entscheidung wird eine Verwaltungsgebühr von {{gebuehr}} erhoben. Darüber erhalten "
        "Sie einen gesonderten Gebührenbescheid."
    ),
    (LetterKind.BEWILLIGUNG, "kosten_bezahlt"): (
        "Für diese Entscheidung wird eine Verwaltungsgebühr erhoben. Die Gebühr von {{gebuehr}} haben Sie "
        "bereits am {{bezahlt_am}} bezahlt; Sie müssen nichts weiter tun."
    ),
    (LetterKind.BEWILLIGUNG, "begruendung"): (
        "Rechtsgrundlage der Entscheidung: {{rechtsgrundlage}}.\n\n{{begruendung}}"
    ),
    (LetterKind.BEWILLIGUNG, "schluss"): _QUESTIONS,
    # -- Ablehnung ----------------------------------------------------------------------------
    (LetterKind.ABLEHNUNG, "einleitung"): (
        "auf Ihren Antrag vom {{eingangsdatum}} (Aktenzeichen {{aktenzeichen}}) ergeht folgender Bescheid:"
    ),
    (LetterKind.ABLEHNUNG, "tenor"): "Ihr Antrag »{{leistung}}« vom {{eingangsdatum}} wird <b>abgelehnt</b>.",
    (LetterKind.ABLEHNUNG, "begruendung"): (
        "Rechtsgrundlage der Entscheidung: {{rechtsgrundlage}}.\n\n"
        "Die Voraussetzungen für eine Bewilligung liegen nicht vor:\n{{begruendung}}"
    ),
    # A refusal is an official act too: the Verwaltungskostensatzung charges for it, so the letter
    # states the fee (open or paid) instead of leaving the applicant to wonder.
    (LetterKind.ABLEHNUNG, "kosten"): (
        "Für die Bearbeitung Ihres Antrags wird eine Verwaltungsgebühr von {{gebuehr}} erhoben; sie "
        "entsteht auch, wenn ein Antrag abgelehnt wird. Die Gebühr ist noch offen. Darüber erhalten Sie "
        "einen gesonderten Gebührenbescheid."
    ),
    (LetterKind.ABLEHNUNG, "kosten_bezahlt"): (
        "Für die Bearbeitung Ihres Antrags wird eine Verwaltungsgebühr erhoben; sie entsteht auch, wenn "
        "ein Antrag abgelehnt wird. Die Gebühr von {{gebuehr}} haben Sie bereits am {{bezahlt_am}} bezahlt."
    ),
    (LetterKind.ABLEHNUNG, "schluss"): _QUESTIONS,
    # -- Gebührenbescheid (§ 14 HVwKostG) -----------------------------------------------------
    (LetterKind.GEBUEHRENBESCHEID, "einleitung"): (
        "für die Bearbeitung Ihres Antrags »{{leistung}}« vom {{eingangsdatum}} (Aktenzeichen "
        "{{aktenzeichen}}) setzen wir folgende Verwaltungsgebühr fest:"
    ),
    (LetterKind.GEBUEHRENBESCHEID, "begruendung"): (
        "Rechtsgrundlage der Gebühr: {{rechtsgrundlage}} in Verbindung mit dem Hessischen "
        "Verwaltungskostengesetz (HVwKostG). Sie schulden die Gebühr, weil Sie die Amtshandlung "
        "beantragt haben."
    ),
    (LetterKind.GEBUEHRENBESCHEID, "hinweise"): (
        "Bitte geben Sie bei der Zahlung das Kassenzeichen <b>{{kassenzeichen}}</b> an. Haben Sie "
        "bereits bezahlt, ist nichts weiter zu tun.\n"
        "Ein Widerspruch oder eine Klage gegen die Gebührenfestsetzung hat keine aufschiebende Wirkung "
        "(§ 80 Abs. 2 Satz 1 Nr. 1 VwGO): Die Gebühr ist trotzdem fristgerecht zu zahlen."
    ),
    (LetterKind.GEBUEHRENBESCHEID, "hinweise_bezahlt"): (
        "Ihre Zahlung ist unter dem Kassenzeichen {{kassenzeichen}} verbucht. Bitte bewahren Sie diesen "
        "Bescheid als Beleg auf."
    ),
    (LetterKind.GEBUEHRENBESCHEID, "schluss"): _QUESTIONS,
    # -- Empfangsbescheinigung (Anzeige) ----------------------------------------------------------
    (LetterKind.EMPFANGSBESCHEINIGUNG, "einleitung"): (
        "hiermit bescheinigen wir den Empfang Ihrer Anzeige »{{leistung}}« vom {{eingangsdatum}}. Sie ist "
        "unter dem Aktenzeichen <b>{{aktenzeichen}}</b> bei uns erfasst; bitte geben Sie es bei allen "
        "Rückfragen an."
    ),
    (LetterKind.EMPFANGSBESCHEINIGUNG, "hinweise"): (
        "Diese Bescheinigung bestätigt, dass Ihre Anzeige bei uns eingegangen ist. Sie ist keine "
        "Genehmigung oder Erlaubnis."
    ),
    (LetterKind.EMPFANGSBESCHEINIGUNG, "kosten"): (
        "Für die Bearbeitung Ihrer Anzeige wird eine Verwaltungsgebühr von {{gebuehr}} erhoben. Darüber "
        "erhalten Sie einen gesonderten Gebührenbescheid."
    ),
    (LetterKind.EMPFANGSBESCHEINIGUNG, "kosten_bezahlt"): (
        "Für die Bearbeitung Ihrer Anzeige wird eine Verwaltungsgebühr erhoben. Die Gebühr von {{gebuehr}} "
        "haben Sie bereits am {{bezahlt_am}} bezahlt; Sie müssen nichts weiter tun."
    ),
    (LetterKind.EMPFANGSBESCHEINIGUNG, "schluss"): _QUESTIONS,
}

# An Anzeige is not an Antrag and is not decided on: where the wording differs, these replace
# the blocks above for services with the procedure "anzeige".
NOTIFICATION_TEXTS: dict[tuple[LetterKind, str], str] = {
    (LetterKind.ANFORDERUNG_UNTERLAGEN, "einleitung"): (
        "vielen Dank für Ihre Anzeige »{{leistung}}« vom {{eingangsdatum}}. Damit wir ihren Empfang "
        "bescheinigen können, fehlen noch folgende Angaben oder Unterlagen:\n{{unterlagen}}\n\n"
        "Bitte reichen Sie diese <b>bis zum {{frist_unterlagen}}</b> ein: per Post, persönlich oder "
        "elektronisch. Geben Sie dabei bitte das Aktenzeichen {{aktenzeichen}} an."
    ),
    (LetterKind.ANFORDERUNG_UNTERLAGEN, "hinweise"): (
        f"{_COOPERATION} Eine unvollständige Anzeige können wir nicht bescheinigen: Die "
        "Empfangsbescheinigung erhalten Sie, sobald die fehlenden Angaben vorliegen.\n"
        f"{_CANNOT_KEEP_DATE}"
    ),
    (LetterKind.GEBUEHRENBESCHEID, "einleitung"): (
        "für die Bearbeitung Ihrer Anzeige »{{leistung}}« vom {{eingangsdatum}} (Aktenzeichen "
        "{{aktenzeichen}}) setzen wir folgende Verwaltungsgebühr fest:"
    ),
    (LetterKind.GEBUEHRENBESCHEID, "begruendung"): (
        "Rechtsgrundlage der Gebühr: {{rechtsgrundlage}} in Verbindung mit dem Hessischen "
        "Verwaltungskostengesetz (HVwKostG). Sie schulden die Gebühr, weil Sie die Amtshandlung "
        "(Entgegennahme Ihrer Anzeige und Bescheinigung ihres Empfangs) veranlasst haben."
    ),
}

# Gewerbeanzeigen (§ 14 GewO) by LeiKa key: Anmeldung, Ummeldung, Abmeldung. Their receipt is the
# one § 15 Abs. 1 GewO prescribes ("Die Behörde bescheinigt innerhalb dreier Tage den Empfang der
# Anzeige").
TRADE_NOTIFICATIONS = frozenset({"99050012104000", "99050012105000", "99050012106000"})
TRADE_TEXTS: dict[tuple[LetterKind, str], str] = {
    (LetterKind.EMPFANGSBESCHEINIGUNG, "einleitung"): (
        "hiermit bescheinigen wir Ihnen nach § 15 Abs. 1 der Gewerbeordnung (GewO) den Empfang Ihrer "
        "Gewerbeanzeige vom {{eingangsdatum}} (»{{leistung}}«). Sie ist unter dem Aktenzeichen "
        "<b>{{aktenzeichen}}</b> bei uns erfasst; bitte geben Sie es bei allen Rückfragen an."
    ),
    (LetterKind.EMPFANGSBESCHEINIGUNG, "hinweise"): (
        "Die Empfangsbescheinigung bestätigt, dass Sie Ihr Gewerbe nach § 14 GewO angezeigt haben. Sie "
        "ist keine Genehmigung: Braucht Ihre Tätigkeit eine Erlaubnis oder eine Eintragung (etwa nach "
        "§§ 30 bis 34i GewO oder in die Handwerksrolle), beantragen Sie diese bitte gesondert.\n"
        "Die Angaben Ihrer Anzeige erhalten auch die Stellen, denen die Gewerbeordnung sie zuweist, "
        "unter anderem das Finanzamt und die Industrie- und Handelskammer oder die Handwerkskammer.\n"
        "Ändert sich Ihre Tätigkeit oder der Ort Ihres Betriebs, oder geben Sie den Betrieb auf, zeigen "
        "Sie dies bitte ebenfalls an (§ 14 Abs. 1 GewO)."
    ),
}


def built_in_text(
    kind: LetterKind, block: str, procedure: Procedure = Procedure.GENEHMIGUNG, leika_id: str = ""
) -> str:
    """The built-in wording of a block for a service: its own (Gewerbeanzeigen), else the
    Anzeige wording, else the general one."""
    return specific_text(kind, block, procedure, leika_id) or DEFAULT_TEXTS.get((kind, block), "")


def specific_text(kind: LetterKind, block: str, procedure: Procedure, leika_id: str) -> str | None:
    """The built-in wording that only fits this kind of service (None: the general one fits)."""
    if procedure is Procedure.ANZEIGE:
        if leika_id in TRADE_NOTIFICATIONS and (kind, block) in TRADE_TEXTS:
            return TRADE_TEXTS[(kind, block)]
        return NOTIFICATION_TEXTS.get((kind, block))
    return None


_APPLICATION_WORDS = ("Antrag auf ", "Antrag zur ", "Antrag zum ", "Antrag für ", "Antrag ")


def applied_for(service_name: str) -> str:
    """What the letters call the application's subject after "Ihr Antrag »…«": a service named
    "Antrag auf Grabnutzungsrecht" becomes "Grabnutzungsrecht", never "Antrag »Antrag auf …«"."""
    name = " ".join(service_name.split())
    for words in _APPLICATION_WORDS:
        if name.startswith(words) and len(name) > len(words):
            return name[len(words) :]
    return name
