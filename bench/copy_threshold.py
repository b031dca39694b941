"""Where the concurrent recorder's COPY path beats its one-statement INSERT.

    python bench/copy_threshold.py [SIZES ...]      (default 20 50 100 200 500 1000 5000)

``recorder.insert_events`` of N stored events (~430 bytes of state, as the demo's), saved
again and again for about 20,000 events per size and path, alternating the two paths
twice: the INSERT (``unnest`` arrays that psycopg dumps as text) and the binary COPY (three
more round trips: lock, sequence read, COPY, ids and unlock, commit). Prints events/s and
client CPU µs per event; ``ConcurrentApplicationRecorder.COPY_ROWS`` is set from this.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventsourcing.persistence import StoredEvent

from agent_records.eventstore.recorders.postgres import ConcurrentApplicationRecorder
from bench.common import checked_argv, log, open_app, save_result, server_facts, table, temp_schema

DEFAULT = [20, 50, 100, 200, 500, 1000, 5000]
PER_CASE = 20_000
STATE = os.urandom(215).hex().encode()


def run(recorder: ConcurrentApplicationRecorder, size: int, copy: bool) -> tuple[float, float]:
    """Events/s and client CPU µs per event of ``PER_CASE`` events in saves of ``size``."""
    recorder.COPY_ROWS = 1 if copy else sys.maxsize
    saves = [[StoredEvent(uuid.uuid4(), 1, "agent_records.domain.events:Promoted", STATE)
              for _ in range(size)] for _ in range(max(3, PER_CASE // size))]
    wall, cpu = time.perf_counter(), time.process_time()
    for events in saves:
        recorder.insert_events(events)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    count = size * len(saves)
    return count / wall, cpu / count * 1e6


def main(argv: list[str] | None = None) -> int:
    argv = checked_argv(argv, __doc__)
    sizes = [int(a) for a in argv if a.isdigit()] or DEFAULT
    rows = []
    with temp_schema("copythreshold") as schema:
        app = open_app(schema)
        recorder = app.recorder
        assert isinstance(recorder, ConcurrentApplicationRecorder), type(recorder)
        for size in sizes:
            got: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
            for copy in (False, True, False, True):
                got[copy].append(run(recorder, size, copy))
            best = {k: (max(r for r, _ in v), min(c for _, c in v)) for k, v in got.items()}
            rows.append([size, best[False][0], best[True][0], best[True][0] / best[False][0],
                         best[False][1], best[True][1]])
            log(f"  {size:,}: INSERT {best[False][0]:,.0f}/s, COPY {best[True][0]:,.0f}/s")
        app.close()
    out = table("insert_events: one INSERT (unnest) against binary COPY, best of two",
                ["events a save", "INSERT events/s", "COPY events/s", "COPY / INSERT",
                 "INSERT cpu µs/event", "COPY cpu µs/event"], rows)
    save_result("copy_threshold", "quick", [out], {"machine": server_facts(), "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
