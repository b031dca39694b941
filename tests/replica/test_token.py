"""Consistency tokens and the store URL of several hosts, without a server."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from agent_records.config import parse_store
from agent_records.eventstore.schema import connection_args
from agent_records.replica.token import Token, lsn_text, lsn_value, merge

LSNS = st.integers(min_value=0, max_value=2**64 - 1)


@given(LSNS, st.integers(min_value=0, max_value=2**62))
def test_a_token_reads_back_as_written(lsn: int, position: int) -> None:
    token = Token(lsn, position)
    assert Token.parse(str(token)) == token
    assert lsn_value(lsn_text(lsn)) == lsn


def test_postgres_lsn_text_and_order() -> None:
    assert lsn_value("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert Token.parse("0/3000148") == Token(0x3000148, 0)
    assert Token(5, 1) < Token(6, 0) and Token(5, 1).covered_by(5, 1)
    assert not Token(5, 2).covered_by(9, 1), "the views must reach the position too"


@given(st.lists(st.tuples(LSNS, st.integers(0, 10**6)), min_size=1, max_size=8))
def test_a_session_keeps_the_later_of_every_token(pairs: list[tuple[int, int]]) -> None:
    kept = None
    for lsn, position in pairs:
        kept = merge(kept, Token(lsn, position))
    assert kept == Token(max(p[0] for p in pairs), max(p[1] for p in pairs))


def test_garbage_is_no_token() -> None:
    for text in (None, "", "zz", "1/2@x", "@", "0/G"):
        assert Token.parse(text) is None


def test_a_store_of_several_hosts_finds_the_primary() -> None:
    store = parse_store("postgresql://u:pw@db:5432,standby:5433,third/records"
                        "?schema=s&target_session_attrs=read-write")
    assert (store.env["POSTGRES_HOST"], store.env["POSTGRES_PORT"]) == (
        "db,standby,third", "5432,5433,5432")
    args = connection_args(store)
    assert args["target_session_attrs"] == "read-write" and args["host"] == "db,standby,third"
    assert "pw" not in store.display
    single = parse_store("postgresql://u@h/db")
    assert "target_session_attrs" not in connection_args(single)
