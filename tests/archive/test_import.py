"""``import``: a complete export loads into an empty store with the same positions, hashes
and read models (PostgreSQL to SQLite and back); a tampered file is refused, naming the
line, and nothing is written."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from agent_records.application import AgentRecords
from agent_records.archive import verify_export
from agent_records.archive.bag import write_bag
from agent_records.archive.export import write_jsonl
from agent_records.archive.importer import ImportRefused, import_export
from agent_records.archive.records import Selection
from agent_records.bootstrap import open_records
from agent_records.domain.commands import RegisterAgent
from agent_records.integrity.service import seal
from agent_records.integrity.verify import verify
from projections.engine.store import ViewStore
from tests import backends
from tests.archive.helpers import NAMES, Careers, record_careers, stored_events, view_checksums
from tests.careers import on

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[dict[str, list[str]]]:
    """Fresh empty store URLs by backend (PostgreSQL schemas dropped afterwards)."""
    schemas: list[str] = []
    urls: dict[str, list[str]] = {"sqlite": [], "postgres": []}
    for i in range(2):
        urls["sqlite"].append(f"sqlite:///{tmp_path}/store-{i}.sqlite3")
        schemas.append(backends.create_schema())
        urls["postgres"].append(backends.store_url(schemas[-1]))
    try:
        yield urls
    finally:
        for schema in schemas:
            backends.drop_schema(schema)


def burn_a_position(app: AgentRecords) -> None:
    """A write refused for a version conflict uses up a position (PostgreSQL bigserial)."""
    note = app.recorder.select_notifications(1, 1)[0]
    with pytest.raises(IntegrityError):
        app.recorder.insert_events([StoredEvent(note.originator_id, 1, note.topic, note.state)])


def state_of(app: AgentRecords) -> tuple[dict[str, str], str, int, list[tuple]]:
    """Read models, head hash, count and stored events of a store, sealed and projected."""
    seal(app)
    result = verify(ViewStore(app), None)
    assert result.ok and result.unsealed == 0
    return view_checksums(app), result.head_hash, result.count, stored_events(app)


@pytest.mark.postgres
@pytest.mark.parametrize("start", ["postgres", "sqlite"])
def test_round_trip_to_the_other_backend_and_back(start: str, stores: dict[str, list[str]],
                                                  tmp_path: Path) -> None:
    other = "sqlite" if start == "postgres" else "postgres"
    chain = [stores[start][0], stores[other][0], stores[start][1]]
    source = open_records(chain[0])
    try:
        record_careers(source)
        if start == "postgres":
            burn_a_position(source)
            source.handle(RegisterAgent(on("1953-05-05"), full_name=NAMES[1],
                                        birth_date=date(1921, 2, 2), nationality="FR"))
        expected = state_of(source)
        write_jsonl(source, tmp_path / "0.jsonl", Selection(), personal=True)
    finally:
        source.close()
    positions = [event[0] for event in expected[3]]
    if start == "postgres":
        assert positions != list(range(1, len(positions) + 1))  # a gap, kept on import
    for step, url in enumerate(chain[1:], 1):
        app = open_records(url)
        try:
            done = import_export(app, tmp_path / f"{step - 1}.jsonl")
            assert (done.count, done.head_hash) == (expected[2], expected[1])
            assert state_of(app) == expected
            write_jsonl(app, tmp_path / f"{step}.jsonl", Selection(), personal=True)
            assert (tmp_path / f"{step}.jsonl").read_bytes() == (tmp_path / "0.jsonl").read_bytes()
            receipt = app.handle(RegisterAgent(on("1960-01-01"), full_name="Après l'import",
                                               birth_date=date(1930, 1, 1), nationality="LU"))
            assert receipt.version == 1
            assert app.recorder.max_notification_id() == positions[-1] + 1
        finally:
            app.close()


def exported(records: AgentRecords, tmp_path: Path, personal: bool = True) -> list[bytes]:
    write_jsonl(records, tmp_path / "events.jsonl", Selection(), personal)
    return (tmp_path / "events.jsonl").read_bytes().splitlines(keepends=True)


def rewrite(path: Path, lines: list[bytes], number: int, rehash_from: bool = False) -> int:
    """Renames the person of line ``number``; with ``rehash_from``, recomputes the chain
    from there on, as a forger would. Returns the line's position."""
    decoded = [json.loads(raw) for raw in lines]
    target = decoded[number - 1]
    target["payload"]["full_name"] = target["stored"]["state"]["full_name"] = "Jean Faussaire"
    if rehash_from:
        previous = decoded[number - 2]["hash"]
        for line in decoded[number - 1:]:
            line["previous_hash"] = previous
            line["hash"] = previous = verify_export.event_hash(
                line["position"], line["stream_id"], line["version"], line["stored"]["topic"],
                line["stored"]["state"], previous)
    path.write_bytes(b"".join((json.dumps(line, ensure_ascii=False, separators=(",", ":"))
                               + "\n").encode() for line in decoded))
    return target["position"]


def named_line(lines: list[bytes], name: str) -> int:
    return next(i for i, raw in enumerate(lines, 1) if name.encode() in raw
                and b"AgentRegistered" in raw)


def test_import_refuses_a_tampered_file_naming_the_line(
        records: AgentRecords, careers: Careers, tmp_path: Path, store_url: str) -> None:
    lines = exported(records, tmp_path)
    number = named_line(lines, NAMES[2])
    position = rewrite(tmp_path / "altered.jsonl", lines, number)
    (tmp_path / "removed.jsonl").write_bytes(b"".join(lines[:number] + lines[number + 1:]))
    for name in ("altered", "removed"):  # the export's data keys go with each copy
        shutil.copyfile(tmp_path / "events.keys.json", tmp_path / f"{name}.keys.json")
    exported(records, tmp_path / "redacted", personal=False)
    cases = {
        "altered.jsonl": f"line {number} (position {position}): the content does not match its "
                         "hash (altered)",
        "removed.jsonl": f"line {number + 1} (position ",
        "redacted/events.jsonl": "personal data were withheld from this export",
    }
    target_url = store_url.replace("store.sqlite3", "target.sqlite3")
    if "postgres" in store_url:
        schema = backends.create_schema()
        target_url = backends.store_url(schema)
    target = open_records(target_url)
    try:
        for name, message in cases.items():
            with pytest.raises(ImportRefused, match=re.escape(message)):
                import_export(target, tmp_path / name)
            assert not target.recorder.max_notification_id()  # nothing written
        import_export(target, tmp_path / "events.jsonl")
        with pytest.raises(ImportRefused, match="already holds events"):
            import_export(target, tmp_path / "events.jsonl")
    finally:
        target.close()
        if "postgres" in store_url:
            backends.drop_schema(schema)


def test_import_of_a_bag_checks_its_manifest_and_signed_checkpoint(
        records: AgentRecords, careers: Careers, tmp_path: Path) -> None:
    write_bag(records, tmp_path / "bag", Selection(), personal=True)
    events = tmp_path / "bag" / "data" / "events.jsonl"
    lines = events.read_bytes().splitlines(keepends=True)
    rewrite(events, lines, named_line(lines, NAMES[0]), rehash_from=True)  # a consistent forgery
    target = open_records(f"sqlite:///{tmp_path}/target.sqlite3")
    try:
        with pytest.raises(ImportRefused, match=r"does not match the bag's manifest-sha256\.txt"):
            import_export(target, tmp_path / "bag")
        manifest = tmp_path / "bag" / "manifest-sha256.txt"
        forged = hashlib.sha256(events.read_bytes()).hexdigest()
        manifest.write_text("".join(
            f"{forged}  data/events.jsonl\n" if text.endswith("data/events.jsonl") else text + "\n"
            for text in manifest.read_text().splitlines()))
        with pytest.raises(ImportRefused, match="differs from the signed root"):
            import_export(target, tmp_path / "bag")
        assert not target.recorder.max_notification_id()
    finally:
        target.close()
    write_bag(records, tmp_path / "bag2", Selection(), personal=True)
    target = open_records(f"sqlite:///{tmp_path}/target2.sqlite3")
    try:
        done = import_export(target, tmp_path / "bag2")
        assert done.checkpoint and done.count == len(lines)
    finally:
        target.close()


def test_import_command_names_the_line(records: AgentRecords, careers: Careers,
                                       tmp_path: Path, signing_env: dict[str, str]) -> None:
    lines = exported(records, tmp_path)
    number = named_line(lines, NAMES[1])
    rewrite(tmp_path / "altered.jsonl", lines, number)
    shutil.copyfile(tmp_path / "events.keys.json", tmp_path / "altered.keys.json")
    command = [sys.executable, "-m", "agent_records.cli", "--store",
               f"sqlite:///{tmp_path}/cli.sqlite3", "import"]
    env = {**os.environ, **signing_env}
    refused = subprocess.run([*command, str(tmp_path / "altered.jsonl")], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2
    assert f"agent-records: line {number} (position " in refused.stderr
    done = subprocess.run([*command, str(tmp_path / "events.jsonl")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"imported {len(lines)} events" in done.stdout
