"""The dossier's timeline and "as of" controls, the post roster and what falls due, over
HTTP (httpx), on ``conftest.record``'s career with a marriage added (authorised)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.api.career import POST
from tests.web.conftest import Site
from tests.web.test_sessions import sign_in

MARK = re.compile(r'<g class="item ([a-z ]+)"\s+data-kind="([a-z]+)" data-version="(\d+)">'
                  r'\s*<title>([^<]*)</title>')


@pytest.fixture(scope="module")
def married(site: Site) -> Site:
    """The attaché asks to marry and the minister authorises (marriage data)."""
    agent = site.career.attache
    asked = site.live.record("RequestMarriageAuthorisation", {
        "agentId": agent, "effectiveDate": "1951-09-01", "spouseName": "Anne Muller",
        "spouseNationality": "LU"}, role="hr_clerk")
    site.live.record("AuthoriseMarriage", {"agentId": agent, "effectiveDate": "1951-09-15",
                                           "requestVersion": asked["version"]},
                     role="hr_officer")
    return site


@contextmanager
def client(site: Site, role: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, follow_redirects=False, timeout=30) as http:
        sign_in(http, site.live.tokens[role])
        yield http


@pytest.fixture(scope="module")
def clerk(married: Site) -> Iterator[httpx.Client]:
    with client(married, "hr_clerk") as http:
        yield http


def marks(html: str) -> list[tuple[str, str, int, str]]:
    """(classes, kind, version, title) of each item of the timeline."""
    return [(c, k, int(v), t) for c, k, v, t in MARK.findall(html)]


def test_the_timeline_draws_the_career(clerk: httpx.Client, married: Site) -> None:
    page = clerk.get(f"/web/agents/{married.career.attache}").text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'role="img"' in page
    assert '<title id="timeline-title">Career timeline of Jean Schmit</title>' in page
    found = marks(page)
    kinds = [k for _, k, _, _ in found]
    grades = [t for _, k, _, t in found if k == "grade"]
    assert [g.split(":")[0] for g in grades] == ["attaché de Légation",
                                                 "secrétaire de Légation"]
    assert grades[0].startswith("attaché de Légation: 1948-07-01 to 1951-08-01")
    assert kinds.count("renewal") == 3 and {"oath", "pledge", "functions"} <= set(kinds)
    posting = next(t for _, k, _, t in found if k == "posting")
    assert posting.startswith(f"Posted: {POST}: 1948-07-01 to 1952-01-01")  # until today
    leave = next((c, t) for c, k, _, t in found if k == "leave")
    assert "corrected" in leave[0]  # drawn with its corrected end, marked
    assert leave[1].startswith("Annual leave: 1950-08-01 to 1950-08-19")
    assert f"corrected by #{married.career.correction['version']}" in leave[1]
    assert "marriage" not in kinds  # the clerk does not read marriage data
    words = page[page.index('id="timeline-text"'):]
    assert "Annual leave: 1950-08-01 to 1950-08-19" in words  # the text alternative


def test_marriage_marks_only_for_a_role_that_reads_marriage(married: Site) -> None:
    with client(married, "hr_officer") as officer:
        page = officer.get(f"/web/agents/{married.career.attache}").text
    titles = [t for _, k, _, t in marks(page) if k == "marriage"]
    assert [t.split(":")[0] for t in titles] == ["Marriage authorisation requested",
                                                 "Marriage authorised"]


def test_as_of_a_date_shows_what_changed_since(clerk: httpx.Client, married: Site) -> None:
    page = clerk.get(f"/web/agents/{married.career.attache}",
                     params={"valid_at": "1950-01-01"}).text
    table = page[page.index('<table class="as-of"'):page.index("</table>",
                                                               page.index('class="as-of"'))]
    grade = re.search(r'<tr data-field="grade" class="changed">(.*?)</tr>', table, re.S)
    assert grade is not None
    assert "<mark>attaché de Légation</mark>" in grade.group(1)
    assert "secrétaire de Légation" in grade.group(1)
    assert "changed since" in grade.group(1)
    assert re.search(r'<tr data-field="fullName" >.*?same', table, re.S)
    promoted = married.career.receipts["Promote"][0]["version"]
    assert f'<tr id="v{promoted}" class=" later">' in page  # not yet in force then


def test_as_of_an_instant_before_the_record(clerk: httpx.Client, married: Site) -> None:
    page = clerk.get(f"/web/agents/{married.career.attache}",
                     params={"known_at": "2000-01-01T00:00"})
    assert page.status_code == 200 and 'id="as-of-none"' in page.text
    bad = clerk.get(f"/web/agents/{married.career.attache}", params={"valid_at": "1950-02-30"})
    assert bad.status_code == 400 and "is not a date" in bad.text


def test_the_post_roster_on_a_date(clerk: httpx.Client, married: Site) -> None:
    listed = clerk.get("/web/posts", params={"on": "1950-01-01"})
    assert f'href="/web/posts/{POST}?on=1950-01-01">{POST}</a>' in listed.text
    page = clerk.get(f"/web/posts/{POST}", params={"on": "1950-01-01"})
    assert page.status_code == 200 and "Légation à Bruxelles" in page.text
    roster = page.text[page.text.index('id="roster"'):]
    assert "Jean Schmit" in roster and "Paul Reuter" not in roster
    head = page.text[page.text.index('id="head"'):page.text.index('id="charges"')]
    assert "none" in head
    assert clerk.get("/web/posts/NOPE").status_code == 404
    assert clerk.get(f"/web/posts/{POST}", params={"on": "soon"}).status_code == 400


def test_what_falls_due_and_who_may_see_it(clerk: httpx.Client, married: Site) -> None:
    page = clerk.get("/web/due", params={"start": "1949-01-01", "end": "1990-12-31"})
    assert page.status_code == 200
    assert 'data-kind="AGE_LIMIT"' in page.text and "Jean Schmit" in page.text
    with client(married, "auditor") as auditor:
        refused = auditor.get("/web/due")
    assert refused.status_code == 403
    assert "your role may not read or do this: dueBetween (identity data)" in refused.text
