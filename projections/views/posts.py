"""The ``posts`` view: every post, its roster by date range, heads and chargés a.i."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from agent_records.domain.agent import Agent
from agent_records.domain.post import Post, PostOpened
from agent_records.domain.state import CareerState, Position
from projections.engine.base import (
    AgentLoader,
    AgentStateView,
    Batch,
    Column,
    Stream,
    Table,
    TableRows,
    iso,
    selected,
)
from projections.engine.store import Sql, ViewStore


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


POST_CODE = Column("post_code", "TEXT NOT NULL")
AGENT_ID = Column("agent_id", "TEXT NOT NULL")
POSTS = Table("posts", (POST_CODE, Column("name", "TEXT"), Column("city", "TEXT"),
                        Column("country", "TEXT"), Column("kind", "TEXT"),
                        Column("opened_on", "TEXT")), "post_code")
ROSTER = Table("roster", (POST_CODE, AGENT_ID, Column("since", "TEXT NOT NULL"),
                          Column("until", "TEXT"), Column("grade", "TEXT"),
                          Column("category", "TEXT")),
               "post_code, agent_id, since", ("agent_id", "since, until"))
HEADS = Table("heads_of_post", (POST_CODE, AGENT_ID, Column("since", "TEXT NOT NULL"),
                                Column("until", "TEXT")),
              "post_code, agent_id, since", ("agent_id",))
CHARGES = Table("charges", (POST_CODE, AGENT_ID, Column("version", "INTEGER NOT NULL"),
                            Column("since", "TEXT"), Column("until", "TEXT"),
                            Column("designated_by", "TEXT")),
                "agent_id, version", ("post_code, since",))


@dataclass(frozen=True, slots=True)
class PostRow:
    """A post as the API reads it."""

    post_code: str
    name: str
    city: str
    country: str
    kind: str
    opened_on: str | None


@dataclass(frozen=True, slots=True)
class Tenure:
    """Who held a place at a post from when to when (ISO dates; ``until`` excluded for
    the roster and heads, included for a chargé a.i.), and in which grade (the roster
    only: None for heads and chargés)."""

    post_code: str
    agent_id: str
    since: str
    until: str | None
    grade: str | None = None


class PostsView(AgentStateView):
    """Posts, who served where and when in which grade, heads of post, chargés a.i."""

    name = "posts"
    tables = (POSTS, ROSTER, HEADS, CHARGES)

    @staticmethod
    def post_row(event: PostOpened) -> tuple[Any, ...]:
        """The ``posts`` row of a post, from the event that opened it (in the order of
        ``POSTS.columns``, as every row below is in its table's)."""
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
        s = self.state(agent)
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


class PostDirectory:
    """The ``posts`` rows of one store, kept for the process once read.

    A post's row never changes once projected (it comes from ``PostOpened`` alone;
    nothing edits a post), so rows found by code are kept: a career query's post costs
    no database round trip. Codes not found are asked again.
    """

    def __init__(self, store: ViewStore) -> None:
        self.store = store
        self._known: dict[str, PostRow] = {}

    def all(self) -> list[PostRow]:
        """Every post, by code."""
        return [PostRow(**r) for r in self.store.rows(
            f"SELECT {selected(PostRow)} FROM {self.store.table(POSTS.name)} ORDER BY post_code")]

    def by_code(self, codes: Sequence[str]) -> list[PostRow]:
        """The posts of ``codes`` that exist, in that order."""
        missing = [c for c in codes if c not in self._known]
        if missing:
            marks = ", ".join("?" * len(missing))
            found = self.store.rows(f"SELECT {selected(PostRow)} FROM "
                                    f"{self.store.table(POSTS.name)} WHERE post_code IN ({marks})",
                                    missing)
            for r in found:
                self._known[r["post_code"]] = PostRow(**r)
        return [self._known[c] for c in codes if c in self._known]

    def known(self, codes: Sequence[str]) -> bool:
        """Whether ``by_code(codes)`` answers from memory, without the database."""
        return all(c in self._known for c in codes)


def _on(store: ViewStore, table: Table, post: str, day: date, grade: str = "NULL",
        until: str = ">") -> list[Tenure]:
    """The tenures of ``table`` at ``post`` on ``day``, by start and agent."""
    return [Tenure(**r) for r in store.rows(
        f"SELECT post_code, agent_id, since, until, {grade} AS grade FROM "
        f"{store.table(table.name)} WHERE post_code = ? AND since <= ? AND (until IS NULL "
        f"OR until {until} ?) ORDER BY since, agent_id", (post, day.isoformat(), day.isoformat()))]


def roster_on(store: ViewStore, post: str, day: date) -> list[Tenure]:
    """Who served at ``post`` on ``day``, with their grade then."""
    return _on(store, ROSTER, post, day, grade="grade")


def roster_page(store: ViewStore, post: str, day: date, offset: int, limit: int
                ) -> tuple[list[Tenure], int]:
    """One page of ``roster_on`` (same order) and how many entries there are."""
    where = (f"FROM {store.table(ROSTER.name)} WHERE post_code = ? AND since <= ? "
             "AND (until IS NULL OR until > ?)")
    params = (post, day.isoformat(), day.isoformat())
    with store.reading() as sql:
        total = sql.execute(f"SELECT count(*) AS n {where}", params).fetchone()["n"]
        rows = sql.execute(f"SELECT {selected(Tenure)} {where} ORDER BY since, agent_id "
                           "LIMIT ? OFFSET ?", (*params, limit, offset)).fetchall()
    return [Tenure(**r) for r in rows], total


def heads_on(store: ViewStore, post: str, day: date) -> list[Tenure]:
    """The heads of ``post`` on ``day`` (the last designated last)."""
    return _on(store, HEADS, post, day)


def charges_on(store: ViewStore, post: str, day: date) -> list[Tenure]:
    """The chargés d'affaires a.i. at ``post`` on ``day`` (their last day included)."""
    return _on(store, CHARGES, post, day, until=">=")
