"""The pages in a real browser (Debian's chromium, headless): sign in as the HR clerk and
as the auditor, find an agent, open the dossier, sign out; an expired session and a form
without its CSRF token; GraphiQL loading with no request beyond 127.0.0.1.

No timing assertion: every wait is Playwright's, bounded by ``TIMEOUT_MS``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.browser import TIMEOUT_MS, Offline
from tests.web.conftest import Site


@pytest.fixture
def offline() -> Offline:
    return Offline()


@pytest.fixture
def page(browser: Browser, offline: Offline) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", offline)
    try:
        yield context.new_page()
    finally:
        context.close()
    assert offline.outside == [], f"requests beyond 127.0.0.1: {offline.outside}"


def sign_in(page: Page, site: Site, role: str, path: str = "/web/agents") -> None:
    """Opens ``path``, is sent to the sign-in form, signs in and comes back."""
    page.goto(site.url + path)
    expect(page).to_have_url(f"{site.url}/web/sign-in?next={path}")
    page.get_by_label("Your access token").fill(site.live.tokens[role])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(site.url + path)
    expect(page.locator("#role")).to_have_text(role)


def test_the_clerk_finds_an_agent_and_reads_the_dossier(page: Page, site: Site) -> None:
    sign_in(page, site, "hr_clerk")
    page.get_by_label("Name").fill("schmit")
    page.get_by_label("Grade").select_option(label="secrétaire de Légation")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#count")).to_have_text("1 agent found")
    page.get_by_role("link", name="Jean Schmit").click()
    expect(page).to_have_url(f"{site.url}/web/agents/{site.career.attache}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Jean Schmit")
    expect(page.locator('[data-field="sixtyFifthBirthday"]')).to_have_text("1 March 1985")
    history = page.locator("table.history tbody tr")
    expect(history).to_have_count(site.career.correction["version"] + 1)  # and Promoted
    leave = page.locator(f"#v{site.career.leave_version}")
    expect(leave).to_have_class("corrected")
    expect(leave).to_contain_text("Art. 15")
    leave.get_by_role("link", name=f"#{site.career.correction['version']}").click()
    expect(page).to_have_url(f"{site.url}/web/agents/{site.career.attache}"
                             f"#v{site.career.correction['version']}")
    expect(page.locator("#role")).to_have_text("hr_clerk")


def test_the_auditor_sees_the_dossier_without_identity(page: Page, site: Site) -> None:
    sign_in(page, site, "auditor", f"/web/agents/{site.career.attache}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Jean Schmit")
    expect(page.locator('[data-field="sixtyFifthBirthday"]')).to_have_text(
        "withheld from your role")
    expect(page.locator("main")).not_to_contain_text("1985")


def test_sign_out_ends_the_session(page: Page, site: Site) -> None:
    sign_in(page, site, "hr_clerk")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    expect(page.locator("#role")).to_have_text("Not signed in")
    page.goto(site.url + "/web/agents")
    expect(page).to_have_url(f"{site.url}/web/sign-in?next=/web/agents")


def test_an_expired_session_sends_back_to_sign_in(page: Page, site: Site) -> None:
    sign_in(page, site, "auditor")
    site.app.state.web_sessions.expire_all(site.app.state.services.views)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_have_text("Your session has expired: sign in again.")
    page.get_by_label("Your access token").fill(site.live.tokens["auditor"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#role")).to_have_text("auditor")


def test_a_form_without_its_csrf_token_is_refused(browser: Browser, site: Site) -> None:
    """The sign-out form with its hidden CSRF field removed (the page's CSP forbids any
    script: the test's own runs with the CSP bypassed)."""
    context = browser.new_context(bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, site, "hr_clerk")
        page.evaluate("document.querySelector('form[action=\"/web/sign-out\"] "
                      "input[name=csrf]').remove()")
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("alert")).to_contain_text("CSRF token is missing or wrong")
        page.goto(site.url + "/web/agents")
        expect(page.locator("#role")).to_have_text("hr_clerk")  # still signed in
    finally:
        context.close()


def test_graphiql_loads_from_the_service_alone(page: Page, site: Site,
                                               offline: Offline) -> None:
    page.goto(site.url + "/graphql")
    expect(page.locator(".graphiql-container .graphiql-editors")).to_be_visible()
    expect(page.get_by_role("button", name="Execute query (Ctrl-Enter)")).to_be_visible()
    assert offline.outside == []


def test_a_french_browser_reads_french_then_switches_to_english(browser: Browser, site: Site
                                                                ) -> None:
    """Chromium asking for French (its Accept-Language) gets French pages; the switch's
    button (a form, no script) turns them English, and the choice is kept."""
    context = browser.new_context(locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"{site.url}/web/agents/{site.career.attache}")
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        page.get_by_label("Votre jeton d'accès").fill(site.live.tokens["hr_clerk"])
        page.get_by_role("button", name="Se connecter").click()
        expect(page.get_by_role("heading", name="Compte de congés 1951")).to_be_visible()
        expect(page.locator('[data-field="sixtyFifthBirthday"]')).to_have_text("1 mars 1985")
        expect(page.locator('[data-field="grade"]')).to_have_text("secrétaire de Légation")
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page).to_have_url(f"{site.url}/web/agents/{site.career.attache}")
        expect(page.locator('[data-field="sixtyFifthBirthday"]')).to_have_text("1 March 1985")
        expect(page.locator('[data-field="grade"]')).to_have_text("secrétaire de Légation")
        page.get_by_role("link", name="Find an agent").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Find an agent")
    finally:
        context.close()
