"""``agent-records verify``, ``checkpoint`` and ``prove`` as a user runs them (subprocesses)."""

from __future__ import annotations

import json
from pathlib import Path

from agent_records.bootstrap import open_records
from agent_records.integrity import merkle
from agent_records.integrity.checkpoint import verify_note
from agent_records.integrity.service import create_checkpoint
from tests.integrity.helpers import Intruder, cli, more_events, positions, record_careers


def test_verify_ok_then_names_the_tampered_position(store_url: str,
                                                    signing_env: dict[str, str]) -> None:
    app = open_records(store_url)
    try:
        record_careers(app)
        stored = positions(app)
        ok = cli(store_url, signing_env, "verify")
        assert ok.returncode == 0, ok.stderr
        assert ok.stdout.startswith(f"OK: {len(stored)} events, head position {stored[-1]}")
        assert "0 not sealed yet" in ok.stdout
        Intruder(app).alter(stored[4])
        partial = cli(store_url, signing_env, "verify", "--from", str(stored[6]))
        assert partial.returncode == 0 and partial.stdout.startswith("OK:"), partial.stdout
        broken = cli(store_url, signing_env, "verify")
        assert broken.returncode == 1, broken.stdout + broken.stderr
        assert f"BROKEN at position {stored[4]}" in broken.stdout
    finally:
        app.close()


def test_checkpoint_and_proofs_print_json(store_url: str, signing_env: dict[str, str]) -> None:
    app = open_records(store_url)
    try:
        record_careers(app)
        first = create_checkpoint(app)  # in process, with the same key and folder
        more_events(app, 3)
        second = cli(store_url, signing_env, "checkpoint")
        assert second.returncode == 0, second.stderr
        folder = Path(signing_env["AGENT_RECORDS_DATA"]) / "checkpoints"
        key = next(folder.glob("*/verifier.key")).read_text().strip()  # one folder a store
        old, new = verify_note(first, key), verify_note(second.stdout, key)
        stored = positions(app)
        assert new.size == len(stored) == old.size + 3

        verified = cli(store_url, signing_env, "verify")
        assert verified.returncode == 0, verified.stdout
        assert f"checkpoint {old.size}: OK" in verified.stdout
        assert f"checkpoint {new.size}: OK" in verified.stdout

        included = cli(store_url, signing_env, "prove", str(stored[2]))
        assert included.returncode == 0, included.stderr
        proof = json.loads(included.stdout)
        assert (proof["position"], proof["index"], proof["size"]) == (stored[2], 2, new.size)
        assert merkle.verify_inclusion(
            proof["index"], proof["size"], merkle.leaf(bytes.fromhex(proof["event_hash"])),
            [bytes.fromhex(p) for p in proof["proof"]], new.root)

        consistent = cli(store_url, signing_env, "prove", "--consistency", str(old.size),
                         str(new.size))
        assert consistent.returncode == 0, consistent.stderr
        answer = json.loads(consistent.stdout)
        assert (answer["old"], answer["new"]) == (old.size, new.size)
        assert merkle.verify_consistency(old.size, new.size, old.root, new.root,
                                         [bytes.fromhex(p) for p in answer["proof"]])
    finally:
        app.close()
