"""Every archive test signs with a key of its own and publishes into its own folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent_records.application import AgentRecords
from tests.archive.helpers import Careers, record_careers
from tests.signing import signing_env

__all__ = ["careers", "signing_env"]


@pytest.fixture
def careers(records: AgentRecords) -> Iterator[Careers]:
    """The reference careers recorded on an empty store, once per backend."""
    yield record_careers(records)
