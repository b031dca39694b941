"""The pages in French and English: the catalogue covers every label (run after merging
new pages: ``make messages`` then this test), the language chosen per request (switch,
Accept-Language, default), ``<html lang>``, dates per language, the decree's terms in
French in both, and the switch's CSRF check."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from jinja2 import DictLoader

from agent_records.config import Settings
from agent_records.web import catalogue
from agent_records.web.languages import COOKIE, accepted, choose, translations
from agent_records.web.render import rendering, templates
from tests.web.conftest import Site
from tests.web.test_sessions import csrf_of, sign_in

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")


def test_every_label_of_the_pages_has_a_french_translation() -> None:
    """Fails when a page's label is not in the French catalogue or not translated yet:
    run `make messages`, translate what it lists in messages.po, run this test again."""
    left = catalogue.missing(catalogue.read(), catalogue.extract())
    assert left == [], ("labels without a French translation (run `make messages`, then "
                        f"translate them in {catalogue.FRENCH}):\n" + "\n".join(left))


def test_each_translation_keeps_the_placeholders_of_its_label() -> None:
    for message in catalogue.read():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = {p for text in ids for p in PLACEHOLDER.findall(text)}
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == wanted, (message.id, text)


def test_the_catalogue_compiles_in_memory() -> None:
    french = translations("fr")
    assert french.gettext("Find an agent") == "Rechercher un agent"
    assert french.ngettext("%(num)d agent found", "%(num)d agents found", 2) == \
        "%(num)d agents trouvés"
    assert translations("en").gettext("Find an agent") == "Find an agent"


def test_a_macro_imported_from_another_template_translates_too() -> None:
    """The gettext functions are the environment's, in the language of the rendering:
    an imported macro (which does not see the page's context) translates as well; a
    literal's date is written at each rendering, not once when the template compiles."""
    env = templates.env.overlay(loader=DictLoader({
        "m.html": '{% macro label() %}{{ _("Find an agent") }}{% endmacro %}',
        "p.html": '{% import "m.html" as m %}{{ m.label() }}, {{ "1985-03-01" | day }}'}))
    for language, expected in [("fr", "Rechercher un agent, 1 mars 1985"),
                               ("en", "Find an agent, 1 March 1985")]:
        token = rendering.set(language)
        try:
            assert env.get_template("p.html").render() == expected
        finally:
            rendering.reset(token)


@pytest.mark.parametrize(("chosen", "header", "default", "language"), [
    ("en", "fr-LU,fr;q=0.9", "fr", "en"),  # the switch wins
    (None, "fr-LU,fr;q=0.9,en;q=0.8", "en", "fr"),
    (None, "de-LU, en;q=0.5, fr;q=0.7", "en", "fr"),  # by quality, German not spoken
    (None, "en-US,en;q=0.9", "fr", "en"),
    (None, "de, lb", "fr", "fr"),  # none spoken: the default
    (None, None, "fr", "fr"),
    ("xx", "", "en", "en"),  # a forged cookie is ignored
    (None, "fr;q=0, en;q=abc", "en", "en"),  # refused and malformed parts skipped
])
def test_the_language_of_a_request(chosen: str | None, header: str | None, default: str,
                                   language: str) -> None:
    assert choose(chosen, header, default) == language


def test_the_default_is_french() -> None:
    assert Settings.from_env({}).web_language == "fr"
    assert accepted("en-GB;q=0.4, fr-BE") == ["fr", "en"]


@pytest.fixture
def http(site: Site) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, follow_redirects=False, timeout=30) as client:
        yield client


def test_a_french_browser_gets_french_pages(http: httpx.Client, site: Site) -> None:
    http.headers["Accept-Language"] = "fr-LU,fr;q=0.9,en;q=0.5"
    form = http.get("/web/sign-in")
    assert '<html lang="fr">' in form.text and "Votre jeton d'accès" in form.text
    sign_in(http, site.live.tokens["hr_clerk"])
    found = http.get("/web/agents", params={"grade": "SECRETAIRE"}).text
    assert "1 agent trouvé" in found and "Rechercher un agent" in found
    assert 'lang="fr">secrétaire de Légation<' in found  # the decree's term, as in English
    dossier = http.get(f"/web/agents/{site.career.attache}").text
    assert '<time datetime="1985-03-01">1 mars 1985</time>' in dossier
    assert "Compte de congés 1951" in dossier and "Historique" in dossier
    assert 'rôle <strong id="role">hr_clerk</strong>' in dossier
    unknown = http.get("/web/agents/nobody").text  # the id escaped, as any value
    assert "<h1>Agent inconnu</h1>" in unknown and "aucun agent nobody n&#39;est" in unknown


def test_an_english_browser_gets_english_pages(http: httpx.Client, site: Site) -> None:
    http.headers["Accept-Language"] = "en-GB,en;q=0.9"
    sign_in(http, site.live.tokens["hr_clerk"])
    dossier = http.get(f"/web/agents/{site.career.attache}").text
    assert '<html lang="en">' in dossier and "Leave account for 1951" in dossier
    assert '<time datetime="1985-03-01">1 March 1985</time>' in dossier
    assert "secrétaire de Légation" in dossier


def test_the_switch_wins_over_the_browser_and_is_remembered(http: httpx.Client, site: Site
                                                            ) -> None:
    http.headers["Accept-Language"] = "en"
    sign_in(http, site.live.tokens["auditor"])
    csrf = csrf_of(http.get("/web/agents").text)
    switched = http.post("/web/language", data={"csrf": csrf, "language": "fr",
                                                "next": "/web/agents?name=schmit"})
    assert switched.status_code == 303
    assert switched.headers["location"] == "/web/agents?name=schmit"
    cookie = next(c for c in switched.headers.get_list("set-cookie")
                  if c.startswith(COOKIE + "=fr"))
    assert {"httponly", "samesite=strict", "path=/web"} <= {
        a.strip().lower() for a in cookie.split(";")[1:]}
    assert '<html lang="fr">' in http.get("/web/agents?name=schmit").text
    back = http.post("/web/language", data={"csrf": csrf, "language": "en",
                                            "next": "https://evil.example/"})
    assert back.headers["location"] == "/web/agents"  # only ever back to a page of ours
    assert '<html lang="en">' in http.get("/web/agents").text


def test_the_switch_before_signing_in_uses_the_sign_in_form_token(http: httpx.Client
                                                                  ) -> None:
    csrf = csrf_of(http.get("/web/sign-in").text)
    switched = http.post("/web/language", data={"csrf": csrf, "language": "fr",
                                                "next": "/web/sign-in"})
    assert switched.status_code == 303
    assert "Se connecter" in http.get("/web/sign-in").text


@pytest.mark.parametrize(("fields", "status"), [
    ({"language": "fr"}, 403),  # no CSRF token
    ({"language": "fr", "csrf": "forged"}, 403),
    ({"language": "de"}, 400),  # with the right token: a language the pages do not speak
])
def test_the_switch_refuses_a_forged_or_wrong_form(http: httpx.Client, site: Site,
                                                   fields: dict[str, str], status: int
                                                   ) -> None:
    sign_in(http, site.live.tokens["hr_clerk"])
    if status == 400:
        fields = fields | {"csrf": csrf_of(http.get("/web/agents").text)}
    refused = http.post("/web/language", data=fields)
    assert refused.status_code == status
    assert COOKIE not in refused.cookies
