"""The ``deadlines`` view: what falls due, by date (HR's daily list, ``dueBetween``).

The rows come from the whole record carried to the end of time (``timeline``): every
term that ends without a renewal (Art. 7), the age limit reached in service and each
yearly extension's end (Art. 21), each urgency leave not notified to the minister
(Art. 16), the day the third renewal makes an attaché eligible for promotion (Art. 8).
They do not depend on the day they are computed, so the view needs no daily step: a
fact recorded later (a renewal, a notification) moves or removes its deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from agent_records.domain.agent import Agent
from agent_records.domain.state import CareerState
from agent_records.domain.values import Grade, LeaveKind, Status
from projections.engine.base import AgentStateView, Column, Table, TableRows, iso, selected
from projections.engine.store import ViewStore

END_OF_TIME = date(9000, 1, 1)
"""Far enough that every date a record holds has come (and ``timeline`` can add a day)."""
KINDS = ("term_end", "age_limit", "extension_end", "urgency_not_notified",
         "promotion_eligible")
DEADLINES = Table(
    "deadlines",
    (Column("agent_id", "TEXT NOT NULL"), Column("kind", "TEXT NOT NULL"),
     Column("due_on", "TEXT NOT NULL"), Column("post_code", "TEXT"),
     Column("article", "TEXT NOT NULL"), Column("detail", "TEXT NOT NULL")),
    "agent_id, kind, due_on", ("due_on", "kind, due_on", "post_code, due_on"))


@dataclass(frozen=True, slots=True)
class DeadlineRow:
    """A deadline as the API reads it."""

    agent_id: str
    kind: str
    due_on: str
    post_code: str | None
    article: str
    detail: str


def post_before(s: CareerState, day: date) -> str | None:
    """The post held on the eve of ``day`` (an end also ends the position), or on it."""
    held = s.position_on(day - timedelta(days=1)) or s.position_on(day)
    return held.post_code if held else None


def serving_on(s: CareerState, day: date) -> bool:
    """Whether the agent was in service on ``day``."""
    return (s.service_start is not None and s.service_start <= day
            and (s.service_end is None or day < s.service_end))


def deadlines(s: CareerState) -> list[tuple[date, str, str, str]]:
    """(date, kind, article, detail) of each deadline of a state carried to the end."""
    out = []
    if s.grade == Grade.ATTACHE and s.status == Status.LAPSED and s.term_end:
        out.append((s.term_end, "term_end", "Art. 7",
                    f"the attaché's term ends on {s.term_end} without a renewal"))
    birthday = s.sixty_fifth_birthday
    if s.birth_date != date.min and serving_on(s, birthday):
        out.append((birthday, "age_limit", "Art. 21", "the age limit of 65 is reached"))
    out += [(until, "extension_end", "Art. 21", f"the yearly extension ends on {until}")
            for until in s.extensions]
    out += [(lv.start, "urgency_not_notified", "Art. 16",
             f"urgency leave from {lv.start} to {lv.end} not yet notified to the minister")
            for lv in s.leaves if lv.kind == LeaveKind.URGENCY and lv.notified_on is None]
    if len(s.renewal_starts) >= 3 and not s.probation_exempted:
        day = s.renewal_starts[2]
        grades = [g for since, g in s.grades if since <= day]
        if grades and grades[-1] == Grade.ATTACHE and serving_on(s, day):
            out.append((day, "promotion_eligible", "Art. 8",
                        "the third renewal takes effect: eligible for promotion to secretary"))
    return out


class DeadlinesView(AgentStateView):
    """Per agent, each deadline of its record, with the post held then."""

    name = "deadlines"
    tables = (DEADLINES,)

    def state(self, agent: Agent) -> CareerState:
        """The record carried to the end of time: every deadline has come (none is
        left for the daily step)."""
        return self.carried(agent, END_OF_TIME)

    def rows(self, agent_id: str, agent: Agent) -> TableRows:
        s = self.state(agent)
        rows = {(agent_id, kind, iso(day), post_before(s, day), article, detail)
                for day, kind, article, detail in deadlines(s)}
        return {"deadlines": sorted(rows, key=lambda r: (r[2], r[1]))}


@dataclass(frozen=True)
class DeadlineQuery:
    """``dueBetween``'s arguments: dates included; None means no condition."""

    start: date
    end: date
    kind: str | None = None
    post_code: str | None = None


def due_between(store: ViewStore, q: DeadlineQuery, offset: int, limit: int
                ) -> tuple[list[DeadlineRow], int]:
    """One page of the deadlines from ``q.start`` to ``q.end`` in order of date, and how
    many there are in all."""
    conds, params = ["due_on >= ?", "due_on <= ?"], [q.start.isoformat(), q.end.isoformat()]
    for column, value in (("kind", q.kind), ("post_code", q.post_code)):
        if value is not None:
            conds.append(f"{column} = ?")
            params.append(value)
    base = f"FROM {store.table(DEADLINES.name)} WHERE {' AND '.join(conds)}"
    total = store.rows(f"SELECT count(*) AS n {base}", params)[0]["n"]
    found: list[Any] = store.rows(f"SELECT {selected(DeadlineRow)} {base} ORDER BY due_on, "
                                  "kind, agent_id LIMIT ? OFFSET ?", [*params, limit, offset])
    return [DeadlineRow(**r) for r in found], total
