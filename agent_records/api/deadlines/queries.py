"""``dueBetween``: HR's list of what falls due, in order of date (offset cursors)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from agent_records.api.context import ctx
from agent_records.api.deadlines.types import (
    Deadline,
    DeadlineConnection,
    DeadlineEdge,
    DeadlineKind,
)
from agent_records.api.errors import withheld
from agent_records.api.threads import blocking
from agent_records.api.types import PageInfo, cursor, decode_cursor, page_size
from agent_records.domain.classification import DataClass
from projections.views.deadlines import DeadlineQuery, due_between


async def deadlines_due(
    info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date,
    kind: DeadlineKind | None = None, post_code: str | None = None, first: int = 20,
    after: str | None = None,
) -> DeadlineConnection:
    # an age limit reveals the day of birth: identity data, like birthDate
    if not ctx(info).principal.reads({DataClass.IDENTITY}):
        raise withheld("dueBetween", {DataClass.IDENTITY.value})
    offset = decode_cursor("o", after)
    query = DeadlineQuery(from_, to, kind and kind.value,
                          post_code.strip().upper() if post_code else None)
    rows, total = await blocking(due_between, ctx(info).services.views, query, offset,
                                 page_size(first))
    edges = [DeadlineEdge(cursor=cursor("o", offset + i + 1), node=Deadline(row=r))
             for i, r in enumerate(rows)]
    return DeadlineConnection(edges=edges, total_count=total, page_info=PageInfo(
        has_next_page=offset + len(rows) < total,
        end_cursor=edges[-1].cursor if edges else None))


due_between_field = strawberry.field(
    resolver=deadlines_due,
    description="What falls due from `from` to `to` (both included), in order of date: "
    "terms ending without renewal, age limits, extensions ending, urgency leaves not "
    "notified, eligibility for promotion. HR and the council (identity data).")
