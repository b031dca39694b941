"""The cost of sealing personal fields (issue 12): append and the career read, on and off.

    python bench/sealing.py [--store URL] [--agents N] [--rounds R]

Two stores side by side on the same backend, one with personal fields sealed (the
default) and one with ``RECORDS_SEALING=off`` (the figure before encryption existed),
measured in alternating rounds so that the machine's load falls on both alike:
- append: ``RegisterAgent`` then ``AppointAttache`` (the two events with personal
  fields: birth date, nationality, rights, domicile; aptitude certificate and conduct
  attestation) per agent, through ``AgentRecords.handle``;
- bulk: the same events of N agents in one save (``StreamingEventStore``: keys created
  first in a few statements, then the COPY on PostgreSQL);
- career read: ``get_agent`` of each agent (load and decode its events, open the sealed
  values, fold the rules): what the GraphQL ``agent`` query does per record, without HTTP.
Figures are medians of the rounds, in µs per agent; the ratio is sealed over clear.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from uuid import UUID

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_records.application import AgentRecords
from agent_records.bootstrap import open_records
from agent_records.domain.agent import Agent
from agent_records.domain.commands import AppointAttache, RegisterAgent
from agent_records.domain.values import (
    Actor,
    AptitudeCertificate,
    ConductAttestation,
    Decision,
    Diploma,
    DiplomaKind,
)

ACTOR = Actor("bench", "hr_clerk")


def on(day: date) -> Decision:
    return Decision(day, ACTOR)


def career(app: AgentRecords, i: int) -> UUID:
    aid = app.handle(RegisterAgent(on(date(1948, 6, 1)), full_name=f"Agent {i}",
                                   birth_date=date(1920, 3, 1), nationality="LU")).aggregate_id
    day = date(1948, 7, 1)
    app.handle(AppointAttache(aid, on(day), aptitude_certificate=AptitudeCertificate(
        "Dr Weber", True, day), conduct_attestation=ConductAttestation("Parquet", day),
        diplomas=(Diploma(DiplomaKind.DOCTORATE_IN_LAW, "LU", "Docteur en droit"),)))
    return aid


def bulk(app: AgentRecords, count: int) -> None:
    agents = []
    for i in range(count):
        command = RegisterAgent(on(date(1948, 6, 1)), full_name=f"Bulk {i}",
                                birth_date=date(1920, 3, 1), nationality="LU")
        agents.append(Agent.register(command.decision, **command.payload()))
    app.save(*agents)


def timed(fn: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) / count * 1e6


def one_round(app: AgentRecords, base: int, count: int) -> dict[str, float]:
    """µs per agent of each case, on ``count`` new agents."""
    ids: list[UUID] = []
    return {"append": timed(lambda: ids.extend(career(app, base + i) for i in range(count)),
                            count),
            "bulk": timed(lambda: bulk(app, count * 5), count * 5),
            "career read": timed(lambda: [app.get_agent(aid) for aid in ids], count)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default=None, help="a PostgreSQL URL (two schemas are "
                        "made in it); default: two SQLite files")
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-sealing-"))
    os.environ.setdefault("AGENT_RECORDS_MASTER_KEY", str(folder / "master-key"))
    apps: dict[str, AgentRecords] = {}
    for mode in ("clear", "sealed"):
        os.environ["RECORDS_SEALING"] = "off" if mode == "clear" else "on"
        url = (f"{args.store}{'&' if '?' in args.store else '?'}schema=bench_seal_{mode}_"
               f"{os.getpid()}" if args.store else f"sqlite:///{folder}/{mode}.sqlite3")
        apps[mode] = open_records(url)
    os.environ.pop("RECORDS_SEALING")
    assert apps["clear"].mapper.sealer is None and apps["sealed"].mapper.sealer is not None  # type: ignore[attr-defined]
    figures: dict[tuple[str, str], list[float]] = {}
    for round_ in range(args.rounds):
        for mode, app in apps.items():
            for case, figure in one_round(app, round_ * args.agents, args.agents).items():
                figures.setdefault((case, mode), []).append(figure)
    print(f"{args.agents} agents a round, {args.rounds} rounds, "
          f"{'PostgreSQL' if args.store else 'SQLite'}; median µs per agent")
    print(f"{'case':<14}{'clear':>10}{'sealed':>10}{'ratio':>8}")
    for case in ("append", "bulk", "career read"):
        clear = statistics.median(figures[(case, "clear")])
        sealed = statistics.median(figures[(case, "sealed")])
        print(f"{case:<14}{clear:>10.0f}{sealed:>10.0f}{sealed / clear:>8.2f}")
    for app in apps.values():
        app.close()
    if args.store:  # the two schemas made here
        with psycopg.connect(args.store.split("?")[0], autocommit=True) as conn:
            for mode in apps:
                conn.execute(f'DROP SCHEMA "bench_seal_{mode}_{os.getpid()}" CASCADE')


if __name__ == "__main__":
    main()
