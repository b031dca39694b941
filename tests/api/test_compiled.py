"""Compiled plain fields (``api.compiled``) and the plans of the documented queries
(``api.plans``) answer exactly what graphql-core answers.

Three more services on ``live``'s store, none keeping answers
(``AGENT_RECORDS_ANSWER_CACHE=0``) nor projecting: ``planned`` (the default field
execution), ``compiled`` and ``core`` (``AGENT_RECORDS_FIELD_EXECUTION=graphql-core``).
Every documented query operation, sent by every role, answers the same data and errors,
byte for byte (the JSON text, so the fields' order too; and the status and media type),
on the reference careers; hypothesis then draws the variables (agents, dates, page
sizes, cursors, some the service refuses) and the role. The plans are also run in this
process on the same store, to show they answer (rather than give up) where the answer
has no error, with the same text as graphql-core's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_records.api.auth import Principal
from agent_records.api.compiled import CompilingExecutor
from agent_records.api.documents import document_id, load_documents
from agent_records.api.plan_fields import Fallback
from agent_records.api.plans import plans
from agent_records.api.schema import build_schema
from agent_records.api.services import ServiceSettings, open_services
from agent_records.domain.classification import Role
from tests.api.career import POST, Career
from tests.api.conftest import TODAY
from tests.api.live import Live, Reply, operations, serve

ROLES = ["hr_clerk", "hr_officer", "council", "archivist", "auditor"]
WHO = ["attache", "envoy", "junior", "lapsed", "resigned", "personality", "official"]
QUERIES = sorted(name for name, text in operations().items() if f"query {name}" in text)
days = st.dates(date(1945, 1, 1), date(1975, 12, 31)).map(date.isoformat)


def service(backend_store: str, token_file: tuple[Path, dict[str, str]], folder: Path,
            execution: str, answers: int = 0) -> Iterator[Live]:
    """A service on the store that keeps ``answers`` (none by default), projects
    nothing, runs its fields as ``execution`` says; closed after the module."""
    path, tokens = token_file
    with serve(backend_store, folder, path, tokens, AGENT_RECORDS_TODAY=TODAY,
               AGENT_RECORDS_ANSWER_CACHE=str(answers),
               AGENT_RECORDS_PROJECTIONS="external",
               AGENT_RECORDS_FIELD_EXECUTION=execution) as server:
        yield server


@pytest.fixture(scope="module")
def compiled(live: Live, backend_store: str, token_file: tuple[Path, dict[str, str]],
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    yield from service(backend_store, token_file, tmp_path_factory.mktemp("compiled"),
                       "compiled")


@pytest.fixture(scope="module")
def planned(live: Live, backend_store: str, token_file: tuple[Path, dict[str, str]],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    yield from service(backend_store, token_file, tmp_path_factory.mktemp("planned"),
                       "planned")


@pytest.fixture(scope="module")
def planned_kept(live: Live, backend_store: str, token_file: tuple[Path, dict[str, str]],
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The plans with answers kept (the plan answers in the thread reading the state)."""
    yield from service(backend_store, token_file, tmp_path_factory.mktemp("kept"),
                       "planned", answers=1024)


@pytest.fixture(scope="module")
def core(live: Live, backend_store: str, token_file: tuple[Path, dict[str, str]],
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    yield from service(backend_store, token_file, tmp_path_factory.mktemp("core"),
                       "graphql-core")


def reference_variables(op: str, c: Career) -> dict[str, Any]:
    """Variables of each query on the reference careers (long pages: many entries)."""
    return {
        "AgentCareer": {"id": c.attache},
        "AgentTimeline": {"id": c.attache},
        "RecordAsOf": {"id": c.attache, "validAt": "1950-08-21"},
        "DisciplinaryFile": {"id": c.envoy},
        "PostRoster": {"code": POST, "on": "1952-07-10"},
        "PostRosterPage": {"code": POST, "on": "1952-07-10"},
        "RenewalsDue": {"before": "1975-12-31"},
        "DueBetween": {"from": "1940-01-01", "to": "1990-12-31", "first": 100},
        "LeaveBalance": {"agentId": c.attache, "year": 1950},
        "AuditTrailByAgent": {"agentId": c.attache, "first": 100},
        "AuditTrailByActor": {"actorId": "demo-hr-officer"},
        "AuditTrail": {"first": 100},
        "AgentsEligibleForPromotion": {"eligible": False},
        "Agents": {"first": 100},
        "InclusionProof": {"position": 3},
    }.get(op, {})


def same(compiled: Live, core: Live, op: str, variables: dict[str, Any], role: str
         ) -> dict[str, Any]:
    """Asserts both services answer alike; returns graphql-core's answer."""
    fast = compiled.op(op, variables, role=role, by_id=True)
    plain = core.op(op, variables, role=role, by_id=True)
    if op in VOLATILE:
        assert _steady(fast.json, VOLATILE[op]) == _steady(plain.json, VOLATILE[op])
        assert list(fast.json) == list(plain.json)
    else:
        assert fast.text == plain.text, (op, role, variables)
    answer: dict[str, Any] = plain.json
    return answer


VOLATILE = {"Verification": {"checkedAt"}}
"""Fields that say when the answer was made (the verification's clock), masked."""


def _steady(value: Any, volatile: set[str]) -> Any:
    if isinstance(value, dict):
        return {k: "<now>" if k in volatile and v is not None else _steady(v, volatile)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_steady(v, volatile) for v in value]
    return value


def test_the_service_compiles() -> None:
    """The default schema runs the compiled executor; ``compiled=False`` graphql-core's."""
    assert build_schema().execution_context_class is CompilingExecutor
    assert build_schema(compiled=False).execution_context_class is not CompilingExecutor


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("op", QUERIES)
def test_every_query_and_role(compiled: Live, core: Live, career: Career, op: str,
                              role: str) -> None:
    answer = same(compiled, core, op, reference_variables(op, career), role)
    # executed (a field's error has a path), not refused before execution
    assert all(error.get("path") for error in answer.get("errors", ())), answer


@st.composite
def asked(draw: st.DrawFn, ids: dict[str, str]) -> tuple[str, dict[str, Any]]:
    agent = ids[draw(st.sampled_from(WHO))]
    first = draw(st.integers(1, 60))
    return draw(st.sampled_from([
        ("AgentCareer", {"id": agent, "first": first}),
        ("AgentTimeline", {"id": agent, "first": first}),
        ("RecordAsOf", {"id": agent, "validAt": draw(days)}),
        ("DisciplinaryFile", {"id": agent}),
        ("LeaveBalance", {"agentId": agent, "year": draw(st.integers(1946, 1960))}),
        ("Agents", {"first": first}),
        ("AgentsEligibleForPromotion", {"eligible": draw(st.booleans())}),
        ("PostRoster", {"code": POST, "on": draw(days)}),
        ("PostRosterPage", {"code": POST, "on": draw(days), "first": first}),
        ("AuditTrail", {"first": first}),
        ("AuditTrailByAgent", {"agentId": agent, "first": first}),
        ("RenewalsDue", {"before": draw(days), "first": first}),
        ("DueBetween", {"from": draw(days), "to": draw(days), "first": first}),
        ("InclusionProof", {"position": draw(st.integers(-1, 200))}),
    ]))


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_drawn_questions(compiled: Live, core: Live, career: Career,
                         data: st.DataObject) -> None:
    op, variables = data.draw(asked(career.ids))
    role = data.draw(st.sampled_from(ROLES))
    same(compiled, core, op, variables, role)
    page = core.op(op, variables, role=role, by_id=True).json
    cursor = _end_cursor(page)
    if cursor is not None and "first" in variables:  # the next page too
        same(compiled, core, op, {**variables, "after": cursor}, role)


def _end_cursor(value: Any) -> str | None:
    """The first ``pageInfo.endCursor`` with a next page in an answer, if any."""
    if isinstance(value, dict):
        info = value.get("pageInfo")
        if isinstance(info, dict) and info.get("hasNextPage"):
            return info.get("endCursor")
        for item in value.values():
            found = _end_cursor(item)
            if found:
                return found
    return None


PLANNED = {"AgentCareer", "AuditTrail", "AuditTrailByActor", "AuditTrailByAgent",
           "PostRoster", "PostRosterPage"}
"""The documented queries with a plan (``api.plans``); the others run the normal way."""


def test_the_documented_queries_have_plans() -> None:
    made = plans(build_schema(), load_documents())
    assert {p.name for p in made.values()} == PLANNED
    assert {p.name for p in made.values()} <= set(QUERIES)


def identical(planned: Live, core: Live, op: str, variables: dict[str, Any], role: str
              ) -> None:
    """The same status, headers and text from the plan's service (answered by the quick
    path, ``transport.QuickPlans``, or handed on) and graphql-core's."""
    fast = planned.op(op, variables, role=role, by_id=True)
    slow = core.op(op, variables, role=role, by_id=True)
    assert (fast.status, headers(fast), fast.text) == (slow.status, headers(slow), slow.text), \
        (op, role, variables)


def headers(reply: Reply) -> list[tuple[str, str]]:
    """The reply's headers, in order, but its ``Date`` (the second it was sent)."""
    return [(k.lower(), v) for k, v in reply.headers.items() if k.lower() != "date"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("op", sorted(PLANNED))
def test_every_planned_query_and_role(planned: Live, planned_kept: Live, core: Live,
                                      career: Career, op: str, role: str) -> None:
    identical(planned, core, op, reference_variables(op, career), role)
    for _ in range(3):  # answered, answered and kept (its second time), then kept
        identical(planned_kept, core, op, reference_variables(op, career), role)


REFUSED = [
    ("AgentCareer", {"id": "no-such-agent"}),
    ("AgentCareer", {"first": 5}),
    ("AgentCareer", {"id": "<attache>", "first": 0}),
    ("AgentCareer", {"id": "<attache>", "first": 500}),
    ("AgentCareer", {"id": "<attache>", "after": "not a cursor"}),
    ("AgentCareer", {"id": "<attache>", "first": "ten"}),
    ("PostRoster", {"code": "NOPE", "on": "1952-07-10"}),
    ("PostRoster", {"code": POST, "on": "not a date"}),
    ("PostRosterPage", {"code": POST, "on": "1952-07-10", "after": "o:zz"}),
    ("AuditTrail", {"first": -1}),
    ("AuditTrail", {"filter": {"recordedFrom": "yesterday"}}),
    ("AuditTrailByAgent", {"agentId": "<attache>", "after": "v:3"}),
]
"""Questions whose answer holds an error (or none found): the plan gives up."""


@pytest.mark.parametrize("role", ["council", "auditor"])
@pytest.mark.parametrize(("op", "variables"), REFUSED)
def test_refused_questions(planned: Live, core: Live, career: Career, op: str,
                           variables: dict[str, Any], role: str) -> None:
    asked = {k: career.attache if v == "<attache>" else v for k, v in variables.items()}
    identical(planned, core, op, asked, role)


@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_drawn_planned_questions(planned: Live, core: Live, career: Career,
                                 data: st.DataObject) -> None:
    op, variables = data.draw(asked(career.ids).filter(lambda q: q[0] in PLANNED))
    role = data.draw(st.sampled_from(ROLES))
    identical(planned, core, op, variables, role)
    cursor = _end_cursor(core.op(op, variables, role=role, by_id=True).json)
    if cursor is not None and "first" in variables:  # the next page too
        identical(planned, core, op, {**variables, "after": cursor}, role)


def test_plans_answer_without_giving_up(core: Live, career: Career, backend_store: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Run here on the same store, each plan answers the council's reference questions
    itself (no ``Fallback``), with graphql-core's text; a role that may not read the
    audit trail makes it give up."""
    monkeypatch.setenv("AGENT_RECORDS_TODAY", TODAY)
    schema = build_schema()
    made = {p.name: p for p in plans(schema, load_documents()).values()}
    services = open_services(ServiceSettings(store=backend_store, inline_projections=False))
    try:
        for op, plan in sorted(made.items()):
            variables = reference_variables(op, career)
            data = plan.answer(services, Principal("test", Role.COUNCIL), variables)
            expected = core.op(op, variables, role="council", by_id=True).text
            assert json.dumps({"data": data}, separators=(",", ":")) == expected, op
        with pytest.raises(Fallback):
            made["AuditTrail"].answer(services, Principal("test", Role.HR_CLERK), {})
    finally:
        services.close()


ROSTER = {"code": POST, "on": "1952-07-10"}
SENT: list[tuple[dict[str, Any], dict[str, str], str | None]] = [
    ({}, {"Accept": "application/graphql-response+json"}, "council"),
    ({}, {"Accept": "application/graphql-response+json, application/json;q=0.9"}, "auditor"),
    ({}, {"Accept": "*/*"}, "hr_clerk"),
    ({}, {"Accept": "text/html"}, "council"),
    ({}, {"Accept": "text/event-stream"}, "council"),
    ({}, {"Accept": "multipart/mixed"}, "council"),
    ({}, {"Content-Type": "text/plain"}, "council"),
    ({}, {"Content-Type": "application/json; charset=utf-8"}, "council"),
    ({}, {"X-Request-Id": "quick-1"}, "archivist"),
    ({}, {}, None),
    ({}, {"Authorization": "Bearer not-a-token"}, None),
    ({"operationName": "PostRosterPage"}, {}, "council"),
    ({"operationName": 5}, {}, "council"),
    ({"operationName": None}, {}, "council"),
    ({"variables": ["on"]}, {}, "council"),
    ({"variables": None}, {}, "council"),
    ({"query": ""}, {}, "council"),
    ({"extensions": ["documentId"]}, {}, "council"),
    ({"extensions": {"documentId": "sha256:0000"}}, {}, "council"),
]
"""Variations of a planned request (``PostRoster`` by ``documentId``): its body's
entries, headers and role. Some the quick path answers, the others it hands on."""


@pytest.mark.parametrize(("entries", "sent", "role"), SENT)
def test_the_quick_path_answers_as_the_view(planned: Live, planned_kept: Live, core: Live,
                                           entries: dict[str, Any], sent: dict[str, str],
                                           role: str | None) -> None:
    """Whatever comes, the quick path's answer (or the view's, where it hands a request
    on) has the status, headers and text of graphql-core's service: asked three times of
    the service that keeps answers (answered, kept, served kept), once of the other."""
    body = {"operationName": "PostRoster", "variables": ROSTER,
            "extensions": {"documentId": document_id(operations()["PostRoster"])},
            **entries}
    expected = core.request("POST", "/graphql", body, role=role, headers=sent)
    for service, times in ((planned, 1), (planned_kept, 3)):
        for _ in range(times):
            got = service.request("POST", "/graphql", body, role=role, headers=sent)
            assert (got.status, headers(got), got.text) == \
                (expected.status, headers(expected), expected.text), (entries, sent, role)


def test_batches_and_bodies_that_are_not_json(planned: Live, core: Live) -> None:
    """A batch, a body that is not JSON and an empty one: as the view answers them."""
    for body in (b"[]", b"not json", b"", b"[{}]", b"null"):
        expected = core.request("POST", "/graphql", body, role="council")
        got = planned.request("POST", "/graphql", body, role="council")
        assert (got.status, headers(got), got.text) == \
            (expected.status, headers(expected), expected.text), body
