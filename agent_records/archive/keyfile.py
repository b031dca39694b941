"""The data keys a complete export carries: ``<events>.keys.json`` beside its JSON Lines.

Personal values are stored encrypted (``eventstore.sealing``). An export with personal
data shows them opened, and carries the agents' data keys, unwrapped, so that an import
stores the very ciphertext the chain hashed and can still open it (wrapping the keys
with its own master key); a destroyed key is carried as destroyed, so an erasure stays
an erasure. The file holds nothing the export does not already show in clear: keep it
as the export itself. An export without personal data carries no keys: its sealed values
are ciphertext, and it cannot be imported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent_records.application import AgentRecords, key_table


def keys_path(jsonl: Path) -> Path:
    """Where the keys of the export ``jsonl`` are: ``events.keys.json`` beside ``events.jsonl``."""
    return jsonl.with_name(jsonl.stem + ".keys.json")


def write_keys(app: AgentRecords, jsonl: Path) -> Path | None:
    """Writes the store's data keys beside ``jsonl`` (None for a store without keys)."""
    keys = key_table(app)
    if keys is None:
        return None
    path = keys_path(jsonl)
    path.write_text(json.dumps({"keys": keys.export_rows()}, indent=1) + "\n",
                    encoding="utf-8")
    path.chmod(0o600)
    return path


def read_keys(jsonl: Path) -> list[dict[str, Any]] | None:
    """The keys carried beside ``jsonl``, None when there are none."""
    path = keys_path(jsonl)
    if not path.is_file():
        return None
    rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["keys"]
    return rows
