"""Command append by event recorder: the library's, ours (agent_records.eventstore), raw INSERT.

    python bench/recorder.py [--seconds S] [--repeat N] [--writers 1,8]

One command = one event = one transaction. Cases, each with 1 and with 8 concurrent
writers (threads; each writer its own connection, or its own application):
- raw INSERT: psycopg, autocommit, a prepared single-row INSERT into a table of the
  library's shape (uuid, bigint, text, bytea, bigserial id, primary key, id index);
- recorder X: ``recorder.insert_events`` of one stored event: the recorder alone, on the
  library's default datastore settings (a pool of one connection, no pre-ping);
- app X: ``AgentRecords.register_agent`` (the domain, the mapper, one save) on the store
  settings of ``agent_records.config`` (no pre-ping since 2026-11-25; it was one more
  round trip per save);
for X = library (LOCK TABLE + NOTIFY), concurrent (ours, no NOTIFY) and concurrent+NOTIFY.
Each figure is the median of ``--repeat`` runs of ``--seconds`` each, the cases taking
turns within a run; the ratio is over raw INSERT's with the same number of writers.
Every case has its own fresh schema of the test database, dropped at the end. The
server may be busy with other work: the figures are indicative, the ratios less so.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from eventsourcing.persistence import StoredEvent  # noqa: E402
from eventsourcing.postgres import PostgresDatastore  # noqa: E402
from eventsourcing.utils import resolve_topic  # noqa: E402

from agent_records.application import AgentRecords  # noqa: E402
from agent_records.domain.commands import RegisterAgent  # noqa: E402
from agent_records.domain.values import Actor, Decision  # noqa: E402
from bench import variants  # noqa: E402
from bench.common import full_size, run_writers  # noqa: E402
from tests import backends  # noqa: E402

RECORDERS = {name: variants.RECORDERS[name]
             for name in ("library", "concurrent", "concurrent+NOTIFY")}
CLERK = Actor("clerk-1", "hr_clerk")
Op = Callable[[], None]


def open_app(schema: str, recorder: str) -> AgentRecords:
    return variants.open_with(backends.store_url(schema), recorder)


def sample_event(app: AgentRecords) -> StoredEvent:
    """A stored AgentRegistered event as the application writes it."""
    register(app)
    note = app.recorder.select_notifications(1, 1)[0]
    return StoredEvent(note.originator_id, note.originator_version, note.topic, note.state)


def register(app: AgentRecords) -> None:
    app.handle(RegisterAgent(Decision(date(1950, 1, 1), CLERK), full_name="Jean Schmit",
                             birth_date=date(1920, 1, 1), nationality="LU"))


class Case:
    """One way of appending: ``make()`` gives a writer's operation and its cleanup."""

    def __init__(self, name: str, make: Callable[[], tuple[Op, Callable[[], None]]]) -> None:
        self.name, self.make = name, make


def raw_case(schema: str, sample: StoredEvent) -> Case:
    with psycopg.connect(backends.PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE TABLE "{schema}".raw (originator_id uuid NOT NULL, '
                     "originator_version bigint NOT NULL, topic text, state bytea, "
                     "notification_id bigserial, PRIMARY KEY (originator_id, originator_version))")
        conn.execute(f'CREATE UNIQUE INDEX ON "{schema}".raw (notification_id)')
    insert = (f'INSERT INTO "{schema}".raw (originator_id, originator_version, topic, state) '
              "VALUES (%s, 1, %s, %s)")

    def make() -> tuple[Op, Callable[[], None]]:
        conn = psycopg.connect(backends.PG_DSN, autocommit=True)
        return (lambda: conn.execute(insert, (uuid.uuid4(), sample.topic, sample.state),
                                     prepare=True) and None), conn.close

    return Case("raw INSERT", make)


def recorder_case(recorder: str, schema: str, sample: StoredEvent) -> Case:
    def make() -> tuple[Op, Callable[[], None]]:
        datastore = PostgresDatastore(backends.PG_DATABASE, backends.PG_HOST, backends.PG_PORT,
                                      backends.PG_USER, "", schema=schema, pool_size=1)
        rec = resolve_topic(RECORDERS[recorder])(datastore, events_table_name="events")
        rec.create_table()
        return (lambda: rec.insert_events([StoredEvent(
            uuid.uuid4(), 1, sample.topic, sample.state)]) and None), datastore.close

    return Case(f"recorder {recorder}", make)


def app_case(recorder: str, schema: str) -> Case:
    def make() -> tuple[Op, Callable[[], None]]:
        app = open_app(schema, recorder)
        return (lambda: register(app)), app.close

    return Case(f"app {recorder}", make)


def run(case: Case, writers: int, seconds: float) -> float:
    """Events per second of ``writers`` threads appending for ``seconds``."""
    made = [case.make() for _ in range(writers)]
    try:
        for op, _ in made:
            op()  # warm: prepared statements, type adapters, pool
        return run_writers(writers, seconds, lambda w: made[w][0])["events_per_s"]
    finally:
        for _, close in made:
            close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--writers", default="1,8")
    parser.add_argument("--full", action="store_true", help="10 s per case (make bench FULL=1)")
    args = parser.parse_args(argv)
    if args.full or full_size([]):
        args.seconds = max(args.seconds, 10.0)
    counts = [int(n) for n in args.writers.split(",")]
    schemas: list[str] = []

    def schema() -> str:
        schemas.append(backends.create_schema())
        return schemas[-1]

    try:
        probe = open_app(schema(), "library")
        sample = sample_event(probe)
        probe.close()
        cases = [raw_case(schema(), sample)]
        cases += [recorder_case(r, schema(), sample) for r in RECORDERS]
        cases += [app_case(r, schema()) for r in RECORDERS]
        rates: dict[tuple[str, int], list[float]] = {}
        for i in range(args.repeat):
            for n in counts:
                for case in cases:
                    rate = run(case, n, args.seconds)
                    rates.setdefault((case.name, n), []).append(rate)
                    print(f"run {i + 1}: {case.name}, {n} writer(s): {rate:,.0f} events/s",
                          file=sys.stderr, flush=True)
    finally:
        for name in schemas:
            backends.drop_schema(name)
    print(f"\nCommand append, one event per transaction: median of {args.repeat} runs of "
          f"{args.seconds:g} s; ratio = events/s / raw INSERT events/s, same writers")
    header = f"{'case':<28}" + "".join(f"{f'{n} writer(s)':>16}{'ratio':>8}" for n in counts)
    print(header)
    print("-" * len(header))
    for case in cases:
        line = f"{case.name:<28}"
        for n in counts:
            rate = statistics.median(rates[(case.name, n)])
            raw = statistics.median(rates[("raw INSERT", n)])
            line += f"{rate:>16,.0f}{rate / raw:>8.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
