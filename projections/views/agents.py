"""The ``agents`` view: one row per person, the current state HR asks about."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from agent_records.domain.agent import Agent
from agent_records.domain.values import IN_SERVICE, Grade
from projections.engine.base import AgentStateView, Column, Table, TableRows, iso, selected
from projections.engine.store import ViewStore
from projections.views.leave import LEAVES

AGENTS = Table(
    "agents",
    (Column("agent_id", "TEXT NOT NULL"), Column("full_name", "TEXT"),
     Column("category", "TEXT"), Column("grade", "TEXT"), Column("title", "TEXT"),
     Column("status", "TEXT"), Column("post_code", "TEXT"), Column("position_kind", "TEXT"),
     Column("head_of_post", "TEXT"), Column("oath_sworn", "INTEGER"),
     Column("pledged", "INTEGER"), Column("renewals", "INTEGER"),
     Column("next_renewal_due", "TEXT"), Column("eligible_for_promotion", "INTEGER"),
     Column("birth_date", "TEXT"), Column("sixty_fifth_birthday", "TEXT"),
     Column("service_limit", "TEXT"), Column("extensions", "INTEGER"),
     Column("prior_public_service_days", "INTEGER"), Column("service_start", "TEXT"),
     Column("service_end", "TEXT"), Column("as_of", "TEXT"), Column("version", "INTEGER")),
    "agent_id",
    ("grade", "status", "post_code", "next_renewal_due", "sixty_fifth_birthday"),
)


@dataclass(frozen=True, slots=True)
class AgentRow:
    """A person's row as the API reads it (dates as ISO text, flags as 0 or 1)."""

    agent_id: str
    full_name: str
    category: str
    grade: str | None
    title: str | None
    status: str
    post_code: str | None
    position_kind: str | None
    head_of_post: str | None
    oath_sworn: int
    pledged: int
    renewals: int
    next_renewal_due: str | None
    eligible_for_promotion: int
    birth_date: str | None
    sixty_fifth_birthday: str | None
    service_limit: str | None
    extensions: int
    prior_public_service_days: int
    service_start: str | None
    service_end: str | None
    as_of: str | None
    version: int


class AgentsView(AgentStateView):
    """Grade, status, position, oath, renewals, promotion eligibility, age limit."""

    name = "agents"
    tables = (AGENTS,)

    def rows(self, agent_id: str, agent: Agent) -> TableRows:
        s = self.state(agent)
        position = s.position
        renewal_due = s.term_end if s.grade == Grade.ATTACHE and s.status in IN_SERVICE else None
        row = (  # in the order of AGENTS.columns
            agent_id, s.full_name, str(s.category), s.grade and str(s.grade),
            s.title and str(s.title), str(s.status), position and position.post_code,
            position and str(position.kind), s.head_of_post, int(s.sworn), int(s.pledged),
            s.renewals, iso(renewal_due), int(s.eligible_for_promotion), iso(s.birth_date),
            iso(s.sixty_fifth_birthday), iso(s.service_limit), len(s.extensions),
            s.prior_public_service_days, iso(s.service_start), iso(s.service_end),
            iso(s.as_of), agent.version,
        )
        return {"agents": [row]}


ORDERABLE = {"FULL_NAME": "full_name", "GRADE": "grade", "STATUS": "status",
             "SIXTY_FIFTH_BIRTHDAY": "sixty_fifth_birthday",
             "NEXT_RENEWAL_DUE": "next_renewal_due"}
"""The orderings ``agents(orderBy:)`` offers, by the column each sorts on."""


@dataclass(frozen=True)
class AgentQuery:
    """Filters of ``agents(filter:)``; None means no condition."""

    name_contains: str | None = None
    grade: str | None = None
    status: str | None = None
    post_code: str | None = None
    eligible_for_promotion: bool | None = None
    renewal_due_before: date | None = None
    reaching_65_before: date | None = None
    on_leave_on: date | None = None


FILTERED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "grade": (("agents", "grade"),), "status": (("agents", "status"),),
    "post_code": (("agents", "post_code"),),
    "eligible_for_promotion": (("agents", "eligible_for_promotion"),),
    "renewal_due_before": (("agents", "next_renewal_due"),),
    "reaching_65_before": (("agents", "sixty_fifth_birthday"), ("agents", "status")),
    "on_leave_on": (("leaves", "start_date"), ("leaves", "end_date")),
    "name_contains": (("agents", "full_name"),),
}
"""The (table, column) pairs each filter of ``AgentQuery`` reads: a caller who may not
read one of them may not filter by it (a filter answers questions about its columns:
bisecting ``reaching_65_before`` finds a birth date)."""


def filtered_columns(q: AgentQuery) -> dict[str, tuple[tuple[str, str], ...]]:
    """The filters ``q`` sets, each with the (table, column) pairs it reads."""
    return {name: columns for name, columns in FILTERED_COLUMNS.items()
            if getattr(q, name) is not None}


def agents_by_id(store: ViewStore, ids: Sequence[str]) -> dict[str, AgentRow]:
    """The rows of the agents in ``ids`` that have one, by id."""
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    rows = store.rows(f"SELECT {selected(AgentRow)} FROM {store.table('agents')} "
                      f"WHERE agent_id IN ({marks})", ids)
    return {r["agent_id"]: AgentRow(**r) for r in rows}


def find_agents(store: ViewStore, q: AgentQuery, order: str, descending: bool, offset: int,
                limit: int) -> tuple[list[AgentRow], int]:
    """One page of the agents matching ``q`` in the order named ``order`` (a key of
    ``ORDERABLE``), and how many match in all."""
    where, params = _where(store, q)
    direction = "DESC" if descending else "ASC"
    base = f"FROM {store.table('agents')} a WHERE {where}"
    total = store.rows(f"SELECT count(*) AS n {base}", params)[0]["n"]
    rows = store.rows(f"SELECT {selected(AgentRow, 'a')} {base} ORDER BY a.{ORDERABLE[order]} "
                      f"{direction}, a.agent_id LIMIT ? OFFSET ?", [*params, limit, offset])
    return [AgentRow(**r) for r in rows], total


def _where(store: ViewStore, q: AgentQuery) -> tuple[str, list[Any]]:
    """The condition of ``q`` on ``agents a`` and its parameters (columns whitelisted)."""
    conds: list[str] = ["1 = 1"]
    params: list[str | int] = []
    for column, value in (("grade", q.grade), ("status", q.status),
                          ("post_code", q.post_code)):
        if value is not None:
            conds.append(f"a.{column} = ?")
            params.append(value)
    if q.name_contains:
        # the database lowers both sides: A-Z on SQLite, every letter on PostgreSQL
        conds.append("lower(a.full_name) LIKE lower(?) ESCAPE '!'")
        escaped = "".join("!" + c if c in "!%_" else c for c in q.name_contains)
        params.append(f"%{escaped}%")
    if q.eligible_for_promotion is not None:
        conds.append("a.eligible_for_promotion = ?")
        params.append(int(q.eligible_for_promotion))
    if q.renewal_due_before:
        conds.append("a.next_renewal_due < ?")
        params.append(q.renewal_due_before.isoformat())
    if q.reaching_65_before:
        conds.append("a.sixty_fifth_birthday < ? AND a.status IN ('appointed', 'serving', "
                     "'suspended')")
        params.append(q.reaching_65_before.isoformat())
    if q.on_leave_on:
        conds.append(f"EXISTS (SELECT 1 FROM {store.table(LEAVES.name)} l WHERE l.agent_id = "
                     "a.agent_id AND l.start_date <= ? AND l.end_date >= ?)")
        params += [q.on_leave_on.isoformat()] * 2
    return " AND ".join(conds), params
