"""What a test needs from the machine, and what happens when it is missing.

On a developer's machine a missing tool (a PostgreSQL server binary, node, chromium) skips
the tests that need it, with the reason. In CI (``CI`` set, as ``.ci/run`` is run) the
machine is known to have them (``make test`` installs what it can), so a missing one
fails the run instead: a skip cannot hide there.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(reason: str) -> NoReturn:
    """Skips (fails in CI) because ``reason`` stands in the way."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must run this test: {reason}", pytrace=False)
    pytest.skip(reason)
