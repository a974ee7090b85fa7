"""KommuneDesk: offline-first desktop administration for Hessian town halls."""

__version__ = "0.1.0"
APP_NAME = "KommuneDesk"
ORGANIZATION = "KommuneDesk"
