"""The startup reference: a bare PySide6 QMainWindow that prints ``ready 0`` on its first event-loop turn.

Run as a script (``python benchmarks/bare_window.py``), not as a module, so nothing else gets imported.
"""

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.show()

    def ready() -> None:
        print("ready 0", flush=True)
        window.close()

    QTimer.singleShot(0, ready)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
