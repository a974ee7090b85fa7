"""metadata.json: strict parsing, validation against the FIT-Connect metadata schema 1.0.0,
and the idempotency key."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Iterator
from fractions import Fraction
from importlib import resources
from typing import Any

from kommune_desk.intake.errors import SubmissionRejected
from kommune_desk.intake.limits import IntakeLimits
from kommune_desk.intake.strict_json import loads_strict

SCHEMA_FILE = "fit-connect-metadata-1.0.0.schema.json"
SCHEMA_LABEL = "FIT-Connect-Schema 1.0.0"


def parse_metadata(raw: bytes, limits: IntakeLimits) -> dict[str, Any]:
    """Parse and validate metadata.json; return it as a dict or raise ``SubmissionRejected``."""
    metadata = loads_strict(raw, "metadata.json", limits.max_depth)
    if not isinstance(metadata, dict):
        raise SubmissionRejected("metadata.json enthält kein JSON-Objekt.")
    errors = list(_validator().iter_errors(metadata))
    if errors:
        from jsonschema.exceptions import best_match

        raise SubmissionRejected(
            f"Die Metadaten entsprechen nicht dem {SCHEMA_LABEL} ({_location(best_match(errors))})."
        )
    return metadata


def submission_key(metadata: dict[str, Any]) -> str:
    """Hex SHA-256 over the canonical metadata JSON (sorted keys, compact, ASCII), so the same
    submission has the same key whatever its folder or ZIP is called. The metadata carries the
    SHA-512 of the Fachdaten and of every attachment, so different content means another key."""
    canonical = json.dumps(metadata, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def load_schema() -> dict[str, Any]:
    """The packaged FIT-Connect metadata schema."""
    schema: dict[str, Any] = json.loads(resources.files(__package__).joinpath(SCHEMA_FILE).read_bytes())
    return schema


def _location(error: Any) -> str:
    """Where the problem is, in the schema's own member names; the sender's values are never
    quoted because the reason is logged."""
    parts = ""
    for step in error.absolute_path:
        parts += f"[{step}]" if isinstance(step, int) else (f".{step}" if parts else str(step))
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = next((name for name in error.validator_value if name not in error.instance), None)
        if missing is not None:
            path = f"{parts}.{missing}" if parts else missing
            return f"Pflichtangabe fehlt: {path}"
    return parts or "Wurzelobjekt"


@functools.cache
def _validator() -> Any:
    """Built once: compiling the schema costs more than validating a submission."""
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.validators import extend

    checker = FormatChecker()  # an own instance, so registering below stays local
    checker.checks("uri")(_is_uri)
    checker.checks("date-time")(_is_date_time)
    validator_class = extend(
        Draft202012Validator, {"multipleOf": _exact_multiple_of, "pattern": _linear_pattern}
    )
    return validator_class(load_schema(), format_checker=checker)


def _exact_multiple_of(validator: Any, divisor: Any, instance: Any, schema: Any) -> Iterator[Any]:
    # jsonschema divides floats, so 0.07 is "not a multiple of 0.01" and about one valid
    # grossAmount in nine would be refused; fractions of the shortest repr are exact.
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "number"):
        return
    if Fraction(repr(instance)) % Fraction(repr(divisor)) != 0:
        yield ValidationError(f"not a multiple of {divisor}")


# The schema's pattern for detached signatures backtracks quadratically in Python's re: a 1 MB
# "signature" would take about 40 minutes. The replacement matches exactly the same strings
# (``^X+|Y+$`` holds iff the first character is an X or the last one a Y) in linear time.
_LINEAR_EQUIVALENTS = {
    "^[a-zA-Z0-9+/=]+|[a-zA-Z0-9_-]+$": "^[a-zA-Z0-9+/=]|[a-zA-Z0-9_-]$",
}


def _linear_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "string"):
        return
    if re.search(_LINEAR_EQUIVALENTS.get(pattern, pattern), instance) is None:
        yield ValidationError(f"does not match the pattern {pattern!r}")


# RFC 3986 absolute URI (scheme ":" ...) with only URI characters and valid %-escapes. Own check
# because jsonschema needs the extra rfc3987 package for "uri".
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_DATE_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


def _is_uri(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    return _URI.fullmatch(instance) is not None and _PERCENT.search(instance) is None


def _is_date_time(instance: object) -> bool:
    """RFC 3339 date-time (jsonschema needs the extra rfc3339-validator package for it)."""
    if not isinstance(instance, str):
        return True
    match = _DATE_TIME.fullmatch(instance)
    if match is None:
        return False
    date, hour, minute, second, _fraction, offset = match.groups()
    if int(second) == 60:  # leap second: RFC 3339 allows it, datetime does not
        second = "59"
    offset = "+00:00" if offset in ("Z", "z") else offset
    try:
        dt.datetime.fromisoformat(f"{date}T{hour}:{minute}:{second}{offset}")
    except ValueError:
        return False
    return True
