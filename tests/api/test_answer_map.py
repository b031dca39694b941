"""The map of kept answers (``api.answers.Answers``) alone, against a model of what it
promises: an answer is served only under the state it was kept at, at most ``size`` are
kept (the least recently used goes first), only answers whose errors are the client's
own are kept, and a question counts as asked before only when it was asked lately.

The services' tests (``test_answers``) show that kept answers equal fresh ones; these
show that the map keeps and drops what it says, which those cannot see from outside.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date

from graphql import GraphQLError
from hypothesis import given, settings
from hypothesis import strategies as st
from strawberry.types import ExecutionResult

from agent_records.api.answers import ASKED_PER_ANSWER, Answers, State, request_key
from agent_records.domain.classification import Role

DAY = date(1952, 1, 1)
questions = st.sampled_from([request_key("doc", "Op", {"id": n}, role)
                             for n in range(2) for role in (Role.COUNCIL, Role.AUDITOR)])
states = st.sampled_from([State(1, frozenset({("agents", 1)}), DAY),
                          State(2, frozenset({("agents", 1)}), DAY),  # a mutation
                          State(2, frozenset({("agents", 2)}), DAY),  # a projection
                          State(2, frozenset({("agents", 2)}), date(1952, 1, 2))])  # a day


def answer(n: int) -> ExecutionResult:
    return ExecutionResult(data={"n": n}, errors=None)


@settings(max_examples=300)
@given(size=st.integers(0, 3), steps=st.lists(st.tuples(
    st.booleans(), questions, states, st.integers()), max_size=40))
def test_the_map_keeps_and_serves_as_an_lru_keyed_by_state(
        size: int, steps: list[tuple[bool, tuple, State, int]]) -> None:
    answers, model = Answers(size), OrderedDict[tuple, int]()
    for put, question, state, n in steps:
        key = (question, state)
        if put:
            sent = answers.put(question, state, answer(n))
            assert sent.data == {"n": n}
            if size:
                model[key] = n
                model.move_to_end(key)
                while len(model) > size:
                    model.popitem(last=False)
            continue
        got = answers.get(question, state)
        assert answers.holds(question, state) == (key in model)
        assert (got.data if got is not None else None) == (
            {"n": model[key]} if key in model else None)
        if key in model:
            model.move_to_end(key)
            assert got is not None and got.body.text == f'{{"data":{{"n":{model[key]}}}}}'


def test_only_the_clients_errors_are_kept() -> None:
    answers, state = Answers(4), State(1, frozenset(), DAY)
    refused = GraphQLError("no", extensions={"code": "FORBIDDEN"})
    outage = GraphQLError("down", extensions={"code": "INTERNAL"})
    ask = request_key("doc", None, None, Role.AUDITOR)
    answers.put(ask, state, ExecutionResult(data={"a": None}, errors=[refused]))
    assert answers.holds(ask, state)
    other = request_key("doc", None, {"x": 1}, Role.AUDITOR)
    answers.put(other, state, ExecutionResult(data={"a": None}, errors=[outage]))
    assert not answers.holds(other, state)
    answers.put(other, state, ExecutionResult(data=None, errors=[refused]))
    assert not answers.holds(other, state), "no data: nothing to keep"


def test_a_question_is_asked_before_only_when_asked_lately() -> None:
    answers = Answers(1)
    asked = [request_key("doc", None, {"n": n}, Role.COUNCIL) for n in range(6)]
    assert not answers.asked_before(asked[0])
    assert answers.asked_before(asked[0])
    for question in asked[1:1 + ASKED_PER_ANSWER]:  # the oldest is forgotten
        assert not answers.asked_before(question)
    assert not answers.asked_before(asked[0])


def test_the_key_is_the_variables_not_their_order_and_the_role() -> None:
    assert request_key("d", "O", {"a": 1, "b": 2}, Role.COUNCIL) == \
        request_key("d", "O", {"b": 2, "a": 1}, Role.COUNCIL)
    assert request_key("d", "O", {"a": 1}, Role.COUNCIL) != \
        request_key("d", "O", {"a": 1}, Role.AUDITOR)
    assert request_key("d", "O", None, Role.COUNCIL) == request_key("d", "O", {}, Role.COUNCIL)
