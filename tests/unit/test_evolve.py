"""``evolve`` gives what ``dataclasses.replace`` gives, for the record's frozen values; and
``agent.built`` makes an event as its class makes it."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from random import Random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_records.domain.agent import built
from agent_records.domain.state import CareerState, Position, evolve
from agent_records.domain.values import PositionKind, Status
from tests.unit.test_fold import outcome, start
from tests.unit.test_properties import SETTINGS, careers


@given(renewals=st.integers(0, 10), sworn=st.booleans(),
       status=st.sampled_from(list(Status)), as_of=st.dates())
def test_evolve_equals_replace(renewals: int, sworn: bool, status: Status, as_of: date) -> None:
    base = CareerState()
    changes = {"renewals": renewals, "sworn": sworn, "status": status, "as_of": as_of}
    evolved = evolve(base, **changes)
    assert evolved == dataclasses.replace(base, **changes)
    assert hash(evolved) == hash(dataclasses.replace(base, **changes))
    assert base == CareerState()  # the original is unchanged


def test_evolve_keeps_values_frozen_and_refuses_unknown_fields() -> None:
    p = Position(version=5, kind=PositionKind.ABROAD, since=date(1950, 1, 1), post_code="BRU")
    ended = evolve(p, ended=date(1951, 1, 1))
    assert ended.ended == date(1951, 1, 1) and p.ended is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        ended.ended = None  # type: ignore[misc]
    with pytest.raises(TypeError, match="no field 'endd'"):
        evolve(p, endd=date(1951, 1, 1))


def exactly(event: Any) -> tuple[type, list[tuple[str, str]]]:
    """An event to the type and order of its attributes (``repr`` of each value)."""
    return type(event), [(k, repr(v)) for k, v in vars(event).items()]


@SETTINGS
@given(careers, st.randoms(use_true_random=False))
def test_an_event_is_built_as_its_class_makes_it(career: tuple, shuffle: Random) -> None:
    """``agent.built`` against the event class itself, for every event of generated
    careers, with its values in the event's order or another, and with a field missing
    or one too many (then the class's own refusal)."""
    exempted, prior, cmds, last = career
    agent = start(exempted, prior)
    for command in [*cmds, ("correct", *last)]:
        outcome(agent, command)
    for event in agent.events:
        cls, values = type(event), dict(vars(event))
        assert exactly(built(cls, dict(values))) == exactly(cls(**values)) == exactly(event)
        items = list(values.items())
        shuffle.shuffle(items)
        assert exactly(built(cls, dict(items))) == exactly(event)
        for wrong in ({k: v for k, v in items[1:]}, {**values, "unknown": 1},
                      {**values, "originator_id": str(event.originator_id)}):
            with pytest.raises(TypeError) as made:
                cls(**wrong)
            with pytest.raises(TypeError, match=re.escape(str(made.value))):
                built(cls, wrong)
