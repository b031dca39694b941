"""Sessions and CSRF over real HTTP (httpx, no browser): what the cookie is, what a form
without its token gets, what an expired or closed session gets, and that a page shows
only what the role may read."""

from __future__ import annotations

import re

import httpx
import pytest

from agent_records.web.sessions import COOKIE, SIGN_IN_COOKIE
from tests.web.conftest import Site

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def client(site: Site) -> httpx.Client:
    return httpx.Client(base_url=site.url, follow_redirects=False, timeout=30)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html
    return found.group(1)


def sign_in(http: httpx.Client, token: str, next: str = "/web/agents") -> httpx.Response:
    form = http.get("/web/sign-in", params={"next": next})
    return http.post("/web/sign-in", data={"csrf": csrf_of(form.text), "token": token,
                                           "next": next})


def test_a_page_without_a_session_sends_to_sign_in(site: Site) -> None:
    with client(site) as http:
        answer = http.get("/web/agents")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/web/sign-in?next=/web/agents"


def test_sign_in_sets_a_strict_httponly_session_cookie(site: Site) -> None:
    with client(site) as http:
        answer = sign_in(http, site.live.tokens["hr_clerk"])
        assert answer.status_code == 303 and answer.headers["location"] == "/web/agents"
        cookie = next(c for c in answer.headers.get_list("set-cookie")
                      if c.startswith(COOKIE + "="))
        attributes = {a.strip().lower() for a in cookie.split(";")[1:]}
        assert {"httponly", "samesite=strict", "path=/web", "max-age=28800"} <= attributes
        assert "secure" not in attributes  # plain HTTP here; HTTPS: test_secure_over_https
        page = http.get("/web/agents")
        assert page.status_code == 200 and 'id="role">hr_clerk<' in page.text
        assert page.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_the_cookie_is_secure_over_https(site: Site) -> None:
    """Behind a TLS proxy the scheme comes from X-Forwarded-Proto (uvicorn trusts it
    from 127.0.0.1)."""
    with client(site) as http:
        form = http.get("/web/sign-in", headers={"X-Forwarded-Proto": "https"})
        assert "secure" in form.headers["set-cookie"].lower()


def test_a_wrong_token_is_refused_and_opens_nothing(site: Site) -> None:
    with client(site) as http:
        answer = sign_in(http, "not-a-token")
        assert answer.status_code == 401 and "This token is not valid." in answer.text
        assert COOKIE not in answer.cookies


@pytest.mark.parametrize("sent", [None, "", "forged"])
def test_sign_in_without_its_csrf_token_is_refused(site: Site, sent: str | None) -> None:
    with client(site) as http:
        http.get("/web/sign-in")
        data = {"token": site.live.tokens["council"]} | ({"csrf": sent} if sent is not None
                                                         else {})
        answer = http.post("/web/sign-in", data=data)
        assert answer.status_code == 403 and "CSRF" in answer.text
        assert COOKIE not in answer.cookies


def test_sign_in_from_another_page_without_the_cookie_is_refused(site: Site) -> None:
    """Double submit: a third-party page knows no field value matching this browser's
    sign-in cookie."""
    with client(site) as http:
        csrf = csrf_of(http.get("/web/sign-in").text)
        http.cookies.delete(SIGN_IN_COOKIE)
        answer = http.post("/web/sign-in", data={"csrf": csrf,
                                                 "token": site.live.tokens["council"]})
        assert answer.status_code == 403


def test_sign_out_needs_the_session_csrf_token_then_ends_the_session(site: Site) -> None:
    with client(site) as http:
        sign_in(http, site.live.tokens["auditor"])
        session_csrf = csrf_of(http.get("/web/agents").text)
        cookie = http.cookies[COOKIE]
        refused = http.post("/web/sign-out", data={"csrf": "wrong"})
        assert refused.status_code == 403
        assert http.get("/web/agents").status_code == 200  # still signed in
        done = http.post("/web/sign-out", data={"csrf": session_csrf})
        assert done.status_code == 303 and "signed_out=1" in done.headers["location"]
        # the server forgot the session: the old cookie, sent again, opens nothing
        http.cookies.set(COOKIE, cookie, path="/web")
        assert http.get("/web/agents").status_code == 303


def test_a_form_that_is_not_url_encoded_is_refused(site: Site) -> None:
    with client(site) as http:
        http.get("/web/sign-in")
        answer = http.post("/web/sign-in", json={"token": "x"})
        assert answer.status_code == 415


def test_an_expired_session_sends_back_to_sign_in(site: Site) -> None:
    with client(site) as http:
        sign_in(http, site.live.tokens["hr_clerk"])
        site.app.state.web_sessions.expire_all(site.app.state.services.views)
        answer = http.get(f"/web/agents/{site.career.attache}")
        assert answer.status_code == 303
        assert answer.headers["location"] == (
            f"/web/sign-in?next=/web/agents/{site.career.attache}&expired=1")
        assert "expired" in http.get(answer.headers["location"]).text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/web/",
                                    "/graphql", "/web\\..\\x"])
def test_sign_in_goes_back_only_to_a_page_of_ours(site: Site, target: str) -> None:
    with client(site) as http:
        answer = sign_in(http, site.live.tokens["hr_clerk"], next=target)
        assert answer.headers["location"] == "/web/agents"


def test_a_field_the_role_may_not_read_is_withheld(site: Site) -> None:
    """The clerk (identity) sees the 65th birthday; the auditor sees that it is withheld,
    and the date is nowhere in the page."""
    page = f"/web/agents/{site.career.attache}"
    with client(site) as clerk, client(site) as auditor:
        sign_in(clerk, site.live.tokens["hr_clerk"], page)
        sign_in(auditor, site.live.tokens["auditor"], page)
        seen, hidden = clerk.get(page).text, auditor.get(page).text
    assert ('data-field="sixtyFifthBirthday"><time datetime="1985-03-01">1 March 1985</time><'
            in seen)
    assert '"withheld" data-field="sixtyFifthBirthday"' in hidden
    assert "1985" not in hidden and "Jean Schmit" in hidden
