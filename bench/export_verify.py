"""Export and verify of the whole log: events/s and peak memory, through the real CLI.

    python bench/export_verify.py [--full] [--agents N] [--store URL] [--formats jsonl,bagit]

Each step runs ``agent-records`` (or, for sealing, the projection worker) in a child
process, timed from outside: wall time, CPU time and peak resident memory of that process
alone (``os.wait4``). Steps: seal the ledger (catch up the hash chain), ``export`` to JSON
Lines (and BagIt), ``export --since-position`` of the second half only (same code, half
the events: if memory is flat the peaks are equal), ``verify --no-seal`` (recompute the
whole chain and check the published checkpoints). Without ``--store`` a store of demo
careers is generated in a fresh schema (QUICK ~30,000 events, FULL ~1,000,000) and
dropped; with ``--store`` an existing store is used and kept (its ledger is sealed if it
is behind; nothing else changes).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_records.bootstrap import open_records
from bench.common import (
    CLI,
    ROOT,
    checked_argv,
    full_size,
    log,
    option,
    run_child,
    save_result,
    server_facts,
    store_url,
    table,
    temp_schema,
)

SIZES = {"quick": {"agents": 2_000}, "full": {"agents": 66_000}}
SEAL = ("import sys; from agent_records.bootstrap import open_records; "
        "from agent_records.integrity.sealer import Sealer; "
        "from projections.engine.runner import Worker; w = Worker(open_records(sys.argv[1]), "
        "[Sealer], batch_size=2000); print(w.catch_up(w.views[0]))")


def run(url: str, formats: list[str], work: Path) -> tuple[list[list], dict]:
    app = open_records(url)
    head = app.recorder.max_notification_id() or 0
    app.close()
    half = head // 2
    cli = [*CLI, "--store", url]
    steps: list[tuple[str, list[str], int]] = [
        ("seal the ledger (catch up)", [sys.executable, "-c", SEAL, url], 0)]
    for fmt in formats:
        out = work / f"all.{fmt}"
        steps.append((f"export {fmt}, whole log", [*cli, "export", "--format", fmt,
                                                   "--out", str(out)], head))
    steps.append(("export jsonl, second half (--since-position)",
                  [*cli, "export", "--format", "jsonl", "--out", str(work / "half.jsonl"),
                   "--since-position", str(half)], head - half))
    steps.append(("verify --no-seal (whole chain)", [*cli, "verify", "--no-seal"], head))
    rows, data = [], {"head": head, "steps": []}
    for name, cmd, events in steps:
        log(f"  {name} ...")
        r = run_child(cmd, cwd=work)
        if not events:  # sealing: how many it sealed is what it printed
            events = int(r.stdout.split()[-1]) if r.stdout.strip() else 0
        rate = events / r.seconds if r.seconds else 0.0
        size = sum(f.stat().st_size for f in work.rglob("*") if f.is_file())
        log(f"    {events:,} events, {r.seconds:.1f} s, {rate:,.0f} events/s, "
            f"{r.peak_rss_mib:.0f} MiB")
        rows.append([name, events, r.seconds, rate, r.cpu_s, r.peak_rss_mib])
        data["steps"].append({"step": name, "events": events, "seconds": r.seconds,
                              "cpu_s": r.cpu_s, "peak_rss_mib": r.peak_rss_mib,
                              "events_per_s": rate, "bytes_in_workdir": size})
    return rows, data


def main(argv: list[str] | None = None) -> int:
    argv = checked_argv(argv, __doc__)
    size = "full" if full_size(argv) else "quick"
    agents = int(option(argv, "--agents") or SIZES[size]["agents"])
    formats = (option(argv, "--formats") or "jsonl,bagit").split(",")
    given = option(argv, "--store")
    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        if given:
            rows, data = run(given, formats, work)
        else:
            with temp_schema("export") as schema:
                # generated in a child: a child forked from a big parent reports the
                # parent's memory as its own peak (ru_maxrss counts the pages it had
                # before exec), which would hide whether the export's memory is flat
                log(f"generating {agents:,} careers into {schema}")
                subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"),
                                "--agents", str(agents), "--store", store_url(schema)],
                               check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
                rows, data = run(store_url(schema), formats, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    data["machine"] = server_facts()
    title = (f"Export and verify ({data['head']:,} events; each step one child process, "
             f"measured with os.wait4)")
    out = table(title, ["step", "events", "s", "events/s", "cpu s", "peak RSS MiB"], rows)
    save_result("export_verify", size if not given else "store", [out], data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
