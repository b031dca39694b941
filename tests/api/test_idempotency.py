"""Idempotency keys over HTTP: a mutation retried with its ``idempotencyKey`` (after a lost
answer) returns the first result, through the same service process or another one on the
same store, and records nothing new; the key with other input is a userError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.api.career import identity
from tests.api.live import Live, serve

pytestmark = pytest.mark.timeout(180)

KEY = "5f0c7a9e-2b1d-4c3e-9a8f-idempotency-1"


def register(live: Live, key: str, name: str = "Paul Kremer") -> dict[str, Any]:
    reply = live.op("RegisterAgent", {"input": identity(name, "1922-05-03",
                                                        idempotencyKey=key)}, role="hr_clerk")
    assert not reply.errors, reply.text
    return reply.json["data"]["registerAgent"]


def test_a_retry_answers_the_first_result_in_any_service_process(
    live: Live, backend_store: str, token_file: tuple[Path, dict[str, str]],
    tmp_path_factory: pytest.TempPathFactory
) -> None:
    first = register(live, KEY)
    assert first["id"] and not first["userErrors"]
    head = live.head()

    assert register(live, KEY) == first
    path, tokens = token_file
    with serve(backend_store, tmp_path_factory.mktemp("second"), path, tokens) as other:
        assert register(other, KEY) == first
    assert live.head() == head


def test_a_key_reused_with_other_input_is_a_user_error(live: Live) -> None:
    register(live, "key-reused")
    head = live.head()

    refused = register(live, "key-reused", name="Henri Reuter")

    assert refused["id"] is None
    [error] = refused["userErrors"]
    assert (error["field"], error["code"]) == ("idempotencyKey", "idempotency_key_reused")
    assert "registerAgent" in error["message"]
    assert live.head() == head


def test_a_malformed_key_is_invalid_input(live: Live) -> None:
    head = live.head()
    [error] = register(live, "not a key")["userErrors"]
    assert (error["field"], error["code"]) == ("idempotencyKey", "invalid_input")
    assert live.head() == head
