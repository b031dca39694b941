"""HR's pages in a real browser (Debian's chromium, headless, offline but for 127.0.0.1):
a career recorded through the command forms (register, appoint with one refusal shown
next to its field and nothing recorded, pledge, oath, functions, posting, renewal), the
dossier's timeline and "as of" view, the post roster and what falls due from the nav,
and a form refused to a role the mutation refuses.

No timing assertion: every wait is Playwright's, bounded by ``TIMEOUT_MS``.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.api.career import POST
from tests.web.conftest import Site
from tests.web.test_browser import offline, page, sign_in

__all__ = ["offline", "page"]  # the browser's fixtures (test_browser.py; chromium: conftest)
DOSSIER = re.compile(r".*/web/agents/[0-9a-f-]{36}\?recorded=(\d+)$")


def record(page: Page, command: str, values: dict[str, str]) -> None:
    """Opens a command's form from the dossier, fills it and sends it."""
    page.locator("#record summary").click()
    page.locator("#record").get_by_role("link", name=command, exact=True).click()
    fill(page, values)
    page.get_by_role("button", name="Record").click()


def fill(page: Page, values: dict[str, str]) -> None:
    """Types each field by its name (a ``<select>`` by value, a checkbox checked)."""
    for name, value in values.items():
        field = page.locator(f'[name="{name}"]')
        kind = field.evaluate("e => e.tagName + (e.type ? ':' + e.type : '')")
        if kind.startswith("SELECT"):
            field.select_option(value)
        elif kind.endswith("checkbox"):
            field.check()
        else:
            field.fill(value)


def recorded(page: Page, version: int) -> None:
    expect(page).to_have_url(DOSSIER)
    expect(page.locator("#recorded")).to_have_text(f"Recorded: event #{version}.")


def test_hr_records_a_career_through_the_forms(page: Page, site: Site) -> None:
    sign_in(page, site, "hr_officer", "/web/record/register-agent")
    fill(page, {"effectiveDate": "1949-01-10", "fullName": "Marie Weber",
                "birthDate": "1920-05-05", "nationality": "LU"})
    page.get_by_role("button", name="Record").click()
    recorded(page, 1)
    dossier = page.url.split("?")[0]
    art6 = {"effectiveDate": "1949-02-01", "decisionReference": "AGD 1949/MW",
            "conductAttestation.issuedBy": "Parquet général",
            "conductAttestation.issuedOn": "1949-01-15", "diplomas.0.kind": "DOCTORATE_IN_LAW",
            "diplomas.0.country": "LU", "diplomas.0.title": "Docteur en droit"}

    # without the aptitude certificate: refused beside its fieldset, nothing recorded
    record(page, "Appoint attaché", art6)
    refusal = page.locator("#field-aptitudeCertificate .field-error")
    expect(refusal).to_contain_text("physical-aptitude certificate")
    expect(refusal.locator(".article")).to_have_text("(Art. 6)")
    expect(page.locator('[name="diplomas.0.title"]')).to_have_value("Docteur en droit")
    expect(page.locator(".error-summary")).to_contain_text("Nothing was recorded")
    page.goto(dossier)
    expect(page.locator("table.history tbody tr")).to_have_count(1)

    record(page, "Appoint attaché", art6 | {
        "aptitudeCertificate.doctor": "Dr Weber",
        "aptitudeCertificate.doctorDesignatedByMinister": "true",
        "aptitudeCertificate.issuedOn": "1949-01-20"})
    recorded(page, 2)
    record(page, "Pledge honour", {"effectiveDate": "1949-02-01"})
    recorded(page, 3)
    record(page, "Swear oath", {"effectiveDate": "1949-02-01"})
    recorded(page, 4)
    record(page, "Enter functions", {"effectiveDate": "1949-02-02"})
    recorded(page, 5)
    record(page, "Post agent", {"effectiveDate": "1949-02-02", "kind": "ABROAD",
                                "postCode": POST})
    recorded(page, 6)
    record(page, "Renew appointment", {"effectiveDate": "1950-02-01"})
    recorded(page, 7)

    # the timeline: a grade band, a posting band at the post, the pledge and the renewal
    timeline = page.locator("svg#timeline")
    expect(timeline.locator('g[data-kind="grade"]')).to_have_count(1)
    expect(timeline.locator('g[data-kind="posting"] title')).to_contain_text(f"Posted: {POST}")
    expect(timeline.locator('g[data-kind="renewal"]')).to_have_count(1)
    expect(timeline.locator('g[data-kind="pledge"]')).to_have_count(1)
    expect(timeline.locator('g[data-kind="marriage"]')).to_have_count(0)

    # as of a date in force before the renewal: what has changed since is marked
    page.get_by_label("Date in force").fill("1949-06-01")
    page.get_by_role("button", name="Show").first.click()
    renewals = page.locator('#as-of tr[data-field="renewals"]')
    expect(renewals).to_have_class("changed")
    expect(renewals.locator("mark")).to_have_text("0")
    expect(renewals).to_contain_text("changed since")

    # the roster on a date, and what falls due, from the navigation
    page.get_by_role("navigation").get_by_role("link", name="Posts").click()
    page.get_by_role("link", name=POST, exact=True).click()
    page.get_by_label("On", exact=True).fill("1949-06-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#roster")).to_contain_text("Marie Weber")
    page.get_by_role("navigation").get_by_role("link", name="What falls due").click()
    page.get_by_label("From").fill("1949-01-01")
    page.get_by_label("To", exact=True).fill("1951-12-31")
    page.get_by_role("button", name="Show").click()
    expect(page.locator('#due tr[data-kind="TERM_END"]').filter(
        has_text="Marie Weber")).to_have_count(1)


def test_a_form_the_role_may_not_send_is_refused(page: Page, site: Site) -> None:
    path = f"/web/agents/{site.career.attache}/record/grant-leave"
    sign_in(page, site, "hr_clerk", "/web/agents")
    response = page.goto(site.url + path)
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not for your role")
    expect(page.get_by_role("alert")).to_contain_text("may not read or do this: grantLeave")
    page.goto(site.url + f"/web/agents/{site.career.attache}")
    expect(page.locator("#record")).not_to_contain_text("Grant leave")
    expect(page.locator("#record")).to_contain_text("Promote")
