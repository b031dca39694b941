"""Every archive test signs with a key of its own and publishes into its own folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_records.application import AgentRecords
from agent_records.integrity import service
from tests.archive.helpers import Careers, record_careers


@pytest.fixture(autouse=True)
def signing_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Temporary data folder and signing key (read at call time), also for subprocesses."""
    data = tmp_path / "data"
    env = {"AGENT_RECORDS_DATA": str(data),
           "AGENT_RECORDS_SIGNING_KEY": str(tmp_path / "keys" / "signing-key.pem")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(service, "PUBLISHED", data / "checkpoints")
    return env


@pytest.fixture
def careers(records: AgentRecords) -> Iterator[Careers]:
    """The reference careers recorded on an empty store, once per backend."""
    yield record_careers(records)
