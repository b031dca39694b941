"""GraphQL types: agents (current state and snapshots), posts, leave, events, audit."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from agent_records.api.auth import Permission
from agent_records.api.context import ctx
from agent_records.api.errors import PublicError
from agent_records.domain import values
from agent_records.domain.agent import Agent as AgentRecord
from agent_records.domain.events import CareerEvent, EventCorrected
from agent_records.domain.rules.leave import leave_account
from agent_records.domain.state import CareerState
from agent_records.integrity.ledger_store import Seal

Grade = strawberry.enum(values.Grade, description="Diplomatic grades, lowest first.")
Status = strawberry.enum(values.Status)
Category = strawberry.enum(values.Category)
PositionKind = strawberry.enum(values.PositionKind, description="Art. 20 positions.")
LeaveKind = strawberry.enum(values.LeaveKind)
Authority = strawberry.enum(values.Authority)
DiplomaKind = strawberry.enum(values.DiplomaKind)
HonoraryKind = strawberry.enum(values.HonoraryKind)
DisciplinaryBody = strawberry.enum(values.DisciplinaryBody)
Outcome = strawberry.enum(values.Outcome)

PERSONAL_PAYLOAD: dict[str, Permission] = {
    "aptitude_certificate": Permission.MEDICAL, "spouse_name": Permission.MARRIAGE,
    "spouse_nationality": Permission.MARRIAGE, "exception_justification": Permission.MARRIAGE,
    "intended_date": Permission.MARRIAGE, "facts": Permission.DISCIPLINE,
    "outcome": Permission.DISCIPLINE, "birth_date": Permission.IDENTITY,
    "nationality": Permission.IDENTITY,
}
"""Payload fields that are personal data, and the permission that reveals them."""


MAX_PAGE = 100
"""The largest page (``first``) of any connection."""


def page_size(first: int) -> int:
    """``first`` itself when it is a valid page size; a clear client error otherwise."""
    if not 0 < first <= MAX_PAGE:
        raise PublicError("BAD_USER_INPUT", f"first must be between 1 and {MAX_PAGE}")
    return first


def cursor(kind: str, value: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode()


def decode_cursor(kind: str, text: str | None) -> int:
    """The integer in an opaque cursor; a bad cursor is a clear client error."""
    if not text:
        return 0
    try:
        prefix, value = base64.urlsafe_b64decode(text.encode()).decode().split(":")
        number = int(value)
    except Exception:
        prefix, number = "", -1
    if prefix != kind or number < 0:
        raise PublicError("BAD_USER_INPUT", f"invalid cursor {text!r}")
    return number


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class UserError:
    """Why a command was refused: the field, a stable code, a message, the article."""

    field: str | None
    code: str
    message: str
    article: str | None


@strawberry.type
class Event:
    """One event of a record with its full audit metadata."""

    version: int
    type: str
    effective_date: date
    recorded_at: datetime
    actor_id: str
    actor_role: str
    legal_basis: str
    decision_reference: str | None
    reason: str
    correlation_id: str
    corrects: int | None
    corrected_by: list[int]
    position: int | None = strawberry.field(
        description="Position in the global log, once sealed.")
    hash: str | None = strawberry.field(
        description="Its hash in the chain (null until the sealer reaches it).")
    previous_hash: str | None = strawberry.field(
        description="The previous event's hash in the global chain.")
    raw: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="The event's own fields; personal ones need the role.")
    def payload(self, info: Info) -> JSON | None:
        principal = ctx(info).principal
        hidden = [k for k in self.raw if k in PERSONAL_PAYLOAD
                  and not principal.may(PERSONAL_PAYLOAD[k])]
        if hidden:
            raise PublicError("FORBIDDEN", f"personal data ({', '.join(sorted(hidden))}) is "
                              "not shown to your role")
        return _jsonable(self.raw)

    @staticmethod
    def of(e: CareerEvent, corrected_by: list[int], seal: Seal | None) -> Event:
        """The event with its seal (None when not sealed or not asked for)."""
        return Event(version=e.originator_version, type=type(e).__name__,
                     effective_date=e.effective_date, recorded_at=e.timestamp,
                     actor_id=e.actor_id, actor_role=e.actor_role, legal_basis=e.legal_basis,
                     decision_reference=e.decision_reference, reason=e.reason,
                     correlation_id=e.correlation_id,
                     corrects=e.corrected_version if isinstance(e, EventCorrected) else None,
                     corrected_by=corrected_by, position=seal and seal.position,
                     hash=seal and seal.hash, previous_hash=seal and seal.previous,
                     raw=e.payload())


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime | UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: _jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
    return value


@strawberry.type
class EventEdge:
    cursor: str
    node: Event


@strawberry.type
class EventConnection:
    edges: list[EventEdge]
    page_info: PageInfo
    total_count: int


SEAL_FIELDS = frozenset({"position", "hash", "previousHash"})
"""The fields of ``Event`` that need the ledger's rows of the stream."""


def selects(selections: list[Any], names: frozenset[str]) -> bool:
    """Whether any field below ``selections`` (fragments included) is one of ``names``.

    Conservative: a field under ``@skip``/``@include`` counts as selected, so the rows
    are loaded whenever they might be shown (one more query at worst), never missed.
    """
    return any(getattr(s, "name", None) in names or selects(s.selections, names)
               for s in selections)


def history(events: list[CareerEvent], first: int, after: str | None,
            seals: dict[int, Seal]) -> EventConnection:
    """Keyset pagination on the record's versions (events oldest first, as stored)."""
    start = decode_cursor("v", after)
    fixes: dict[int, list[int]] = {}
    for e in events:
        if isinstance(e, EventCorrected):
            fixes.setdefault(e.corrected_version, []).append(e.originator_version)
    chosen = [e for e in events if e.originator_version > start][:first]
    edges = [EventEdge(cursor=cursor("v", e.originator_version),
                       node=Event.of(e, fixes.get(e.originator_version, []),
                                     seals.get(e.originator_version))) for e in chosen]
    more = bool(chosen) and chosen[-1].originator_version < events[-1].originator_version
    return EventConnection(edges=edges, total_count=len(events),
                           page_info=PageInfo(has_next_page=more,
                                              end_cursor=edges[-1].cursor if edges else None))


MIN_YEAR, MAX_YEAR = 1900, 2100
"""Years a leave account is computed for (each year back to the first posting is folded)."""


@strawberry.type
class LeaveBalance:
    """One year's leave account (Art. 15, 17)."""

    year: int
    entitlement: int
    carried_over: int
    taken: int
    travel_days: int
    available: int


def balance(state: CareerState, year: int) -> LeaveBalance:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PublicError("BAD_USER_INPUT", f"year must be between {MIN_YEAR} and {MAX_YEAR}")
    acc = leave_account(state, year)
    return LeaveBalance(year=year, entitlement=acc.entitlement, carried_over=acc.carried_over,
                        taken=acc.taken, travel_days=acc.travel_days, available=acc.available)


@strawberry.type
class Breach:
    version: int
    code: str
    article: str | None
    on_date: date
    message: str


@strawberry.type
class AgentSnapshot:
    """The record's state on an effective date, as it stood at a past instant."""

    valid_at: date | None
    known_at: datetime | None
    version: int
    full_name: str
    grade: Grade | None
    status: Status
    post_code: str | None
    head_of_post: str | None
    renewals: int
    eligible_for_promotion: bool

    @staticmethod
    def of(record: AgentRecord, valid_at: date | None, known_at: datetime | None
           ) -> AgentSnapshot:
        s = record.state_on(valid_at) if valid_at else record.state
        where = s.position_on(valid_at) if valid_at else s.position
        return AgentSnapshot(valid_at=valid_at, known_at=known_at, version=record.version,
                             full_name=s.full_name, grade=s.grade,
                             status=s.status_on(valid_at) if valid_at else s.status,
                             post_code=where.post_code if where else None,
                             head_of_post=s.head_of_post, renewals=s.renewals,
                             eligible_for_promotion=s.eligible_for_promotion)


@strawberry.type
class AptitudeCertificate:
    doctor: str
    doctor_designated_by_minister: bool
    issued_on: date


@strawberry.type
class MarriageRequest:
    version: int
    spouse_name: str
    spouse_nationality: str
    requested_on: date
    decision: str | None
    decided_on: date | None


@strawberry.type
class Marriage:
    married_to: str | None
    requests: list[MarriageRequest]


@strawberry.type
class Referral:
    version: int
    body: DisciplinaryBody
    referred_on: date
    outcome: Outcome | None
    decided_on: date | None


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
