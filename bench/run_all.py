"""Runs every benchmark (QUICK by default; ``--full`` or ``FULL=1`` for the full sizes).

    python bench/run_all.py [--full] [--only append,posting,bulk,...]

Each benchmark runs in its own process, creates and drops its own PostgreSQL schema and
prints its table; this script prints them all again at the end with the machine and
keeps the whole report in ``bench/results/summary-<size>.md``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULTS, ROOT, checked_argv, full_size, git_revision, log, server_facts

BENCHMARKS = ["append", "domain_growth", "recorder", "posting", "bulk", "rebuild", "graphql",
              "export_verify",
              "tenmillion",  # tenmillion: 100 k events QUICK, 10 M with --full
              "web_dossier"]
FULL_ONLY = ["save_limit"]


def main(argv: list[str] | None = None) -> int:
    argv = checked_argv(argv, __doc__)
    full = full_size(argv)
    size = "full" if full else "quick"
    chosen = (argv[argv.index("--only") + 1].split(",") if "--only" in argv
              else BENCHMARKS + (FULL_ONLY if full else []))
    facts = server_facts()
    started = time.strftime("%Y-%m-%d %H:%M:%S %z")
    header = [f"# Benchmarks ({size}), {started}, revision {git_revision()}", "",
              "| machine | |", "|---|---|"]
    header += [f"| {k} | {v} |" for k, v in facts.items()]
    sections, failed = [], []
    t_all = time.perf_counter()
    for name in chosen:
        cmd = [sys.executable, str(ROOT / "bench" / f"{name}.py")] + (["--full"] if full else [])
        log(f"== {name}: {' '.join(cmd[1:])}")
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        seconds = time.perf_counter() - t
        print(proc.stdout, flush=True)
        if proc.returncode:
            failed.append(name)
            sections.append(f"## {name}: FAILED (exit {proc.returncode}) after {seconds:.0f} s\n")
        else:
            sections.append(f"## {name} ({seconds:.0f} s): `python bench/{name}.py"
                            f"{' --full' if full else ''}`\n\n{proc.stdout}")
    total = time.perf_counter() - t_all
    report = "\n".join(header) + "\n\n" + "\n".join(sections) + \
        f"\nTotal: {total / 60:.1f} minutes.\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"summary-{size}.md").write_text(report)
    log(f"all done in {total / 60:.1f} minutes; report in {RESULTS / f'summary-{size}.md'}"
        + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
