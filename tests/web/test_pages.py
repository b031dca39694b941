"""The HR pages over HTTP (httpx): the search's filters, an unknown agent, a refused
search, and that the pages are the operations' answers (nothing more)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.web.conftest import Site
from tests.web.test_sessions import sign_in


@pytest.fixture
def clerk(site: Site) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, follow_redirects=False, timeout=30) as http:
        sign_in(http, site.live.tokens["hr_clerk"])
        yield http


@pytest.mark.parametrize(("query", "found"), [
    ({}, ["Jean Schmit", "Paul Reuter"]),
    ({"name": "reut"}, ["Paul Reuter"]),
    ({"grade": "SECRETAIRE", "post": "bru"}, ["Jean Schmit"]),
    ({"grade": "ATTACHE"}, []),
    ({"status": "CANDIDATE"}, ["Paul Reuter"]),
    ({"status": "NOT_A_STATUS"}, ["Jean Schmit", "Paul Reuter"]),  # ignored, not an error
    ({"name": "nobody"}, []),
])
def test_the_search_filters(clerk: httpx.Client, query: dict[str, str], found: list[str]
                            ) -> None:
    page = clerk.get("/web/agents", params=query)
    assert page.status_code == 200
    assert f'id="count" role="status">{len(found)} agent' in page.text
    assert [n for n in ("Jean Schmit", "Paul Reuter") if f">{n}</a>" in page.text] == found


def test_a_search_the_api_refuses_shows_why(clerk: httpx.Client) -> None:
    page = clerk.get("/web/agents", params={"name": "x" * 101})
    assert page.status_code == 400 and "the limit is 100" in page.text
    assert 'id="role">hr_clerk<' in page.text


def test_an_unknown_agent_is_not_found(clerk: httpx.Client) -> None:
    page = clerk.get("/web/agents/no-such-agent")
    assert page.status_code == 404 and "no agent no-such-agent is on record" in page.text


def test_the_dossier_shows_history_corrections_and_leave(clerk: httpx.Client, site: Site
                                                         ) -> None:
    page = clerk.get(f"/web/agents/{site.career.attache}").text
    leave, fix = site.career.leave_version, site.career.correction["version"]
    assert f'<tr id="v{leave}" class="corrected">' in page
    assert f'corrects <a href="#v{leave}">#{leave}</a>' in page
    assert f'corrected by <a href="#v{fix}">#{fix}</a>' in page
    assert "AM 1950/L1" in page
    assert "Leave account for 1951" in page  # the latest event's year (the promotion)
    other_year = clerk.get(f"/web/agents/{site.career.attache}", params={"year": 1950}).text
    assert "Leave account for 1950" in other_year
