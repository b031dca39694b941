"""The store's faster decoding (``encoding.FastJSONTranscoder.decode``,
``FastMapper.fast_domain_event``) reads every stored event as the library's own path does:
the same values for any value a field may hold, the same events (upcast, opened) for
every event of recorded careers, and the library's errors for what it cannot read.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent
from hypothesis import given, settings

from agent_records.application import AgentRecords
from agent_records.eventstore.encoding import FastMapper
from agent_records.eventstore.factory import RecordsParts
from tests.archive.helpers import record_careers
from tests.integration.test_sealing import values

TRANSCODER = RecordsParts.transcoder(None)  # type: ignore[arg-type]


def library_decode(data: bytes) -> Any:
    """The library's decoding with the same transcodings."""
    return JSONTranscoder.decode(TRANSCODER, data)


@settings(max_examples=300, deadline=None)
@given(value=values)
def test_any_value_decodes_as_the_library_decodes_it(value: Any) -> None:
    data = TRANSCODER.encode({"value": value, "nested": [value, {"v": value}]})
    assert TRANSCODER.decode(data) == library_decode(data)


@pytest.mark.parametrize("data", [b' {"a": 1}', b'{"a": 1} ', b'{"a": 1} x', b'{"a": ',
                                  b'{"_type_": "no such type", "_data_": 1}',
                                  b'{"_type_": "date_iso", "_data_": "not a date"}',
                                  b'{"_type_": "date_iso", "_data_": 5}',
                                  b'{"_type_": "date_iso"}', b'[1, 2]', b'"text"'])
def test_what_it_cannot_read_fails_or_reads_as_the_library(data: bytes) -> None:
    try:
        expected: Any = library_decode(data)
    except Exception as exc:  # the same error, type and text
        with pytest.raises(type(exc)) as got:
            TRANSCODER.decode(data)
        assert str(got.value) == str(exc)
    else:
        assert TRANSCODER.decode(data) == expected


def test_every_recorded_event_reads_as_the_library_reads_it(records: AgentRecords) -> None:
    record_careers(records)
    mapper = records.mapper
    assert isinstance(mapper, FastMapper)
    notes = records.recorder.select_notifications(1, 1_000_000)
    assert len(notes) > 50
    for note in [*notes, *old_leaves(notes)]:
        fast = mapper.to_domain_event(note)
        slow = Mapper.to_domain_event(mapper, note)
        if mapper.sealer is not None:
            mapper.sealer.open_event(slow)
        assert type(fast) is type(slow) and fast.__dict__ == slow.__dict__, note.topic


def old_leaves(notes: list[Any]) -> list[StoredEvent]:
    """Every stored leave as version 1 stored it (no travel days, no class version): the
    fast path upcasts as the library does."""
    found = []
    for note in notes:
        if note.topic.endswith(":LeaveGranted"):
            state = json.loads(note.state)
            state.pop("class_version", None)
            state.pop("travel_days", None)
            found.append(StoredEvent(note.originator_id, note.originator_version, note.topic,
                                     json.dumps(state, separators=(",", ":")).encode()))
    assert found
    return found
