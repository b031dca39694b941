"""Instructions per cached ``grant_leave`` on 50-event records, counted with callgrind.

    valgrind --tool=callgrind --instr-atstart=no python bench/callgrind_command.py command 100
    valgrind --tool=callgrind --instr-atstart=no python bench/callgrind_command.py fold 100
    valgrind --tool=callgrind --instr-atstart=no python bench/callgrind_command.py decide 100

N serving secretaries of 50 events (``append.serving_agents``) in a SQLite store in a
temporary directory, kept evaluated (``agent_cache``) and warmed by one read each; one
command is run first (imports, caches). Instrumentation is switched on (by
``callgrind_control``) around the other N - 1:
- ``command``: ``grant_leave`` through ``AgentRecords.handle``, the whole command;
- ``fold``: the fold of the new fact and the evaluation alone (``refold`` from the fold
  of the record before it, then ``evaluation``), as ``Agent._emit`` does;
- ``decide``: the decision alone, ``Agent.record`` of the leave on a copy of each cached
  agent with the application's ``stored_form`` (typing, bounds, the event, its stored
  form, the fold and the checks), without the save.
Divide callgrind's "Collected" by N - 1. Instruction counts are steady within about
1.5 % on a loaded machine, unlike times.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["AGENT_RECORDS_CACHED_AGENTS"] = "1000"

from agent_records import demo
from agent_records.bootstrap import open_records
from agent_records.domain.commands import OpenPost
from agent_records.domain.events import LeaveGranted
from agent_records.domain.fold import refold
from bench.append import nth_leave, serving_agents

LEAVES = 45
"""Leaves on each record: five events of entry into service and 45 leaves, 50 events."""


def instrument(on: bool) -> None:
    """Switches callgrind's counting on or off for this process."""
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())],
                   check=True, stdout=subprocess.DEVNULL)


def main(what: str, count: int) -> None:
    app = open_records(f"sqlite:///{tempfile.mkdtemp()}/store.sqlite3")
    app.handle(OpenPost(demo.on(date(1945, 1, 1)), code="BRU", name="Légation à Bruxelles",
                        city="Bruxelles", country="BE"))
    agents = serving_agents(app, count, leaves=LEAVES)
    for aid in agents:
        app.get_agent(aid)
    todo = [nth_leave(aid, LEAVES) for aid in agents]
    app.handle(todo[0])
    if what == "command":
        instrument(True)
        for command in todo[1:]:
            app.handle(command)
        instrument(False)
    elif what == "decide":
        copies = [app.get_agent(aid, fresh=False).clone() for aid in agents[1:]]
        given = [(app._stamp(c.decision), c.payload()) for c in todo[1:]]
        instrument(True)
        for agent, (decision, payload) in zip(copies, given, strict=True):
            agent.record(LeaveGranted, decision, stored_form=app.stored_form, **payload)
        instrument(False)
    else:
        for command in todo[1:]:
            app.handle(command)
        logs = [app.repository.get(aid).events for aid in agents[1:]]
        folds = [refold(log[:-1]) for log in logs]
        for fold in folds:
            fold.evaluation()
        instrument(True)
        for log, fold in zip(logs, folds, strict=True):
            refold(log, fold).evaluation()
        instrument(False)
    print(f"{what}: {count - 1} measured")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
