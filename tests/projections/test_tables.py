"""Each view's read types match the columns its tables declare (no database needed).

A query selects a row type's fields by name, so a column renamed in a table but not in
its row type would fail at the first query; this says so before any query runs."""

from __future__ import annotations

from dataclasses import fields

from agent_records.readside import VIEWS
from projections.views.agents import AGENTS, AgentRow
from projections.views.audit_log import AUDIT_LOG, AuditRow
from projections.views.breaches import BREACHES, BreachRow
from projections.views.posts import CHARGES, HEADS, POSTS, ROSTER, PostRow, Tenure


def names(row: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(row))


def test_row_types_are_their_tables_columns_in_order() -> None:
    assert names(AgentRow) == AGENTS.names
    assert names(PostRow) == POSTS.names
    assert names(BreachRow) == BREACHES.names
    assert names(AuditRow) == (*AUDIT_LOG.names, "hash", "previous_hash")


def test_a_tenure_is_read_from_the_roster_the_heads_and_the_charges() -> None:
    common = set(names(Tenure)) - {"grade"}
    assert all(common <= set(t.names) for t in (ROSTER, HEADS, CHARGES))
    assert "grade" in ROSTER.names


def test_every_table_has_its_key_among_its_columns_and_a_unique_name() -> None:
    tables = [t for view in VIEWS.values() for t in view.tables]
    assert len({t.name for t in tables}) == len(tables)
    for t in tables:
        assert {k.strip() for k in t.key.split(",")} <= set(t.names), t.name
        assert len(set(t.names)) == len(t.names), t.name
