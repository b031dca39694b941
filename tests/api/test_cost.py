"""The cost walk of ``api.cost``: counts what the answer can hold, fragments expanded but
computed once, and agrees with strawberry's depth limiter (no database needed)."""

from __future__ import annotations

import time

from graphql import parse, validate
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_records.api.cost import ASSUMED_LIST_SIZE, MAX_COST, cost_errors, document_cost
from agent_records.api.schema import LIMIT_RULES, build_schema
from agent_records.api.types import MAX_PAGE
from tests.api.live import operations

SCHEMA = build_schema()._schema
STEPS = ['headOfPost(on: "1950-01-01")', "agent", "post"]
LEAVES = {0: "id", 1: "fullName", 2: "code"}


def chain(length: int, fragments: bool, leaf: str | None = None) -> str:
    """``post`` then ``length`` steps of headOfPost/agent/post, maybe through fragments."""
    names = ['post(code: "BRU")'] + [STEPS[i % 3] for i in range(length)]
    body = leaf or LEAVES[length % 3]
    definitions = []
    for depth, name in reversed(list(enumerate(names))):
        if fragments and 0 < depth < len(names) - 1:
            kind = ["Post", "RosterEntry", "Agent"][depth % 3]
            definitions.append(f"fragment L{depth} on {kind} {{ {name} {{ {body} }} }}")
            body = f"...L{depth}"
        else:
            body = f"{name} {{ {body} }}"
    return "{ " + body + " }\n" + "\n".join(definitions)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=16), st.booleans())
def test_depth_agrees_with_strawberrys_limiter(length: int, fragments: bool) -> None:
    document = parse(chain(length, fragments))
    strawberry = bool(validate(SCHEMA, document, LIMIT_RULES[:1]))
    ours = [e for e in cost_errors(SCHEMA, document)
            if (e.extensions or {}).get("code") == "QUERY_TOO_DEEP"]
    assert bool(ours) == strawberry, (length, fragments)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=60), st.integers(min_value=1, max_value=4))
def test_a_fragment_chain_costs_its_expansion_computed_once(levels: int, fan: int) -> None:
    spreads = lambda i: " ".join([f"...F{i + 1}"] * fan)  # noqa: E731
    text = "query Q { ...F0 }\n" + "\n".join(
        [f"fragment F{i} on Query {{ {spreads(i)} }}" for i in range(levels)]
        + [f"fragment F{levels} on Query {{ __typename }}"])
    start = time.perf_counter()
    cost, _ = document_cost(SCHEMA, parse(text))
    assert cost == fan ** levels
    assert time.perf_counter() - start < 0.5, "linear in the document, not its expansion"


@given(st.integers(min_value=1, max_value=MAX_PAGE), st.integers(min_value=1, max_value=30))
def test_aliases_of_a_page_add_up(first: int, aliases: int) -> None:
    one = f'renewalsDue(before: "2000-01-01", first: {first}) {{ edges {{ node {{ id }} }} }}'
    text = "{ " + " ".join(f"a{i}: {one}" for i in range(aliases)) + " }"
    cost, _ = document_cost(SCHEMA, parse(text))
    assert cost == aliases * (1 + 1 + first * 2)  # field, edges, first × (node, id)
    assert bool(cost_errors(SCHEMA, parse(text))) == (cost > MAX_COST)


def test_page_sizes_from_variables_count_as_the_largest_page() -> None:
    text = 'query($n: Int!) { agents(first: $n) { edges { node { id } } } }'
    assert document_cost(SCHEMA, parse(text))[0] == 1 + 1 + MAX_PAGE * 2
    default = '{ agents { edges { node { id } } } }'
    assert document_cost(SCHEMA, parse(default))[0] == 1 + 1 + 20 * 2
    unpaginated = '{ posts { code } }'
    assert document_cost(SCHEMA, parse(unpaginated))[0] == 1 + ASSUMED_LIST_SIZE


def test_every_trusted_document_is_within_the_limit() -> None:
    for name, text in operations().items():
        assert cost_errors(SCHEMA, parse(text)) == [], name


def test_cycles_and_unknown_fragments_are_left_to_the_standard_rules() -> None:
    text = "{ ...A }\nfragment A on Query { ...B posts { code } }\nfragment B on Query { ...A }"
    assert document_cost(SCHEMA, parse(text))[0] == 1 + ASSUMED_LIST_SIZE
    assert document_cost(SCHEMA, parse("{ ...Missing nope { x } }"))[0] == 2
