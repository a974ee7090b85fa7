"""German for Qt's own dialogs (buttons, file dialogs, context menus)."""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication


def install_german(app: QApplication) -> bool:
    """Load Qt's German translations; return whether they were found."""
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    translator = QTranslator(app)
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(QLocale(QLocale.Language.German), "qtbase", "_", path):
        return False
    app.installTranslator(translator)
    return True
