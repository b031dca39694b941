"""A command's event as the store gives it back (``FastMapper.stored_form``) is made from
the event's values (``FastJSONTranscoder.read_back``) instead of decoding its encoding:
the same event, to the type and the order of every value, as the decoding gives
(``to_sealed_event``), for every event of generated careers and for any value a field may
hold; where it cannot say (another zone, a float, a mapping the decoding reads as a
value), it gives way to the decoding.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from agent_records.bootstrap import open_records
from agent_records.domain import events as ev
from agent_records.domain.values import (
    AptitudeCertificate,
    ConductAttestation,
    Diploma,
    DiplomaKind,
    Grade,
    LeaveKind,
)
from agent_records.eventstore.encoding import FastMapper, _made
from tests.integration.test_sealing import values as stored_values
from tests.unit.test_fold import outcome, start
from tests.unit.test_properties import SETTINGS, careers

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def mapper(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastMapper]:
    """The application's mapper (the same on both backends; sealing does not apply to
    the stored form)."""
    app = open_records(f"sqlite:///{tmp_path_factory.mktemp('form')}/store.sqlite3")
    assert isinstance(app.mapper, FastMapper)
    try:
        yield app.mapper
    finally:
        app.close()


def exactly(event: Any) -> tuple[type, str]:
    """An event to the type and order of its values (``repr``: an enum member and its
    text are equal, but not alike)."""
    return type(event), repr(list(vars(event).items()))


def check(mapper: FastMapper, event: Any) -> bool:
    """The event read back is the event decoded; whether it was read back at all."""
    stored = mapper._stored(event, sealed=False)
    read = mapper._read_back(event, stored)
    try:
        decoded = mapper.to_sealed_event(stored)
    except Exception as unreadable:  # the store could not read it back: nor can a command
        assert read is None
        with pytest.raises(type(unreadable)):
            mapper.stored_form(event)
        return False
    if read is not None:
        assert exactly(read) == exactly(decoded)
    assert exactly(mapper.stored_form(event)) == exactly(decoded)
    return read is not None


@SETTINGS
@given(careers)
def test_every_event_of_a_career_reads_back_as_it_decodes(mapper: FastMapper,
                                                          career: tuple) -> None:
    exempted, prior, cmds, last = career
    agent = start(exempted, prior)
    for command in [*cmds, ("correct", *last)]:
        outcome(agent, command)
    for event in agent.events:
        assert check(mapper, event), type(event).__name__  # no event needs the decoding


def test_value_objects_enums_and_corrections_read_back_as_they_decode(
        mapper: FastMapper) -> None:
    agent = start(False, 0)
    appointed = next(e for e in agent.events if isinstance(e, ev.AttacheAppointed))
    assert appointed.diplomas and appointed.aptitude_certificate is not None
    event = _made(ev.AttacheAppointed, {
        **vars(appointed),
        "diplomas": (Diploma(DiplomaKind.DOCTORATE_IN_LAW, "Paris", 4),
                     Diploma(DiplomaKind.DOCTORATE_IN_LAW, "Liège", 3)),
        "aptitude_certificate": AptitudeCertificate("jury", True, date(1949, 1, 1)),
        "conduct_attestation": ConductAttestation("commune", date(1949, 2, 1))})
    corrected = _made(ev.EventCorrected, {
        **vars(agent.events[-1]),
        "corrected_version": 2, "annulled": False,
        "changes": {"effective_date": date(1950, 1, 1), "grade": Grade.SECRETAIRE,
                    "diplomas": (Diploma(DiplomaKind.DOCTORATE_IN_LAW, "x", 1),)}})
    for made in (event, corrected):
        assert check(mapper, made)


ODD = [1.5, datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=1))),
       datetime(2020, 1, 1, tzinfo=UTC).replace(fold=1), {"_type_": "date_iso", "_data_": 1},
       {1: "a"}, (1, 2.0)]
"""Values the reading back leaves to the decoding."""


@pytest.mark.parametrize("value", ODD, ids=repr)
def test_what_it_cannot_read_back_is_decoded(mapper: FastMapper, value: Any) -> None:
    agent = start(False, 0)
    event = _made(ev.LeaveGranted, {**vars(agent.events[-1]), "kind": value})
    assert not check(mapper, event)


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(stored_values, st.sampled_from([*LeaveKind, *Grade]),
                       st.datetimes(timezones=st.sampled_from([UTC, None])),
                       st.tuples(st.sampled_from(list(Grade)), st.integers())))
def test_any_value_reads_back_as_it_decodes(mapper: FastMapper, value: Any) -> None:
    state = {"originator_id": uuid4(), "originator_version": 3, "timestamp": datetime.now(UTC),
             "effective_date": date(1950, 1, 1), "kind": value, "nested": [value, {"v": value}]}
    event = _made(ev.LeaveGranted, state)
    try:
        mapper._stored(event, sealed=False)
    except Exception:  # not encodable: no stored form either way
        assume(False)
    check(mapper, event)
