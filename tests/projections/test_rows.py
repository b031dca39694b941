"""The views' rows on PostgreSQL (``engine.store.named_rows``): the mappings psycopg's
``dict_row`` makes, with the column names interned, so that ``Row(**mapping)`` matches
its keywords by identity. Compared with ``dict_row`` on the same statements."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from psycopg.rows import dict_row, tuple_row

from agent_records.bootstrap import open_records
from projections.engine.store import Sql, ViewStore

pytestmark = pytest.mark.postgres


@pytest.fixture
def store(pg_schema_url: str) -> Iterator[ViewStore]:
    """The views of an empty PostgreSQL store."""
    app = open_records(pg_schema_url)
    try:
        yield ViewStore(app)
    finally:
        app.close()

STATEMENTS = [
    "SELECT 1 AS n, 'BRU' AS post_code, NULL AS until, CAST('1950-01-01' AS date) AS since",
    "SELECT application_name, notification_id FROM {tracking}",
    "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t (agent_id, full_name) WHERE agent_id > 5",
]


@pytest.mark.parametrize("statement", STATEMENTS)
def test_the_rows_are_dict_rows_with_interned_names(store: ViewStore, statement: str
                                                    ) -> None:
    text = statement.format(tracking=store.tracking_table)
    rows = store.rows(text)
    with store.tracking.datastore.get_connection() as conn:
        expected = conn.cursor(row_factory=dict_row).execute(text).fetchall()
    assert rows == expected
    assert [list(r) for r in rows] == [list(r) for r in expected]  # the columns' order
    for row in rows:
        assert all(key is sys.intern(key) for key in row)


def test_a_statement_without_rows_to_make_is_answered_as_psycopg_answers(
        store: ViewStore) -> None:
    with store.tracking.datastore.get_connection() as conn:
        sql = Sql(conn.cursor(), True).execute("SET LOCAL statement_timeout = 0")
        with pytest.raises(Exception) as ours:
            sql.fetchall()
        with pytest.raises(Exception) as theirs:
            conn.cursor(row_factory=dict_row).execute(
                "SET LOCAL statement_timeout = 0").fetchall()
    assert type(ours.value) is type(theirs.value)


def test_a_cursor_of_tuples_keeps_its_rows(store: ViewStore) -> None:
    """Only mappings are made anew: a caller's cursor of tuples (a maintenance connection,
    the integrity tests' intruder) reads tuples as before."""
    with store.tracking.datastore.get_connection() as conn, \
            conn.cursor(row_factory=tuple_row) as cursor:
        assert Sql(cursor, True).execute("SELECT 1 AS n, 'x' AS s").fetchone() == (1, "x")
