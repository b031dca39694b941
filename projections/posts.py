"""The ``posts`` view: every post, its roster by date range, heads and chargés a.i."""

from __future__ import annotations

from datetime import date

from agent_records.domain.agent import Agent
from agent_records.domain.post import PostOpened
from agent_records.domain.state import CareerState, Position
from projections.base import AgentLoader, AgentStateView, Batch, Table, iso
from projections.store import Sql


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

    def process(self, sql: Sql, batch: Batch, load: AgentLoader) -> None:
        for _, event in batch:
            if isinstance(event, PostOpened):
                sql.execute(self.q("INSERT INTO {posts} VALUES (?, ?, ?, ?, ?, ?)"),
                            (event.code, event.name, event.city, event.country, event.kind,
                             iso(event.effective_date)))
        super().process(sql, batch, load)

    def refresh(self, sql: Sql, agent_id: str, agent: Agent) -> None:
        s = agent.state
        roster = [(p.post_code, agent_id, iso(start), iso(until), grade, str(s.category))
                  for p in s.positions if p.post_code
                  for start, until, grade in grade_segments(s, p)]
        self.replace_rows(sql, "roster", agent_id, roster)
        heads = []
        for post, since in s.head_designations:
            where = s.position_on(since)
            until = where.ended if where and where.post_code == post else since
            heads.append((post, agent_id, iso(since), iso(until)))
        self.replace_rows(sql, "heads_of_post", agent_id, heads)
        charges = [(c.post_code, agent_id, c.version, iso(c.start), iso(c.end),
                    str(c.designated_by)) for c in s.charges]
        self.replace_rows(sql, "charges", agent_id, charges)
