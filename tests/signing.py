"""A signing key and a publication folder of each test's own (integrity and archive tests)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def signing_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Temporary data folder (where checkpoints are published) and signing key, both read
    at call time, also by subprocesses."""
    data = tmp_path / "data"
    env = {"AGENT_RECORDS_DATA": str(data),
           "AGENT_RECORDS_SIGNING_KEY": str(tmp_path / "keys" / "signing-key.pem")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AGENT_RECORDS_CHECKPOINTS", raising=False)  # under data/ as above
    return env
