"""Export jobs without a server: each belongs to the person who asked, is downloaded
once, and is deleted with its folder when not downloaded in time; the writers report
their progress through ``watch``."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from agent_records.archive.records import ExportError, Selection
from agent_records.web import exports
from agent_records.web.exports import EXPIRY, RUNNING_AT_MOST, ExportRefused, Exports, Job


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Jobs write a small file once the gate opens (no store needed)."""
    opened = threading.Event()

    def write(services: Any, job: Job) -> Path:
        opened.wait(10)
        out = job.folder / "events.jsonl"
        out.write_text('{"position": 1}\n')
        job.written = 1
        return out

    monkeypatch.setattr(exports, "write", write)
    return opened


def finished(job: Job) -> Job:
    for _ in range(200):
        if job.finished is not None:
            return job
        threading.Event().wait(0.02)
    raise AssertionError("the job did not finish")


def test_a_job_is_its_owners_and_downloaded_once(tmp_path: Path, gate: threading.Event
                                                 ) -> None:
    jobs = Exports(lambda: tmp_path)
    job = jobs.start(None, "demo-archivist", "jsonl", Selection(), False)  # type: ignore[arg-type]
    assert job.running and jobs.take(job.id, "demo-archivist") is None  # not ready
    gate.set()
    finished(job)
    assert job.done and job.on_disk() == len('{"position": 1}\n')
    assert jobs.get(job.id, "demo-council") is None
    assert jobs.take(job.id, "demo-council") is None
    taken = jobs.take(job.id, "demo-archivist")
    assert taken is job and jobs.take(job.id, "demo-archivist") is None
    jobs.delivered(job)
    assert not job.folder.exists()


def test_a_job_not_downloaded_expires(tmp_path: Path, gate: threading.Event) -> None:
    clock = Clock()
    jobs = Exports(lambda: tmp_path, clock)
    gate.set()
    job = finished(jobs.start(None, "a", "csv", Selection(), False))  # type: ignore[arg-type]
    clock.now += EXPIRY / 2
    assert jobs.get(job.id, "a") is job
    clock.now += EXPIRY
    assert jobs.get(job.id, "a") is None and not job.folder.exists()


def test_too_many_running_jobs_are_refused(tmp_path: Path, gate: threading.Event) -> None:
    jobs = Exports(lambda: tmp_path)
    running = [jobs.start(None, "a", "jsonl", Selection(), False)  # type: ignore[arg-type]
               for _ in range(RUNNING_AT_MOST)]
    with pytest.raises(ExportRefused, match="already being made"):
        jobs.start(None, "b", "jsonl", Selection(), False)  # type: ignore[arg-type]
    gate.set()
    for job in running:
        finished(job)
    finished(jobs.start(None, "b", "jsonl", Selection(), False))  # type: ignore[arg-type]


def test_a_failed_job_says_why_and_leaves_nothing(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(services: Any, job: Job) -> Path:
        raise ExportError("post XYZ: no such post")

    monkeypatch.setattr(exports, "write", broken)
    jobs = Exports(lambda: tmp_path)
    job = finished(jobs.start(None, "a", "jsonl", Selection(), False))  # type: ignore[arg-type]
    assert job.error == "post XYZ: no such post" and not job.folder.exists()
