"""The list of commands: one per fact a user may record, each carrying its event's fields.

The commands are the one list the application dispatches and the API's mutations are
generated from; these tests hold them to the events they record, so that a field added
to an event and forgotten in its command (or typed differently) fails here, not in use.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from datetime import date
from uuid import uuid4

import pytest

from agent_records.application import HANDLERS
from agent_records.domain import commands as c
from agent_records.domain import events as ev
from agent_records.domain.events import METADATA_FIELDS
from agent_records.domain.post import PostOpened
from agent_records.domain.values import Actor, Authority, Decision, Grade

DECISION = Decision(date(1950, 1, 1), Actor("clerk-1", "hr_clerk"))


def event_fields(event: type) -> list[str]:
    return [f.name for f in dataclasses.fields(event) if f.name not in METADATA_FIELDS]


@pytest.mark.parametrize("command", c.COMMANDS, ids=lambda cmd: cmd.__name__)
def test_a_command_carries_its_events_fields_in_order_with_their_types(
        command: type[c.Command]) -> None:
    assert list(c.payload_fields(command)) == event_fields(command.EVENT)
    given, recorded = typing.get_type_hints(command), typing.get_type_hints(command.EVENT)
    assert {n: given[n] for n in c.payload_fields(command)} == {
        n: recorded[n] for n in event_fields(command.EVENT)}


def test_every_fact_a_user_records_has_exactly_one_command() -> None:
    facts = {cls for cls in vars(ev).values() if isinstance(cls, type)
             and issubclass(cls, ev.CareerEvent) and cls is not ev.CareerEvent}
    recorded = [command.EVENT for command in c.COMMANDS]
    assert sorted(recorded, key=str) == sorted(facts | {PostOpened}, key=str)
    assert len(set(c.COMMANDS)) == len(c.COMMANDS) == 29


def test_a_command_is_frozen_and_fills_in_its_declared_defaults() -> None:
    aid = uuid4()
    promote = c.Promote(aid, DECISION, to_grade=Grade.SECRETAIRE)
    assert promote.payload() == {"to_grade": Grade.SECRETAIRE,
                                 "appointing_authority": Authority.SOVEREIGN,
                                 "council_deliberation_ref": None}
    assert (promote.agent_id, promote.expected_version) == (aid, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        promote.to_grade = Grade.ENVOYE  # type: ignore[misc]
    with pytest.raises(TypeError):
        c.Promote(aid, DECISION)  # type: ignore[call-arg]  # to_grade is required


@pytest.mark.parametrize("command", list(HANDLERS), ids=lambda cmd: cmd.__name__)
def test_each_handler_takes_the_command_it_is_listed_for(command: type[c.Command]) -> None:
    handler = HANDLERS[command]
    hints = typing.get_type_hints(handler)
    (parameter,) = list(inspect.signature(handler).parameters)[1:]
    assert hints[parameter] is command
    assert handler.__name__ == "".join(
        "_" + ch.lower() if ch.isupper() else ch for ch in command.__name__).lstrip("_")


def test_every_other_command_is_on_an_agent_and_records_its_event_as_given() -> None:
    plain = [cmd for cmd in c.COMMANDS if cmd not in HANDLERS]
    assert plain and all(issubclass(cmd, c.AgentCommand) for cmd in plain)
