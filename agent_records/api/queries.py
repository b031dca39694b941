"""The ``Query`` root: what HR, the council and the archives ask."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from agent_records.api.agents import Agent, Post, record_of
from agent_records.api.auth import Permission
from agent_records.api.context import blocking, ctx
from agent_records.api.integrity import Verification, verification
from agent_records.api.types import (
    Grade,
    LeaveBalance,
    PageInfo,
    Status,
    balance,
    cursor,
    decode_cursor,
    page_size,
)
from projections.engine.runner import ViewStatus
from projections.views.agents import AgentQuery, find_agents
from projections.views.audit_log import AuditQuery, AuditRow


@strawberry.enum
class AgentOrderField(Enum):
    FULL_NAME = "FULL_NAME"
    GRADE = "GRADE"
    STATUS = "STATUS"
    SIXTY_FIFTH_BIRTHDAY = "SIXTY_FIFTH_BIRTHDAY"
    NEXT_RENEWAL_DUE = "NEXT_RENEWAL_DUE"


@strawberry.input
class AgentOrder:
    field: AgentOrderField = AgentOrderField.FULL_NAME
    descending: bool = False


@strawberry.input
class AgentFilter:
    grade: Grade | None = None
    status: Status | None = None
    post_code: str | None = None
    eligible_for_promotion: bool | None = None
    renewal_due_before: date | None = None
    reaching_65_before: date | None = None
    on_leave_on: date | None = None


@strawberry.type
class AgentEdge:
    cursor: str
    node: Agent


@strawberry.type
class AgentConnection:
    edges: list[AgentEdge]
    page_info: PageInfo
    total_count: int


@strawberry.input
class AuditFilter:
    agent_id: strawberry.ID | None = None
    post_code: str | None = None
    actor_id: str | None = None
    article: str | None = None
    event_type: str | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    effective_from: date | None = None
    effective_to: date | None = None


@strawberry.type
class AuditEntry:
    """One row of the audit log: who recorded what, when, on which legal basis."""

    position: int
    stream_id: strawberry.ID
    stream_kind: str
    version: int
    event_type: str
    effective_date: date
    recorded_at: datetime
    actor_id: str
    actor_role: str
    legal_basis: str
    decision_reference: str | None
    reason: str
    correlation_id: str
    post_code: str | None
    corrects_version: int | None
    corrected_by: int | None
    hash: str | None = strawberry.field(
        description="SHA-256 of the event in the hash chain; null until it is sealed.")
    previous_hash: str | None = strawberry.field(
        description="Hash of the event before it in the global log; null until sealed.")


@strawberry.type
class AuditEdge:
    cursor: str
    node: AuditEntry


@strawberry.type
class AuditConnection:
    edges: list[AuditEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="Where a read view stands; a stopped view waits at the event "
                 "it cannot project (never skipped) until it is repaired.")
class ProjectionStatus:
    name: str
    position: int
    head: int
    lag: int
    state: str = strawberry.field(description="running, or stopped (at stoppedAt).")
    stopped_at: int | None = strawberry.field(
        default=None, description="A stopped view: the position of the event it stopped at.")
    event_type: str | None = strawberry.field(
        default=None, description="A stopped view: the type of that event.")
    error: str | None = strawberry.field(
        default=None, description="A stopped view: why it cannot project that event.")
    stopped_since: datetime | None = strawberry.field(
        default=None, description="A stopped view: when it stopped.")


def _projection_status(s: ViewStatus) -> ProjectionStatus:
    stop = s.stop
    return ProjectionStatus(
        name=s.name, position=s.position, head=s.head, lag=s.lag, state=s.state,
        stopped_at=stop.position if stop else None, event_type=stop.event_type if stop else None,
        error=stop.error if stop else None,
        stopped_since=datetime.fromisoformat(stop.since) if stop else None)


async def agent_page(info: Info, query: AgentQuery, order: AgentOrder, first: int,
                     after: str | None) -> AgentConnection:
    """One page of the agents view (``agents``, ``renewalsDue``): offset cursors."""
    offset = decode_cursor("o", after)
    rows, total = await blocking(find_agents, ctx(info).services.views, query,
                                 order.field.value, order.descending, offset, page_size(first))
    edges = [AgentEdge(cursor=cursor("o", offset + i + 1), node=Agent.of(r))
             for i, r in enumerate(rows)]
    return AgentConnection(edges=edges, total_count=total, page_info=PageInfo(
        has_next_page=offset + len(rows) < total,
        end_cursor=edges[-1].cursor if edges else None))


def _audit_entry(r: AuditRow) -> AuditEntry:
    return AuditEntry(
        position=r.position, stream_id=strawberry.ID(r.stream_id), stream_kind=r.stream_kind,
        version=r.version, event_type=r.event_type,
        effective_date=date.fromisoformat(r.effective_date),
        recorded_at=datetime.fromisoformat(r.recorded_at), actor_id=r.actor_id,
        actor_role=r.actor_role, legal_basis=r.legal_basis,
        decision_reference=r.decision_reference, reason=r.reason,
        correlation_id=r.correlation_id, post_code=r.post_code,
        corrects_version=r.corrects_version, corrected_by=r.corrected_by, hash=r.hash,
        previous_hash=r.previous_hash)


@strawberry.type
class Query:
    @strawberry.field(description="One person on record.")
    async def agent(self, info: Info, id: strawberry.ID) -> Agent | None:
        row = await ctx(info).agents.load(str(id))
        return Agent.of(row) if row else None

    @strawberry.field(description="People on record, filtered and ordered (offset cursors).")
    async def agents(self, info: Info, filter: AgentFilter | None = None,
                     order_by: AgentOrder | None = None, first: int = 20,
                     after: str | None = None) -> AgentConnection:
        f, order = filter or AgentFilter(), order_by or AgentOrder()
        query = AgentQuery(grade=f.grade and f.grade.value, status=f.status and f.status.value,
                           post_code=f.post_code, eligible_for_promotion=f.eligible_for_promotion,
                           renewal_due_before=f.renewal_due_before,
                           reaching_65_before=f.reaching_65_before, on_leave_on=f.on_leave_on)
        return await agent_page(info, query, order, first, after)

    @strawberry.field
    async def post(self, info: Info, code: str) -> Post | None:
        row = await ctx(info).posts.load(code.strip().upper())
        return Post(row=row) if row else None

    @strawberry.field
    async def posts(self, info: Info) -> list[Post]:
        return [Post(row=r) for r in await blocking(ctx(info).services.posts.all)]

    @strawberry.field(description="Art. 15, 17: an agent's leave account for a year.")
    async def leave_balance(self, info: Info, agent_id: strawberry.ID, year: int
                            ) -> LeaveBalance:
        return balance((await record_of(info, str(agent_id))).state, year)

    @strawberry.field(description="Attachés whose one-year term ends before the date "
                      "(Art. 7), soonest first; pages of at most 100 (offset cursors).")
    async def renewals_due(self, info: Info, before: date, first: int = 20,
                           after: str | None = None) -> AgentConnection:
        return await agent_page(info, AgentQuery(renewal_due_before=before),
                                AgentOrder(field=AgentOrderField.NEXT_RENEWAL_DUE), first,
                                after)

    @strawberry.field(description="The audit trail, oldest first (keyset on log position).")
    async def audit_trail(self, info: Info, filter: AuditFilter | None = None,
                          first: int = 50, after: str | None = None) -> AuditConnection:
        ctx(info).require(Permission.AUDIT, "auditTrail")
        f = filter or AuditFilter()
        query = AuditQuery(agent_id=f.agent_id and str(f.agent_id), post_code=f.post_code,
                           actor_id=f.actor_id, legal_basis=f.article, event_type=f.event_type,
                           recorded_from=f.recorded_from, recorded_to=f.recorded_to,
                           effective_from=f.effective_from, effective_to=f.effective_to)
        start = decode_cursor("p", after)
        page = await blocking(ctx(info).services.audit.page, query, start, page_size(first))
        edges = [AuditEdge(cursor=cursor("p", r.position), node=_audit_entry(r))
                 for r in page.entries]
        return AuditConnection(edges=edges, total_count=page.total,
                               page_info=PageInfo(has_next_page=page.more,
                                                  end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="Each projection's position, the store head, the lag.")
    async def projection_status(self, info: Info) -> list[ProjectionStatus]:
        statuses = await blocking(ctx(info).services.worker.status)
        return [_projection_status(s) for s in statuses]

    @strawberry.field(description="The hash chain recomputed now, and the signed checkpoints.")
    async def verification(self, info: Info) -> Verification:
        ctx(info).require(Permission.AUDIT, "verification")
        services = ctx(info).services
        return await blocking(verification, services.records, services.worker.store)


