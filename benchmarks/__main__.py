"""``python -m benchmarks``: run the benchmarks, print one line per result, write JSON, exit 1 on a miss."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .harness import BenchmarkError, Context, Result
from .registry import BENCHMARKS

RESULTS_FILE = Path(__file__).with_name("results") / "latest.json"


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmarks against a bare reference measured in the same run.",
        epilog="Benchmarks: " + "; ".join(f"{b.name}: {b.description}" for b in BENCHMARKS),
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=[b.name for b in BENCHMARKS],
        metavar="NAME",
        help="run only this benchmark (repeatable)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the JSON report to stdout (lines go to stderr)"
    )
    parser.add_argument(
        "--runs", type=_positive, default=7, metavar="N", help="timed runs per measure (default: 7)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="keep the prepared demo database here and reuse it next time (default: a temp folder)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    out = sys.stderr if args.json else sys.stdout
    results: list[Result] = []
    failures: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="kommune-desk-bench-") as scratch:
        ctx = Context(runs=args.runs, scratch=Path(scratch), data_dir=args.data_dir)
        for benchmark in BENCHMARKS:
            if args.only and benchmark.name not in args.only:
                continue
            measured: list[Result] = []
            error: BenchmarkError | None = None
            try:
                measured = benchmark.run(ctx)
            except BenchmarkError as exc:
                error = exc
            for result in [*ctx.take_notes(), *measured]:
                results.append(result)
                print(result.line(), file=out, flush=True)
            if error is not None:
                failures.append({"benchmark": benchmark.name, "error": str(error)})
                print(f"{benchmark.name:<18} FAILED: {error}", file=out, flush=True)
    passed = not failures and all(result.passed is not False for result in results)
    report = _report(args, results, failures, passed)
    RESULTS_FILE.parent.mkdir(exist_ok=True)
    RESULTS_FILE.write_text(report + "\n", encoding="utf-8")
    if args.json:
        print(report)
    return 0 if passed else 1


def _report(
    args: argparse.Namespace, results: list[Result], failures: list[dict[str, str]], passed: bool
) -> str:
    report: dict[str, Any] = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "runs": args.runs,
        "passed": passed,
        "results": [result.to_json() for result in results],
        "failures": failures,
    }
    return json.dumps(report, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    sys.exit(main())
