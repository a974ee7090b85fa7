"""The built-in text blocks of every letter kind, as a Hessian town hall writes them.

They are version 0 of each block: a municipality (or one of its services) saves its own
wording as version 1, 2, … Placeholders: see ``letter_templates.PLACEHOLDERS``. The letter's
salutation ends with a comma, so an Einleitung starts in lower case unless its first word is a
noun or "Ihr"/"Sie".
"""

from __future__ import annotations

from .letter_kinds import LetterKind

_QUESTIONS = "Bei Fragen erreichen Sie {{sachbearbeitung}} unter den oben genannten Kontaktdaten."

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
        "Sie sind verpflichtet, an der Klärung des Sachverhalts mitzuwirken (§ 26 Abs. 2 HVwVfG). "
        "Liegen uns die Unterlagen bis zum {{frist_unterlagen}} nicht vor, entscheiden wir über Ihren "
        "Antrag nach Aktenlage. Das kann bedeuten, dass wir ihn ablehnen müssen.\n"
        "Können Sie die Frist nicht einhalten, melden Sie sich bitte rechtzeitig bei uns."
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
    (LetterKind.GEBUEHRENBESCHEID, "schluss"): _QUESTIONS,
}


_APPLICATION_WORDS = ("Antrag auf ", "Antrag zur ", "Antrag zum ", "Antrag für ", "Antrag ")


def applied_for(service_name: str) -> str:
    """What the letters call the application's subject after "Ihr Antrag »…«": a service named
    "Antrag auf Grabnutzungsrecht" becomes "Grabnutzungsrecht", never "Antrag »Antrag auf …«"."""
    name = " ".join(service_name.split())
    for words in _APPLICATION_WORDS:
        if name.startswith(words) and len(name) > len(words):
            return name[len(words) :]
    return name
