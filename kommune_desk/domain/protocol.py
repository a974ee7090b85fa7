"""The sync protocol's wire format: every request and answer shape, for server and client alike.

Plain dataclasses with their limits as ``annotated_types`` markers. The server hands them to
FastAPI (pydantic reads the markers and ``__pydantic_config__``, and makes the OpenAPI from
them); the client checks every answer with ``parse`` before it touches the local database, so
a malformed answer or one of another protocol version stops the round with a German message and
changes nothing. Pure Python: no pydantic, no HTTP here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypeVar, Union

from annotated_types import Ge, Le, MaxLen, MinLen

from . import comparison, usage

PROTOCOL_VERSION = 1
# Every answer of the server names the protocol it speaks; the client refuses another one.
PROTOCOL_HEADER = "X-KommuneDesk-Protocol"
SCHEMA_HEADER = "X-KommuneDesk-Schema"  # the client's database schema (oldest the server syncs)
# At the start of a round: "<changes waiting>;<UTC time of the oldest>" (admin status, metrics).
OUTBOX_HEADER = "X-KommuneDesk-Outbox"

T = TypeVar("T")
_FORBID = {"extra": "forbid"}  # requests: an unknown field is an error, not silently dropped

Id = Annotated[str, MinLen(1), MaxLen(64)]
Seq = Annotated[int, Ge(1), Le(2**62)]
Cursor = Annotated[int, Ge(0), Le(2**62)]
Scope = Annotated[str, MinLen(1), MaxLen(128)]
Outcome = Literal["applied", "conflict", "rejected"]


# --- enrolment and tokens --------------------------------------------------------------------


@dataclass
class EnrolRequest:
    __pydantic_config__ = _FORBID
    code: Annotated[str, MinLen(1), MaxLen(64)]
    client_name: Annotated[str, MaxLen(200)] = ""
    # A workstation set up before it was enrolled names its office: a code of another office is
    # then refused without being spent.
    expected_office_id: Annotated[str, MaxLen(64)] | None = None
    # A workstation enrolled again (locked out, tokens lost) names its former client id: that
    # client is locked for good and its Aktenzeichen prefix carries over.
    previous_client_id: Annotated[str, MaxLen(64)] | None = None


@dataclass
class RefreshRequest:
    __pydantic_config__ = _FORBID
    refresh_token: Annotated[str, MinLen(1), MaxLen(200)]
    # Chosen by the client before it sends and kept until the answer is stored: the same request
    # again means its answer was lost, not that the refresh token was copied.
    request_id: Annotated[str, MinLen(8), MaxLen(64)] | None = None


@dataclass
class TokenResponse:
    client_id: Id
    access_token: Annotated[str, MinLen(1), MaxLen(2000)]
    refresh_token: Annotated[str, MinLen(1), MaxLen(200)]
    expires_in: Annotated[int, Ge(1)]


@dataclass
class EnrolResponse(TokenResponse):
    office_id: Id
    municipality_id: Id
    scopes: list[Scope]
    epoch: Annotated[str, MaxLen(64)]
    workstation: Annotated[int, Ge(1)]


# --- a round: handshake, push, pull ----------------------------------------------------------


@dataclass
class Hello:
    protocol: int
    min_client_schema: int
    epoch: Annotated[str, MaxLen(64)]
    client_id: Id
    office_id: Id
    municipality_id: Id
    scopes: list[Scope]
    last_seq: Cursor
    server_time: str


@dataclass
class Mutation:
    __pydantic_config__ = _FORBID
    seq: Seq
    mutation_id: Id
    name: Annotated[str, MinLen(1), MaxLen(64)]
    scope: Annotated[str, MaxLen(128)] = ""
    args: dict[str, Any] = field(default_factory=dict)
    effects: Annotated[list[dict[str, Any]], MaxLen(10_000)] = field(default_factory=list)
    created_at: Annotated[str, MaxLen(40)] = ""


@dataclass
class PushRequest:
    __pydantic_config__ = _FORBID
    mutations: Annotated[list[Mutation], MaxLen(1000)]


@dataclass
class MutationOutcome:
    seq: Seq
    mutation_id: Id
    outcome: Outcome
    detail: str = ""


@dataclass
class PushResponse:
    results: list[MutationOutcome]
    expected_seq: Seq | None = None  # set when the round stopped at a gap
    stale_client: bool = False  # the client's sequence numbers went backwards


@dataclass
class PullRequest:
    __pydantic_config__ = _FORBID
    scope: Scope
    cursor: Cursor = 0
    epoch: Annotated[str, MaxLen(64)] = ""
    limit: Annotated[int, Ge(1), Le(5000)] = 1000


@dataclass
class Change:
    kind: Annotated[str, MinLen(1), MaxLen(64)]
    id: Annotated[str, MinLen(1), MaxLen(200)]
    version: Cursor
    deleted: bool
    data: dict[str, Any] | None


@dataclass
class PullResponse:
    epoch: Annotated[str, MaxLen(64)]
    scope: Scope
    changes: list[Change]
    cursor: Cursor
    has_more: bool
    reset_required: bool = False


# --- the online portal -----------------------------------------------------------------------


@dataclass
class UsageEvent:
    __pydantic_config__ = _FORBID
    id: Id
    leika_id: Id
    session_id: Id
    occurred_at: Annotated[str, MinLen(10), MaxLen(40)]
    # Subscripting Literal with a tuple gives the literal of its values: one list, in domain.usage.
    kind: Literal[usage.EVENT_KINDS]  # type: ignore[valid-type]
    step: Annotated[int, Ge(0), Le(usage.MAX_STEP)] | None = None
    payment_method: Literal[usage.ONLINE_PAYMENT_METHODS] | None = None  # type: ignore[valid-type]
    channel: Literal[usage.CHANNELS] | None = None  # type: ignore[valid-type]
    authentication: Literal[usage.AUTHENTICATIONS] | None = None  # type: ignore[valid-type]
    rating: Annotated[int, Ge(1), Le(5)] | None = None


@dataclass
class UsageEvents:
    __pydantic_config__ = _FORBID
    events: Annotated[list[UsageEvent], MaxLen(10_000)]


@dataclass
class Accepted:
    accepted: int
    already_known: int = 0
    id: str | None = None


# --- the Kreisvergleich ----------------------------------------------------------------------


@dataclass
class ComparisonFigure:
    """One Kreisvergleich figure: rates and days across the contributing towns, never a count."""

    period: str  # Kalendermonat 2026-07, Quartal 2026-Q3 oder Jahr 2026
    leika_id: str  # LeiKa-Schlüssel der Leistung, oder gesamt
    metric: Literal[comparison.METRICS]  # type: ignore[valid-type]
    towns: Annotated[int, Ge(2)]  # Zahl der Kommunen, die beitragen
    median: float
    q1: float
    q3: float


@dataclass
class Comparison:
    computed_at: str
    figures: list[ComparisonFigure]


@dataclass
class Problem:
    detail: str


# --- checking what arrives (client side) -----------------------------------------------------


class ProtocolError(ValueError):
    """An answer that does not have the protocol's shape; the message names the field."""

    def __init__(self, problem: str, path: str = "") -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.problem, self.path = problem, path

    def within(self, step: str) -> ProtocolError:
        """The same problem, one step further out (``.field`` or ``[3]`` before the path)."""
        return ProtocolError(self.problem, step + self.path)


def parse(shape: type[T], data: Any) -> T:
    """``data`` (decoded JSON) as ``shape``, checked field by field; ProtocolError otherwise.

    Unknown fields in an answer are ignored (a newer server may add some), missing ones without
    a default and wrong types or limits are errors."""
    try:
        return _checker(shape)(data)  # type: ignore[no-any-return]
    except ProtocolError as exc:
        raise exc.within(shape.__name__) from None


def as_json(value: Any) -> Any:
    """A request dataclass as JSON-ready dicts (shallow where the fields are plain JSON)."""
    if dataclasses.is_dataclass(value):
        return {f.name: as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


# A check takes a value and returns it (a record: as its dataclass). The path to a bad value is
# put together only when one is found, as the error travels out: a pull page has thousands of
# values, and naming each on the way in would cost more than checking it.
_Check = typing.Callable[[Any], Any]
_CHECKERS: dict[Any, _Check] = {}


def _checker(annotation: Any) -> _Check:
    """A function checking one annotation's values, built once per annotation."""
    try:
        return _CHECKERS[annotation]
    except (KeyError, TypeError):
        pass
    check = _build(annotation)
    with contextlib.suppress(TypeError):  # unhashable annotation: built again next time
        _CHECKERS[annotation] = check
    return check


def _build(annotation: Any) -> _Check:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        inner, *marks = typing.get_args(annotation)
        if inner in _LEAF_NAMES:  # one function for type and limits: the common case, and hot
            return _leaf(inner, marks)
        return _bounded(_checker(inner), marks)
    if origin in (Union, types.UnionType):
        options = typing.get_args(annotation)
        if type(None) in options:
            rest = [o for o in options if o is not type(None)]
            inner_check = _checker(rest[0] if len(rest) == 1 else Union[tuple(rest)])  # noqa: UP007
            return lambda value: None if value is None else inner_check(value)
        raise TypeError(f"unsupported union {annotation!r}")
    if origin is Literal:
        allowed = frozenset(typing.get_args(annotation))

        def literal(value: Any) -> Any:
            if not isinstance(value, str | int) or value not in allowed:
                raise ProtocolError("unerwarteter Wert")
            return value

        return literal
    if origin is list:
        (item,) = typing.get_args(annotation) or (Any,)
        return _listing(_checker(item))
    if origin is dict or annotation is dict:
        return _plain(dict, "Objekt")
    if annotation is Any:
        return lambda value: value
    if dataclasses.is_dataclass(annotation):
        return _record(annotation)
    if annotation is bool:
        return _plain(bool, "ja/nein")
    if annotation is int:
        return _number(int)
    if annotation is float:
        return _number(float)
    if annotation is str:
        return _plain(str, "Text")
    raise TypeError(f"unsupported annotation {annotation!r}")


def _listing(item_check: _Check) -> _Check:
    def check(value: Any) -> Any:
        if type(value) is not list:
            raise ProtocolError("Liste erwartet")
        try:
            return [item_check(v) for v in value]
        except ProtocolError as exc:
            index = next(i for i, v in enumerate(value) if _fails(item_check, v))
            raise exc.within(f"[{index}]") from None

    return check


def _fails(check: _Check, value: Any) -> bool:
    try:
        check(value)
    except ProtocolError:
        return True
    return False


def _plain(kind: type, name: str) -> _Check:
    expected = f"{name} erwartet"

    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise ProtocolError(expected)
        return value

    return check


def _number(kind: type) -> _Check:
    accepted = (int,) if kind is int else (int, float)

    def check(value: Any) -> Any:
        if type(value) not in accepted:  # bool is not a number here
            raise ProtocolError("Zahl erwartet")
        return value

    return check


_LEAF_NAMES = {str: "Text", int: "Zahl", float: "Zahl", bool: "ja/nein"}


def _leaf(kind: type, marks: list[Any]) -> _Check:
    accepted = (int, float) if kind is float else (kind,)
    expected = f"{_LEAF_NAMES[kind]} erwartet"
    low, high, ge, le = _limits(marks)

    def check(value: Any) -> Any:
        if type(value) not in accepted:
            raise ProtocolError(expected)
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            raise ProtocolError("Länge außerhalb der Grenzen")
        if (ge is not None and value < ge) or (le is not None and value > le):
            raise ProtocolError("Wert außerhalb der Grenzen")
        return value

    return check


def _limits(marks: list[Any]) -> tuple[Any, Any, Any, Any]:
    """(min length, max length, lowest, highest) of ``annotated_types`` marks; None where absent."""
    return (
        next((m.min_length for m in marks if isinstance(m, MinLen)), None),
        next((m.max_length for m in marks if isinstance(m, MaxLen)), None),
        next((m.ge for m in marks if isinstance(m, Ge)), None),
        next((m.le for m in marks if isinstance(m, Le)), None),
    )


def _bounded(inner: _Check, marks: list[Any]) -> _Check:
    low, high, ge, le = _limits(marks)

    def check(value: Any) -> Any:
        value = inner(value)
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            raise ProtocolError("Länge außerhalb der Grenzen")
        if (ge is not None and value < ge) or (le is not None and value > le):
            raise ProtocolError("Wert außerhalb der Grenzen")
        return value

    return check


def _record(shape: type) -> _Check:
    """The check of a record, written out as straight-line code for its fields (made on first
    use: a record may refer to one defined later). A pull page has thousands of records; a loop
    over the fields with a call per step would cost about twice as much."""
    built: _Check | None = None

    def check(value: Any) -> Any:
        nonlocal built
        if built is None:
            built = _compile_record(shape)
        return built(value)

    return check


def _compile_record(shape: type) -> _Check:
    hints = typing.get_type_hints(shape, include_extras=True)
    scope: dict[str, Any] = {"ProtocolError": ProtocolError, "shape": shape, "missing": _MISSING}
    lines = [
        "def check(value):",
        "    if type(value) is not dict:",
        "        raise ProtocolError('Objekt erwartet')",
    ]
    specs = dataclasses.fields(shape)
    for i, spec in enumerate(specs):
        scope[f"c{i}"] = _checker(hints[spec.name])
        name, step = repr(spec.name), repr("." + spec.name)

        def checked(indent: str, i: int = i, step: str = step) -> list[str]:
            return [
                f"{indent}try:",
                f"{indent}    a{i} = c{i}(v)",
                f"{indent}except ProtocolError as exc:",
                f"{indent}    raise exc.within({step}) from None",
            ]

        if spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            lines += ["    try:", f"        v = value[{name}]", "    except KeyError:"]
            lines += [f"        raise ProtocolError('fehlt', {step}) from None", *checked("    ")]
            continue
        if spec.default is not dataclasses.MISSING:
            scope[f"d{i}"], made = spec.default, f"d{i}"
        else:
            scope[f"d{i}"], made = spec.default_factory, f"d{i}()"
        lines += [f"    v = value.get({name}, missing)", "    if v is missing:", f"        a{i} = {made}",
                  "    else:", *checked("        ")]  # fmt: skip
    lines.append(f"    return shape({', '.join(f'a{i}' for i in range(len(specs)))})")
    exec("\n".join(lines), scope)  # our own field names, from the dataclasses above
    return scope["check"]  # type: ignore[no-any-return]


_MISSING = object()
