"""The BagIt (RFC 8493) export: what the archives receive and can check for decades.

The bag is written by hand (it is a few text files) rather than with the ``bagit``
package, which the service does not need at run time; the tests validate every bag
with the Library of Congress ``bagit`` package. It is built in ``<out>.partial`` and
renamed into place only when complete, so an interrupted export leaves no half bag.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent_records.application import AgentRecords
from agent_records.archive import verify_export
from agent_records.archive.docs import SOFTWARE, data_dictionary, premis, readme
from agent_records.archive.export import Progress, Summary, Watch, export, sealed_head
from agent_records.archive.formats import CsvSink, JsonlSink, schema_text
from agent_records.archive.keyfile import write_keys
from agent_records.archive.records import ExportError, Selection, personal_kinds
from agent_records.config import settings
from agent_records.integrity.checkpoint import verify_note
from agent_records.integrity.ledger_store import checkpoints, ledger_rows
from agent_records.integrity.service import create_checkpoint, verifier
from projections.engine.store import ViewStore

FORMATS = {".jsonl": "JSON Lines", ".csv": "CSV (RFC 4180)", ".json": "JSON Schema",
           ".md": "Markdown", ".txt": "Plain text", ".key": "Plain text",
           ".py": "Python source"}
CHUNK = 1 << 20


def latest_checkpoint(app: AgentRecords) -> str:
    """The latest signed checkpoint this service's key verifies; a new one if none does."""
    key = verifier()
    for saved in reversed(checkpoints(ViewStore(app))):
        try:
            verify_note(saved["note"], key)
        except ValueError:
            continue  # signed by an earlier key: sign the head again
        note: str = saved["note"]
        return note
    return create_checkpoint(app)


def write_ledger(store: ViewStore, path: Path, upto: int) -> None:
    """``ledger.csv``: every sealed position with its hash, streamed."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("position,hash,previous_hash\r\n")
        for row in ledger_rows(store):
            if row["position"] > upto:
                break
            handle.write(f"{row['position']},{row['hash']},{row['previous']}\r\n")


def digests(path: Path) -> dict[str, Any]:
    """Size, SHA-256 and SHA-512 of a file, read once."""
    sha256, sha512, size = hashlib.sha256(), hashlib.sha512(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            sha256.update(chunk)
            sha512.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": sha256.hexdigest(), "sha512": sha512.hexdigest()}


def write_manifests(bag: Path, prefix: str, files: Iterable[Path]) -> list[dict[str, Any]]:
    """``<prefix>-sha256.txt`` and ``-sha512.txt`` over ``files``; returns their digests."""
    entries = []
    for path in sorted(files):
        entry = {"path": path.relative_to(bag).as_posix(), **digests(path),
                 "format": FORMATS.get(path.suffix, "Plain text")}
        entries.append(entry)
    for algorithm in ("sha256", "sha512"):
        (bag / f"{prefix}-{algorithm}.txt").write_text(
            "".join(f"{e[algorithm]}  {e['path']}\n" for e in entries), encoding="utf-8")
    return entries


def bag_info(summary: Summary, note: str, created: datetime) -> dict[str, str]:
    """The labels of ``bag-info.txt`` (Payload-Oxum is added once the payload is hashed)."""
    head = summary.head
    personal = ("included" if summary.personal_data else
                f"withheld ({personal_kinds()}) in {summary.redacted_lines} "
                "events")
    stamp = created.strftime("%Y%m%dT%H%M%SZ")
    origin, organisation = settings().origin, settings().organisation
    return {
        "Source-Organization": organisation,
        "Bagging-Date": created.date().isoformat(),
        "External-Identifier": f"agent-records:{origin}:export:{stamp}:"
                               f"{summary.position_range}",
        "External-Description": "Career records of diplomatic agents (arrêté grand-ducal du "
                                "28 mai 1948): the event log with its hash chain",
        "Bag-Software-Agent": SOFTWARE,
        "Agent-Records-Log-Origin": origin,
        "Agent-Records-Selection": summary.selection.label(),
        "Agent-Records-Position-Range": summary.position_range,
        "Agent-Records-Event-Count": str(summary.count),
        "Agent-Records-Head-Position": str(head.position),
        "Agent-Records-Head-Hash": head.hash,
        "Agent-Records-Log-Events": str(head.count),
        "Agent-Records-Checkpoint-Size": note.split("\n")[1],
        "Agent-Records-Personal-Data": personal,
    }


def write_bag(app: AgentRecords, out: Path, selection: Selection, personal: bool,
              progress: Progress | None = None, watch: Watch | None = None) -> Summary:
    """Exports the selection as a bag at ``out`` (which must not exist or be empty)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} already exists and is not an empty folder")
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    data = partial / "data"
    data.mkdir(parents=True)
    try:
        summary = _fill(app, partial, data, selection, personal, progress, watch)
        if out.exists():
            out.rmdir()
        os.replace(partial, out)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    summary.files = [out]
    return summary


def _fill(app: AgentRecords, bag: Path, data: Path, selection: Selection, personal: bool,
          progress: Progress | None, watch: Watch | None) -> Summary:
    note = latest_checkpoint(app)
    store, head = sealed = sealed_head(app)
    with (data / "events.jsonl").open("wb") as jsonl, \
            (data / "events.csv").open("w", encoding="utf-8", newline="") as table:
        summary = export(app, [JsonlSink(jsonl), CsvSink(table)], selection, personal,
                         progress, sealed, watch)
    write_ledger(store, data / "ledger.csv", head.position)
    if personal:
        write_keys(app, data / "events.jsonl")
    created = datetime.now(UTC)
    info = bag_info(summary, note, created)
    texts = {"event.schema.json": schema_text(), "data-dictionary.md": data_dictionary(),
             "checkpoint.txt": note, "verifier.key": verifier() + "\n",
             "README.txt": readme(info)}
    for name, text in texts.items():
        (data / name).write_text(text, encoding="utf-8")
    shutil.copyfile(verify_export.__file__, data / "verify_export.py")
    payload = write_manifests(bag, "manifest", (p for p in data.rglob("*") if p.is_file()))
    digested = datetime.now(UTC)
    info["Payload-Oxum"] = f"{sum(e['size'] for e in payload)}.{len(payload)}"
    (bag / "metadata").mkdir()
    (bag / "metadata" / "premis.xml").write_bytes(premis(payload, info, created, digested))
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
                                   encoding="utf-8")
    (bag / "bag-info.txt").write_text("".join(f"{k}: {v}\n" for k, v in info.items()),
                                      encoding="utf-8")
    tags = [bag / "bagit.txt", bag / "bag-info.txt", bag / "metadata" / "premis.xml",
            bag / "manifest-sha256.txt", bag / "manifest-sha512.txt"]
    write_manifests(bag, "tagmanifest", tags)
    return summary
