"""The ``Agent`` type and what hangs from it: current state from the read models, the
rest from the record (snapshots, leave, personal data), each field behind the roles that
read its class; its history is in ``agents.history``.

Who reads which field is the classification's (``domain.classification.API_FIELDS``),
applied to every field by ``api.classified``: no resolver here checks a role."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from agent_records.api.agents.history import SEAL_FIELDS, EventConnection, history
from agent_records.api.auth import Permission
from agent_records.api.context import ctx
from agent_records.api.errors import PublicError, erased
from agent_records.api.types import (
    Category,
    DisciplinaryBody,
    Grade,
    Outcome,
    PositionKind,
    Status,
    described,
    optional_date,
    page_size,
    selects,
)
from agent_records.domain.agent import Agent as AgentRecord
from agent_records.domain.erased import Erased
from agent_records.domain.errors import NotFound
from agent_records.domain.events import CareerEvent
from agent_records.domain.rules.leave import leave_account
from agent_records.domain.state import CareerState
from projections.views.agents import AgentRow

if TYPE_CHECKING:
    from agent_records.api.posts.types import Post

POSTS = "agent_records.api.posts.types"
"""Where ``Post`` is, for strawberry's lazy reference: posts list agents, agents name
their post, and the two modules cannot import each other at load time."""


async def record_of(info: Info, agent_id: str) -> AgentRecord:
    # strawberry's DataLoader raises the exception a batch returns for a key
    try:
        return await ctx(info).records.load(agent_id)
    except NotFound as exc:
        raise PublicError("NOT_FOUND", exc.message) from None


async def stream_of(info: Info, agent_id: str) -> list[CareerEvent]:
    """The agent's stored events (``history``), without folding them into the record."""
    try:
        return await ctx(info).streams.load(agent_id)
    except NotFound as exc:
        raise PublicError("NOT_FOUND", exc.message) from None


@strawberry.type
class Agent:
    """A person on record, as the read models show them now.

    Columns that need no conversion are plain attributes, set once per object (``of``):
    strawberry resolves those without building an ``Info`` or parsing arguments, which
    a resolver method costs on every field of every request. Columns converted to an
    enum or a date keep a resolver, so that a value the code cannot read fails (masked)
    at that field and nowhere else.
    """

    row: strawberry.Private[AgentRow]
    id: strawberry.ID
    full_name: str
    post_code: str | None
    head_of_post: str | None
    oath_sworn: bool = strawberry.field(
        description="Art. 12 oath sworn (or already sworn as official).")
    renewals: int = strawberry.field(description="Art. 7 renewals of an attaché's appointment.")
    eligible_for_promotion: bool = strawberry.field(
        description="Art. 8: an attaché renewed three times.")
    extensions: int
    version: int

    @classmethod
    def of(cls, row: AgentRow) -> Agent:
        """The agent of a row of the ``agents`` view."""
        return cls(row=row, id=strawberry.ID(row.agent_id), full_name=row.full_name,
                   post_code=row.post_code, head_of_post=row.head_of_post,
                   oath_sworn=bool(row.oath_sworn), renewals=row.renewals,
                   eligible_for_promotion=bool(row.eligible_for_promotion),
                   extensions=row.extensions, version=row.version)

    @strawberry.field
    def category(self) -> Category:
        return Category(self.row.category)

    @strawberry.field
    def grade(self) -> Grade | None:
        return Grade(self.row.grade) if self.row.grade else None

    @described("Title conferred under Art. 26, if any.")
    def title(self) -> Grade | None:
        return Grade(self.row.title) if self.row.title else None

    @strawberry.field
    def status(self) -> Status:
        return Status(self.row.status)

    @strawberry.field
    async def post(self, info: Info) -> Annotated[Post, strawberry.lazy(POSTS)] | None:
        from agent_records.api.posts.types import Post  # see POSTS

        code = self.row.post_code
        row = await ctx(info).posts.load(code) if code else None
        return Post(row=row) if row else None

    @strawberry.field
    def position_kind(self) -> PositionKind | None:
        kind = self.row.position_kind
        return PositionKind(kind) if kind else None

    @strawberry.field
    def next_renewal_due(self) -> date | None:
        return optional_date(self.row.next_renewal_due)

    @described("Art. 21: the pension law's age limit.")
    def sixty_fifth_birthday(self) -> date | None:
        return optional_date(self.row.sixty_fifth_birthday)

    @described("65th birthday or end of the last yearly extension.")
    def service_limit(self) -> date | None:
        return optional_date(self.row.service_limit)

    @strawberry.field
    def birth_date(self) -> date | None:
        return optional_date(self.row.birth_date)

    @described("Days of public service on a date, prior service included.")
    async def public_service_days(self, info: Info, on: date) -> int:
        return (await record_of(info, self.row.agent_id)).state.public_service_days_on(on)

    @described("Status on a date: on leave, suspended, ...")
    async def status_on(self, info: Info, on: date) -> Status:
        return (await record_of(info, self.row.agent_id)).state_on(on).status_on(on)

    @described("Medical data (Art. 6); hr_officer and council only.")
    async def aptitude_certificate(self, info: Info) -> AptitudeCertificate | None:
        cert = (await record_of(info, self.row.agent_id)).state.aptitude_certificate
        if isinstance(cert, Erased):
            raise erased("aptitudeCertificate", cert)
        return AptitudeCertificate(doctor=cert.doctor, issued_on=cert.issued_on,
                                   doctor_designated_by_minister=cert.doctor_designated_by_minister
                                   ) if cert else None

    @described("Art. 13 requests and marriage; hr_officer and council.")
    async def marriage(self, info: Info) -> Marriage | None:
        s = (await record_of(info, self.row.agent_id)).state
        return Marriage(married_to=s.married_to, requests=[MarriageRequest(
            version=r.version, spouse_name=r.spouse_name, spouse_nationality=r.spouse_nationality,
            requested_on=r.requested_on, decision=r.decision, decided_on=r.decided_on)
            for r in s.marriage_requests])

    @described("Art. 23, 24 referrals and decisions; council only.")
    async def disciplinary_record(self, info: Info) -> list[Referral] | None:
        s = (await record_of(info, self.row.agent_id)).state
        return [Referral(version=r.version, body=r.body, referred_on=r.referred_on,
                         outcome=r.outcome, decided_on=r.decided_on) for r in s.referrals]

    @described("Breaches the disciplinary council must see.")
    async def breaches(self, info: Info) -> list[Breach] | None:
        rows = await ctx(info).breaches.load(self.row.agent_id)
        return [Breach(version=r.version, code=r.code, article=r.article,
                       on_date=date.fromisoformat(r.on_date), message=r.message)
                for r in rows]

    @strawberry.field
    async def leave_balance(self, info: Info, year: int) -> LeaveBalance:
        return balance((await record_of(info, self.row.agent_id)).state, year)

    @described("Every event, oldest first; keyset cursor on the version.")
    async def history(self, info: Info, first: int = 50, after: str | None = None
                      ) -> EventConnection:
        ctx(info).require(Permission.READ, "history")
        page_size(first)
        agent_id = self.row.agent_id
        if selects(info.selected_fields, SEAL_FIELDS):  # both loads at once
            events, seals = await asyncio.gather(stream_of(info, agent_id),
                                                 ctx(info).seals.load(agent_id))
        else:
            events, seals = await stream_of(info, agent_id), {}
        return history(events, first, after, seals)

    @described("State in force on validAt, as recorded at knownAt.")
    async def as_of(self, info: Info, valid_at: date | None = None,
                    known_at: datetime | None = None) -> AgentSnapshot | None:
        record = await record_of(info, self.row.agent_id)
        if known_at is not None:
            if known_at.tzinfo is None:
                raise PublicError("BAD_USER_INPUT", "knownAt needs a timezone, e.g. ...Z")
            record = record.known_at(known_at)
            if not record.events:
                return None
        return AgentSnapshot.of(record, valid_at, known_at)


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
    spouse_name: str | None  # null (ERASED) once marriage data are erased
    spouse_nationality: str | None
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

