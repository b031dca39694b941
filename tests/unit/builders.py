"""Builders for the unit tests: agents worked directly through the ``Agent`` aggregate.

No application, no store: each helper registers or records through the aggregate's own
commands (``Agent.register``, ``Agent.record``, ``Agent.correct``), so every rule runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest

from agent_records.domain import events as ev
from agent_records.domain.agent import Agent
from agent_records.domain.errors import DomainError, RuleViolation
from agent_records.domain.values import Authority
from tests.careers import art6_file, on

Day = str | date

DEFAULTS: dict[type[ev.CareerEvent], Callable[[date], dict[str, Any]]] = {
    ev.AttacheAppointed: lambda day: {**art6_file(day), "foreign_diploma_exception": None,
                                      "appointing_authority": Authority.SOVEREIGN},
    ev.AgentAppointed: lambda day: {"appointing_authority": Authority.SOVEREIGN,
                                    "council_deliberation_ref": None, "transitional": False,
                                    "probation_exempted": False},
    ev.OathSworn: lambda day: {"already_sworn_as_state_official": False},
    ev.Promoted: lambda day: {"appointing_authority": Authority.SOVEREIGN,
                              "council_deliberation_ref": None},
    ev.MarriageAuthorisationRequested: lambda day: {"intended_date": None},
    ev.MarriageAuthorised: lambda day: {"exception_justification": None},
    ev.MarriageRecorded: lambda day: {"request_version": None},
    ev.LeaveGranted: lambda day: {"kind": "annual", "travel_days": 0, "granted_by": "minister",
                                  "council_deliberation_ref": None},
    ev.Posted: lambda day: {"post_code": None, "organisation": None, "until": None,
                            "home_minister_agreement_ref": None},
    ev.ChargeDAffairesDesignated: lambda day: {"end_date": None,
                                               "designated_by": "head_of_post",
                                               "ground": "absence"},
    ev.HonoraryTitleConferred: lambda day: {"uniform": False},
    ev.DisciplinaryDecision: lambda day: {"until": None},
}


def as_date(day: Day) -> date:
    return date.fromisoformat(day) if isinstance(day, str) else day


def identity(**overrides: Any) -> dict[str, Any]:
    """Identity facts of a Luxembourgish diplomatic candidate born on 1 March 1920."""
    return {"full_name": "Jean Schmit", "birth_date": date(1920, 3, 1), "nationality": "LU",
            "category": "diplomatic", "civil_political_rights": True, "state_official": True,
            "prior_public_service_days": 0, "domicile_country": "LU",
            "administrative_grade": None, **overrides}


def register(day: Day = "1948-06-01", *, born: Day = "1920-03-01", **overrides: Any) -> Agent:
    """A registered person (no pending events)."""
    agent = Agent.register(on(as_date(day)), **identity(birth_date=as_date(born), **overrides))
    agent.collect_events()
    return agent


def payload(cls: type[ev.CareerEvent], day: Day, **fields: Any) -> dict[str, Any]:
    """The event's default payload for ``day``, overridden by ``fields``."""
    defaults = DEFAULTS.get(cls)
    return {**(defaults(as_date(day)) if defaults else {}), **fields}


def rec(agent: Agent, cls: type[ev.CareerEvent], day: Day, *, ref: str | None = "REF-1",
        reason: str = "", **fields: Any) -> ev.CareerEvent:
    """Records ``cls`` effective on ``day`` with default payload; pending events cleared."""
    event = agent.record(cls, on(as_date(day), decision_reference=ref, reason=reason),
                         **payload(cls, day, **fields))
    agent.collect_events()
    return event


def fix(agent: Agent, day: Day, version: int, *, reason: str = "clerical error",
        **kw: Any) -> ev.CareerEvent:
    """Corrects event ``version`` (``changes=`` or ``annulled=True``)."""
    event = agent.correct(on(as_date(day), reason=reason), version, **kw)
    agent.collect_events()
    return event


@contextmanager
def unchanged(agent: Agent, error: type[DomainError] = RuleViolation,
              article: str | None = None, code: str | None = None) -> Iterator[Any]:
    """Expects ``error`` with ``article`` and ``code``, and the record left exactly as it was."""
    agent.collect_events()
    version, state, events = agent.version, agent.state, agent.events
    with pytest.raises(error) as info:
        yield info
    assert (info.value.article, info.value.code) == (article, code), str(info.value)
    assert agent.version == version
    assert len(agent.pending_events) == 0
    assert agent.events == events
    assert agent.state == state


def refused(agent: Agent, cls: type[ev.CareerEvent], day: Day, article: str | None, code: str,
            *, ref: str | None = "REF-1", **fields: Any) -> RuleViolation:
    """Asserts that recording ``cls`` is refused with ``article``/``code`` and changes nothing."""
    with unchanged(agent, RuleViolation, article, code) as info:
        rec(agent, cls, day, ref=ref, **fields)
    return info.value


def attache(born: Day = "1920-03-01", appointed: Day = "1948-07-01", *,
            post: str | None = "BRU", serve: bool = True, **overrides: Any) -> Agent:
    """An attaché appointed on ``appointed``; pledged, sworn, in functions and posted."""
    agent = register(born=born, **overrides)
    rec(agent, ev.AttacheAppointed, appointed)
    if serve:
        rec(agent, ev.HonourPledged, appointed)
        rec(agent, ev.OathSworn, appointed)
        rec(agent, ev.FunctionsEntered, appointed)
        if post:
            rec(agent, ev.Posted, appointed, kind="abroad", post_code=post)
    return agent


def renewed(agent: Agent, times: int, appointed: Day = "1948-07-01", *,
            early: bool = False) -> Agent:
    """Renews an attaché appointed on ``appointed`` on each anniversary, ``times`` times
    (``early``: all on the days just after the appointment, Art. 7 allows it)."""
    first = as_date(appointed)
    for n in range(1, times + 1):
        day = first + timedelta(days=n) if early else first.replace(year=first.year + n)
        rec(agent, ev.AppointmentRenewed, day)
    return agent


def in_office(grade: str, *, post: str | None = "BRU", head: bool = False,
              born: Day = "1900-01-01", since: Day = "1948-01-01",
              probation_exempted: bool = False, **overrides: Any) -> Agent:
    """An agent in office in 1948 who keeps their grade (Art. 27): serving, sworn, posted."""
    agent = register("1947-01-01", born=born, **overrides)
    rec(agent, ev.AgentAppointed, since, grade=grade, transitional=True,
        probation_exempted=probation_exempted)
    if post:
        rec(agent, ev.Posted, since, kind="abroad", post_code=post)
        if head:
            rec(agent, ev.HeadOfPostDesignated, since, post_code=post)
    return agent
