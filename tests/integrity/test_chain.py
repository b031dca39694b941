"""The hash chain on both backends: sealing, verify, and tampering with SQL names the row."""

from __future__ import annotations

import hashlib
import json
import threading
from itertools import pairwise

import psycopg
import pytest

from agent_records.application import AgentRecords
from agent_records.bootstrap import open_records
from agent_records.integrity import chain
from agent_records.integrity.chain import GENESIS, StoredFact, canonical, event_hash
from agent_records.integrity.service import seal
from projections.engine.store import ViewStore
from tests.integrity.helpers import (
    NAMES,
    Intruder,
    check,
    more_events,
    positions,
    record_careers,
)


def ledger(app: AgentRecords) -> list[dict]:
    store = ViewStore(app)
    with store.reading() as sql:
        return [dict(r) for r in sql.execute(
            f"SELECT * FROM {store.table('ledger')} ORDER BY position").fetchall()]


def test_seal_and_verify_report_head_and_count(records: AgentRecords) -> None:
    record_careers(records)
    stored = positions(records)
    before = check(records)
    assert before.ok and before.count == 0 and before.unsealed == len(stored)
    assert seal(records) == len(stored)
    assert seal(records) == 0  # exactly once
    result = check(records)
    rows = ledger(records)
    assert result.ok, result.problem
    assert (result.count, result.unsealed) == (len(stored), 0)
    assert result.head_position == stored[-1] == rows[-1]["position"]
    assert result.head_hash == rows[-1]["hash"]
    assert [r["position"] for r in rows] == stored
    assert rows[0]["previous"] == GENESIS
    assert all(b["previous"] == a["hash"] for a, b in pairwise(rows))
    notes = records.recorder.select_notifications(1, 1000)
    previous = GENESIS
    for note, row in zip(notes, rows, strict=True):  # the ledger is the chain, recomputed
        previous = event_hash(chain.from_notification(note), previous)
        assert row["hash"] == previous


def test_unsealed_events_are_counted(records: AgentRecords) -> None:
    record_careers(records)
    seal(records)
    sealed = check(records)
    more_events(records, 3)
    result = check(records)
    assert result.ok and result.count == sealed.count
    assert result.unsealed == len(positions(records)) - sealed.count == 3
    assert result.head_hash == sealed.head_hash


def test_non_ascii_names_hash_stably(records: AgentRecords) -> None:
    agents = record_careers(records)
    seal(records)
    first = check(records)
    assert first.ok and check(records).head_hash == first.head_hash
    rows = {r["position"]: r for r in ledger(records)}
    notes = {str(n.originator_id): n for n in records.recorder.select_notifications(1, 1000)
             if n.originator_version == 1}
    for agent, name in zip(agents[1:], NAMES, strict=True):
        note = notes[str(agent)]
        fact, row = chain.from_notification(note), rows[note.id]
        assert json.loads(note.state)["full_name"] == name  # stored byte for byte
        text = canonical(fact, row["previous"])
        assert name.encode() in text  # RFC 8785 writes UTF-8, never \u escapes
        assert text == jcs(fact, row["previous"])
        assert hashlib.sha256(text).hexdigest() == row["hash"] == event_hash(fact,
                                                                              row["previous"])


def jcs(fact: StoredFact, previous: str) -> bytes:
    """RFC 8785 by hand for content without floats: sorted keys, no spaces, UTF-8."""
    document = {"position": fact.position, "stream": fact.stream_id, "version": fact.version,
                "topic": fact.topic, "state": json.loads(fact.state), "previous": previous}
    return json.dumps(document, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def test_golden_hash_of_a_non_ascii_event() -> None:
    """A fixed event hashes to a fixed value: the chain is reproducible anywhere, forever."""
    state = json.dumps({"full_name": "Ëmil Schëtter", "city": "Lëtzebuerg",
                        "note": "Françoise Müller, Jürgen Weiß", "n": 1}).encode()
    fact = StoredFact(7, "0b5d1e38-7d8e-4f6b-9a39-3c1f0a0c2b11", 1, "a.b:AgentRegistered",
                      state)
    expected = ('{"position":7,"previous":"' + GENESIS + '","state":{"city":"Lëtzebuerg",'
                '"full_name":"Ëmil Schëtter","n":1,"note":"Françoise Müller, Jürgen Weiß"},'
                '"stream":"0b5d1e38-7d8e-4f6b-9a39-3c1f0a0c2b11","topic":"a.b:AgentRegistered",'
                '"version":1}')
    assert canonical(fact, GENESIS) == expected.encode()
    assert event_hash(fact, GENESIS) == (
        "de41dba37efa29fb8e07cb3b695a9bbc02d21e8bf7a4202291430f09bec34bb3")


@pytest.fixture
def sealed(records: AgentRecords) -> tuple[AgentRecords, list[int]]:
    record_careers(records)
    seal(records)
    assert check(records).ok
    return records, positions(records)


def test_altered_event_is_named(sealed: tuple[AgentRecords, list[int]]) -> None:
    app, stored = sealed
    target = stored[len(stored) // 2]
    Intruder(app).alter(target)
    result = check(app)
    assert not result.ok and result.broken_at == target
    assert f"position {target}" in result.problem and "differs from its seal" in result.problem
    assert result.count == stored.index(target)


def test_content_that_is_no_longer_json_is_named(sealed: tuple[AgentRecords, list[int]]
                                                 ) -> None:
    app, stored = sealed
    target = stored[3]
    Intruder(app).set_state(target, b"\x00 not json")
    result = check(app)
    assert result.broken_at == target and f"position {target}" in result.problem


def test_deleted_event_is_named(sealed: tuple[AgentRecords, list[int]]) -> None:
    app, stored = sealed
    target = stored[4]
    Intruder(app).delete(target)
    result = check(app)
    assert not result.ok and result.broken_at == target
    assert "deleted" in result.problem


def test_reordered_events_name_the_first(sealed: tuple[AgentRecords, list[int]]) -> None:
    app, stored = sealed
    first, second = stored[2], stored[6]
    Intruder(app).swap(first, second)
    result = check(app)
    assert not result.ok and result.broken_at == first
    assert "reordered" in result.problem


def test_verify_from_a_position(sealed: tuple[AgentRecords, list[int]]) -> None:
    app, stored = sealed
    whole = check(app)
    middle = stored[5]
    partial = check(app, from_position=middle)
    assert partial.ok
    assert (partial.count, partial.head_hash) == (whole.count, whole.head_hash)
    Intruder(app).alter(stored[2])
    assert check(app).broken_at == stored[2]
    assert check(app, from_position=middle).ok  # before --from: not rechecked
    Intruder(app).alter(stored[7])
    assert check(app, from_position=middle).broken_at == stored[7]


@pytest.mark.postgres
def test_triggers_refuse_update_delete_truncate(pg_schema_url: str) -> None:
    app = open_records(pg_schema_url)
    try:
        record_careers(app, NAMES[:1])
        seal(app)
        intruder = Intruder(app)
        for table in (intruder.events, intruder.ledger):
            for statement in (f"UPDATE {table} SET topic = topic" if table == intruder.events
                              else f"UPDATE {table} SET hash = hash",
                              f"DELETE FROM {table}", f"TRUNCATE {table}"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                    intruder.execute(statement)
        with intruder.sql(unguarded=False) as sql:  # left disabled: the sealer re-arms them
            sql.execute(f"ALTER TABLE {intruder.events} DISABLE TRIGGER ALL")
        seal(app)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            intruder.execute(f"DELETE FROM {intruder.events}")
        assert check(app).ok
    finally:
        app.close()


@pytest.mark.postgres
def test_concurrent_sealers_do_not_collide(pg_schema_url: str) -> None:
    """Sealers racing (``projections run`` and a ``verify``) seal each event once, and
    neither fails: the trigger DDL once ran on every start ("tuple concurrently updated")
    and the loser of a batch raised the ledger's duplicate key."""
    apps = [open_records(pg_schema_url) for _ in range(4)]
    try:
        record_careers(apps[0])
        barrier, errors, counts = threading.Barrier(len(apps)), [], []

        def run(app: AgentRecords) -> None:
            barrier.wait()
            for _ in range(3):
                try:
                    counts.append(seal(app))
                except Exception as exc:  # reported below
                    errors.append(repr(exc.__cause__ or exc))

        threads = [threading.Thread(target=run, args=(app,)) for app in apps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert sum(counts) == len(positions(apps[0])) == check(apps[0]).count
    finally:
        for app in apps:
            app.close()
