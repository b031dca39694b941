"""Cost of one command in the domain as an agent's record grows (no database).

    python bench/domain_growth.py

An agent serving abroad receives one annual leave per year through ``GrantLeave`` (the
application's command, aggregates in memory: ``BulkRecords``); the time of the next
command is taken at several record lengths. Every command evaluates the whole record once
(with the new event), so its cost grows with the record: linearly since the leave rule
counts on from the carry-over it found at the previous leave (it re-counted every earlier
year at each leave: 62 ms at 81 events at the baseline).
"""

from __future__ import annotations

import copy
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_records import demo
from agent_records.domain.agent import metadata
from agent_records.domain.commands import (
    AppointAgent,
    EnterFunctions,
    GrantLeave,
    PostAgent,
    RegisterAgent,
    SwearOath,
)
from agent_records.domain.post import Post, PostOpened, post_id
from bench.common import BulkRecords, save_result, table

MARKS = (5, 10, 20, 40, 80)


def main() -> int:
    payload = {"code": "BRU", "name": "Légation à Bruxelles", "city": "Bruxelles",
               "country": "BE", "kind": "legation"}
    decision = demo.on(date(1945, 1, 1))
    post = Post._create(PostOpened, id=post_id("BRU"),
                        **metadata(PostOpened, decision, payload), **payload)
    bulk = BulkRecords(None, {"BRU": post})
    rows = []
    aid = bulk.handle(RegisterAgent(demo.on(date(1920, 1, 1)), full_name="Jean Schmit",
                                    birth_date=date(1900, 1, 1), nationality="LU")).aggregate_id
    day = date(1921, 3, 1)
    bulk.handle(AppointAgent(aid, demo.on(day, "AGD"), grade="secretaire",
                             council_deliberation_ref="Conseil 1921/1"))
    bulk.handle(SwearOath(aid, demo.on(day)))
    bulk.handle(EnterFunctions(aid, demo.on(day)))
    bulk.handle(PostAgent(aid, demo.on(day), kind="abroad", post_code="BRU"))
    year = 1922
    for mark in MARKS:
        while bulk.get_agent(aid).version < mark:  # two leaves a year until the mark
            for month in (3, 9):
                start = date(year, month, 1)
                bulk.handle(GrantLeave(aid, demo.on(start, "AM"), end_date=start.replace(day=12),
                                       travel_days=2))
            year += 1
        original = bulk.get_agent(aid)
        trials = []
        for _ in range(5):  # the next command, on copies of the record: best of five
            bulk.agents[aid] = copy.deepcopy(original)
            start = date(year, 3, 1)
            t = time.perf_counter()
            bulk.handle(GrantLeave(aid, demo.on(start, "AM"), end_date=start.replace(day=12),
                                   travel_days=2))
            trials.append(time.perf_counter() - t)
        bulk.agents[aid] = original
        best = min(trials) * 1000
        rows.append([original.version, best, 1000 / best])
    out = table("One grant_leave in the domain (no database) by record length",
                ["events in the record", "ms per command (best of 5)", "commands/s"], rows)
    save_result("domain_growth", "quick", [out], {"rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
