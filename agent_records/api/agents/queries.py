"""The agents' queries: one agent, a filtered and ordered page of them, an agent's leave
account, the attachés whose term is due for renewal (Art. 7)."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry
from strawberry.types import Info

from agent_records.api.agents.types import Agent, LeaveBalance, balance, record_of
from agent_records.api.auth import Principal
from agent_records.api.context import ctx
from agent_records.api.errors import PublicError, withheld
from agent_records.api.threads import blocking
from agent_records.api.types import (
    Grade,
    PageInfo,
    Status,
    cursor,
    decode_cursor,
    page_size,
)
from agent_records.domain.classification import DataClass, column_classes
from projections.views.agents import ORDERABLE, AgentQuery, filtered_columns, find_agents


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
    name_contains: str | None = strawberry.field(default=None, description=(
        "People whose full name contains this text, in any case (A-Z on SQLite, every "
        "letter on PostgreSQL); at most 100 characters."))
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


def check_readable(principal: Principal, query: AgentQuery, order: AgentOrder) -> None:
    """Refuses a filter or an ordering on a column of a class the role may not read: its
    answers (which agents match, in which order, how many) would reveal the column."""
    for name, columns in filtered_columns(query).items():
        unread = _unread(principal, *(column_classes(t, c) for t, c in columns))
        if unread:
            raise withheld(f"filter {_camel(name)}", unread)
    unread = _unread(principal, column_classes("agents", ORDERABLE[order.field.value]))
    if unread:
        raise withheld(f"orderBy {order.field.value}", unread)


def _unread(principal: Principal, *classes: frozenset[DataClass]) -> set[DataClass]:
    return {c for group in classes for c in group if not principal.reads({c})}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


MAX_NAME_SEARCH = 100


def checked_name(text: str | None) -> str | None:
    """``nameContains`` without its surrounding blanks (None when empty); a clear client
    error beyond ``MAX_NAME_SEARCH`` characters."""
    text = (text or "").strip()
    if len(text) > MAX_NAME_SEARCH:
        raise PublicError("BAD_USER_INPUT", f"filter.nameContains has {len(text)} "
                          f"characters; the limit is {MAX_NAME_SEARCH}")
    return text or None


async def agent_page(info: Info, query: AgentQuery, order: AgentOrder, first: int,
                     after: str | None) -> AgentConnection:
    """One page of the agents view (``agents``, ``renewalsDue``): offset cursors."""
    check_readable(ctx(info).principal, query, order)
    offset = decode_cursor("o", after)
    rows, total = await blocking(find_agents, ctx(info).services.views, query,
                                 order.field.value, order.descending, offset, page_size(first))
    edges = [AgentEdge(cursor=cursor("o", offset + i + 1), node=Agent.of(r))
             for i, r in enumerate(rows)]
    return AgentConnection(edges=edges, total_count=total, page_info=PageInfo(
        has_next_page=offset + len(rows) < total,
        end_cursor=edges[-1].cursor if edges else None))


async def find_agent(info: Info, id: strawberry.ID) -> Agent | None:
    row = await ctx(info).agents.load(str(id))
    return Agent.of(row) if row else None


async def list_agents(info: Info, filter: AgentFilter | None = None,
                      order_by: AgentOrder | None = None, first: int = 20,
                      after: str | None = None) -> AgentConnection:
    f, order = filter or AgentFilter(), order_by or AgentOrder()
    query = AgentQuery(name_contains=checked_name(f.name_contains),
                       grade=f.grade and f.grade.value, status=f.status and f.status.value,
                       post_code=f.post_code, eligible_for_promotion=f.eligible_for_promotion,
                       renewal_due_before=f.renewal_due_before,
                       reaching_65_before=f.reaching_65_before, on_leave_on=f.on_leave_on)
    return await agent_page(info, query, order, first, after)


async def agent_leave_balance(info: Info, agent_id: strawberry.ID, year: int) -> LeaveBalance:
    return balance((await record_of(info, str(agent_id))).state, year)


async def due_renewals(info: Info, before: date, first: int = 20, after: str | None = None
                       ) -> AgentConnection:
    return await agent_page(info, AgentQuery(renewal_due_before=before),
                            AgentOrder(field=AgentOrderField.NEXT_RENEWAL_DUE), first, after)


agent = strawberry.field(resolver=find_agent, description="One person on record.")
agents = strawberry.field(
    resolver=list_agents,
    description="People on record, filtered and ordered (offset cursors).")
leave_balance = strawberry.field(
    resolver=agent_leave_balance, description="Art. 15, 17: an agent's leave account for a year.")
renewals_due = strawberry.field(
    resolver=due_renewals,
    description="Attachés whose one-year term ends before the date (Art. 7), soonest first; "
    "pages of at most 100 (offset cursors).")
