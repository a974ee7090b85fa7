"""``kommune-desk-cli stats import | show``: usage events in, figures out (for scripts)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

WorkspaceOpener = Callable[[Path], AbstractContextManager[Any]]


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"„{text}“ ist kein Datum der Form JJJJ-MM-TT.") from exc


def add_stats_parsers(
    commands: Any, add_command: Callable[..., argparse.ArgumentParser], open_workspace: WorkspaceOpener
) -> None:
    """Register ``stats import`` and ``stats show``."""
    stats = commands.add_parser("stats", help="Statistik der Online-Dienste")
    actions = stats.add_subparsers(dest="stats_command", required=True, metavar="AKTION")
    importing = add_command(
        actions, "import", lambda a, d: _import(a, d, open_workspace),
        "Nutzungsereignisse aus einer CSV-Datei übernehmen (alles oder nichts)",
    )  # fmt: skip
    importing.add_argument("file", type=Path, metavar="DATEI", help="CSV-Datei (siehe docs/statistik.md)")
    show = add_command(
        actions, "show", lambda a, d: _show(a, d, open_workspace), "Kennzahlen eines Zeitraums ausgeben"
    )
    _period_arguments(show)
    show.add_argument("--service", metavar="LEIKA", help="nur diese Leistung (LeiKa-Schlüssel)")
    show.add_argument("--json", action="store_true", help="Ausgabe als JSON")
    report = add_command(
        actions, "report", lambda a, d: _report(a, d, open_workspace), "Statistik-Bericht als PDF (A4)"
    )
    export = add_command(
        actions, "export", lambda a, d: _export(a, d, open_workspace), "Zahlen als CSV oder XLSX ausgeben"
    )
    export.add_argument("--format", required=True, choices=("csv", "xlsx"), help="csv oder xlsx")
    retention = add_command(
        actions, "retention", lambda a, d: _retention(a, d, open_workspace),
        "Wie lange einzelne Nutzungsereignisse aufbewahrt werden (die Zählwerte bleiben immer)",
    )  # fmt: skip
    retention.add_argument(
        "--months", type=int, metavar="MONATE", help="neue Aufbewahrungsdauer in Monaten (1–120)"
    )
    for command in (report, export):
        _period_arguments(command)
        command.add_argument("--service", metavar="LEIKA", help="nur diese Leistung (LeiKa-Schlüssel)")
        command.add_argument("-o", "--output", required=True, type=Path, metavar="DATEI", help="Zieldatei")


def _period_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--from", dest="first", type=_day, metavar="JJJJ-MM-TT",
        help="erster Tag (ohne --from und --to: die letzten 12 ganzen Monate, wie im Programm)",
    )  # fmt: skip
    command.add_argument("--to", dest="last", type=_day, metavar="JJJJ-MM-TT", help="letzter Tag")


def _period(args: argparse.Namespace) -> Any:
    """The given days; without them the dashboard's default, the last 12 whole months."""
    from .services.dashboard import PRESETS
    from .services.statistics import Period

    default = PRESETS["Letzte 12 Monate"](dt.date.today())
    return Period(args.first or default.first, args.last or default.last)


def _report(args: argparse.Namespace, data_dir: Path, open_workspace: WorkspaceOpener) -> int:
    from .services.dashboard import Filters
    from .services.statistics_export import export_report

    with open_workspace(data_dir) as workspace:
        _known_service(workspace, args.service)
        path = export_report(workspace, Filters(_period(args), args.service), args.output.absolute())
    print(f"Bericht gespeichert: {path}")
    return 0


def _export(args: argparse.Namespace, data_dir: Path, open_workspace: WorkspaceOpener) -> int:
    from .services.dashboard import Filters
    from .services.statistics_export import export_data

    with open_workspace(data_dir) as workspace:
        path = export_data(
            workspace, Filters(_period(args), args.service), args.format, args.output.absolute()
        )
    print(f"Zahlen gespeichert: {path}")
    return 0


def _retention(args: argparse.Namespace, data_dir: Path, open_workspace: WorkspaceOpener) -> int:
    from .services.statistics import raw_event_retention

    with open_workspace(data_dir) as workspace:
        months = raw_event_retention(workspace, args.months)
    print(f"Einzelne Nutzungsereignisse werden {months} Monate aufbewahrt; die Zählwerte bleiben.")
    return 0


def _import(args: argparse.Namespace, data_dir: Path, open_workspace: WorkspaceOpener) -> int:
    from .services.statistics import import_usage_file

    with open_workspace(data_dir) as workspace:
        result = import_usage_file(workspace, args.file.absolute())
    print(result.message())
    return 0


def _show(args: argparse.Namespace, data_dir: Path, open_workspace: WorkspaceOpener) -> int:
    from .services.statistics import usage_report

    with open_workspace(data_dir) as workspace:
        _known_service(workspace, args.service)
        report = usage_report(workspace, _period(args), leika_id=args.service)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(_as_text(report))
    return 0


def _known_service(workspace: Any, leika_id: str | None) -> None:
    """Refuse a LeiKa key the town has neither in its catalogue nor in its usage counts."""
    from .services.statistics import known_leika_ids

    if leika_id is not None and leika_id not in known_leika_ids(workspace):
        from .domain.validation import ValidationError

        raise ValidationError([f"Die Leistung {leika_id} ist hier nicht bekannt (LeiKa-Schlüssel prüfen)."])


def _number(figures: dict, field: str) -> str:
    from .domain.statistics import hidden_mark

    value = figures[field]
    return hidden_mark(figures, field) if value is None else f"{value:,}".replace(",", ".")


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %".replace(".", ",")


def _as_text(report: dict) -> str:
    period = report["zeitraum"]
    von, bis = (dt.date.fromisoformat(period[k]).strftime("%d.%m.%Y") for k in ("von", "bis"))
    lines = [
        f"Zeitraum {von} bis {bis}",
        f"{'Leistung':<44} {'gestartet':>10} {'abgeschickt':>12} {'Abbruch':>9}",
    ]
    for name, figures in [("Gesamt", report["gesamt"])] + [(s["name"], s) for s in report["leistungen"]]:
        lines.append(
            f"{name[:44]:<44} {_number(figures, 'gestartet'):>10} {_number(figures, 'abgeschickt'):>12}"
            f" {_percent(figures['abbruchquote']):>9}"
        )
    lines.append("Werte von 1 bis 4: „< 5“; „×“: verdeckt, damit sich kein Wert unter 5 errechnen lässt.")
    return "\n".join(lines)
