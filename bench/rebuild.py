"""Projection rebuild from zero: every rebuildable view in one pass, events/s, CPU, memory.

    python bench/rebuild.py [--full] [--agents N] [--store URL] [--each] [--processes N]

Generates a store of demo careers (``bench/generate.py``'s bulk path; QUICK about
100,000 events, FULL about 1,000,000) in a fresh schema, then times ``agent-records
projections rebuild`` (every rebuildable view from position zero in one pass, swapped in at once)
in a child process, measured from outside with ``os.wait4``: wall time, CPU seconds of
the worker and its partition processes, and their peak resident memory. The PostgreSQL
server's CPU over the same interval (every ``postgres`` process, exited backends
included through the postmaster; other sessions on the server count too) is shown
beside it, and the CPU of the rebuild's own server sessions (sampled): the machine is
shared, so events per CPU second (worker and its sessions) is the figure that travels.
``--each`` also times each view rebuilt alone. With ``--store`` an existing store is
used and kept (its views are rebuilt in place; the ledger, sealed once, is never
rebuilt).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_records.bootstrap import open_records
from agent_records.readside import VIEWS
from bench.common import (
    CLI,
    checked_argv,
    connect,
    full_size,
    generate,
    log,
    open_app,
    option,
    progress_line,
    run_child,
    save_result,
    server_facts,
    store_url,
    table,
    temp_schema,
)
from projections.engine.rebuild import APPLICATION_NAME

SIZES = {"quick": {"agents": 6_600}, "full": {"agents": 66_000}}
"""About 15 events per demo career: 6,600 careers ~ 100,000 events, 66,000 ~ 1,000,000."""
BASELINE = 363
"""Events/s of the former rebuild (each view through the incremental path, BENCHMARKS.md)."""


def server_cpu() -> float:
    """CPU seconds of every PostgreSQL process so far (ended backends in the postmaster's)."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue  # ended meanwhile
        if stat[stat.index("(") + 1:stat.rindex(")")] == "postgres":
            fields = stat[stat.rindex(")") + 2:].split()
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / ticks


class SessionCpu(threading.Thread):
    """Samples the CPU time of the rebuild's own server sessions (``application_name``)
    every 0.2 s until stopped: their last sample each, summed (a session's last 0.2 s
    may be missed)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.seen: dict[int, float] = {}

    def run(self) -> None:
        ticks = os.sysconf("SC_CLK_TCK")
        with connect(autocommit=True) as conn:
            while not self.stop.wait(0.2):
                pids = [r[0] for r in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                    (APPLICATION_NAME,))]
                for pid in pids:
                    with contextlib.suppress(OSError):
                        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                        self.seen[pid] = (int(fields[11]) + int(fields[12])) / ticks

    def total(self) -> float:
        self.stop.set()
        self.join()
        return sum(self.seen.values())


def rebuild(url: str, name: str | None, processes: str | None) -> dict[str, float]:
    """``projections rebuild [NAME]`` in a child process; progress passes to stderr."""
    env = {"AGENT_RECORDS_REBUILD_PROCESSES": processes} if processes else {}
    server, sessions = server_cpu(), SessionCpu()
    sessions.start()
    try:
        r = run_child([*CLI, "--store", url, "projections", "rebuild",
                       *([name] if name else [])], env)
    finally:
        own = sessions.total()
    log(r.stderr.rsplit("\r", 1)[-1].strip())
    return {"seconds": r.seconds, "cpu_s": r.cpu_s,
            "server_cpu_s": server_cpu() - server, "session_cpu_s": own,
            "peak_rss_mib": r.peak_rss_mib}


def run(url: str, each: bool, processes: str | None) -> tuple[list[list], dict]:
    app = open_records(url)
    head = app.recorder.max_notification_id() or 0
    app.close()
    rows, data = [], {"head": head, "runs": []}
    for name in [None, *([n for n, v in VIEWS.items() if getattr(v, "rebuildable", True)]
                         if each else [])]:
        label = name or "all views, one pass"
        log(f"  rebuild {label} ...")
        r = rebuild(url, name, processes)
        rate = head / r["seconds"]
        rows.append([label, head, r["seconds"], rate, r["cpu_s"], r["session_cpu_s"],
                     head / (r["cpu_s"] + r["session_cpu_s"]), r["server_cpu_s"],
                     r["peak_rss_mib"]])
        data["runs"].append({"views": label, "events": head, **r, "events_per_s": rate})
    return rows, data


def main(argv: list[str] | None = None) -> int:
    argv = checked_argv(argv, __doc__)
    size = "full" if full_size(argv) else "quick"
    agents = int(option(argv, "--agents") or SIZES[size]["agents"])
    given, each = option(argv, "--store"), "--each" in argv
    processes = option(argv, "--processes")
    data: dict = {"machine": server_facts()}
    if given:
        rows, runs = run(given, each, processes)
    else:
        with temp_schema("rebuild") as schema:
            app = open_app(schema)
            log(f"generating {agents:,} careers into {schema}")
            gen = generate(app, agents, jobs=os.cpu_count() or 1,
                           progress=progress_line(agents))
            data["generate"] = gen.row()
            app.close()
            rows, runs = run(store_url(schema), each, processes)
    data.update(runs)
    best = rows[0][3]
    data["projected_1m_minutes"] = 1_000_000 / best / 60
    title = (f"Projection rebuild from zero ({'store' if given else size}: {data['head']:,} "
             "events; one child process and its partitions, measured with os.wait4)")
    out = table(title, ["views", "events", "s", "events/s", "worker cpu s",
                        "its sessions' cpu s", "events per cpu s", "server cpu s (all)",
                        "peak RSS MiB"], rows)
    note = (f"1,000,000 events at this rate: {data['projected_1m_minutes']:.1f} minutes for "
            f"all views (target < 3; formerly {BASELINE} events/s, about "
            f"{1_000_000 / BASELINE / 60:.0f} minutes).\n")
    save_result("rebuild", "store" if given else size, [out, note], data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
