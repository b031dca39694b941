"""The ``Post`` type: a post from the ``posts`` view, with its roster on a date (whole or
in pages), its head of post and its chargés d'affaires."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from agent_records.api.agents.types import Agent
from agent_records.api.context import ctx
from agent_records.api.threads import blocking
from agent_records.api.types import (
    Grade,
    PageInfo,
    cursor,
    decode_cursor,
    described,
    optional_date,
    page_size,
    selects,
)
from projections.views.agents import AgentRow
from projections.views.posts import (
    PostRow,
    Tenure,
    charges_on,
    heads_on,
    roster_on,
    roster_page,
)


@strawberry.type
class RosterEntry:
    """Who served at a post, from when to when, in which grade.

    Plain fields, converted once when the entry is made (``of``): strawberry resolves a
    field without a resolver by reading the attribute, without a call of ours, its
    ``Info`` or its argument handling (a roster page has 50 entries of 4 fields).
    """

    agent: Agent | None = None
    grade: Grade | None
    since: date
    until: date | None

    @classmethod
    def of(cls, row: Tenure, agent_row: AgentRow | None = None) -> RosterEntry:
        """The entry of a tenure, with its agent's row when the query asks for it."""
        return cls(agent=Agent.of(agent_row) if agent_row else None,
                   grade=Grade(row.grade) if row.grade else None,
                   since=date.fromisoformat(row.since), until=optional_date(row.until))


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

    @described("Agents posted here on the date, with their grade then "
                      "(all of them: rosterPage gives them a page at a time).")
    async def roster(self, info: Info, on: date) -> list[RosterEntry]:
        rows = await blocking(roster_on, ctx(info).services.views, self.row.post_code, on)
        return await entries(info, rows)

    @described("The roster on the date in pages, in the same order "
                      "(offset cursors).")
    async def roster_page(self, info: Info, on: date, first: int = 50,
                          after: str | None = None) -> RosterConnection:
        offset = decode_cursor("o", after)
        rows, total = await blocking(roster_page, ctx(info).services.views, self.row.post_code,
                                     on, offset, page_size(first))
        return roster_connection(await entries(info, rows), offset, total)

    @described("The head of post on the date.")
    async def head_of_post(self, info: Info, on: date) -> RosterEntry | None:
        rows = await blocking(heads_on, ctx(info).services.views, self.row.post_code, on)
        return (await entries(info, rows[-1:]))[0] if rows else None

    @described("Art. 2: the chargé(s) d'affaires a.i. on the date.")
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
        return [RosterEntry.of(r) for r in rows]
    agents = await ctx(info).agents.load_many([r.agent_id for r in rows])
    return [RosterEntry.of(r, a) for r, a in zip(rows, agents, strict=True)]


AGENT_FIELD = frozenset({"agent"})


def roster_connection(found: list[RosterEntry], offset: int, total: int) -> RosterConnection:
    """A page of the roster: its entries from ``offset`` (offset cursors), of ``total``."""
    edges = [RosterEdge(cursor=cursor("o", offset + i + 1), node=entry)
             for i, entry in enumerate(found)]
    return RosterConnection(edges=edges, total_count=total, page_info=PageInfo(
        has_next_page=offset + len(found) < total,
        end_cursor=edges[-1].cursor if edges else None))

