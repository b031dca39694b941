"""The command forms over HTTP (httpx): one form per command of ``domain.commands``, each
field typed from the command's dataclass, refused to a role the mutation refuses; a
posted form's refusal next to its field with nothing recorded; the same form sent twice
recorded once; a form without its CSRF token refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from agent_records.api.auth import Permission
from agent_records.api.mutations import MUTATIONS
from agent_records.domain.bounds import describe
from agent_records.domain.commands import COMMANDS
from agent_records.web.command_labels import ABOUT, FIELDS, HELP, TITLES
from agent_records.web.commands import FORMS, FormField
from agent_records.web.council import BREACH_CODES
from agent_records.web.labels import WORDS
from agent_records.web.posts import DEADLINE_KINDS
from tests.web.conftest import Site
from tests.web.test_sessions import csrf_of, sign_in

ROLE_FOR = {Permission.RECORD: "hr_clerk", Permission.DECIDE: "hr_officer",
            Permission.JUDGE: "council", Permission.ERASE: "hr_officer"}
BY_COMMAND = {form.operation: form for form in FORMS.values()}
KEY = re.compile(r'name="idempotencyKey" value="([^"]+)"')


@pytest.fixture(scope="module")
def clients(site: Site) -> Iterator[dict[str, httpx.Client]]:
    """A signed-in client per role."""
    opened = {}
    for role in ("hr_clerk", "hr_officer", "council", "auditor"):
        http = httpx.Client(base_url=site.url, follow_redirects=False, timeout=30)
        sign_in(http, site.live.tokens[role])
        opened[role] = http
    yield opened
    for http in opened.values():
        http.close()


def url(name: str, site: Site) -> str:
    form = BY_COMMAND[name]
    if form.mutation.on_agent:
        return f"/web/agents/{site.career.attache}/record/{form.slug}"
    return f"/web/record/{form.slug}"


def names(f: FormField, base: str = "") -> list[str]:
    """The HTML field names of a form field (each group's fields, every group)."""
    path = base + f.name
    if f.kind != "group":
        return [path]
    prefixes = [f"{path}.{i}." for i in range(f.repeat)] if f.repeat else [f"{path}."]
    return [n for p in prefixes for child in f.children for n in names(child, p)]


def history_count(site: Site, agent_id: str) -> int:
    data = site.live.op("AgentCareer", {"id": agent_id, "first": 1}, role="council").json
    count: int = data["data"]["agent"]["history"]["totalCount"]
    return count


@pytest.mark.parametrize("command", [c.__name__ for c in COMMANDS])
def test_every_command_has_its_form(clients: dict[str, httpx.Client], site: Site,
                                    command: str) -> None:
    """Fails for a command without a form, a form missing a field of its mutation, or a
    field of the wrong type."""
    assert command in BY_COMMAND, f"no form for {command}"
    form = BY_COMMAND[command]
    page = clients[ROLE_FOR[form.permission]].get(url(command, site))
    assert page.status_code == 200, page.text
    assert 'name="csrf"' in page.text and KEY.search(page.text)
    mutation = next(m for m in MUTATIONS if m.command.__name__ == command)
    fields = {f.name for f in form.fields}
    inputs = {n for n in mutation.command.__dataclass_fields__
              if n not in ("agent_id", "decision", "expected_version")}
    assert {n.split("_")[0] + "".join(p.title() for p in n.split("_")[1:]) for n in inputs} \
        | {"effectiveDate", "reason", "decisionReference"} == fields
    for f in form.fields:
        for name in names(f):
            assert f'name="{name}"' in page.text, f"{command}: no field {name}"
        tag = {"date": 'type="date"', "int": 'type="number"', "choice": "<select",
               "bool": 'type="checkbox"', "json": "<textarea"}.get(f.kind)
        if tag and f.kind != "group":
            element = re.search(rf'<(?:input|select|textarea)[^>]*name="{f.name}"[^>]*>',
                                page.text, re.S)
            assert element and (tag in element.group(0) or tag.startswith("<")), (command,
                                                                                 f.name)


def test_a_form_is_refused_to_a_role_the_mutation_refuses(clients: dict[str, httpx.Client],
                                                          site: Site) -> None:
    for command in BY_COMMAND:
        page = clients["auditor"].get(url(command, site))
        assert page.status_code == 403, command
        assert "your role may not read or do this: " in page.text
    officer_only = clients["hr_clerk"].get(url("GrantLeave", site))
    assert officer_only.status_code == 403 and "grantLeave" in officer_only.text
    before = history_count(site, site.career.attache)
    posted = clients["hr_clerk"].post(url("GrantLeave", site), data={
        "csrf": "x", "effectiveDate": "1951-09-01", "kind": "ANNUAL",
        "endDate": "1951-09-10", "travelDays": "0", "grantedBy": "MINISTER"})
    assert posted.status_code == 403 and history_count(site, site.career.attache) == before


def post_form(http: httpx.Client, path: str, values: dict[str, Any]) -> httpx.Response:
    page = http.get(path)
    key = KEY.search(page.text)
    assert key is not None
    return http.post(path, data={"csrf": csrf_of(page.text), "idempotencyKey": key.group(1),
                                 **values})


def test_a_refusal_is_shown_next_to_its_field_and_nothing_is_recorded(
        clients: dict[str, httpx.Client], site: Site) -> None:
    before = history_count(site, site.career.attache)
    page = post_form(clients["hr_clerk"], url("Promote", site), {
        "effectiveDate": "1951-10-01", "toGrade": "ATTACHE", "appointingAuthority": "SOVEREIGN",
        "decisionReference": "AGD 1951/X"})
    assert page.status_code == 422
    start = page.text.index('<div class="field refused" id="field-toGrade">')
    block = page.text[start:page.text.index('id="field-', start + 50)]  # the next field
    assert "is not above the current grade" in block and "(Art. " in block
    assert 'value="AGD 1951/X"' in page.text  # what was typed is kept
    assert '<option value="ATTACHE" selected>' in page.text
    assert history_count(site, site.career.attache) == before


def test_a_value_that_is_not_a_date_is_refused_before_sending(
        clients: dict[str, httpx.Client], site: Site) -> None:
    before = site.live.head()
    page = post_form(clients["hr_officer"], url("RegisterAgent", site), {
        "effectiveDate": "1950-13-45", "fullName": "Anne Kieffer", "birthDate": "1925-01-01",
        "nationality": "LU", "category": "DIPLOMATIC", "civilPoliticalRights": "true",
        "priorPublicServiceDays": "0", "domicileCountry": "LU"})
    assert page.status_code == 422 and "not a date: write it YYYY-MM-DD" in page.text
    assert 'id="error-effectiveDate"' in page.text and 'value="Anne Kieffer"' in page.text
    assert site.live.head() == before


def test_the_same_form_sent_twice_records_once(clients: dict[str, httpx.Client],
                                               site: Site) -> None:
    http = clients["hr_officer"]
    path = url("RegisterAgent", site)
    page = http.get(path)
    key = KEY.search(page.text)
    assert key is not None
    values = {"csrf": csrf_of(page.text), "idempotencyKey": key.group(1),
              "effectiveDate": "1950-01-10", "fullName": "Lucie Thill",
              "birthDate": "1926-02-02", "nationality": "LU", "category": "DIPLOMATIC",
              "civilPoliticalRights": "true", "stateOfficial": "true",
              "priorPublicServiceDays": "0", "domicileCountry": "LU"}
    head = site.live.head()
    first, second = http.post(path, data=values), http.post(path, data=values)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert first.headers["location"].startswith("/web/agents/")
    assert site.live.head() == head + 1
    dossier = http.get(first.headers["location"])
    assert dossier.status_code == 200 and "Lucie Thill" in dossier.text
    assert 'id="recorded"' in dossier.text


def test_a_form_without_its_csrf_token_is_refused(clients: dict[str, httpx.Client],
                                                  site: Site) -> None:
    head = site.live.head()
    answer = clients["hr_clerk"].post(url("Retire", site), data={
        "effectiveDate": "1951-12-01"})
    assert answer.status_code == 403 and "CSRF" in answer.text
    assert site.live.head() == head


def test_a_posted_form_becomes_the_mutation_input() -> None:
    """Empty optional value objects and unused diploma groups are left out; a group's
    empty whole number takes its default; what cannot be read is named."""
    form = FORMS["appoint-attache"]
    data, errors = form.read({
        "effectiveDate": "1949-02-01", "appointingAuthority": "SOVEREIGN",
        "conductAttestation.issuedBy": "Parquet", "conductAttestation.issuedOn": "1949-01-01",
        "diplomas.0.kind": "UNIVERSITY", "diplomas.0.country": "LU",
        "diplomas.0.title": "Licence", "diplomas.0.yearsOfStudy": "",
        "diplomas.1.kind": "", "diplomas.1.country": "", "reason": "",
        "idempotencyKey": "k1"}, "agent")
    assert errors == {}
    assert data == {"agentId": "agent", "effectiveDate": "1949-02-01",
                    "appointingAuthority": "SOVEREIGN",
                    "conductAttestation": {"issuedBy": "Parquet", "issuedOn": "1949-01-01"},
                    "diplomas": [{"kind": "UNIVERSITY", "country": "LU", "title": "Licence",
                                  "yearsOfStudy": 0}],
                    "idempotencyKey": "k1"}
    _, errors = FORMS["correct-event"].read({
        "effectiveDate": "yesterday", "correctedVersion": "two", "changes": "[1]"}, "agent")
    assert set(errors) == {"effectiveDate", "correctedVersion", "changes"}
    _, errors = FORMS["grant-leave"].read({"effectiveDate": "1950-01-01", "kind": "LONG",
                                           "travelDays": "0", "grantedBy": "MINISTER"}, "a")
    assert errors == {"kind": "not one of the choices offered", "endDate": "required"}


def test_a_form_filled_against_a_record_that_moved_is_refused(
        clients: dict[str, httpx.Client], site: Site) -> None:
    """The clerk records on the agent while the officer's form is open: the form is
    refused (the API's concurrency conflict), nothing recorded, and shown again against
    the record as it now stands, so sending it again records it."""
    http, path = clients["hr_officer"], url("AuthoriseMarriage", site)
    page = http.get(path)
    opened = re.search(r'name="expectedVersion" value="(\d+)"', page.text)
    assert opened is not None
    asked = site.live.record("RequestMarriageAuthorisation", {
        "agentId": site.career.attache, "effectiveDate": "1951-10-01",
        "spouseName": "Anne Muller", "spouseNationality": "LU"}, role="hr_clerk")
    values = {"csrf": csrf_of(page.text), "effectiveDate": "1951-10-15",
              "requestVersion": str(asked["version"])}
    head = site.live.head()
    refused = http.post(path, data={**values, "expectedVersion": opened.group(1),
                                    "idempotencyKey": "conflict-1"})
    assert refused.status_code == 422 and "is at version" in refused.text
    assert site.live.head() == head
    again = re.search(r'name="expectedVersion" value="(\d+)"', refused.text)
    assert again is not None and int(again.group(1)) == int(opened.group(1)) + 1
    key = KEY.search(refused.text)
    assert key is not None and key.group(1) != "conflict-1"
    sent = http.post(path, data={**values, "expectedVersion": again.group(1),
                                 "idempotencyKey": key.group(1)})
    assert sent.status_code == 303, sent.text[sent.text.find("error-summary"):][:600]
    assert site.live.head() == head + 1


def test_every_field_and_command_has_a_label_to_translate() -> None:
    """A new command or field needs its words in ``web/command_labels.py`` (then
    ``make messages`` and its French)."""
    def walk(fields: tuple[FormField, ...]) -> set[str]:
        return {n for f in fields for n in {f.name} | walk(f.children)}
    names = {n for form in FORMS.values() for n in walk(form.fields)}
    assert names - set(FIELDS) == set()
    assert {c.__name__ for c in COMMANDS} - set(TITLES) == set()
    assert {c.__name__ for c in COMMANDS} - set(ABOUT) == set()


def test_every_help_and_choice_has_words_to_translate() -> None:
    """Each field's help (the bounds the API states) is a sentence of
    ``command_labels.HELP`` or a literal ``Text``, filled with the bounds' values the same
    way as the API's description; each choice of an enumeration has its words in
    ``web.labels.WORDS`` (the grades keep their French names)."""
    def walk(fields: tuple[FormField, ...]) -> list[FormField]:
        return [g for f in fields for g in (f, *walk(f.children))]
    every = [f for form in FORMS.values() for f in walk(form.fields)]
    helps = {f.help.message for f in every if f.help.message and f.help.values}
    assert helps - set(HELP) == set()
    dated = next(f for f in every if f.name == "effectiveDate")
    assert dated.help.message % dated.help.values == describe("effective_date", date)
    choices = {c for f in every if f.kind == "choice" and f.enum != "Grade" for c in f.choices}
    assert choices - set(WORDS) == set()
    assert {*BREACH_CODES, *DEADLINE_KINDS} - set(WORDS) == set()
