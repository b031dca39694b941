"""Fills a store with valid careers at scale, many aggregates per transaction.

    python bench/generate.py --agents 100000 [--store URL] [--long] [--save-limit 10000]

Careers are the demo's (``agent_records/demo.py``), recorded by the application's own
commands with every rule checked; aggregates stay in memory and are stored by one
``app.save(*aggregates)`` per batch of fewer than ``--save-limit`` events (one save of
about 14,000 demo events hangs in psycopg's pipeline here: ``bench/save_limit.py``).
``--long`` adds an annual leave in every year of service (several times the events per
career). Without ``--store``, a fresh schema of the test database is created and kept
(its URL is printed).
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_records.bootstrap import open_records
from bench.common import (
    SAVE_LIMIT,
    connect,
    generate,
    log,
    open_app,
    progress_line,
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, required=True)
    ap.add_argument("--store", help="store URL (default: a new schema of the test database)")
    ap.add_argument("--long", action="store_true", help="an annual leave every year of service")
    ap.add_argument("--save-limit", type=int, default=SAVE_LIMIT,
                    help=f"events per app.save (default {SAVE_LIMIT:,})")
    ap.add_argument("--seed", type=int, default=1948)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="worker processes running the careers (default: all cores)")
    args = ap.parse_args(argv)
    if args.store:
        app = open_records(args.store)
    else:
        schema = f"bench_gen_{uuid.uuid4().hex[:8]}"
        with connect(autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        app = open_app(schema)
    if app.recorder.max_notification_id():
        log(f"{app.settings.display} already holds events: generate into an empty store")
        return 2
    log(f"generating {args.agents:,} careers into {app.settings.display}")
    stats = generate(app, args.agents, seed=args.seed, long=args.long,
                     save_limit=args.save_limit, jobs=args.jobs,
                     progress=progress_line(args.agents))
    app.close()
    r = stats.row()
    print(f"{r['agents']:,} agents, {r['events']:,} events in {r['saves']:,} saves, "
          f"{r['total_s']:.1f} s: {r['events_per_s']:,} events/s end to end "
          f"(domain {r['domain_events_per_cpu_s']:,} events per worker-second, "
          f"app.save {r['save_events_per_s']:,} events/s)")
    print(f"store: {app.settings.display}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
