"""``breaches``: every agent's breaches, for the disciplinary council's list.

An agent's own breaches are ``Agent.breaches``; the council also needs them across the
record, to see what awaits a referral. Breaches are discipline data: the query is
refused, naming the class, to a role that may not read it (only the council does), so
that no other role learns even how many there are.
"""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from agent_records.api.context import ctx
from agent_records.api.errors import withheld
from agent_records.api.threads import blocking
from agent_records.api.types import PageInfo, cursor, decode_cursor, page_size
from agent_records.domain.classification import DataClass
from projections.views.breaches import breaches_page


@strawberry.type(description="A breach of one agent, as the council's list shows it.")
class BreachEntry:
    agent_id: strawberry.ID
    full_name: str
    version: int = strawberry.field(description="The event that shows the breach.")
    code: str
    article: str | None
    on_date: date
    message: str


@strawberry.type
class BreachEdge:
    cursor: str
    node: BreachEntry


@strawberry.type
class BreachConnection:
    edges: list[BreachEdge]
    page_info: PageInfo
    total_count: int


async def breaches_list(info: Info, code: str | None = None, first: int = 50,
                        after: str | None = None) -> BreachConnection:
    context = ctx(info)
    if not context.principal.reads({DataClass.DISCIPLINE}):
        raise withheld("breaches", {DataClass.DISCIPLINE})
    offset, size = decode_cursor("b", after), page_size(first)
    page = await blocking(breaches_page, context.services.views, code or None, offset, size)
    edges = [BreachEdge(cursor=cursor("b", offset + i + 1), node=BreachEntry(
        agent_id=strawberry.ID(row.agent_id), full_name=name, version=row.version,
        code=row.code, article=row.article, on_date=date.fromisoformat(row.on_date),
        message=row.message)) for i, (row, name) in enumerate(page.rows)]
    return BreachConnection(edges=edges, total_count=page.total, page_info=PageInfo(
        has_next_page=offset + len(edges) < page.total,
        end_cursor=edges[-1].cursor if edges else None))


breaches = strawberry.field(
    resolver=breaches_list, description="Every agent's breaches (of one code if given), by "
    "date; the council only (discipline data). Offset cursors, pages of at most 100.")
