"""Every page checked by axe-core in chromium against WCAG 2.1 A and AA, in French (the
default language) and some in English: the test fails on any violation and prints each
with its elements.

``PAGES`` is the list to extend when a page is added: who looks at it (a role, or None
signed out) and its path (``{attache}``, ``{candidate}``: the ids of the career on
record, ``tests/web/conftest.py``). axe-core is vendored under ``tests/web/vendor/``
(never from a CDN) and injected by the test: the pages' CSP forbids scripts, so the test's
browser context bypasses the CSP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from agent_records.api.auth import Principal
from agent_records.domain.classification import Role
from agent_records.web.sessions import COOKIE
from tests.web.browser import TIMEOUT_MS, Offline
from tests.web.conftest import Site

AXE = Path(__file__).parent / "vendor" / "axe-core@4.14.1" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES: list[tuple[str | None, str]] = [
    (None, "/web/sign-in"),
    (None, "/web/sign-in?expired=1"),
    ("hr_clerk", "/web/agents"),
    ("hr_clerk", "/web/agents?name=schmit&grade=SECRETAIRE"),
    ("hr_clerk", "/web/agents/{attache}"),
    ("auditor", "/web/agents/{attache}"),  # fields withheld from the role
    ("council", "/web/agents/{candidate}"),
    ("hr_clerk", "/web/agents/nobody"),  # a refusal (404)
    ("hr_clerk", "/web/agents?name=" + "x" * 101),  # a search the API refuses (400)
    # HR: timeline and "as of", command forms (fieldsets; one refused), posts, deadlines
    ("hr_officer", "/web/agents/{attache}?valid_at=1950-01-01"),
    ("hr_clerk", "/web/agents/{attache}/record/promote"),
    ("hr_officer", "/web/agents/{attache}/record/appoint-attache"),
    ("hr_officer", "/web/record/register-agent"),
    ("hr_clerk", "/web/agents/{attache}/record/grant-leave"),
    ("hr_clerk", "/web/posts"),
    ("hr_clerk", "/web/posts/BRU?on=1950-01-01"),
    ("hr_clerk", "/web/due?start=1949-01-01&end=1990-12-31"),
    ("auditor", "/web/due"),
]
RUN = """async tags => {
  const found = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return found.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))}));
}"""


def report(violations: list[dict[str, Any]]) -> str:
    return "\n".join(f"- {v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(
        f"    {n['target']}: {n['summary']}" for n in v["nodes"]) for v in violations)


ENGLISH = [PAGES[0], PAGES[4]]
"""Pages checked in English too (the same markup, other words: two are enough)."""


@pytest.mark.parametrize(("role", "path", "language"),
                         [(*p, "fr") for p in PAGES] + [(*p, "en") for p in ENGLISH])
def test_the_page_has_no_wcag_violation(browser: Browser, site: Site, role: str | None,
                                        path: str, language: str) -> None:
    context = browser.new_context(bypass_csp=True, locale=language)
    context.set_default_timeout(TIMEOUT_MS)
    offline = Offline()
    context.route("**/*", offline)
    try:
        if role is not None:  # a session opened as the sign-in form would
            session_id, _ = site.app.state.web_sessions.open(
                site.app.state.services.views, Principal(f"demo-{role}", Role(role)))
            context.add_cookies([{"name": COOKIE, "value": session_id,
                                  "url": f"{site.url}/web"}])
        page = context.new_page()
        page.goto(site.url + path.format_map(site.career.ids))
        assert page.locator("html").get_attribute("lang") == language
        assert (role is None) == (page.locator("#principal").count() == 0)
        page.add_script_tag(path=AXE)
        violations = page.evaluate(RUN, TAGS)
    finally:
        context.close()
    assert offline.outside == []
    assert violations == [], f"axe-core, {path} as {role} ({language}):\n" + report(
        violations)


def test_axe_reports_what_it_should(browser: Browser, site: Site) -> None:
    """The check itself works: a page spoilt on purpose (an image without text, grey on
    white, a field without label) gets those violations."""
    context = browser.new_context(bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(site.url + "/web/sign-in")
        page.evaluate("""() => document.querySelector("main").insertAdjacentHTML("beforeend",
            '<img src="/web/static/none.png"><p style="color:#bbb">faint</p><input id="x">')""")
        page.add_script_tag(path=AXE)
        violations = page.evaluate(RUN, TAGS)
    finally:
        context.close()
    assert {"image-alt", "color-contrast", "label"} <= {v["id"] for v in violations}


def test_signing_in_and_searching_with_the_keyboard_alone(browser: Browser, site: Site
                                                          ) -> None:
    """The first Tab reaches the skip link, which shows itself and leads to the content;
    the sign-in and the search are done with keys only."""
    context = browser.new_context(locale="en")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(site.url + "/web/sign-in?next=/web/agents")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to the content")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        page.keyboard.press("Enter")
        expect(page).to_have_url(site.url + "/web/sign-in?next=/web/agents#main")
        for _ in range(10):  # the language buttons come first, then the token field
            if page.evaluate("document.activeElement.id") == "token":
                break
            page.keyboard.press("Tab")
        expect(page.get_by_label("Your access token")).to_be_focused()
        page.keyboard.type(site.live.tokens["hr_clerk"])
        page.keyboard.press("Enter")
        expect(page).to_have_url(site.url + "/web/agents")
        page.get_by_label("Name").focus()
        page.keyboard.type("reuter")
        page.keyboard.press("Enter")
        expect(page.locator("#count")).to_have_text("1 agent found")
    finally:
        context.close()
