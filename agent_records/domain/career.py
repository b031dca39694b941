"""Evaluates an agent's record: corrections applied, facts in effective order, rules checked.

The record is the list of facts as recorded and the corrections made to them. The state
on a day is the fold of the corrected facts effective by then, taken in order of
effective date (recording order for facts of the same day). Evaluating the whole record
again for each command is what lets a fact recorded late, or a correction, be checked
against everything before and after it: a command is refused when its fact would break
a rule anywhere in the record that was not already broken.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from agent_records.domain import timeline
from agent_records.domain.errors import Violation
from agent_records.domain.events import (
    AgentAppointed,
    AgentRegistered,
    AppointmentRenewed,
    AttacheAppointed,
    CareerEvent,
    EventCorrected,
    FunctionsEntered,
    HonoraryTitleConferred,
    HonourPledged,
    OathSworn,
    PersonalDataErased,
    Posted,
    Resigned,
    Retired,
    ServiceExtended,
    TermLapsed,
)
from agent_records.domain.rules import (
    absence,
    appointment,
    discipline,
    end_of_service,
    erasure,
    leave,
    marriage,
    posting,
)
from agent_records.domain.rules.check import Check, Handler
from agent_records.domain.state import CareerState, evolve
from agent_records.domain.values import Category

HANDLERS: dict[type, Handler] = {
    **appointment.HANDLERS,
    **posting.HANDLERS,
    **leave.HANDLERS,
    **absence.HANDLERS,
    **marriage.HANDLERS,
    **end_of_service.HANDLERS,
    **discipline.HANDLERS,
    **erasure.HANDLERS,
}
ALLOWED_FOR_PERSONALITIES = frozenset({HonoraryTitleConferred, PersonalDataErased})
TAKEN_BEFORE_THE_DAY = (Retired, Resigned, ServiceExtended, AppointmentRenewed, TermLapsed)
"""Facts that act on the very day a term or the activity would end (Art. 7, 21): a
renewal on the term's last day, a retirement on the day after the age limit."""


MIDDLE = 4
SAME_DAY_ORDER: dict[type, int] = {
    AttacheAppointed: 0, AgentAppointed: 0,
    HonourPledged: 1, OathSworn: 1, FunctionsEntered: 2,
    Posted: 3,
}
"""Facts of one day apply in this order, whatever order they were recorded in: the
agent is appointed, sworn, in functions and posted before anything else of that day is
checked (a leave starting the day of a posting home is checked against the new post)."""


@dataclass(frozen=True)
class Evaluation:
    """The state a record gives, and the rules its facts break (fact version, rule)."""

    state: CareerState
    violations: tuple[tuple[int, Violation], ...]


def registered(s: CareerState, e: AgentRegistered, ck: Check) -> CareerState:
    """The identity facts; the registration cannot predate birth."""
    ck.require(e.birth_date <= e.effective_date, None, "effective_before_birth",
               "the person cannot be registered before their birth", "birth_date")
    return evolve(
        s, full_name=e.full_name, birth_date=e.birth_date, nationality=e.nationality,
        category=Category(e.category), civil_political_rights=e.civil_political_rights,
        state_official=e.state_official, prior_public_service_days=e.prior_public_service_days,
        domicile_country=e.domicile_country, administrative_grade=e.administrative_grade,
        registered_on=e.effective_date,
    )


def advance(s: CareerState, e: CareerEvent, ck: Check) -> CareerState:
    """What dates alone bring before a fact (``timeline``); checks common to all."""
    day = e.effective_date
    s = timeline.advance(s, day, inclusive=not isinstance(e, TAKEN_BEFORE_THE_DAY))
    ck.require(day >= s.birth_date, None, "effective_before_birth",
               lambda: f"no event can take effect ({day}) before the agent's birth "
                       f"({s.birth_date})",
               "effective_date")
    if s.category == Category.PERSONALITY:
        ck.require(type(e) in ALLOWED_FOR_PERSONALITIES, "Art. 10", "not_an_agent",
                   "a conseiller du Commerce extérieur is not an agent: no rank, no career")
    return s


def corrected(fact: CareerEvent, correction: EventCorrected) -> CareerEvent:
    """The fact as the correction says it should have been recorded."""
    return dataclasses.replace(fact, **correction.changes)


def effective_facts(
    facts: Sequence[CareerEvent], corrections: Iterable[EventCorrected]
) -> list[CareerEvent]:
    """Facts with their corrections applied in turn, annulled ones left out, in order.

    Each correction gives new values for some fields: later corrections add to earlier
    ones; the fact stays annulled unless a later correction gives it values again.
    """
    return [fact for fact, _ in corrected_facts(facts, corrections)]


def corrected_facts(
    facts: Sequence[CareerEvent], corrections: Iterable[EventCorrected]
) -> list[tuple[CareerEvent, tuple[int, ...]]]:
    """``effective_facts``, each with the versions of the corrections made to it: the
    same fact with the same corrections is the same corrected fact (``fold``)."""
    fixes: dict[int, list[EventCorrected]] = {}
    for c in corrections:
        fixes.setdefault(c.corrected_version, []).append(c)
    out = []
    for fact in facts:
        annulled = False
        made = fixes.get(fact.originator_version, ())
        for fix in made:
            annulled = fix.annulled
            if not annulled:
                fact = corrected(fact, fix)
        if not annulled:
            out.append((fact, tuple(fix.originator_version for fix in made)))
    return sorted(out, key=lambda pair: fold_order(pair[0]))


def fold_order(fact: CareerEvent) -> tuple[bool, date, int, int]:
    """Where a fact is taken in the fold: the registration first, then by effective date,
    the same day's facts in ``SAME_DAY_ORDER``, then in recording order."""
    return (not isinstance(fact, AgentRegistered), fact.effective_date,
            SAME_DAY_ORDER.get(type(fact), MIDDLE), fact.originator_version)


def step(s: CareerState, fact: CareerEvent, ck: Check) -> CareerState:
    """The state after one more fact (taken in ``fold_order``), its breaches in ``ck``."""
    ck.version = fact.originator_version
    if isinstance(fact, AgentRegistered):
        s = registered(s, fact, ck)
    else:
        s = HANDLERS[type(fact)](advance(s, fact, ck), fact, ck)
    return evolve(s, as_of=fact.effective_date, versions=(*s.versions, ck.version))


def evaluate(
    facts: Sequence[CareerEvent], corrections: Iterable[EventCorrected] = (),
    until: date | None = None, today: date | None = None,
) -> Evaluation:
    """Fold the corrected facts effective on or before ``until`` (all when None), then
    what dates alone bring up to ``until`` (or to ``today``, or to the last fact)."""
    s = CareerState()
    ck = Check()
    for fact in effective_facts(facts, corrections):
        if until is not None and fact.effective_date > until:
            break
        s = step(s, fact, ck)
    return horizon(s, ck.found, until, today)


def horizon(s: CareerState, found: Iterable[tuple[int, Violation]], until: date | None,
            today: date | None) -> Evaluation:
    """The folded state carried, by what dates alone bring, to ``until`` (or to ``today``,
    or to the last fact), with the breaches found."""
    day = until if until is not None else max(today or date.min, s.as_of)
    return Evaluation(timeline.advance(s, day), tuple(found))
