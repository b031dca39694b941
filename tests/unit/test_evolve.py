"""``evolve`` gives what ``dataclasses.replace`` gives, for the record's frozen values."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_records.domain.state import CareerState, Position, evolve
from agent_records.domain.values import PositionKind, Status


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
