"""Screenshots of the web pages for the README: ``make screenshots``.

Starts the demo service (``agent-records serve --demo``, as ``make run``) on a free port
with a store and tokens in a temporary folder, signs in through the sign-in form in
Debian's chromium (Playwright, as the browser tests) as each shot's role, and writes one
PNG per row of ``SHOTS`` into ``docs/screenshots/``. Extend ``SHOTS`` when a page is
added; ``{agent}`` in a path is the demo agent with the longest history.

    .venv/bin/python docs/screenshots.py [--language en|fr] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTH, START_TIMEOUT = 1280, 120.0


@dataclass(frozen=True)
class Shot:
    """One screenshot: its file name, who looks (a role, or None signed out), the path,
    the tallest it may be (pixels; the page's top part beyond), and optionally a form's
    button to press there and an element to wait for on the page it leads to."""

    name: str
    role: str | None
    path: str
    height: int = 900
    press: str = ""
    until: str = ""


SHOTS = [
    Shot("sign-in", None, "/web/sign-in", 600),
    Shot("search", "hr_clerk", "/web/agents", 1100),
    Shot("dossier", "hr_officer", "/web/agents/{agent}", 1800),
    Shot("audit-trail", "council", "/web/audit", 1300),
    Shot("export", "archivist", "/web/exports", 1000),
    Shot("export-done", "archivist", "/web/exports", 700,
         press="form.export button[type=submit]", until="#download"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(data: Path, port: int, language: str) -> subprocess.Popen[bytes]:
    """The demo service in a process of its own, its store and tokens in ``data``."""
    env = os.environ | {"AGENT_RECORDS_DATA": str(data), "AGENT_RECORDS_WEB_LANGUAGE":
                        language}
    env.pop("AGENT_RECORDS_STORE", None)
    env.pop("AGENT_RECORDS_TOKENS", None)
    command = [str(Path(sys.executable).with_name("agent-records")), "serve", "--demo",
               "--port", str(port)]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)


def wait_ready(url: str, service: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if service.poll() is not None:
            raise SystemExit(f"the demo service stopped (exit {service.returncode})")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit("the demo service did not start")


def longest_history(url: str, token: str) -> str:
    """The id of the demo agent with the most events (the fullest dossier)."""
    query = "{ agents(first: 50) { edges { node { id history { totalCount } } } } }"
    answer = httpx.post(f"{url}/graphql", json={"query": query}, timeout=60,
                        headers={"Authorization": f"Bearer {token}"}).json()
    nodes = [e["node"] for e in answer["data"]["agents"]["edges"]]
    return str(max(nodes, key=lambda n: n["history"]["totalCount"])["id"])


def take(browser: Browser, url: str, tokens: dict[str, str], shots: list[Shot],
         language: str, values: dict[str, str], out: Path) -> None:
    """Each shot in a browser context of its own, signed in as its role."""
    for shot in shots:
        context = browser.new_context(locale=language, viewport={"width": WIDTH,
                                                                 "height": shot.height})
        try:
            page = context.new_page()
            path = shot.path.format_map(values)
            if shot.role is not None:
                page.goto(f"{url}/web/sign-in?next={path}")
                page.fill("#token", tokens[f"demo-{shot.role.replace('_', '-')}"])
                page.locator("form.sign-in button[type=submit]").click()
                page.wait_for_url(f"{url}{path}")
            else:
                page.goto(url + path)
            if shot.press:  # the page it leads to (an export's: refreshes until done)
                page.locator(shot.press).click()
                page.locator(shot.until).wait_for(timeout=120_000)
            height = min(shot.height, page.evaluate("document.documentElement.scrollHeight"))
            page.screenshot(path=out / f"{shot.name}.png", full_page=True,
                            clip={"x": 0, "y": 0, "width": WIDTH, "height": height})
            print(f"{out / shot.name}.png  ({shot.role or 'signed out'}, {path})")
        finally:
            context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--language", choices=["en", "fr"], default="en")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="screenshots-") as data:
        service = start(Path(data), port, args.language)
        try:
            wait_ready(url, service)
            tokens = json.loads((Path(data) / "demo-tokens.json").read_text())
            values = {"agent": longest_history(url, tokens["demo-hr-officer"])}
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                try:
                    take(browser, url, tokens, SHOTS, args.language, values, args.out)
                finally:
                    browser.close()
        finally:
            service.terminate()
            service.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
