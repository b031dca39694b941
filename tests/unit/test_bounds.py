"""Bounded inputs (domain/bounds.py): every field of every command, across and at its edges.

Each property generates values on both sides of a bound and asserts the command is
accepted exactly when the value is within it; a refusal is an ``InvalidInput`` naming
the field, and leaves the aggregate exactly as it was.
"""

from __future__ import annotations

import dataclasses
import typing
import unicodedata
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from agent_records.domain import bounds
from agent_records.domain import events as ev
from agent_records.domain.agent import Agent, typed_payload
from agent_records.domain.calendar import add_years, age_on
from agent_records.domain.errors import InvalidInput, RuleViolation
from agent_records.domain.post import PostOpened, post_id
from agent_records.domain.values import VALUE_TYPES
from tests.careers import on
from tests.unit.builders import attache, identity, in_office, rec, register, unchanged

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
TODAY = bounds.utc_today()
BORN = date(1920, 3, 1)
MB = 1_000_000

EVENTS = [c for c in vars(ev).values() if isinstance(c, type) and issubclass(c, ev.CareerEvent)
          and c is not ev.CareerEvent] + [PostOpened]


def scalar_fields(tp: type) -> set[tuple[str, Any]]:
    """(field, scalar type) of every field of ``tp``, through optionals, tuples and the
    value objects it holds."""
    out: set[tuple[str, Any]] = set()
    hints = typing.get_type_hints(tp)
    for f in dataclasses.fields(tp):
        stack = [hints[f.name]]
        while stack:
            t = stack.pop()
            if typing.get_origin(t) is dict:
                continue
            if typing.get_args(t):
                stack += [a for a in typing.get_args(t) if a not in (type(None), Ellipsis)]
            elif dataclasses.is_dataclass(t):
                out |= scalar_fields(t)
            else:
                out.add((f.name, t))
    return out


def fields_of(tp: type, kind: type) -> set[str]:
    return {name for name, t in scalar_fields(tp) if t is kind} - {"originator_version"}


def test_every_integer_field_has_its_own_bounds() -> None:
    """One definition: no integer of any event or value object falls to a default."""
    ints = set().union(*(fields_of(c, int) for c in [*EVENTS, *VALUE_TYPES]))
    assert ints <= set(bounds.INTEGERS), ints - set(bounds.INTEGERS)


def test_free_texts_are_fields_of_the_events() -> None:
    strs = set().union(*(fields_of(c, str) for c in [*EVENTS, *VALUE_TYPES]))
    assert bounds.FREE_TEXTS - {"reason"} <= strs


# Texts --------------------------------------------------------------------------------------

def text_accepted(value: str, limit: int, free: bool) -> bool:
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        return False
    nfc = unicodedata.normalize("NFC", value)
    allowed = "\n\r\t" if free else ""
    controls = [c for c in nfc if (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F) and c not in allowed]
    return not controls and len(nfc) <= limit


def around(limit: int) -> st.SearchStrategy[str]:
    """Texts of any characters, mostly near ``limit`` characters long."""
    filler = st.sampled_from(["a", "é", "e\u0301", "\u1100\u1161", "語", "\U0001F600", " "])
    near = st.tuples(st.integers(limit - 3, limit + 3), filler, st.text(max_size=3)).map(
        lambda t: (t[1] * t[0])[:max(t[0] - len(t[2]), 0)] + t[2])
    return st.one_of(st.text(max_size=20), near,
                     st.text(st.characters(codec=None, categories=["Cc", "Cs", "Cf", "Mn"]),
                             max_size=5))


@SETTINGS
@given(around(bounds.SHORT_TEXT))
@example("Jean\x00Schmit")
@example("Jean \ud800")
@example("x" * MB)
def test_full_name_within_bounds(name: str) -> None:
    expected = text_accepted(name, bounds.SHORT_TEXT, free=False) and bool(name.strip())
    try:
        agent = Agent.register(on("1948-06-01"), **identity(full_name=name))
    except InvalidInput as refusal:
        assert not expected and refusal.field == "full_name", refusal.message
        assert len(refusal.message) < 200
    else:
        assert expected
        assert agent.state.full_name == unicodedata.normalize("NFC", name)


@SETTINGS
@given(around(bounds.LONG_TEXT), st.sampled_from(["facts", "reason"]))
@example("x" * MB, "facts")
@example("line one\nline two\ttab", "reason")
@example("\x00", "reason")
def test_free_texts_within_bounds(value: str, field: str) -> None:
    assume(field == "reason" or value.strip())  # Art. 23: a referral states the facts
    agent = in_office("conseiller")
    decision_reason = value if field == "reason" else "why"
    facts = value if field == "facts" else "facts"
    expected = text_accepted(value, bounds.LONG_TEXT, free=True)
    if not expected:
        with unchanged(agent, InvalidInput, None, "invalid_input") as info:
            rec(agent, ev.DisciplinaryReferral, "1950-01-01", reason=decision_reason,
                body="ordinary", facts=facts)
        assert info.value.field == field
        return
    event = rec(agent, ev.DisciplinaryReferral, "1950-01-01", reason=decision_reason,
                body="ordinary", facts=facts)
    assert getattr(event, field) == unicodedata.normalize("NFC", value)


@pytest.mark.parametrize("field", ["decision_reference", "reason"])
def test_megabyte_decision_texts_refused(field: str) -> None:
    agent = attache()
    with unchanged(agent, InvalidInput, None, "invalid_input") as info:
        agent.record(ev.Resigned, on("1950-01-01", **{field: "x" * MB}))
    assert info.value.field == field


def test_correlation_id_bounded() -> None:
    agent = attache()
    with unchanged(agent, InvalidInput, None, "invalid_input") as info:
        agent.record(ev.Resigned, on("1950-01-01", correlation_id="x" * 201))
    assert info.value.field == "correlation_id"


@pytest.mark.parametrize("code", ["\ud800", "B\x00RU", "B" * 201])
def test_post_codes_out_of_bounds_refused_before_hashing(code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        post_id(code)
    assert info.value.field == "post_code"


def test_post_opening_bounded() -> None:
    payload = {"code": "BRU", "name": "x" * 201, "city": "Bruxelles", "country": "BE",
               "kind": "legation"}
    with pytest.raises(InvalidInput) as info:
        typed_payload(PostOpened, payload)
    assert info.value.field == "name"


# Dates --------------------------------------------------------------------------------------

dates = st.one_of(st.dates(), st.dates(date(1890, 1, 1), add_years(TODAY, 10)),
                  st.sampled_from([date(1899, 12, 31), date(1900, 1, 1), add_years(TODAY, 5),
                                   add_years(TODAY, 5) + timedelta(days=1), date.max, date.min]))


@SETTINGS
@given(dates)
def test_birth_dates_within_bounds(born: date) -> None:
    """Born from 1848 to 16 years before recording; at most 100 at the registration."""
    registered = min(max(born, date(1900, 1, 1)), TODAY)
    within = date(1848, 1, 1) <= born <= add_years(TODAY, -16)
    young_enough = age_on(born, registered) <= 100
    try:
        agent = Agent.register(on(registered), **identity(birth_date=born))
    except InvalidInput as refusal:
        assert not (within and young_enough) and refusal.field == "birth_date"
    else:
        assert within and young_enough
        assert agent.state.birth_date == born


@SETTINGS
@given(dates)
def test_effective_dates_within_bounds(day: date) -> None:
    """From 1900 to 5 years after recording, and the person 16 to 100 years old then."""
    agent = register(BORN, born=BORN)
    cls, fields = ev.MarriageRecorded, {"spouse_name": "A", "spouse_nationality": "LU"}
    in_span = date(1900, 1, 1) <= day <= add_years(TODAY, 5)
    of_age = add_years(BORN, 16) <= day < add_years(BORN, 101)
    if in_span and day < BORN:
        with unchanged(agent, RuleViolation, None, "effective_before_birth"):
            rec(agent, cls, day, **fields)
    elif not (in_span and of_age):
        with unchanged(agent, InvalidInput, None, "invalid_input") as info:
            rec(agent, cls, day, **fields)
        assert info.value.field == "effective_date"
    else:
        assert rec(agent, cls, day, **fields).effective_date == day


@SETTINGS
@given(dates)
def test_other_dates_within_bounds(day: date) -> None:
    """An end date, deep in a value object too: the same span as effective dates."""
    agent = attache()
    in_span = date(1900, 1, 1) <= day <= add_years(TODAY, 5)
    certificate = dataclasses.replace(agent.events[1].aptitude_certificate, issued_on=day)
    try:
        agent.correct(on("1950-01-01", reason="misread"), 2,
                      changes={"aptitude_certificate": certificate})
    except InvalidInput as refusal:
        assert not in_span and refusal.field == "aptitude_certificate.issued_on"
    except RuleViolation:  # within bounds, but after the appointment (Art. 6)
        assert in_span
    else:
        assert in_span


# Integers -----------------------------------------------------------------------------------

@SETTINGS
@given(st.one_of(st.integers(), st.integers(-3, 60 * 366 + 3),
                 st.sampled_from([2**31 - 1, 60 * 366, 60 * 366 + 1, -1, 0])))
def test_prior_public_service_days_within_bounds(days: int) -> None:
    try:
        Agent.register(on("1948-06-01"), **identity(prior_public_service_days=days))
    except InvalidInput as refusal:
        assert not 0 <= days <= 60 * 366 and refusal.field == "prior_public_service_days"
    else:
        assert 0 <= days <= 60 * 366


@SETTINGS
@given(st.sampled_from(sorted(bounds.INTEGERS)), st.one_of(st.integers(), st.integers(-3, 3),
                                                             st.integers(360, 370)),
       st.sampled_from([0, 1, -1]))
def test_integer_bounds(field: str, value: int, edge: int) -> None:
    low, high = bounds.INTEGERS[field]
    for n in (value, low + edge, high + edge):
        if low <= n <= high:
            assert bounds.bounded(field, n, TODAY) == n
        else:
            with pytest.raises(InvalidInput) as info:
                bounds.bounded(field, n, TODAY)
            assert info.value.field == field


def test_negative_travel_days_are_invalid_input() -> None:
    agent = attache()
    with unchanged(agent, InvalidInput, None, "invalid_input") as info:
        rec(agent, ev.LeaveGranted, "1948-09-01", end_date=date(1948, 9, 10), travel_days=-1)
    assert info.value.field == "travel_days"


# Corrections: the target field's bounds, at any depth ----------------------------------------

@pytest.mark.parametrize(("version", "changes", "field"), [
    (1, {"birth_date": "9999-12-31"}, "birth_date"),
    (1, {"birth_date": "0001-01-01"}, "birth_date"),
    (1, {"full_name": "Jean\x00Schmit"}, "full_name"),
    (1, {"full_name": "x" * MB}, "full_name"),
    (1, {"nationality": "lux"}, "nationality"),
    (1, {"prior_public_service_days": 2**31 - 1}, "prior_public_service_days"),
    (2, {"effective_date": "9999-12-31"}, "effective_date"),
    (2, {"decision_reference": "x" * MB}, "decision_reference"),
    (2, {"diplomas": [{"kind": "university", "country": "LU", "title": "\ud800"}]},
     "diplomas[0].title"),
    (2, {"diplomas": [{"kind": "university", "country": "LU", "title": "Droit",
                       "years_of_study": 2**31 - 1}]}, "diplomas[0].years_of_study"),
    (1, {"birth_date": "1846-01-01"}, "birth_date"),
])
def test_correction_values_bounded(version: int, changes: dict[str, Any], field: str) -> None:
    """New values obey the corrected field's bounds; a date correction that puts a fact
    out of the ages of a career is refused too."""
    agent = attache()
    with unchanged(agent, InvalidInput, None, "invalid_input") as info:
        agent.correct(on("1950-01-01", reason="fix"), version, changes=changes)
    assert info.value.field == field
    assert len(info.value.message) < 300


@pytest.mark.parametrize(("field", "refused_value", "accepted_value"), [
    ("birth_date", "1934-03-02", "1934-03-01"),
    ("birth_date", "1849-02-28", "1849-03-02"),
    ("effective_date", "1936-02-29", "1936-03-01"),
    ("effective_date", "2021-03-01", "2021-02-28"),
])
def test_correction_putting_a_fact_out_of_career_ages_refused(field, refused_value,
                                                               accepted_value) -> None:
    """A marriage on 1 March 1950, at 30: a correction may make the person 16 or 100
    then, not 15 or 101."""
    agent = register(born=BORN)
    marriage = rec(agent, ev.MarriageRecorded, "1950-03-01", spouse_name="A",
                   spouse_nationality="LU")
    version = 1 if field == "birth_date" else marriage.originator_version
    with unchanged(agent, InvalidInput, None, "invalid_input") as info:
        agent.correct(on("1950-04-01", reason="fix"), version, changes={field: refused_value})
    assert info.value.field == field
    agent.correct(on("1950-04-01", reason="fix"), version, changes={field: accepted_value})


def test_registration_moved_after_a_fact_of_the_career_refused() -> None:
    """Found by hypothesis (test_properties): the registration corrected to a day after the
    appointment left the record with no state on the appointment's day. Refused, naming
    the fact it would follow; a registration moved earlier is accepted."""
    agent = attache()
    appointed = next(e for e in agent.events if isinstance(e, ev.AttacheAppointed))
    later = appointed.effective_date + timedelta(days=1)
    with unchanged(agent, InvalidInput, None, "invalid_input") as info:
        agent.correct(on("1950-04-01", reason="fix"), 1, changes={"effective_date": later})
    assert info.value.field == "effective_date"
    assert "AttacheAppointed" in info.value.message
    agent.correct(on("1950-04-01", reason="fix"), 1,
                  changes={"effective_date": appointed.effective_date - timedelta(days=1)})
    assert agent.state_on(agent.state.as_of) == agent.state


def test_megabyte_correction_reason_refused() -> None:
    agent = attache()
    with unchanged(agent, InvalidInput, None, "invalid_input") as info:
        agent.correct(on("1950-01-01", reason="x" * MB), 2, annulled=True)
    assert info.value.field == "reason"


def test_texts_are_stored_in_nfc() -> None:
    agent = register(full_name="Rene\u0301 Mu\u0308ller")
    assert agent.state.full_name == "René Müller"
    fixed = agent.correct(on("1950-01-01", reason="e\u0301"), 1,
                          changes={"full_name": "Ame\u0301lie"})
    assert (fixed.changes["full_name"], fixed.reason) == ("Amélie", "é")
