"""What the service logs about requests: one line per refused or invalid request (request
id, role, code), a traceback only for a server error, and ``--log-format json`` lines
that each parse as one JSON object."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from tests.api.career import identity
from tests.api.live import Live, serve
from tests.api.test_stopped_view import write_poison


@pytest.fixture(scope="module")
def json_live(backend_store: str, token_file: tuple[Path, dict[str, str]],
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    path, tokens = token_file
    with serve(backend_store, tmp_path_factory.mktemp("server"), path, tokens,
               "--log-format", "json") as server:
        yield server


def lines(live: Live) -> list[dict[str, Any]]:
    """Every line of the server's output, each parsed as JSON (fails on any other)."""
    out = []
    for line in live.log().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"not a JSON log line: {line!r}") from None
    return out


def about(live: Live, request_id: str) -> list[dict[str, Any]]:
    return [entry for entry in lines(live) if entry.get("request_id") == request_id]


def send(live: Live, text: str, variables: dict[str, Any], role: str) -> tuple[str, Any]:
    """Posts a query with a fresh request id; the id and the decoded answer."""
    request_id = uuid4().hex
    reply = live.post({"query": text, "variables": variables}, role=role,
                      headers={"X-Request-Id": request_id})
    return request_id, reply.json


REGISTER = ("mutation($input: RegisterAgentInput!) { registerAgent(input: $input) "
            "{ id userErrors { code } } }")
PLEDGE = ("mutation($input: PledgeHonourInput!) { pledgeHonour(input: $input) "
          "{ id userErrors { code } } }")


@pytest.mark.parametrize("case", ["refused", "invalid", "forbidden"])
def test_a_refused_or_invalid_request_is_one_line(json_live: Live, case: str) -> None:
    if case == "refused":  # the rules refuse: an agent that is not on record
        request_id, answer = send(json_live, PLEDGE, {"input": {
            "agentId": str(uuid4()), "effectiveDate": "1950-01-01", "reason": "x"}},
            "hr_officer")
        errors = answer["data"]["pledgeHonour"]["userErrors"]
        role, code = "hr_officer", errors[0]["code"]
    elif case == "invalid":
        request_id, answer = send(json_live, "{ noSuchField }", {}, "council")
        role, code = "council", "GRAPHQL_VALIDATION_FAILED"
    else:  # an auditor may not record
        request_id, answer = send(json_live, REGISTER, {"input": identity("A", "1920-01-01")},
                                  "auditor")
        assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        role, code = "auditor", "FORBIDDEN"
    logged = about(json_live, request_id)
    assert len(logged) == 1, logged
    assert (logged[0]["role"], logged[0]["code"]) == (role, code), logged
    assert "traceback" not in logged[0] and "Traceback" not in json.dumps(logged[0])
    assert set(logged[0]) >= {"time", "level", "logger", "message", "request_id", "role",
                              "code"}


def test_a_server_error_carries_a_traceback_and_the_request_id(
        json_live: Live, backend_store: str) -> None:
    _, stream = write_poison(backend_store)  # a stream whose event cannot be read
    request_id, answer = send(json_live, "query($id: ID!) { leaveBalance(agentId: $id, "
                              "year: 1950) { entitlement } }", {"id": str(stream)}, "council")
    assert answer["errors"][0]["extensions"] == {"code": "INTERNAL", "requestId": request_id}
    logged = about(json_live, request_id)
    assert len(logged) == 1, logged
    assert logged[0]["level"] == "ERROR" and logged[0]["code"] == "INTERNAL"
    assert logged[0]["traceback"].startswith("Traceback"), logged[0]
    assert "Traceback" not in json.dumps(answer)


def test_text_lines_carry_the_request_fields_on_one_line() -> None:
    import logging

    from agent_records.logs import TextFormatter

    record = logging.LogRecord("agent_records.requests", logging.INFO, __file__, 1,
                               "request %s refused", ("r1",), None)
    record.__dict__.update(request_id="r1", role="auditor", code="FORBIDDEN")
    text = TextFormatter().format(record)
    assert "\n" not in text
    assert text.endswith("request r1 refused [request_id=r1 role=auditor code=FORBIDDEN]")
