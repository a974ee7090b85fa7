"""The wire format of the sync protocol, as pydantic models (they also make the OpenAPI)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kommune_desk.domain import comparison, usage

_ID = Field(min_length=1, max_length=64)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnrolRequest(_Strict):
    code: str = Field(min_length=1, max_length=64)
    client_name: str = Field(default="", max_length=200)
    # A workstation set up before it was enrolled names its office: a code of another office is
    # then refused without being spent.
    expected_office_id: str | None = Field(default=None, max_length=64)
    # A workstation enrolled again (locked out, tokens lost) names its former client id: that
    # client is locked for good and its Aktenzeichen prefix carries over.
    previous_client_id: str | None = Field(default=None, max_length=64)


class RefreshRequest(_Strict):
    refresh_token: str = Field(min_length=1, max_length=200)
    # Chosen by the client before it sends and kept until the answer is stored: the same request
    # again means its answer was lost, not that the refresh token was copied.
    request_id: str | None = Field(default=None, min_length=8, max_length=64)


class TokenResponse(BaseModel):
    client_id: str
    access_token: str
    refresh_token: str
    expires_in: int


class EnrolResponse(TokenResponse):
    office_id: str
    municipality_id: str
    scopes: list[str]
    epoch: str
    workstation: int


class Hello(BaseModel):
    protocol: int
    min_client_schema: int
    epoch: str
    client_id: str
    office_id: str
    municipality_id: str
    scopes: list[str]
    last_seq: int
    server_time: str


class Mutation(_Strict):
    seq: int = Field(ge=1, le=2**62)
    mutation_id: str = _ID
    name: str = Field(min_length=1, max_length=64)
    scope: str = Field(default="", max_length=128)
    args: dict[str, Any] = Field(default_factory=dict)
    effects: list[dict[str, Any]] = Field(default_factory=list, max_length=10_000)
    created_at: str = Field(default="", max_length=40)


class PushRequest(_Strict):
    mutations: list[Mutation] = Field(max_length=1000)


class Outcome(BaseModel):
    seq: int
    mutation_id: str
    outcome: Literal["applied", "conflict", "rejected"]
    detail: str = ""


class PushResponse(BaseModel):
    results: list[Outcome]
    expected_seq: int | None = None
    stale_client: bool = False


class PullRequest(_Strict):
    scope: str = Field(min_length=1, max_length=128)
    cursor: int = Field(default=0, ge=0, le=2**62)
    epoch: str = Field(default="", max_length=64)
    limit: int = Field(default=1000, ge=1, le=5000)


class Change(BaseModel):
    kind: str
    id: str
    version: int
    deleted: bool
    data: dict[str, Any] | None


class PullResponse(BaseModel):
    epoch: str
    scope: str
    changes: list[Change]
    cursor: int
    has_more: bool
    reset_required: bool = False


class UsageEvent(_Strict):
    id: str = _ID
    leika_id: str = Field(min_length=1, max_length=64)
    session_id: str = Field(min_length=1, max_length=64)
    occurred_at: str = Field(min_length=10, max_length=40)
    # Subscripting Literal with a tuple gives the literal of its values: one list, in domain.usage.
    kind: Literal[usage.EVENT_KINDS]  # type: ignore[valid-type]
    step: int | None = Field(default=None, ge=0, le=usage.MAX_STEP)
    payment_method: Literal[usage.ONLINE_PAYMENT_METHODS] | None = None  # type: ignore[valid-type]
    channel: Literal[usage.CHANNELS] | None = None  # type: ignore[valid-type]
    authentication: Literal[usage.AUTHENTICATIONS] | None = None  # type: ignore[valid-type]
    rating: int | None = Field(default=None, ge=1, le=5)


class UsageEvents(_Strict):
    events: list[UsageEvent] = Field(max_length=10_000)


class Accepted(BaseModel):
    accepted: int
    already_known: int = 0
    id: str | None = None


class ComparisonFigure(BaseModel):
    """One Kreisvergleich figure: rates and days across the contributing towns, never a count."""

    period: str = Field(description="Kalendermonat 2026-07, Quartal 2026-Q3 oder Jahr 2026")
    leika_id: str = Field(description="LeiKa-Schlüssel der Leistung, oder gesamt")
    metric: Literal[comparison.METRICS]  # type: ignore[valid-type]
    towns: int = Field(description="Zahl der Kommunen, die beitragen (mindestens 2)")
    median: float
    q1: float
    q3: float


class Comparison(BaseModel):
    computed_at: str
    figures: list[ComparisonFigure]


class Problem(BaseModel):
    detail: str
