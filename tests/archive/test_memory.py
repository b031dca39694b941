"""Exports stream in constant memory: 200k events take no more memory than 25k."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVENTS, SMALL = 200_000, 25_000


def bulk(env: dict[str, str], *args: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-m", "tests.archive.bulk", *args], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_export_memory_stays_flat_from_25k_to_200k_events(
        tmp_path: Path, signing_env: dict[str, str]) -> None:
    url = f"sqlite:///{tmp_path}/large.sqlite3"
    made = bulk(signing_env, "generate", url, str(EVENTS))
    assert made["events"] == EVENTS
    report = bulk(signing_env, "measure", url, str(SMALL))
    print(json.dumps({**made, **report}, indent=1))
    assert (report["small_events"], report["large_events"]) == (SMALL, EVENTS)
    assert report["large_bytes"] > 7 * report["small_bytes"]
    assert report["large_resident_samples"] >= EVENTS // 5000
    growth = report["large_resident_max_mib"] - report["small_resident_max_mib"]
    assert growth < 8, f"resident memory grew by {growth:.1f} MiB from {SMALL} to {EVENTS} events"
    assert report["large_peak_mib"] - report["small_peak_mib"] < 8
