"""BagIt exports: validated by the Library of Congress ``bagit`` package, and checked by
the shipped standalone script, which names the line of a tampered bag."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import bagit

from agent_records.application import AgentRecords
from agent_records.archive import verify_export
from agent_records.archive.bag import write_bag
from agent_records.archive.records import Selection
from agent_records.integrity.checkpoint import verify_note
from agent_records.integrity.ledger_store import checkpoints
from projections.engine.store import ViewStore
from tests.archive.helpers import NAMES, RECORDED, SPOUSE, Careers

PREMIS = "{http://www.loc.gov/premis/v3}"
RUNNER = """
import runpy, sys
before = set(sys.modules)
script, *args = sys.argv[1:]
sys.argv = [script, *args]
code = 0
try:
    runpy.run_path(script, run_name="__main__")
except SystemExit as exc:
    code = exc.code
allowed = set(sys.stdlib_module_names) | {"cryptography", "_cffi_backend", "cffi", "_openssl"}
foreign = sorted({m.split(".")[0] for m in set(sys.modules) - before} - allowed)
print("MODULES", ",".join(foreign))
sys.exit(code)
"""


def run_script(bag: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The bag's own verify_export.py, in isolated mode, from outside the repository;
    prints the non-standard-library modules it loaded."""
    return subprocess.run([sys.executable, "-I", "-c", RUNNER,
                           str(bag / "data" / "verify_export.py"), *args],
                          cwd=bag.parent, capture_output=True, text=True, timeout=120)


def test_bag_passes_bagit_validation_and_says_what_it_holds(
        records: AgentRecords, careers: Careers, tmp_path: Path) -> None:
    assert checkpoints(ViewStore(records)) == []
    summary = write_bag(records, tmp_path / "bag", Selection(), personal=False)
    bag = bagit.Bag(str(tmp_path / "bag"))
    assert bag.validate(processes=1)
    assert bag.version_info == (1, 0) and set(bag.algorithms) == {"sha256", "sha512"}
    assert sorted(bag.payload_files()) == sorted(f"data/{n}" for n in (
        "events.jsonl", "events.csv", "event.schema.json", "data-dictionary.md", "ledger.csv",
        "checkpoint.txt", "verifier.key", "verify_export.py", "README.txt"))
    tagged = (tmp_path / "bag" / "tagmanifest-sha256.txt").read_text()
    assert "metadata/premis.xml" in tagged and "bag-info.txt" in tagged
    info = bag.info
    assert info["Source-Organization"] and info["Bagging-Date"] and info["External-Identifier"]
    assert info["Agent-Records-Position-Range"] == summary.position_range
    assert info["Agent-Records-Event-Count"] == str(summary.count)
    assert info["Agent-Records-Head-Hash"] == summary.head.hash
    assert info["Agent-Records-Personal-Data"].startswith("withheld")
    assert info["Agent-Records-Selection"] == "whole log"
    data = tmp_path / "bag" / "data"
    note = (data / "checkpoint.txt").read_text()
    signed = verify_note(note, (data / "verifier.key").read_text())
    assert signed.size == summary.head.count and signed.chain_head == summary.head.hash
    assert len(checkpoints(ViewStore(records))) == 1  # created, as there was none
    premis = ET.parse(tmp_path / "bag" / "metadata" / "premis.xml").getroot()
    kinds = [e.findtext(f"{PREMIS}eventType") for e in premis.iter(f"{PREMIS}event")]
    assert kinds == ["creation", "message digest calculation"]
    digests = {o.findtext(f"{PREMIS}objectIdentifier/{PREMIS}objectIdentifierValue"):
               o.findtext(f"{PREMIS}objectCharacteristics/{PREMIS}fixity/{PREMIS}messageDigest")
               for o in premis.iter(f"{PREMIS}object")}
    assert digests["data/events.jsonl"] == hashlib.sha256(
        (data / "events.jsonl").read_bytes()).hexdigest()
    dictionary = (data / "data-dictionary.md").read_text()
    assert "### LeaveGranted" in dictionary and "| `spouse_name` | text | marriage |" in dictionary
    assert "withheld" in (data / "README.txt").read_text()
    assert (data / "verify_export.py").read_bytes() == Path(verify_export.__file__).read_bytes()


def test_the_standalone_script_verifies_the_bag(records: AgentRecords, careers: Careers,
                                               tmp_path: Path) -> None:
    write_bag(records, tmp_path / "full", Selection(), personal=True)
    write_bag(records, tmp_path / "agent", Selection(agent=str(careers.main)), personal=False)
    for name in ("full", "agent"):
        done = run_script(tmp_path / name)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.startswith("OK: ")
        assert "Merkle root matches; signature by" in done.stdout and " OK" in done.stdout
        assert done.stdout.strip().endswith("MODULES")  # standard library + cryptography only
    full = (tmp_path / "full" / "data" / "events.jsonl").read_bytes()
    for name in (*RECORDED, SPOUSE):
        assert name.encode() in full
        assert name.encode() in (tmp_path / "full" / "data" / "events.csv").read_bytes()


def tamper(bag: Path, number: int, change: str) -> int:
    """Changes line ``number`` of the bag's events.jsonl; returns its position."""
    path = bag / "data" / "events.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    line = json.loads(lines[number - 1])
    if change == "remove":
        del lines[number - 1]
    else:
        line["payload"]["full_name"] = "Jean Faussaire"
        line["stored"]["state"]["full_name"] = "Jean Faussaire"
        if change == "rehash":
            line["hash"] = verify_export.event_hash(
                line["position"], line["stream_id"], line["version"], line["stored"]["topic"],
                line["stored"]["state"], line["previous_hash"])
        lines[number - 1] = (json.dumps(line, ensure_ascii=False, separators=(",", ":"))
                             + "\n").encode()
    path.write_bytes(b"".join(lines))
    return line["position"]


def test_the_standalone_script_names_the_tampered_line(
        records: AgentRecords, careers: Careers, tmp_path: Path) -> None:
    write_bag(records, tmp_path / "bag", Selection(), personal=True)
    lines = (tmp_path / "bag" / "data" / "events.jsonl").read_bytes().splitlines()
    number = next(i for i, raw in enumerate(lines, 1) if NAMES[2].encode() in raw)
    for change, why in (("edit", "the content does not match its hash (altered)"),
                        ("rehash", "its hash differs from the ledger's at that position"),
                        ("remove", "missing from events.jsonl just before (a line removed)")):
        copy = tmp_path / change
        shutil.copytree(tmp_path / "bag", copy)
        position = tamper(copy, number, change)
        done = run_script(copy)
        assert done.returncode == 1, done.stdout
        # a removed line: the line after it takes its number, and names the gap
        assert done.stdout.startswith(f"FAILED: line {number} (position "), done.stdout
        if change != "remove":
            assert f"(position {position}): {why}" in done.stdout
        else:
            assert why in done.stdout and f"position {position} is sealed" in done.stdout
        assert not bagit.Bag(str(copy)).is_valid()
