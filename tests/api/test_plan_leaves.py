"""A plan's leaf values (``plans.leaf_value``: values taken as they are, enum members by
their table of names, a non-null leaf in one call) complete as the type's own
``coerce_output_value`` does through ``compiled.leaf_step`` (itself compared with
graphql-core in ``test_compiled.py``): the same value, or the same refusal, for every
leaf type of the schema, nullable or not, and values of every kind."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from graphql import GraphQLNonNull, GraphQLOutputType, is_leaf_type
from hypothesis import given, settings
from hypothesis import strategies as st
from strawberry.schema.schema_converter import CustomGraphQLEnumType

from agent_records.api.compiled import Unsure, leaf_step
from agent_records.api.plan_fields import Fallback
from agent_records.api.plans import leaf_value
from agent_records.api.schema import build_schema

TYPES = {name: t for name, t in build_schema()._schema.type_map.items()
         if is_leaf_type(t) and not name.startswith("__")}
MEMBERS = [m for t in TYPES.values() if isinstance(t, CustomGraphQLEnumType)
           for m in t.wrapped_cls]


class Stranger(enum.StrEnum):
    """An enum of no GraphQL type, whose values are some members' values."""

    A = "A"
    COUNCIL = "council"


values = st.one_of(
    st.sampled_from(MEMBERS), st.sampled_from(list(Stranger)),
    st.sampled_from([m.value for m in MEMBERS]), st.text(max_size=12),
    st.integers(-2**40, 2**40), st.booleans(), st.floats(allow_nan=False),
    st.none(), st.dates(), st.datetimes(timezones=st.just(UTC)),
    st.builds(ValueError, st.text(max_size=3)))


def outcome(complete: Any, value: Any) -> tuple[str, Any, type]:
    """What ``complete`` makes of ``value``: its value and type (1 and True are equal), or
    the kind of refusal or error."""
    try:
        completed = complete(value)
        return "value", completed, type(completed)
    except (Unsure, Fallback) as refused:
        return "refused", type(refused), type(None)
    except Exception as error:  # the same error, whatever it is
        return "error", type(error), type(None)


def reference(type_: GraphQLOutputType, value: Any) -> Any:
    """``leaf_step``'s completion; a non-null one gives up on null as the plan does."""
    if isinstance(type_, GraphQLNonNull):
        completed = leaf_step(type_.of_type)(value)
        if completed is None:
            raise Fallback
        return completed
    return leaf_step(type_)(value)


@settings(max_examples=400, deadline=None, database=None)
@given(name=st.sampled_from(sorted(TYPES)), non_null=st.booleans(), value=values)
def test_leaf_values_complete_as_the_types_do(name: str, non_null: bool, value: Any) -> None:
    type_: GraphQLOutputType = GraphQLNonNull(TYPES[name]) if non_null else TYPES[name]
    complete = leaf_value(type_)
    assert complete is not None
    assert outcome(complete, value) == outcome(lambda v: reference(type_, v), value)


def test_every_enum_member_is_in_its_table() -> None:
    """Each member of each enum completes to the name its type gives it."""
    for t in TYPES.values():
        if isinstance(t, CustomGraphQLEnumType):
            complete = leaf_value(t)
            assert complete is not None
            assert [complete(m) for m in t.wrapped_cls] == \
                [t.coerce_output_value(m) for m in t.wrapped_cls]


def test_there_are_enums_and_scalars_to_draw() -> None:
    assert MEMBERS and {"String", "ID", "Boolean", "Int", "Date"} <= set(TYPES)


EDGES = [2**31 - 1, 2**31, -2**31, -2**31 - 1, 0, True, False, 1.0, 1.5, "", "x", None,
         date(1950, 1, 1), datetime(1950, 1, 1, tzinfo=UTC), *MEMBERS, *Stranger,
         ValueError("boom")]
"""Values at the edges: 32-bit bounds, bool against int, members against their values."""


def test_every_leaf_type_and_edge_value() -> None:
    for type_ in [*TYPES.values(), *map(GraphQLNonNull, TYPES.values())]:
        complete = leaf_value(type_)
        assert complete is not None
        for value in EDGES:
            assert outcome(complete, value) == \
                outcome(lambda v, t=type_: reference(t, v), value), (type_, value)
