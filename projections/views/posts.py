"""The ``posts`` view: every post, its roster by date range, heads and chargés a.i."""

from __future__ import annotations

from datetime import date
from typing import Any

from agent_records.domain.agent import Agent
from agent_records.domain.post import Post, PostOpened
from agent_records.domain.state import CareerState, Position
from projections.engine.base import (
    AgentLoader,
    AgentStateView,
    Batch,
    Stream,
    Table,
    TableRows,
    iso,
)
from projections.engine.store import Sql


def grade_segments(s: CareerState, p: Position) -> list[tuple[date, date | None, str | None]]:
    """The position split where the grade changed: (from, until, grade)."""
    changes = [(day, str(g)) for day, g in s.grades if day > p.since
               and (p.ended is None or day < p.ended)]
    before = [str(g) for day, g in s.grades if day <= p.since]
    starts = [(p.since, before[-1] if before else None), *changes]
    out = []
    for i, (start, grade) in enumerate(starts):
        until = starts[i + 1][0] if i + 1 < len(starts) else p.ended
        out.append((start, until, grade))
    return out


class PostsView(AgentStateView):
    """Posts, who served where and when in which grade, heads of post, chargés a.i."""

    name = "posts"
    tables = (
        Table("posts", "post_code TEXT NOT NULL, name TEXT, city TEXT, country TEXT, "
              "kind TEXT, opened_on TEXT", "post_code"),
        Table("roster", "post_code TEXT NOT NULL, agent_id TEXT NOT NULL, since TEXT NOT NULL, "
              "until TEXT, grade TEXT, category TEXT", "post_code, agent_id, since",
              ("agent_id", "since, until")),
        Table("heads_of_post", "post_code TEXT NOT NULL, agent_id TEXT NOT NULL, "
              "since TEXT NOT NULL, until TEXT", "post_code, agent_id, since", ("agent_id",)),
        Table("charges", "post_code TEXT NOT NULL, agent_id TEXT NOT NULL, "
              "version INTEGER NOT NULL, since TEXT, until TEXT, designated_by TEXT",
              "agent_id, version", ("post_code, since",)),
    )

    @staticmethod
    def post_row(event: PostOpened) -> tuple[Any, ...]:
        """The ``posts`` row of a post, from the event that opened it."""
        return (event.code, event.name, event.city, event.country, event.kind,
                iso(event.effective_date))

    def process(self, sql: Sql, batch: Batch, load: AgentLoader) -> None:
        for _, event in batch:
            if isinstance(event, PostOpened):
                sql.execute(self.q("INSERT INTO {posts} VALUES (?, ?, ?, ?, ?, ?)"),
                            self.post_row(event))
        super().process(sql, batch, load)

    def stream_rows(self, stream: Stream) -> TableRows:
        """An agent's rows, or a post's ``posts`` row."""
        if isinstance(stream.aggregate, Post):
            return {"posts": [self.post_row(e) for _, e in stream.events
                              if isinstance(e, PostOpened)]}
        return super().stream_rows(stream)

    def rows(self, agent_id: str, agent: Agent) -> TableRows:
        s = agent.state
        roster = [(p.post_code, agent_id, iso(start), iso(until), grade, str(s.category))
                  for p in s.positions if p.post_code
                  for start, until, grade in grade_segments(s, p)]
        heads = []
        for post, since in s.head_designations:
            where = s.position_on(since)
            until = where.ended if where and where.post_code == post else since
            heads.append((post, agent_id, iso(since), iso(until)))
        charges = [(c.post_code, agent_id, c.version, iso(c.start), iso(c.end),
                    str(c.designated_by)) for c in s.charges]
        return {"roster": roster, "heads_of_post": heads, "charges": charges}
