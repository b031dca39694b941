"""Compiled plain fields (``api.compiled``) answer exactly what graphql-core answers.

Two more services on ``live``'s store, neither keeping answers
(``AGENT_RECORDS_ANSWER_CACHE=0``) nor projecting: ``compiled`` (the default field
execution) and ``core`` (``AGENT_RECORDS_FIELD_EXECUTION=graphql-core``). Every
documented query operation, sent by every role, answers the same data and errors, byte
for byte (the JSON text, so the fields' order too), on the reference careers; hypothesis
then draws the variables (agents, dates, page sizes, cursors) and the role.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_records.api.compiled import CompilingExecutor
from agent_records.api.schema import build_schema
from tests.api.career import POST, Career
from tests.api.conftest import TODAY
from tests.api.live import Live, operations, serve

ROLES = ["hr_clerk", "hr_officer", "council", "archivist", "auditor"]
WHO = ["attache", "envoy", "junior", "lapsed", "resigned", "personality", "official"]
QUERIES = sorted(name for name, text in operations().items() if f"query {name}" in text)
days = st.dates(date(1945, 1, 1), date(1975, 12, 31)).map(date.isoformat)


def service(backend_store: str, token_file: tuple[Path, dict[str, str]], folder: Path,
            execution: str) -> Iterator[Live]:
    """A service on the store that keeps no answer, projects nothing, runs its fields
    as ``execution`` says; closed after the module."""
    path, tokens = token_file
    server = serve(backend_store, folder, path, tokens, AGENT_RECORDS_TODAY=TODAY,
                   AGENT_RECORDS_ANSWER_CACHE="0", AGENT_RECORDS_PROJECTIONS="external",
                   AGENT_RECORDS_FIELD_EXECUTION=execution)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def compiled(live: Live, backend_store: str, token_file: tuple[Path, dict[str, str]],
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    yield from service(backend_store, token_file, tmp_path_factory.mktemp("compiled"),
                       "compiled")


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
