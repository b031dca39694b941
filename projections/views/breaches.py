"""The ``breaches`` view: what the disciplinary council must see, per agent.

Breaches recorded by the rules (marriage without prior authorisation, Art. 13; absence
from the post without regular leave, Art. 14; urgency leave notified late, Art. 16;
activity beyond 65 without extension, Art. 21) and one derived from the record: urgency
leave not (yet) notified (Art. 16). A leave beyond the regular one granted by ministerial
decree after the Council's deliberation is lawful (Art. 18) and is not listed: the rules
refuse one without them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent_records.domain.agent import Agent
from agent_records.domain.values import LeaveKind
from projections.engine.base import AgentStateView, Column, Table, TableRows, iso, selected
from projections.engine.store import ViewStore

BREACHES = Table(
    "breaches",
    (Column("agent_id", "TEXT NOT NULL"), Column("version", "INTEGER NOT NULL"),
     Column("code", "TEXT NOT NULL"), Column("article", "TEXT"), Column("on_date", "TEXT"),
     Column("message", "TEXT")),
    "agent_id, version, code",
    ("code", "on_date"),
)


@dataclass(frozen=True, slots=True)
class BreachRow:
    """A breach as the API reads it, keyed by the event that shows it (its version)."""

    agent_id: str
    version: int
    code: str
    article: str | None
    on_date: str
    message: str


class BreachesView(AgentStateView):
    """One row per breach, keyed by the event that shows it."""

    name = "breaches"
    tables = (BREACHES,)

    def rows(self, agent_id: str, agent: Agent) -> TableRows:
        s = self.state(agent)  # rows in the order of BREACHES.columns
        rows = [(agent_id, b.version, b.code, b.article, iso(b.on), b.message)
                for b in s.breaches]
        for lv in s.leaves:
            if lv.kind == LeaveKind.URGENCY and lv.notified_on is None:
                rows.append((agent_id, lv.version, "urgency_leave_not_notified", "Art. 16",
                             iso(lv.start), f"urgency leave from {lv.start} to {lv.end} "
                             "not notified to the minister"))
        return {"breaches": rows}


def breaches_of(store: ViewStore, agent_ids: Sequence[str]) -> dict[str, list[BreachRow]]:
    """Each agent's breaches, by date and version (an agent without any: an empty list)."""
    out: dict[str, list[BreachRow]] = {a: [] for a in agent_ids}
    if agent_ids:
        marks = ", ".join("?" * len(agent_ids))
        for r in store.rows(f"SELECT {selected(BreachRow)} FROM {store.table(BREACHES.name)} "
                            f"WHERE agent_id IN ({marks}) ORDER BY on_date, version", agent_ids):
            out[r["agent_id"]].append(BreachRow(**r))
    return out


@dataclass(frozen=True, slots=True)
class BreachesPage:
    """A page of every agent's breaches, with the agent's name, and how many match."""

    rows: list[tuple[BreachRow, str]]
    total: int


def breaches_page(store: ViewStore, code: str | None, offset: int, limit: int
                  ) -> BreachesPage:
    """Every agent's breaches (of one ``code`` if given), by date, agent and version, with
    each agent's full name from the ``agents`` view: ``limit`` of them from ``offset``."""
    where, params = ("WHERE b.code = ?", [code]) if code else ("", [])
    table, agents = store.table(BREACHES.name), store.table("agents")
    total = store.rows(f"SELECT COUNT(*) AS n FROM {table} b {where}", params)[0]["n"]
    found = store.rows(
        f"SELECT b.agent_id, b.version, b.code, b.article, b.on_date, b.message, "
        f"a.full_name FROM {table} b LEFT JOIN {agents} a ON a.agent_id = b.agent_id "
        f"{where} ORDER BY b.on_date, b.agent_id, b.version LIMIT ? OFFSET ?",
        [*params, limit, offset])
    rows = [(BreachRow(r["agent_id"], r["version"], r["code"], r["article"], r["on_date"],
                       r["message"]), r["full_name"] or "") for r in found]
    return BreachesPage(rows, int(total))
