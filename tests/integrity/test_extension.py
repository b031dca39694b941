"""Checkpoints that only extend (issue 10): a rewritten history cannot be signed, a
published note is never overwritten, and a store finds its checkpoints by its identity
whatever URL it is opened under. On both backends; the attack is run as described."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from agent_records.application import AgentRecords
from agent_records.bootstrap import open_records
from agent_records.cli import main
from agent_records.config import settings
from agent_records.integrity.checkpoint import (
    Checkpoint,
    load_or_create_key,
    sign,
    verify_note,
)
from agent_records.integrity.extension import CheckpointRefused
from agent_records.integrity.identity import store_id
from agent_records.integrity.ledger_store import checkpoints
from agent_records.integrity.publication import (
    ADOPTED,
    PublicationRefused,
    legacy_folder,
    write_once,
)
from agent_records.integrity.service import create_checkpoint, publish_dir, verifier
from projections.engine.store import ViewStore
from tests import backends
from tests.integrity.helpers import Intruder, cli, more_events, positions, record_careers

ORIGIN = settings().origin


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of the publication folder, byte for byte."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def run(capsys: pytest.CaptureFixture[str], store: str, *args: str) -> tuple[int, str, str]:
    """The CLI in process (the subprocess form is tested once, on the attack itself)."""
    code = main(["--store", store, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def elsewhere(store_url: str, tmp_path: Path) -> str:
    """The same store under another URL: the SQLite file copied to another path, the
    PostgreSQL schema through ``localhost`` instead of ``127.0.0.1`` and no port."""
    if store_url.startswith("sqlite:///"):
        target = tmp_path / "moved" / "copy.sqlite3"
        target.parent.mkdir()
        shutil.copy(store_url[len("sqlite:///"):], target)
        return f"sqlite:///{target}"
    other = store_url.replace(f"@{backends.PG_HOST}:{backends.PG_PORT}/", "@localhost/")
    assert other != store_url
    return other


def test_the_laundering_sequence_is_refused_and_detected(
        store_url: str, signing_env: dict[str, str]) -> None:
    """Change an event, delete the ledger from there and set its position back, delete
    the checkpoint rows, run ``agent-records checkpoint``: refused, nothing published,
    and ``verify`` names the rewrite."""
    app = open_records(store_url)
    try:
        record_careers(app)
        first = verify_note(create_checkpoint(app), verifier())
        more_events(app, 3)
        second = verify_note(create_checkpoint(app), verifier())
        folder = publish_dir(app)
        published = snapshot(folder)
        target = positions(app)[first.size + 1]  # after the first checkpoint
        Intruder(app).launder(target)
    finally:
        app.close()
    refused = cli(store_url, signing_env, "checkpoint")
    assert refused.returncode == 2 and refused.stdout == ""
    line, = refused.stderr.strip().splitlines()
    assert line.startswith("agent-records: refused: the log of")
    assert (f"published checkpoint {second.size} (root {second.root.hex()}, "
            f"position {second.position}, {folder / f'checkpoint-{second.size}.txt'})") in line
    assert (f"at or before position {second.position} and after position {first.position} "
            f"(checkpoint {first.size} still matches)") in line
    assert snapshot(folder) == published  # same files, same bytes
    app = open_records(store_url)
    try:
        assert checkpoints(ViewStore(app)) == []
    finally:
        app.close()
    verified = cli(store_url, signing_env, "verify")
    assert verified.returncode == 1, verified.stdout + verified.stderr
    assert f"checkpoint {second.size} is published but missing from the database" in (
        verified.stdout)
    assert f"checkpoint {first.size}: OK" in verified.stdout
    assert (f"checkpoint {second.size} (signed at position {second.position}) does not match "
            f"the log: history was rewritten at or before position {second.position} and "
            f"after position {first.position}") in verified.stdout


def test_a_moved_store_finds_its_checkpoints(store_url: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    app = open_records(store_url)
    try:
        record_careers(app)
        signed = verify_note(create_checkpoint(app), verifier())
        folder, ident = publish_dir(app), store_id(ViewStore(app))
    finally:
        app.close()
    moved = elsewhere(store_url, tmp_path)
    code, out, err = run(capsys, moved, "verify")
    assert code == 0 and f"checkpoint {signed.size}: OK" in out and "warning" not in err
    app = open_records(moved)
    try:
        assert (publish_dir(app), store_id(ViewStore(app))) == (folder, ident)
        Intruder(app).launder(positions(app)[2])
    finally:
        app.close()
    code, out, err = run(capsys, moved, "checkpoint")
    assert code == 2 and out == "" and f"published checkpoint {signed.size} " in err
    code, out, _ = run(capsys, moved, "verify")
    assert code == 1 and "history was rewritten" in out


def test_a_changed_identity_does_not_escape(store_url: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """The attack once more, plus a new id for the store so that its published
    checkpoints are not found: the URL still links it to them."""
    app = open_records(store_url)
    try:
        record_careers(app)
        create_checkpoint(app)
        folder = publish_dir(app)
        published = {p: snapshot(p) for p in folder.parent.iterdir()}
        intruder = Intruder(app)
        intruder.launder(positions(app)[3])
        intruder.change_identity()
    finally:
        app.close()
    code, out, err = run(capsys, store_url, "checkpoint")
    assert code == 2 and out == ""
    assert f"checkpoints of another store were published under this same URL in {folder}" in err
    assert {p: snapshot(p) for p in folder.parent.iterdir()} == published
    code, out, _ = run(capsys, store_url, "verify")
    assert code == 1 and out.startswith("BROKEN: store ") and str(folder) in out


def test_verify_warns_when_nothing_is_published(store_url: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    app = open_records(store_url)
    try:
        record_careers(app)
        ident = store_id(ViewStore(app))
    finally:
        app.close()
    code, out, err = run(capsys, store_url, "verify")
    assert code == 0 and out.startswith("OK:")
    warning, = [line for line in err.splitlines() if line.startswith("warning:")]
    assert f"no published checkpoint for store {ident}" in warning
    assert run(capsys, store_url, "checkpoint")[0] == 0
    code, out, err = run(capsys, store_url, "verify")
    assert code == 0 and "warning" not in err


def test_seal_checkpoint_append_checkpoint_verify(store_url: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """The ordinary path; a checkpoint of an unchanged log is the same note, once."""
    app = open_records(store_url)
    try:
        record_careers(app)
        first = create_checkpoint(app)
        assert create_checkpoint(app) == first  # Ed25519 is deterministic: same bytes
        more_events(app, 2)
        second = create_checkpoint(app)
        assert [c["note"] for c in checkpoints(ViewStore(app))] == [first, second]
        files = snapshot(publish_dir(app))
        assert sorted(files) == sorted([f"checkpoint-{verify_note(first, verifier()).size}.txt",
                                        f"checkpoint-{verify_note(second, verifier()).size}.txt",
                                        "store.txt", "verifier.key"])
    finally:
        app.close()
    code, out, err = run(capsys, store_url, "verify")
    assert code == 0 and out.count(": OK") == 2 and "warning" not in err


def test_a_store_from_before_gets_an_id_and_keeps_its_publications(
        store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The earlier layout: no identity in the store, notes in a folder named after the
    URL. The notes are adopted (copied; the old folder stays, marked) and still count."""
    app = open_records(store_url)
    try:
        record_careers(app)
        note = create_checkpoint(app)
        current, legacy = publish_dir(app), legacy_folder(app)
        shutil.move(current, legacy)
        intruder = Intruder(app)
        with intruder.sql() as sql:
            sql.execute(f"DROP TABLE {intruder.store.table('store_identity')}")
        old_files = snapshot(legacy)
    finally:
        app.close()
    code, out, err = run(capsys, store_url, "verify")
    assert code == 0 and ": OK" in out and "warning" not in err
    app = open_records(store_url)
    try:
        adopted = publish_dir(app)
        assert adopted != current  # a new id, given on first use
        size = verify_note(note, verifier()).size
        assert (adopted / f"checkpoint-{size}.txt").read_text() == note
        assert {k: v for k, v in snapshot(legacy).items() if k != ADOPTED} == old_files
        assert (legacy / ADOPTED).read_text().strip() == adopted.name
        Intruder(app).launder(positions(app)[1])
        with pytest.raises(CheckpointRefused, match="does not extend published checkpoint"):
            create_checkpoint(app)
    finally:
        app.close()


def test_a_published_note_is_written_once(tmp_path: Path) -> None:
    path = tmp_path / "published" / "checkpoint-7.txt"
    assert write_once(path, "first\n") is True
    assert write_once(path, "first\n") is False  # the same bytes: nothing to do
    with pytest.raises(PublicationRefused, match="already published with other content"):
        write_once(path, "second\n")
    assert path.read_bytes() == b"first\n"
    assert [p.name for p in path.parent.iterdir()] == ["checkpoint-7.txt"]  # no temp left


def test_a_damaged_or_inconsistent_publication_stops_signing(records: AgentRecords) -> None:
    app = records
    record_careers(app)
    signed = verify_note(create_checkpoint(app), verifier())
    folder = publish_dir(app)
    earlier = Checkpoint(ORIGIN, 2, b"\x07" * 32, 2, "0" * 64)  # signed, but not this log
    (folder / "checkpoint-2.txt").write_text(sign(earlier, load_or_create_key(), ORIGIN))
    with pytest.raises(CheckpointRefused, match="does not extend published checkpoint 2 "):
        create_checkpoint(app)
    (folder / "checkpoint-2.txt").unlink()
    damaged = folder / f"checkpoint-{signed.size}.txt"
    damaged.write_text(damaged.read_text().replace(ORIGIN, ORIGIN + "x", 1))
    before = snapshot(folder)
    with pytest.raises(CheckpointRefused, match=f"{damaged} does not verify"):
        create_checkpoint(app)
    assert snapshot(folder) == before


def test_a_truncated_log_is_not_signed(records: AgentRecords) -> None:
    record_careers(records)
    signed = verify_note(create_checkpoint(records), verifier())
    before = snapshot(publish_dir(records))
    Intruder(records).truncate_tail(2)
    with pytest.raises(CheckpointRefused, match=(
            f"published checkpoint {signed.size} .* covers {signed.size} events, the log has "
            f"only {signed.size - 2} sealed: history was truncated")):
        create_checkpoint(records)
    assert snapshot(publish_dir(records)) == before


def test_a_published_copy_unlike_the_database_fails_verify(
        store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    app = open_records(store_url)
    try:
        record_careers(app)
        signed = verify_note(create_checkpoint(app), verifier())
        forged = sign(Checkpoint(ORIGIN, signed.size, b"\x01" * 32, signed.position,
                                 signed.chain_head), load_or_create_key(), ORIGIN)
        intruder = Intruder(app)
        intruder.execute(f"UPDATE {intruder.store.table('checkpoints')} SET note = ?, root = ?",
                         (forged, "01" * 32))
    finally:
        app.close()
    code, out, _ = run(capsys, store_url, "verify")
    assert code == 1
    assert f"checkpoint {signed.size} is published but different from the database's copy" in out
    assert f"checkpoint {signed.size}: OK" in out  # the published one still matches the log


@pytest.mark.postgres
def test_the_store_identity_is_written_once(pg_schema_url: str) -> None:
    app = open_records(pg_schema_url)
    try:
        ident = store_id(ViewStore(app))
        intruder = Intruder(app)
        table = intruder.store.table("store_identity")
        for statement in (f"UPDATE {table} SET id = 'other'", f"DELETE FROM {table}",
                          f"TRUNCATE {table}"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="written once"):
                intruder.execute(statement)
        assert store_id(ViewStore(app)) == ident
    finally:
        app.close()
