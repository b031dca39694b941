"""The ``Agent`` aggregate: one person's record under the decree of 28 May 1948.

The aggregate keeps its events (the record) and derives its state from them (see
``career``), so that the same code answers "what is the state today", "what was it on
that date" and "what did the record say at that instant, before later corrections".
Commands check every rule before anything is emitted: a refused command raises a
``RuleViolation`` and leaves the aggregate exactly as it was.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from agent_records.domain import bounds
from agent_records.domain.calendar import age_on
from agent_records.domain.career import Evaluation, effective_facts, evaluate
from agent_records.domain.coercion import typers
from agent_records.domain.errors import InvalidInput, NotFound, RuleViolation
from agent_records.domain.events import (
    CORRECTABLE_METADATA,
    METADATA_FIELDS,
    AgentRegistered,
    CareerEvent,
    EventCorrected,
    PersonalDataErased,
)
from agent_records.domain.fold import Fold, refold
from agent_records.domain.state import CareerState
from agent_records.domain.values import Decision

StoredForm = Callable[[CareerEvent], CareerEvent]
"""An event as the store gives it back once saved (``Agent._emit``)."""


def metadata(cls: type[CareerEvent], decision: Decision, payload: dict[str, Any],
             today: date | None = None) -> dict[str, Any]:
    """The audit metadata of an event, from the decision and the event's legal basis,
    within bounds (``bounds``) on ``today``, the recording day."""
    today = today or bounds.utc_today()
    day = decision.effective_date
    if isinstance(day, datetime) or not isinstance(day, date):
        raise InvalidInput(f"effective_date: expected a date, got {bounds.shown(day)}",
                           field="effective_date")
    if not decision.actor.id or not decision.actor.role:
        raise InvalidInput("the actor and their role are required", field="actor")
    return {
        "effective_date": bounds.day("effective_date", day, today),
        "actor_id": bounds.text("actor", decision.actor.id),
        "actor_role": bounds.text("actor", decision.actor.role),
        "legal_basis": cls.legal_basis_for(payload),
        "decision_reference": bounds.text("decision_reference", decision.decision_reference)
        if decision.decision_reference else None,
        "reason": bounds.text("reason", decision.reason),
        "correlation_id": bounds.text("correlation_id", decision.correlation_id),
    }


def typed_payload(cls: type[CareerEvent], payload: dict[str, Any],
                  today: date | None = None) -> dict[str, Any]:
    """The payload checked against the event's declared fields, coerced to their types
    and within their bounds on ``today``, the recording day."""
    today = today or bounds.utc_today()
    expected = payload_fields(cls)
    if payload.keys() != expected:
        missing, unknown = expected - payload.keys(), payload.keys() - expected
        name = sorted(missing or unknown)[0]
        raise InvalidInput(f"{cls.__name__}: {'missing' if missing else 'unknown'} field "
                           f"{name}", field=name)
    typed = typers(cls)
    return {k: typed[k](v, today) for k, v in payload.items()}


@functools.cache
def payload_fields(cls: type[CareerEvent]) -> frozenset[str]:
    """The names of an event's own fields, without the metadata (computed once per
    class: every command asks it)."""
    return frozenset(f.name for f in dataclasses.fields(cls)) - METADATA_FIELDS


@functools.cache
def event_fields(cls: type[CareerEvent]) -> tuple[tuple[str, ...], frozenset[str]]:
    """The names of an event's fields, in their order and as a set (once per class)."""
    names = tuple(f.name for f in dataclasses.fields(cls))
    return names, frozenset(names)


def built(cls: type[CareerEvent], values: dict[str, Any]) -> CareerEvent:
    """``cls(**values)``, without the frozen dataclass's ``__init__`` (a call per field,
    a twentieth of a command) when ``values`` are exactly its fields and the id a UUID
    (what ``__post_init__`` checks): the same attributes in the same order, so the same
    stored bytes (``tests/unit/test_evolve.py`` compares the two). ``values`` (a dict
    the caller made for it) becomes the event's attributes."""
    names, expected = event_fields(cls)
    if type(values.get("originator_id")) is not UUID or values.keys() != expected:
        return cls(**values)
    if tuple(values) != names:  # a command gives its fields in the event's order
        values = {name: values[name] for name in names}
    event = object.__new__(cls)
    object.__setattr__(event, "__dict__", values)
    return event


class Agent(Aggregate):
    """A person on record: diplomatic agent, chancellor, official or personality."""

    def __init__(self) -> None:
        self._log: list[CareerEvent] = []
        self._fold: Fold | None = None
        self._evaluation: Evaluation | None = None
        self._current: dict[date, CareerState] = {}

    @classmethod
    def register(cls, decision: Decision, **identity: Any) -> Agent:
        """Opens a person's record with the identity facts (``AgentRegistered``)."""
        now = AgentRegistered.create_timestamp()
        payload = typed_payload(AgentRegistered, identity, now.date())
        kwargs = {**metadata(AgentRegistered, decision, payload, now.date()), **payload}
        probe = AgentRegistered(originator_topic=get_topic(cls), originator_id=uuid4(),
                                originator_version=1, timestamp=now, **kwargs)
        found = evaluate([probe]).violations
        if found:
            raise RuleViolation(found[0][1])
        bounds.age(probe.birth_date, probe.effective_date, "birth_date", youngest=0)
        return cls._create(AgentRegistered, id=probe.originator_id, timestamp=probe.timestamp,
                           **kwargs)

    def admit(self, event: CareerEvent) -> None:
        """Adds a stored or new event to the record (rules are checked before, not here);
        the record's fold is kept: the next evaluation folds on from it (``fold``)."""
        self._log.append(event)
        self._evaluation = None
        self._current = {}

    def record(self, cls: type[CareerEvent], decision: Decision, *,
               stored_form: StoredForm | None = None, **payload: Any) -> CareerEvent:
        """Records one career fact after checking every rule; returns the event (the
        rules are checked on its ``stored_form``, when given: see ``_emit``)."""
        if cls in (AgentRegistered, EventCorrected):
            raise InvalidInput(f"{cls.__name__} is not recorded with record()")
        now = cls.create_timestamp()
        payload = typed_payload(cls, payload, now.date())
        return self._emit(cls, {**metadata(cls, decision, payload, now.date()), **payload}, now,
                          stored_form)

    def correct(self, decision: Decision, corrected_version: int,
                changes: dict[str, Any] | None = None, annulled: bool = False, *,
                stored_form: StoredForm | None = None) -> CareerEvent:
        """Corrects (or annuls) an earlier event: it stays, and a new event says why (the
        rules are checked on its ``stored_form``, when given: see ``_emit``)."""
        target = next((e for e in self._log if e.originator_version == corrected_version), None)
        if target is None or isinstance(target, EventCorrected | PersonalDataErased):
            raise NotFound(f"no correctable event {corrected_version} on this record",
                           field="corrected_version")
        if not decision.reason.strip():
            raise InvalidInput("a correction states why", field="reason")
        changes = changes or {}
        if annulled == bool(changes):
            raise InvalidInput("a correction either annuls the event or gives new values",
                               field="changes")
        if annulled and isinstance(target, AgentRegistered):
            raise InvalidInput("a registration is corrected, not annulled", field="annulled")
        allowed = set(target.payload()) | CORRECTABLE_METADATA
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise InvalidInput(f"{unknown[0]} is not a correctable field of "
                               f"{type(target).__name__}", field=unknown[0])
        typed_as = typers(type(target))
        now = EventCorrected.create_timestamp()
        typed = {k: typed_as[k](v, now.date()) for k, v in changes.items()}
        payload = {"corrected_version": corrected_version, "changes": typed, "annulled": annulled}
        return self._emit(EventCorrected, {**metadata(EventCorrected, decision, payload,
                                                      now.date()), **payload}, now,
                          stored_form)

    def _emit(self, cls: type[CareerEvent], kwargs: dict[str, Any], now: datetime,
              stored_form: StoredForm | None = None) -> CareerEvent:
        """Builds the next event, refuses it if it adds a violation or puts a fact out of
        the ages a career spans (``bounds.age``), else applies it; returns it, pending.

        With ``stored_form`` (the application's), the record takes the event as the store
        will give it back (enums as their text, lists for tuples), and the rules are
        checked on that: the record folded here is then the one any later reading of it
        folds, which the application keeps as read (``agent_cache``) instead of decoding
        the saved event and folding it again. The pending event, saved, is the event as
        built (its stored bytes are the same either way)."""
        event = built(cls, {"originator_id": self.id, "originator_version": self.version + 1,
                            "timestamp": now, **kwargs})
        pending, event = event, event if stored_form is None else stored_form(event)
        folded = refold([*self._log, event], self._folded())
        evaluation = folded.evaluation()
        if evaluation.violations:  # rarely: only then is the record before needed
            before = {(v, x.code) for v, x in self.evaluation.violations}
            new = [(v, x) for v, x in evaluation.violations if (v, x.code) not in before]
            if new:
                own = [x for v, x in new if v == event.originator_version]
                raise RuleViolation(own[0] if own else new[0][1])
        self._check_ages(event, evaluation)
        self._check_registration_first(event)
        event.mutate(self)
        self.pending_events.append(pending)
        self._fold, self._evaluation = folded, evaluation  # the record now is what was folded
        return pending

    def _check_ages(self, event: CareerEvent, evaluation: Evaluation) -> None:
        """A new fact, or a correction of a date, leaves no fact out of ``MIN_AGE`` to
        ``MAX_AGE`` that was not already (records kept before the bound stay readable)."""
        birth = evaluation.state.birth_date
        if isinstance(event, PersonalDataErased):  # about the record, not the career
            return
        if not isinstance(event, EventCorrected):
            bounds.age(birth, event.effective_date)
            return
        field = next((k for k in ("birth_date", "effective_date") if k in event.changes), None)
        if field is None:
            return
        before = _out_of_ages(self._log, self.evaluation.state.birth_date)
        after = _out_of_ages([*self._log, event], birth)
        for fact in after:
            if fact.originator_version not in {f.originator_version for f in before}:
                bounds.age(birth, fact.effective_date, field)

    def _check_registration_first(self, event: CareerEvent) -> None:
        """A correction of the registration's date leaves no fact taking effect before it
        that did not already: the record is folded from the registration on, so a fact
        moved before it would be in no state on its own day (the registration moved after
        the appointment, say). Facts of before the service (a marriage) may precede it."""
        if not isinstance(event, EventCorrected) or "effective_date" not in event.changes \
                or not any(isinstance(e, AgentRegistered)
                           and e.originator_version == event.corrected_version
                           for e in self._log):
            return
        before = {f.originator_version for f in _before_registration(self._log)}
        for fact in _before_registration([*self._log, event]):
            if fact.originator_version not in before:
                raise InvalidInput(
                    f"no fact may take effect before the agent's registration: "
                    f"{type(fact).__name__} (event {fact.originator_version}) would take "
                    f"effect on {fact.effective_date.isoformat()}, before it",
                    field="effective_date")

    @property
    def events(self) -> list[CareerEvent]:
        """Every event of the record, in the order it was recorded."""
        return list(self._log)

    def tail(self, count: int) -> list[CareerEvent]:
        """The last ``count`` events of the record (without copying the whole)."""
        return self._log[len(self._log) - count:]

    def _folded(self) -> Fold:
        """The record folded, on from the fold of its last evaluation (``fold``)."""
        fold = self.__dict__.get("_fold")
        last = self._log[-1] if self._log else None
        if fold is None or fold.log != len(self._log) or fold.last is not last:
            fold = self._fold = refold(self._log, fold)
        return fold

    @property
    def evaluation(self) -> Evaluation:
        """The state of the whole record and the rules it breaks (cached)."""
        if self._evaluation is None:
            self._evaluation = self._folded().evaluation()
        return self._evaluation

    @property
    def state(self) -> CareerState:
        """The record's state with every fact and correction applied."""
        return self.evaluation.state

    def state_on(self, day: date) -> CareerState:
        """The state in force on ``day`` (valid time)."""
        return self._folded().evaluation(until=day).state

    def current(self, today: date) -> CareerState:
        """Every fact, and what dates alone bring up to ``today`` (``timeline``): what the
        read views show on ``today`` (cached by day: the views ask for one or two)."""
        cached: dict[date, CareerState] = self.__dict__.setdefault("_current", {})
        if today not in cached:
            cached[today] = self._folded().evaluation(today=today).state
        return cached[today]

    def known_at(self, instant: datetime) -> Agent:
        """The record as it stood at ``instant`` (system time), before later events."""
        return self._past([e for e in self._log if e.timestamp <= instant])

    def at_version(self, version: int) -> Agent:
        """The record as it stood at ``version``: what the store gives for that version."""
        past = self._past(self._log[:version])
        if past._log:
            past._modified_on = past._log[-1].timestamp
        return past

    def _past(self, log: list[CareerEvent]) -> Agent:
        """A copy holding ``log``, part of this record (its fold is refolded from this
        record's where the two agree)."""
        past = self.clone()
        past._log = log
        past._evaluation = None
        past._current = {}
        if log:
            past._version = log[-1].originator_version
        return past

    def clone(self) -> Agent:
        """A copy to change (a command's, from a cache of records): the events and the
        fold are shared, since neither ever changes once made; the lists are not."""
        twin = object.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin._log = list(self._log)
        twin._current = dict(self.__dict__.get("_current", {}))
        twin._pending_events = list(self._pending_events)
        return twin


def _corrected(log: list[CareerEvent]) -> list[CareerEvent]:
    """The facts of ``log`` with its corrections applied (``career.effective_facts``)."""
    return effective_facts([e for e in log if not isinstance(e, EventCorrected)],
                           [e for e in log if isinstance(e, EventCorrected)])


def _before_registration(log: list[CareerEvent]) -> list[CareerEvent]:
    """The corrected facts of ``log`` taking effect before its corrected registration."""
    facts = _corrected(log)
    registered = next((f.effective_date for f in facts if isinstance(f, AgentRegistered)),
                      None)
    if registered is None:
        return []
    return [f for f in facts if not isinstance(f, AgentRegistered)
            and f.effective_date < registered]


def _out_of_ages(log: list[CareerEvent], birth: date) -> list[CareerEvent]:
    """The corrected facts of ``log`` (but the registration) out of the ages of a career."""
    return [f for f in _corrected(log)
            if not isinstance(f, AgentRegistered)
            and not bounds.MIN_AGE <= age_on(birth, f.effective_date) <= bounds.MAX_AGE]

