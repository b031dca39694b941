"""The types of ``dueBetween``: a deadline, its kind, a page of them."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry
from strawberry.types import Info

from agent_records.api.agents.types import Agent
from agent_records.api.context import ctx
from agent_records.api.types import PageInfo, described
from projections.views.deadlines import DeadlineRow


@strawberry.enum(description="What falls due on a date.")
class DeadlineKind(Enum):
    TERM_END = "term_end"
    AGE_LIMIT = "age_limit"
    EXTENSION_END = "extension_end"
    URGENCY_NOT_NOTIFIED = "urgency_not_notified"
    PROMOTION_ELIGIBLE = "promotion_eligible"


@strawberry.type(description="A date the decree attaches a consequence or a duty to: a term "
                 "ending without renewal (Art. 7), the age limit or an extension's end "
                 "(Art. 21), an urgency leave to notify (Art. 16), eligibility for "
                 "promotion (Art. 8).")
class Deadline:
    row: strawberry.Private[DeadlineRow]

    @strawberry.field
    def kind(self) -> DeadlineKind:
        return DeadlineKind(self.row.kind)

    @strawberry.field
    def due_on(self) -> date:
        return date.fromisoformat(self.row.due_on)

    @strawberry.field
    def agent_id(self) -> strawberry.ID:
        return strawberry.ID(self.row.agent_id)

    @described("The post held then, if any.")
    def post_code(self) -> str | None:
        return self.row.post_code

    @strawberry.field
    def article(self) -> str:
        return self.row.article

    @strawberry.field
    def detail(self) -> str:
        return self.row.detail

    @strawberry.field
    async def agent(self, info: Info) -> Agent | None:
        row = await ctx(info).agents.load(self.row.agent_id)
        return Agent.of(row) if row else None


@strawberry.type
class DeadlineEdge:
    cursor: str
    node: Deadline


@strawberry.type
class DeadlineConnection:
    edges: list[DeadlineEdge]
    page_info: PageInfo
    total_count: int
