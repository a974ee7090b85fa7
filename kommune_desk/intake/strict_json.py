"""Strict JSON for metadata.json and data.json: what Python's json module lets through but a
standard-conforming sender never produces is refused, not guessed at."""

from __future__ import annotations

import codecs
import json
import math
from typing import Any

from kommune_desk.intake.errors import SubmissionRejected


class JsonNumber(str):
    """A number from data.json, kept as the text the sender wrote (``1.50`` stays ``1.50``);
    this also spares int() on 100,000-digit numbers."""

    __slots__ = ()


class _RefusedError(ValueError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RefusedError("doppelter Schlüssel")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise _RefusedError(f"{name} ist nicht erlaubt")


def _finite_float(text: str) -> float:
    # "1e400" is valid JSON but would become inf, which the strict parser refuses as a literal.
    value = float(text)
    if not math.isfinite(value):
        raise _RefusedError("Zahl außerhalb des darstellbaren Bereichs")
    return value


def loads_strict(raw: bytes, file_name: str, max_depth: int, numbers_as_text: bool = False) -> Any:
    """Decode ``raw`` as strict UTF-8 JSON (a BOM is tolerated).

    Refuses NaN/Infinity, duplicate keys, lone surrogates and nesting deeper than
    ``max_depth`` with a German ``SubmissionRejected`` naming ``file_name``.
    """
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionRejected(f"{file_name} ist kein gültiges UTF-8.") from None
    number_hooks: dict[str, Any] = (
        {"parse_int": JsonNumber, "parse_float": JsonNumber}
        if numbers_as_text
        else {"parse_float": _finite_float}
    )
    try:
        value = json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant, **number_hooks
        )
    except _RefusedError as refused:
        raise SubmissionRejected(f"{file_name} ist kein gültiges JSON ({refused.detail}).") from None
    except RecursionError:
        raise SubmissionRejected(f"{file_name} ist kein gültiges JSON (zu tief verschachtelt).") from None
    except ValueError:  # JSONDecodeError, and int() refusing more than 4300 digits
        raise SubmissionRejected(f"{file_name} ist kein gültiges JSON.") from None
    _check_structure(value, file_name, max_depth)
    return value


def _check_structure(value: Any, file_name: str, max_depth: int) -> None:
    """Depth and string check without recursion, so it cannot overflow whatever json.loads
    accepted."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item, file_name)
        elif isinstance(item, dict | list):
            if depth + 1 > max_depth:
                raise SubmissionRejected(
                    f"{file_name} ist tiefer verschachtelt als erlaubt ({max_depth} Ebenen)."
                )
            if isinstance(item, dict):
                for key, member in item.items():
                    _check_text(key, file_name)
                    stack.append((member, depth + 1))
            else:
                stack.extend((member, depth + 1) for member in item)


def _check_text(text: str, file_name: str) -> None:
    # "\ud800" is valid JSON syntax but no text: SQLite and Qt would fail on it later.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise SubmissionRejected(
            f"{file_name} ist kein gültiges JSON (ungültiges Unicode-Zeichen)."
        ) from None
