"""Fixtures of the integration tests (the backend fixtures come from ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from agent_records.application import AgentRecords
from agent_records.bootstrap import open_records


@pytest.fixture
def open_app() -> Iterator[Callable[[str], AgentRecords]]:
    """Opens more application instances on a store URL; every one is closed afterwards."""
    opened: list[AgentRecords] = []

    def _open(url: str) -> AgentRecords:
        app = open_records(url)
        opened.append(app)
        return app

    try:
        yield _open
    finally:
        for app in opened:
            app.close()
