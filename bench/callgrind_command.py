"""Instructions per cached ``grant_leave`` on 50-event records, counted with callgrind.

    valgrind --tool=callgrind --instr-atstart=no python bench/callgrind_command.py command 100
    valgrind --tool=callgrind --instr-atstart=no python bench/callgrind_command.py fold 100
    valgrind --tool=callgrind --instr-atstart=no python bench/callgrind_command.py \
        command 100 --postgres
    valgrind --tool=callgrind --instr-atstart=no python bench/callgrind_command.py decide 100

N serving secretaries of 50 events (``append.serving_agents``) in a SQLite store in a
temporary directory, or with ``--postgres`` in a fresh schema of the benchmarks' server
(``bench.common.temp_schema``, dropped at the end), kept evaluated (``agent_cache``) and
warmed by one read each; one command (or insert) is run first (imports, caches, prepared
statements). Instrumentation is switched on (by ``callgrind_control``) around the other
N - 1:
- ``command``: ``grant_leave`` through ``AgentRecords.handle``, the whole command;
- ``fold``: the fold of the new fact and the evaluation alone (``refold`` from the fold
  of the record before it, then ``evaluation``), as ``Agent._emit`` does;
- ``decide``: the decision alone, ``Agent.record`` of the leave on a copy of each cached
  agent with the application's ``stored_form`` (typing, bounds, the event, its stored
  form, the fold and the checks), without the save;
- ``insert``: the recorder's ``insert_events`` of one stored event (a leave's, made
  beforehand), as a command's save calls it: the store's side of the command, pool
  included;
- ``raw``: (``--postgres`` only) a raw single-row INSERT through psycopg on a connection
  of its own (``append.raw_insert``, its ``uuid4`` included), the benchmarks' baseline.
Divide callgrind's "Collected" by N - 1. Instruction counts are steady within about
1.5 % on a loaded machine, unlike times, and within about 0.6 % with ``PYTHONHASHSEED=0``
in the environment (the figures to compare two revisions); only the client's
instructions are counted (the server is another process). ``callgrind_annotate
--inclusive=yes`` on the output file gives the C functions (the driver's, the JSON
encoder's); a Python function's share is measured by running it alone the same way.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["AGENT_RECORDS_CACHED_AGENTS"] = "1000"

from eventsourcing.persistence import StoredEvent

from agent_records import demo
from agent_records.application import AgentRecords
from agent_records.bootstrap import open_records
from agent_records.domain.commands import OpenPost
from agent_records.domain.events import LeaveGranted
from agent_records.domain.fold import refold
from bench.append import nth_leave, raw_insert, serving_agents
from bench.common import checked_argv, connect, create_raw_table, open_app, temp_schema

MEASURES = ("command", "decide", "fold", "insert", "raw")
LEAVES = 45
"""Leaves on each record: five events of entry into service and 45 leaves, 50 events."""


def evaluate(log: list[Any], fold: Any) -> None:
    """The fold of the record's last event on from the fold before it, and its evaluation."""
    refold(log, fold).evaluation()


def insert(app: AgentRecords, event: StoredEvent) -> None:
    """One event saved alone through the application's recorder."""
    app.recorder.insert_events([event])


def instrument(on: bool) -> None:
    """Switches callgrind's counting on or off for this process."""
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())],
                   check=True, stdout=subprocess.DEVNULL)


def counted(calls: Sequence[Callable[[], object]]) -> None:
    """Runs the first call uncounted (warm), the others counted."""
    calls[0]()
    instrument(True)
    for call in calls[1:]:
        call()
    instrument(False)


@contextlib.contextmanager
def store(postgres: bool) -> Iterator[tuple[AgentRecords, str | None]]:
    """The application on a fresh store, and its schema (``--postgres``) or None."""
    if not postgres:
        app = open_records(f"sqlite:///{tempfile.mkdtemp()}/store.sqlite3")
        try:
            yield app, None
        finally:
            app.close()
        return
    with temp_schema("callgrind") as schema:
        app = open_app(schema)
        try:
            yield app, schema
        finally:
            app.close()


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    what, count, postgres = args[0], int(args[1]), "--postgres" in argv
    if what not in MEASURES or (what == "raw" and not postgres):
        raise SystemExit(f"unknown measure {what!r} (raw needs --postgres); usage:\n{__doc__}")
    with store(postgres) as (app, schema):
        app.handle(OpenPost(demo.on(date(1945, 1, 1)), code="BRU",
                            name="Légation à Bruxelles", city="Bruxelles", country="BE"))
        agents = serving_agents(app, count, leaves=LEAVES)
        for aid in agents:
            app.get_agent(aid)
        todo = [nth_leave(aid, LEAVES) for aid in agents]
        if what == "command":
            counted([partial(app.handle, command) for command in todo])
        elif what == "decide":
            app.handle(todo[0])
            copies = [app.get_agent(aid, fresh=False).clone() for aid in agents[1:]]
            given = [(app._stamp(c.decision), c.payload()) for c in todo[1:]]
            counted([lambda: None, *(
                partial(agent.record, LeaveGranted, decision, stored_form=app.stored_form,
                        **payload)
                for agent, (decision, payload) in zip(copies, given, strict=True))])
        elif what == "fold":
            for command in todo:
                app.handle(command)
            logs: list[list[Any]] = [app.repository.get(aid).events for aid in agents[1:]]
            folds = [refold(log[:-1]) for log in logs]
            for fold in folds:
                fold.evaluation()
            counted([lambda: None, *(partial(evaluate, log, fold)
                                     for log, fold in zip(logs, folds, strict=True))])
        elif what in ("insert", "raw"):
            app.handle(todo[0])
            [leave] = app.recorder.select_events(agents[0], gt=LEAVES + 5)
        if what == "insert":
            counted([partial(insert, app, StoredEvent(aid, LEAVES + 7, leave.topic, leave.state))
                     for aid in agents])
        elif what == "raw" and schema is not None:
            with connect(autocommit=True) as conn:
                raw = create_raw_table(conn, schema)
            op = raw_insert(schema, raw, leave.topic, leave.state, False)(0)
            try:
                counted([op] * count)
            finally:
                op.conn.close()  # type: ignore[attr-defined]
    print(f"{what}: {count - 1} measured")


if __name__ == "__main__":
    main(checked_argv(None, __doc__))
