"""A stored event never stops a view: whatever the domain accepted, every view projects it.

Hypothesis drives the application with careers at the edges of the bounds
(domain/bounds.py): the oldest and newest dates a record allows, the longest texts, any
non-ASCII letters, the largest integers. After each example every view reaches the
store's head (no ``ProjectionStopped``); at the end a rebuild of every view from zero
equals the incremental build, table for table, on both backends. Refusals are expected
(rules of the decree, bounds) and ignored: only what was stored matters.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_records.application import AgentRecords, Receipt
from agent_records.domain import bounds
from agent_records.domain.calendar import add_years
from agent_records.domain.commands import (
    AcceptResignation,
    AppointAttache,
    Command,
    ConferHonoraryTitle,
    CorrectEvent,
    EnterFunctions,
    GrantLeave,
    OpenPost,
    PledgeHonour,
    PostAgent,
    RecordDisciplinaryDecision,
    RecordMarriage,
    ReferToDiscipline,
    RegisterAgent,
    Retire,
    SwearOath,
)
from agent_records.domain.errors import DomainError
from agent_records.domain.values import Actor, Decision
from agent_records.readside import VIEWS, named
from projections.engine.runner import Worker
from tests.careers import art6_file
from tests.projections.helpers import assert_audit_complete, assert_equals_rebuild

TODAY = bounds.utc_today()
NEWEST = add_years(TODAY, bounds.YEARS_AHEAD)
YOUNGEST_BIRTH = add_years(TODAY, -bounds.MIN_AGE)
CLERK = Actor("clerk-1", "hr_officer")

letters = st.characters(exclude_categories=("Cc", "Cs"), codec=None)


def texts(limit: int) -> st.SearchStrategy[str]:
    """Non-blank texts of any letters, often exactly ``limit`` characters long."""
    full = st.tuples(st.sampled_from(["é", "語", "\U0001F600", "a", "ß", "'", '"', "\\"]),
                     st.text(letters, max_size=5)).map(lambda t: (t[1] + t[0] * limit)[:limit])
    return st.one_of(full, st.text(letters, min_size=1, max_size=limit)).filter(str.strip)


short, long = texts(bounds.SHORT_TEXT), texts(bounds.LONG_TEXT)
free = st.one_of(long, st.just("line one\n\tline two"))
births = st.one_of(st.sampled_from([bounds.EARLIEST_BIRTH, YOUNGEST_BIRTH, date(1900, 2, 28)]),
                   st.dates(bounds.EARLIEST_BIRTH, YOUNGEST_BIRTH))
ages = st.one_of(st.sampled_from([bounds.MIN_AGE, 25, 64, 65, bounds.MAX_AGE]),
                 st.integers(bounds.MIN_AGE, bounds.MAX_AGE))
spans = st.one_of(st.sampled_from([0, 1, 365, 10**5]), st.integers(0, 3000))
prior = st.one_of(st.sampled_from([0, 60 * 366]), st.integers(0, 60 * 366))


def clamp(day: date) -> date:
    return min(max(day, bounds.EARLIEST_EVENT), NEWEST)


def decision(day: date, ref: str | None = None, reason: str = "") -> Decision:
    return Decision(clamp(day), CLERK, decision_reference=ref, reason=reason)


later = st.one_of(st.sampled_from([0, 1, 40 * 365, 10**5]), st.integers(0, 3000))
"""Days after the appointment (then clamped to the newest date a record allows)."""
correct = st.tuples(st.just("correct"), st.integers(1, 12),
                    st.sampled_from(["birth", "name", "date", "annul"]), births, short, ages)
extra = st.one_of(
    st.tuples(st.just("leave"), later, spans, st.integers(0, 366)),
    st.tuples(st.just("marriage"), later, short, short),
    st.tuples(st.just("discipline"), later, free, spans,
              st.sampled_from(["suspension", "fine", "dismissal", "warning"])),
    st.tuples(st.just("honorary"), later, short),
    st.tuples(st.just("retire"), later),
    st.tuples(st.just("resign"), later),
    correct, correct,
)
careers = st.fixed_dictionaries({
    "post": st.tuples(short, short, short, short),
    "name": short, "born": births, "registered_at": ages, "prior": prior,
    "nationality": st.sampled_from(["LU", "LU", "LU", "FR"]),
    "domicile": st.one_of(st.just("LU"), short),
    "grade": st.one_of(st.none(), short),
    "appointed_at": ages, "ref": st.one_of(st.none(), short), "reason": free,
    "extras": st.lists(extra, min_size=2, max_size=8),
})


def attempt(app: AgentRecords, command: Command) -> Receipt | None:
    """Runs a command; a refusal (rule or bound) is part of the game."""
    try:
        return app.handle(command)
    except DomainError:
        return None


def record(app: AgentRecords, c: dict[str, Any]) -> None:
    """One person's career with the generated values (each command may be refused)."""
    code, name, city, country = c["post"]
    attempt(app, OpenPost(decision(date(1948, 1, 1), c["ref"], c["reason"]),
                          code=code, name=name, city=city, country=country))
    born = c["born"]
    at = lambda years: add_years(born, years)  # noqa: E731
    registered = attempt(app, RegisterAgent(
        decision(at(c["registered_at"]), c["ref"], c["reason"]),
        full_name=c["name"], birth_date=born, nationality=c["nationality"],
        prior_public_service_days=c["prior"], domicile_country=c["domicile"],
        administrative_grade=c["grade"]))
    if registered is None:
        return
    aid: UUID = registered.aggregate_id
    day = clamp(at(c["appointed_at"]))
    attempt(app, AppointAttache(aid, decision(day, c["ref"], c["reason"]), **art6_file(day)))
    for command in (PledgeHonour, SwearOath, EnterFunctions):
        attempt(app, command(aid, decision(day)))
    if code.strip():
        attempt(app, PostAgent(aid, decision(day), kind="abroad", post_code=code.strip()))
    for name, *args in c["extras"]:
        extras(app, aid, at, lambda n: clamp(day + timedelta(n)), name, args)


def extras(app: AgentRecords, aid: UUID, at: Any, after: Any, name: str,
           args: list[Any]) -> None:
    """One more command, ``args[0]`` days after the appointment (but corrections)."""
    if name == "leave":
        start = after(args[0])
        attempt(app, GrantLeave(aid, decision(start), end_date=clamp(start + timedelta(args[1])),
                                travel_days=args[2]))
    elif name == "marriage":
        attempt(app, RecordMarriage(aid, decision(after(args[0])), spouse_name=args[1],
                                    spouse_nationality=args[2]))
    elif name == "discipline":
        day = after(args[0])
        referral = attempt(app, ReferToDiscipline(aid, decision(day, reason=args[1]),
                                                  body="ordinary", facts=args[1]))
        if referral:
            attempt(app, RecordDisciplinaryDecision(aid, decision(day),
                                                    referral_version=referral.version,
                                                    outcome=args[3],
                                                    until=clamp(day + timedelta(args[2]))))
    elif name == "honorary":
        attempt(app, ConferHonoraryTitle(aid, decision(after(args[0])), kind="retained_title",
                                         title=args[1], conferred_by="sovereign"))
    elif name in ("retire", "resign"):
        command = Retire if name == "retire" else AcceptResignation
        attempt(app, command(aid, decision(after(args[0]))))
    else:
        version, mode, birth, text, age = args
        changes: dict[str, Any] = {"birth": {"birth_date": birth}, "name": {"full_name": text},
                                   "date": {"effective_date": clamp(at(age))}}.get(mode, {})
        target = 1 if mode in ("birth", "name") else version
        attempt(app, CorrectEvent(aid, decision(TODAY, reason=text), corrected_version=target,
                                  changes=changes, annulled=mode == "annul"))


def test_every_view_projects_whatever_was_stored(records: AgentRecords) -> None:
    app = records
    worker = Worker(app, named(list(VIEWS)))

    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(careers)
    def project(career: dict[str, Any]) -> None:
        record(app, career)
        worker.run_once()  # raises ProjectionStopped if a view cannot project an event
        head = app.recorder.max_notification_id()
        assert all(s.position == head for s in worker.status()), worker.status()

    project()
    assert app.recorder.max_notification_id() > 20
    assert_audit_complete(app)
    assert_equals_rebuild(app)
    assert_equals_rebuild(app, together=True)
