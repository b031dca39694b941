"""Erasure that keeps the chain: personal values stored encrypted, a key per agent and
class; erasing destroys the key, and every interface then shows the values as erased
while ``verify``, the ledger and the stored bytes stay as they were. On both backends.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from agent_records import cli
from agent_records.application import AgentRecords, key_table
from agent_records.archive.bag import write_bag
from agent_records.archive.export import write_jsonl
from agent_records.archive.importer import ImportRefused, import_export
from agent_records.archive.records import Selection
from agent_records.bootstrap import open_records
from agent_records.demo import load_demo
from agent_records.domain.commands import (
    ErasePersonalData,
    RegisterAgent,
    RequestMarriageAuthorisation,
)
from agent_records.domain.erased import Erased
from agent_records.domain.errors import RuleViolation
from agent_records.domain.values import Actor, Decision
from agent_records.eventstore.sealing import MARK
from agent_records.integrity.service import seal
from agent_records.integrity.verify import verify
from agent_records.keys.master import MasterKeyError
from agent_records.readside import named
from projections.engine.runner import Worker
from projections.engine.store import ViewStore
from projections.engine.streams import decoded_notes
from tests import backends
from tests.archive.helpers import FACTS, JUSTIFICATION, SPOUSE, record_careers, stored_events
from tests.careers import on, open_legation, serving_attache
from tests.projections.helpers import NAMES, assert_equals_rebuild

OFFICER = Actor("officer-1", "hr_officer")
CLEAR = (SPOUSE, FACTS, JUSTIFICATION, "Dr Weber", "Parquet général", "1920-05-05")
"""Personal values the careers store, which no stored state may hold in clear."""
WRONG = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=\n"
"""A well-formed master key (32 bytes, base64) that is not the store's."""


def erase(app: AgentRecords, agent: object, data_class: str) -> None:
    app.handle(ErasePersonalData(agent, Decision(date(2026, 1, 5), OFFICER,  # type: ignore[arg-type]
                                                 reason="retention over"),
                                 data_class=data_class, erasure_basis="GDPR Article 17"))


def ledger(app: AgentRecords) -> list[tuple[int, str]]:
    store = ViewStore(app)
    with store.reading() as sql:
        rows = sql.execute(f"SELECT position, hash FROM {store.table('ledger')} "
                           "ORDER BY position").fetchall()
    return [(r["position"], r["hash"]) for r in rows]


def verified(app: AgentRecords) -> str:
    seal(app)
    result = verify(ViewStore(app), None)
    assert result.ok and result.unsealed == 0, result.problem
    return result.head_hash


def shown(store_url: str, agent: str, role: str = "council") -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["--store", store_url, "show", agent, "--role", role]) == 0
    return out.getvalue()


def test_no_stored_state_holds_a_personal_value_in_clear(records: AgentRecords) -> None:
    record_careers(records)
    states = [state for *_, state in stored_events(records)]
    for value in CLEAR:
        assert not any(value.encode() in s for s in states), value
        assert not any(json.dumps(value).encode() in s for s in states), value
    assert any(b'"_sealed"' in s for s in states)


def test_erasure_shows_erased_everywhere_and_keeps_the_chain(
        records: AgentRecords, store_url: str, tmp_path: Path) -> None:
    careers = record_careers(records)
    aid = careers.main
    assert aid is not None
    before_head = verified(records)
    before_ledger, before_events = ledger(records), stored_events(records)
    assert records.get_agent(aid).state.married_to == SPOUSE + "-Weiß" or \
        records.get_agent(aid).state.married_to == SPOUSE
    for data_class in ("medical", "marriage", "discipline"):
        erase(records, aid, data_class)

    # The domain: the values are Erased, the career facts the fold keeps are intact.
    agent = records.get_agent(aid)
    state = agent.state
    assert state.aptitude_certificate == Erased("medical")
    assert state.married_to == Erased("marriage")
    assert state.erased == ("medical", "marriage", "discipline")
    assert [r.outcome for r in state.referrals] == ["warning"]
    referral = next(e for e in agent.events if type(e).__name__ == "DisciplinaryReferral")
    assert referral.facts == Erased("discipline")  # type: ignore[attr-defined]
    assert not agent.evaluation.violations

    # The chain: every earlier stored byte, ledger row and hash as before; verify passes.
    assert stored_events(records)[:len(before_events)] == before_events
    assert ledger(records)[:len(before_ledger)] == before_ledger
    assert before_ledger[-1][1] == before_head
    verified(records)

    # The CLI: erased, not withheld, for a role that reads the class; withheld otherwise.
    council = shown(store_url, str(aid))
    assert "[erased: marriage personal data]" in council
    assert "[erased: medical personal data]" in council
    assert "[erased: discipline personal data]" in council
    assert SPOUSE not in council and "Dr Weber" not in council
    auditor = shown(store_url, str(aid), "auditor")
    assert "[erased:" not in auditor and "[withheld: marriage]" in auditor

    # Exports: with personal data, {"erased": class}; without, the ciphertext, and the
    # bag's verifier recomputes every line.
    write_jsonl(records, tmp_path / "full.jsonl", Selection(agent=str(aid)), personal=True)
    full = (tmp_path / "full.jsonl").read_text(encoding="utf-8")
    assert '{"erased":"marriage"}' in full.replace(" ", "")
    assert SPOUSE not in full and "Dr Weber" not in full
    write_bag(records, tmp_path / "bag", Selection(), personal=False)
    check = subprocess.run([sys.executable, str(tmp_path / "bag" / "data" / "verify_export.py")],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    lines = [json.loads(x) for x in
             (tmp_path / "bag" / "data" / "events.jsonl").read_text().splitlines()]
    assert all(line["stored"] is not None for line in lines)


def test_an_erasure_by_another_process_reads_as_erased_at_once(
        records: AgentRecords, store_url: str) -> None:
    """A second application on the same store (another process: its own agent cache and
    key cache) has read the agent with its marriage in clear; once the first erases it,
    the second's next read shows it erased, not the values it kept in memory."""
    aid = record_careers(records).main
    assert aid is not None
    other = open_records(store_url)
    try:
        assert other.agent_cache is not None
        assert other.get_agent(aid).state.married_to in (SPOUSE, SPOUSE + "-Weiß")
        erase(records, aid, "marriage")
        assert other.get_agent(aid).state.married_to == Erased("marriage")
        assert records.get_agent(aid).state.married_to == Erased("marriage")
    finally:
        other.close()


def test_identity_is_not_erasable(records: AgentRecords) -> None:
    aid = record_careers(records).main
    with pytest.raises(RuleViolation, match=r"Art\. 21"):
        erase(records, aid, "identity")
    assert records.get_agent(aid).state.birth_date == date(1920, 5, 5)  # type: ignore[arg-type]


def test_export_import_round_trip_keeps_the_erasure(records: AgentRecords, store_url: str,
                                                   tmp_path: Path) -> None:
    careers = record_careers(records)
    aid = careers.main
    assert aid is not None
    erase(records, aid, "marriage")
    head = verified(records)
    write_jsonl(records, tmp_path / "events.jsonl", Selection(), personal=True)
    write_jsonl(records, tmp_path / "withheld.jsonl", Selection(), personal=False)
    postgres = store_url.startswith("postgres")
    schema = backends.create_schema() if postgres else ""
    target = open_records(backends.store_url(schema) if postgres else
                          f"sqlite:///{tmp_path}/target.sqlite3")
    try:
        with pytest.raises(ImportRefused, match="data keys are missing"):
            import_export(target, tmp_path / "withheld.jsonl")
        done = import_export(target, tmp_path / "events.jsonl")
        assert done.head_hash == head
        assert verified(target) == head
        assert stored_events(target) == stored_events(records)
        state = target.get_agent(aid).state
        assert state.married_to == Erased("marriage")
        assert state.aptitude_certificate is not None
        assert state.aptitude_certificate.doctor == "Dr Weber"
        assert state.birth_date == date(1920, 5, 5)
    finally:
        target.close()
        if postgres:
            backends.drop_schema(schema)


def test_retention_lists_then_records_the_erasures_due(
        records: AgentRecords, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    load_demo(records, 12)
    monkeypatch.setenv("AGENT_RECORDS_RETENTION", "medical=5y,marriage=10y")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["--store", store_url, "retention", "--dry-run",
                         "--on", "2026-01-01"]) == 0
    listed = [x for x in out.getvalue().splitlines() if len(x.split()[0]) == 36]
    assert listed and {x.split()[1] for x in listed} <= {"medical", "marriage"}
    head = records.recorder.max_notification_id()
    assert records.recorder.max_notification_id() == head  # a dry run records nothing
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert cli.main(["--store", store_url, "retention", "--apply",
                         "--on", "2026-01-01"]) == 0
    assert records.recorder.max_notification_id() == head + len(listed)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["--store", store_url, "retention", "--apply",
                         "--on", "2026-01-01"]) == 0
    assert "recorded 0 erasures" in out.getvalue()  # idempotent
    erased = {line.split()[0] for line in listed if line.split()[1] == "medical"}
    assert erased
    for agent in erased:
        app = open_records(store_url)
        try:
            assert app.get_agent(UUID(agent)).state.aptitude_certificate == Erased("medical")
        finally:
            app.close()


def test_a_missing_or_wrong_master_key_is_refused_and_nothing_is_written(
        store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_RECORDS_MASTER_KEY", str(tmp_path / "master-key"))
    app = open_records(store_url)
    try:
        open_legation(app)
        aid = serving_attache(app)
    finally:
        app.close()
    keys_before = counts(store_url)
    (tmp_path / "master-key").rename(tmp_path / "kept")
    for wrong, words in ((None, "is missing"), (WRONG, "is not the master key")):
        if wrong:
            (tmp_path / "master-key").write_text(wrong)
        app = open_records(store_url)
        try:
            with pytest.raises(MasterKeyError, match=f"AGENT_RECORDS_MASTER_KEY.*{words}"):
                app.handle(RegisterAgent(on("1950-01-01"), full_name="Nouveau",
                                         birth_date=date(1925, 1, 1), nationality="LU"))
            with pytest.raises(MasterKeyError, match="AGENT_RECORDS_MASTER_KEY"):
                app.handle(RequestMarriageAuthorisation(
                    aid, on("1950-01-01"), spouse_name="X", spouse_nationality="LU",
                    intended_date=date(1950, 6, 1)))
            with pytest.raises(MasterKeyError):
                app.get_agent(aid)
        finally:
            app.close()
        assert counts(store_url) == keys_before
    (tmp_path / "master-key").unlink()
    (tmp_path / "kept").rename(tmp_path / "master-key")
    app = open_records(store_url)
    try:
        assert app.get_agent(aid).state.aptitude_certificate is not None
    finally:
        app.close()


def counts(store_url: str) -> tuple[int, int]:
    """Events and key rows of a store, read without the master key."""
    app = open_records(store_url)
    try:
        keys = key_table(app)
        assert keys is not None
        return app.recorder.max_notification_id() or 0, keys.count()
    finally:
        app.close()


def test_rotation_rewraps_the_keys_and_leaves_the_events(
        store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "master-key"
    monkeypatch.setenv("AGENT_RECORDS_MASTER_KEY", str(path))
    app = open_records(store_url)
    try:
        open_legation(app)
        aid = serving_attache(app)
        events = stored_events(app)
    finally:
        app.close()
    old = path.read_bytes()
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(["--store", store_url, "keys", "rotate"]) == 0
    assert path.read_bytes() != old
    assert (tmp_path / "master-key.old").read_bytes() == old
    app = open_records(store_url)
    try:
        assert stored_events(app) == events
        assert app.get_agent(aid).state.aptitude_certificate.doctor == "Dr Weber"  # type: ignore[union-attr]
    finally:
        app.close()
    path.write_bytes(old)  # the old master key no longer opens the keys
    app = open_records(store_url)
    try:
        with pytest.raises(MasterKeyError, match="is not the master key"):
            app.get_agent(aid)
    finally:
        app.close()


def test_keys_read_at_once_are_those_read_one_by_one(records: AgentRecords,
                                                     store_url: str) -> None:
    """``KeyTable.prefetch`` (a rebuild reads the keys of a thousand events at once) caches
    for each key id what ``key`` reads alone: the live keys, None for a destroyed one;
    after it, ``key`` asks the database nothing. An id without a row is left to ``key``."""
    erase(records, record_careers(records).main, "marriage")
    alone, at_once = open_records(store_url), open_records(store_url)
    try:
        one, many = key_table(alone), key_table(at_once)
        assert one is not None and many is not None
        with one._sql(commit=False) as c:
            rows = one._run(c, f"SELECT key_id FROM {one.table} WHERE key_id <> ?",
                            ("master-check",)).fetchall()
        ids = [r["key_id"] for r in rows]
        expected = [one.key(k) for k in ids]
        assert None in expected and any(k is not None for k in expected)
        many.prefetch([*ids, "no-such-key"])

        def no_database(commit: bool) -> None:
            raise AssertionError("key() read the database after prefetch")

        many._sql = no_database  # type: ignore[assignment,method-assign]
        assert [many.key(k) for k in ids] == expected
    finally:
        alone.close()
        at_once.close()


def test_the_key_cache_is_bounded_and_a_dropped_key_reads_the_same(
        records: AgentRecords, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A process keeps at most ``CACHED_KEYS`` keys (a rebuild of a sealed store reads the
    keys of every agent): past it the older half is dropped, and a dropped key, live or
    destroyed, is read again from the table as it was."""
    from agent_records.eventstore import sealing
    from agent_records.keys import table as tables
    erase(records, record_careers(records).main, "marriage")
    reader = open_records(store_url)
    try:
        keys = key_table(reader)
        assert keys is not None
        with keys._sql(commit=False) as c:
            rows = keys._run(c, f"SELECT key_id FROM {keys.table} WHERE key_id <> ?",
                             ("master-check",)).fetchall()
        ids = [r["key_id"] for r in rows]
        assert len(ids) >= 4
        expected = [keys.key(k) for k in ids]
        assert None in expected and any(k is not None for k in expected)
        keys._by_id.clear()
        monkeypatch.setattr(tables, "CACHED_KEYS", 2)
        assert [keys.key(k) for k in ids] == expected  # each read again past the bound
        assert len(keys._by_id) <= 2
        keys.prefetch(ids)
        assert len(keys._by_id) <= 2
        assert [keys.key(k) for k in ids] == expected
        sealer = reader.mapper.sealer  # its ciphers, one per key, are bounded alike
        monkeypatch.setattr(sealing, "CACHED_CIPHERS", 2)
        sealer.ciphers.clear()
        live = [k for k in expected if k is not None]
        assert len(set(live)) > 2
        for key in live * 2:
            nonce = bytes(12)
            assert sealer._cipher(key).decrypt(
                nonce, sealer._cipher(key).encrypt(nonce, b"x", None), None) == b"x"
        assert len(sealer.ciphers) <= 2
    finally:
        reader.close()


def test_a_rebuild_reads_each_event_as_it_reads_alone(records: AgentRecords,
                                                      store_url: str) -> None:
    """A rebuild reads a window of events at once: it looks for envelopes only in the
    states that name one (``FastMapper.maybe_sealed``), reads their keys in one statement
    and opens them; every event, erased values and corrections included, is the one
    ``to_domain_event`` reads alone, and the views rebuilt in one pass (two processes on
    PostgreSQL) equal those the worker kept event by event."""
    erase(records, record_careers(records).main, "marriage")
    notes = records.recorder.select_notifications(1, 10**6)
    assert 0 < sum(MARK in n.state for n in notes) < len(notes)
    alone = [vars(records.mapper.to_domain_event(n)) for n in notes]
    fresh = open_records(store_url)  # no key cached
    try:
        at_once = [vars(e) for _, e in decoded_notes(notes, fresh.mapper, "rebuild")]
    finally:
        fresh.close()
    assert at_once == alone
    assert any(isinstance(v, Erased) for state in alone for v in state.values())
    worker = Worker(records, named(NAMES))
    while worker.run_once():
        pass
    assert_equals_rebuild(records, together=True, processes=2)
