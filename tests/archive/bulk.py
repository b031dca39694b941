"""A large store, fast, and the memory an export of it takes (run as a subprocess).

``python -m tests.archive.bulk generate URL COUNT`` records COUNT registrations: one is
made by the domain (``Agent.register``) and encoded by the application's mapper; the
others are copies of its stored form with their own id and name, inserted through the
library's recorder in batches of 5000. Going through ``Agent.register`` for each would
take hours of the suite's time (the rules run on every registration), and the export
reads stored events only, whatever made them. They are then sealed by the real sealer,
whose RFC 8785 serialiser is swapped for the standalone script's equivalent one
(``verify_export.canonical``, checked equal to ``rfc8785`` by the format tests), four
times faster.

``python -m tests.archive.bulk measure URL SMALL`` exports the last SMALL events, then all
of them, as JSON Lines (counted, then discarded: the disk is not what is measured) and
prints a JSON report: counts, bytes, seconds, events/s, the largest resident memory sampled
during each export (every 5000 events) and the process's high-water mark after it
(``ru_maxrss``, which also counts the imports). Constant memory means the samples of the
large export stay where those of the small one are.
"""

from __future__ import annotations

import io
import json
import resource
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from agent_records.archive import verify_export
from agent_records.archive.export import export
from agent_records.archive.formats import JsonlSink
from agent_records.archive.records import Selection
from agent_records.bootstrap import open_records
from agent_records.domain.agent import Agent
from agent_records.integrity import chain
from agent_records.integrity.service import seal
from tests.careers import on

TEMPLATE = "Modèle Kräizbierg 0000000"


def generate(url: str, count: int, batch: int = 5000) -> dict[str, float]:
    app = open_records(url)
    started = time.monotonic()
    agent = Agent.register(on("1948-06-01"), full_name=TEMPLATE, birth_date=date(1920, 1, 1),
                           nationality="LU", category="diplomatic",
                           civil_political_rights=True, state_official=True,
                           prior_public_service_days=0, domicile_country="LU",
                           administrative_grade=None)
    template = app.mapper.to_stored_event(agent.collect_events()[0])
    marker = TEMPLATE.encode()
    for start in range(0, count, batch):
        app.recorder.insert_events([StoredEvent(
            uuid4(), 1, template.topic,
            template.state.replace(marker, f"Agent Kräizbierg {i:07d}".encode()))
            for i in range(start, min(start + batch, count))])
    generated = time.monotonic()
    chain.rfc8785.dumps = verify_export.canonical  # type: ignore[attr-defined]
    sealed = seal(app)
    app.close()
    return {"events": sealed, "generate_s": generated - started,
            "seal_s": time.monotonic() - generated}


def peak_mib() -> float:
    """The process's high-water mark of resident memory, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def resident_mib() -> float:
    """The process's resident memory now, in MiB (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


class Discard(io.RawIOBase):
    """A binary file that counts what is written and keeps none of it."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.size += len(data)
        return len(data)


def measure(url: str, small: int) -> dict[str, float]:
    app = open_records(url)
    head = app.recorder.max_notification_id()
    report: dict[str, float] = {"before_mib": peak_mib()}
    for name, since in (("small", head - small), ("large", 0)):
        started = time.monotonic()
        sink = Discard()
        samples: list[float] = []

        def sample(_position: int, _head: int, samples: list[float] = samples) -> None:
            samples.append(resident_mib())

        summary = export(app, [JsonlSink(sink)], Selection(since_position=since),  # type: ignore[arg-type]
                         personal=False, progress=sample)
        report[f"{name}_resident_max_mib"] = max(samples)
        report[f"{name}_resident_samples"] = len(samples)
        report[f"{name}_events"] = summary.count
        report[f"{name}_s"] = time.monotonic() - started
        report[f"{name}_rate"] = summary.count / report[f"{name}_s"]
        report[f"{name}_peak_mib"] = peak_mib()
        report[f"{name}_bytes"] = sink.size
    app.close()
    return report


if __name__ == "__main__":
    command, url, *rest = sys.argv[1:]
    if command == "generate":
        print(json.dumps(generate(url, int(rest[0]))))
    else:
        print(json.dumps(measure(url, int(rest[0]))))
