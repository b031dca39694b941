"""The ``Agent`` and ``Post`` types: current state from the read models, the rest from
the record (history, snapshots, personal data), each personal field behind its role."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import strawberry
from strawberry.types import Info

from agent_records.api.auth import Permission
from agent_records.api.context import blocking, ctx
from agent_records.api.errors import PublicError
from agent_records.api.types import (
    SEAL_FIELDS,
    AgentSnapshot,
    AptitudeCertificate,
    Breach,
    Category,
    EventConnection,
    Grade,
    LeaveBalance,
    Marriage,
    MarriageRequest,
    PageInfo,
    PositionKind,
    Referral,
    Status,
    _d,
    balance,
    cursor,
    decode_cursor,
    history,
    page_size,
    selects,
)
from agent_records.domain.agent import Agent as AgentRecord
from agent_records.domain.errors import NotFound
from agent_records.domain.events import CareerEvent
from projections.views.agents import AgentRow
from projections.views.posts import (
    PostRow,
    Tenure,
    charges_on,
    heads_on,
    roster_on,
    roster_page,
)


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
    at that field and nowhere else; personal fields keep theirs to check the role.
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

    @strawberry.field(description="Title conferred under Art. 26, if any.")
    def title(self) -> Grade | None:
        return Grade(self.row.title) if self.row.title else None

    @strawberry.field
    def status(self) -> Status:
        return Status(self.row.status)

    @strawberry.field
    async def post(self, info: Info) -> Post | None:
        code = self.row.post_code
        row = await ctx(info).posts.load(code) if code else None
        return Post(row=row) if row else None

    @strawberry.field
    def position_kind(self) -> PositionKind | None:
        kind = self.row.position_kind
        return PositionKind(kind) if kind else None

    @strawberry.field
    def next_renewal_due(self) -> date | None:
        return _d(self.row.next_renewal_due)

    @strawberry.field(description="Art. 21: the pension law's age limit.")
    def sixty_fifth_birthday(self, info: Info) -> date | None:
        ctx(info).require(Permission.IDENTITY, "sixtyFifthBirthday")
        return _d(self.row.sixty_fifth_birthday)

    @strawberry.field(description="65th birthday or end of the last yearly extension.")
    def service_limit(self, info: Info) -> date | None:
        ctx(info).require(Permission.IDENTITY, "serviceLimit")
        return _d(self.row.service_limit)

    extensions: int

    @strawberry.field
    def birth_date(self, info: Info) -> date | None:
        ctx(info).require(Permission.IDENTITY, "birthDate")
        return _d(self.row.birth_date)

    version: int

    @strawberry.field(description="Days of public service on a date, prior service included.")
    async def public_service_days(self, info: Info, on: date) -> int:
        return (await record_of(info, self.row.agent_id)).state.public_service_days_on(on)

    @strawberry.field(description="Status on a date: on leave, suspended, ...")
    async def status_on(self, info: Info, on: date) -> Status:
        return (await record_of(info, self.row.agent_id)).state_on(on).status_on(on)

    @strawberry.field(description="Medical data (Art. 6); hr_officer and council only.")
    async def aptitude_certificate(self, info: Info) -> AptitudeCertificate | None:
        ctx(info).require(Permission.MEDICAL, "aptitudeCertificate")
        cert = (await record_of(info, self.row.agent_id)).state.aptitude_certificate
        return AptitudeCertificate(doctor=cert.doctor, issued_on=cert.issued_on,
                                   doctor_designated_by_minister=cert.doctor_designated_by_minister
                                   ) if cert else None

    @strawberry.field(description="Art. 13 requests and marriage; hr_officer and council.")
    async def marriage(self, info: Info) -> Marriage | None:
        ctx(info).require(Permission.MARRIAGE, "marriage")
        s = (await record_of(info, self.row.agent_id)).state
        return Marriage(married_to=s.married_to, requests=[MarriageRequest(
            version=r.version, spouse_name=r.spouse_name, spouse_nationality=r.spouse_nationality,
            requested_on=r.requested_on, decision=r.decision, decided_on=r.decided_on)
            for r in s.marriage_requests])

    @strawberry.field(description="Art. 23, 24 referrals and decisions; council only.")
    async def disciplinary_record(self, info: Info) -> list[Referral] | None:
        ctx(info).require(Permission.DISCIPLINE, "disciplinaryRecord")
        s = (await record_of(info, self.row.agent_id)).state
        return [Referral(version=r.version, body=r.body, referred_on=r.referred_on,
                         outcome=r.outcome, decided_on=r.decided_on) for r in s.referrals]

    @strawberry.field(description="Breaches the disciplinary council must see.")
    async def breaches(self, info: Info) -> list[Breach] | None:
        ctx(info).require(Permission.DISCIPLINE, "breaches")
        rows = await ctx(info).breaches.load(self.row.agent_id)
        return [Breach(version=r.version, code=r.code, article=r.article,
                       on_date=date.fromisoformat(r.on_date), message=r.message)
                for r in rows]

    @strawberry.field
    async def leave_balance(self, info: Info, year: int) -> LeaveBalance:
        return balance((await record_of(info, self.row.agent_id)).state, year)

    @strawberry.field(description="Every event, oldest first; keyset cursor on the version.")
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

    @strawberry.field(description="State in force on validAt, as recorded at knownAt.")
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


@strawberry.type
class RosterEntry:
    """Who served at a post, from when to when, in which grade."""

    row: strawberry.Private[Tenure]
    agent_row: strawberry.Private[AgentRow | None] = None
    """The agent's row, loaded with the other entries' (``entries``) when asked for."""

    @strawberry.field
    def agent(self) -> Agent | None:
        return Agent.of(self.agent_row) if self.agent_row else None

    @strawberry.field
    def grade(self) -> Grade | None:
        return Grade(self.row.grade) if self.row.grade else None

    @strawberry.field
    def since(self) -> date:
        return date.fromisoformat(self.row.since)

    @strawberry.field
    def until(self) -> date | None:
        return _d(self.row.until)


@strawberry.type
class RosterEdge:
    cursor: str
    node: RosterEntry


@strawberry.type
class RosterConnection:
    edges: list[RosterEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class Post:
    """A legation or other post."""

    row: strawberry.Private[PostRow]

    @strawberry.field
    def code(self) -> str:
        return self.row.post_code

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def city(self) -> str:
        return self.row.city

    @strawberry.field
    def country(self) -> str:
        return self.row.country

    @strawberry.field
    def kind(self) -> str:
        return self.row.kind

    @strawberry.field(description="Agents posted here on the date, with their grade then "
                      "(all of them: rosterPage gives them a page at a time).")
    async def roster(self, info: Info, on: date) -> list[RosterEntry]:
        rows = await blocking(roster_on, ctx(info).services.views, self.row.post_code, on)
        return await entries(info, rows)

    @strawberry.field(description="The roster on the date in pages, in the same order "
                      "(offset cursors).")
    async def roster_page(self, info: Info, on: date, first: int = 50,
                          after: str | None = None) -> RosterConnection:
        offset = decode_cursor("o", after)
        rows, total = await blocking(roster_page, ctx(info).services.views, self.row.post_code,
                                     on, offset, page_size(first))
        edges = [RosterEdge(cursor=cursor("o", offset + i + 1), node=entry)
                 for i, entry in enumerate(await entries(info, rows))]
        return RosterConnection(edges=edges, total_count=total, page_info=PageInfo(
            has_next_page=offset + len(rows) < total,
            end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="The head of post on the date.")
    async def head_of_post(self, info: Info, on: date) -> RosterEntry | None:
        rows = await blocking(heads_on, ctx(info).services.views, self.row.post_code, on)
        return (await entries(info, rows[-1:]))[0] if rows else None

    @strawberry.field(description="Art. 2: the chargé(s) d'affaires a.i. on the date.")
    async def charges_d_affaires(self, info: Info, on: date) -> list[RosterEntry]:
        rows = await blocking(charges_on, ctx(info).services.views, self.row.post_code, on)
        return await entries(info, rows)


async def entries(info: Info, rows: list[Tenure]) -> list[RosterEntry]:
    """Roster entries with their agents' rows, loaded in one batch when the query asks.

    One ``load_many`` instead of an async resolver per entry: a page of 50 entries
    awaited 50 resolvers. The check is conservative (any field named ``agent`` below
    this one), so an entry's agent is never missing when it is asked for.
    """
    if not selects(info.selected_fields, AGENT_FIELD):
        return [RosterEntry(row=r) for r in rows]
    agents = await ctx(info).agents.load_many([r.agent_id for r in rows])
    return [RosterEntry(row=r, agent_row=a) for r, a in zip(rows, agents, strict=True)]


AGENT_FIELD = frozenset({"agent"})

