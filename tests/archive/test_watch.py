"""An export's ``watch`` callback: what a page shows of an export made by the service
(events written, position reached, the sealed head), reported as the writer goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_records.application import AgentRecords
from agent_records.archive import export
from agent_records.archive.bag import write_bag
from agent_records.archive.export import Summary, write_csv, write_jsonl
from agent_records.archive.records import Selection
from tests.archive.helpers import Careers


@pytest.mark.parametrize("writer", ["jsonl", "csv", "bagit"])
def test_watch_reports_every_few_events_and_at_the_end(
        records: AgentRecords, careers: Careers, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, writer: str) -> None:
    monkeypatch.setattr(export, "WATCH_EVERY", 3)
    seen: list[tuple[int, int | None, int, int]] = []

    def watch(summary: Summary) -> None:
        seen.append((summary.count, summary.last_position, summary.head.position,
                     summary.head.count))

    if writer == "bagit":
        done = write_bag(records, tmp_path / "bag", Selection(), False, watch=watch)
    else:
        write = write_jsonl if writer == "jsonl" else write_csv
        done = write(records, tmp_path / f"events.{writer}", Selection(), False, watch=watch)
    counts = [count for count, *_ in seen]
    assert counts == [*range(3, done.count + 1, 3), done.count]
    positions = [position or 0 for _, position, *_ in seen]
    assert positions == sorted(positions) and positions[-1] == done.last_position
    assert {(head, total) for *_, head, total in seen} == {(done.head.position,
                                                            done.head.count)}
