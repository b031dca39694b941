"""Debian's chromium driven by Playwright for Python, offline by construction.

The browser is the system's (``/usr/bin/chromium``, installed by ``make test`` when
missing); Playwright's own browser download is never used. Every request a page makes
goes through ``Offline``: one to 127.0.0.1 goes on, any other is aborted and recorded,
so a test can assert that a page needed nothing beyond the service.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Route, expect, sync_playwright

from tests.prerequisites import missing

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 15_000
"""The longest wait for a page or an element: generous on 2 busy cores, never reached
when the page works."""


@dataclass
class Offline:
    """A route handler letting through requests to 127.0.0.1 only; records the others."""

    outside: list[str] = field(default_factory=list)

    def __call__(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, for a test module (``tests/web/conftest.py`` offers
    it to every module of the folder)."""
    if shutil.which(CHROMIUM) is None:
        missing("Debian's chromium is missing (`make test` installs it: apt-get install "
                "chromium)")
    expect.set_options(timeout=TIMEOUT_MS)  # assertions wait as long as actions (5 s else)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()
