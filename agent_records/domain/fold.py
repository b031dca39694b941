"""An agent's record folded once and kept, so that a new fact or a correction folds on
from the earliest place it changes instead of from the start.

``career.evaluate`` folds every corrected fact, in ``fold_order``, from the first: a
command on a record of 100 facts folded 100 facts to check one (BENCHMARKS.md, issue
15). The fold is a left fold over the corrected facts in that order, so the state after
the first n of them depends on those n alone. A ``Fold`` keeps the facts in order with
the state after every ``STRIDE``-th of them and after the last (``Mark``); ``refold``
takes a record that differs (longer, corrected, or the same agent's record as of an
earlier version) from the last mark before the first fact that differs: a fact dated
after every other one folds that fact alone, a fact dated back or a correction folds
from its place. The evaluation it gives is ``evaluate``'s, state and breaches alike
(``tests/unit/test_fold.py`` compares the two over generated careers with corrections).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from agent_records.domain.career import (
    Evaluation,
    corrected_facts,
    fold_order,
    horizon,
    step,
)
from agent_records.domain.errors import Violation
from agent_records.domain.events import AgentRegistered, CareerEvent, EventCorrected
from agent_records.domain.rules.check import Check
from agent_records.domain.state import CareerState

STRIDE = 8
"""A state is kept after every 8th fact (and after the last): a fact dated back folds at
most 8 facts before its own place; a record of 100 facts keeps 13 states."""

FactKey = tuple[int, tuple[int, ...]]
"""A corrected fact's identity: its version and the versions of its corrections."""


@dataclass(frozen=True)
class Mark:
    """The state after the first ``count`` facts, and how many breaches they made."""

    count: int
    state: CareerState
    found: int


ORIGIN = Mark(0, CareerState(), 0)


@dataclass(frozen=True)
class Fold:
    """The corrected facts of a record in fold order, folded, with the states kept."""

    agent: UUID | None
    log: int
    """How many events of the record (facts and corrections) were folded."""
    last: CareerEvent | None
    """The last of them: a record with this very event at that place extends this one."""
    facts: tuple[CareerEvent, ...]
    keys: tuple[FactKey, ...]
    marks: tuple[Mark, ...]
    """Ascending by count; the last is after every fact."""
    found: tuple[tuple[int, Violation], ...]
    """The breaches of the whole record (fact version, rule), in the order found."""

    def evaluation(self, until: date | None = None, today: date | None = None) -> Evaluation:
        """``evaluate`` of the record, with the same ``until`` and ``today``."""
        if until is None:
            return horizon(self.marks[-1].state, self.found, None, today)
        count = next((i for i, f in enumerate(self.facts) if f.effective_date > until),
                     len(self.facts))
        base = next((m for m in reversed(self.marks) if m.count <= count), ORIGIN)
        ck = Check(found=list(self.found[:base.found]))
        s = base.state
        for fact in self.facts[base.count:count]:
            s = step(s, fact, ck)
        return horizon(s, ck.found, until, today)


def refold(log: Sequence[CareerEvent], previous: Fold | None = None) -> Fold:
    """The fold of ``log`` (an agent's events in version order), from ``previous`` (a fold
    of the same agent's record, longer or shorter) where the two agree."""
    agent = log[0].originator_id if log else None
    if previous is not None and previous.agent is not agent and previous.agent != agent:
        previous = None
    if previous is not None and len(log) == previous.log + 1 and previous.facts and \
            _extends(log, previous):
        appended = _appended(agent, log, previous)
        if appended is not None:
            return appended
    if previous is not None and _extends(log, previous) and not any(
            isinstance(e, EventCorrected) for e in log[previous.log:]):
        facts, keys = list(previous.facts), list(previous.keys)
        start = len(facts)
        for event in log[previous.log:]:  # facts only: each takes its place by date
            order = fold_order(event)  # mostly after the last: no search
            at = len(facts) if not facts or fold_order(facts[-1]) <= order else \
                bisect_right(facts, order, key=fold_order)
            facts.insert(at, event)
            keys.insert(at, (event.originator_version, ()))
            start = min(start, at)
    else:
        pairs = corrected_facts([e for e in log if not isinstance(e, EventCorrected)],
                                [e for e in log if isinstance(e, EventCorrected)])
        facts, keys = [f for f, _ in pairs], [(f.originator_version, k) for f, k in pairs]
        start = _agreeing(previous.keys, keys) if previous is not None else 0
    return _fold_from(agent, log, facts, keys, start, previous)


def _appended(agent: UUID | None, log: Sequence[CareerEvent], previous: Fold) -> Fold | None:
    """``_fold_from`` for a record one fact longer whose new fact is taken after every
    other (a command's, mostly: dated after the last fact): the last state steps once
    (None for anything else: a correction, a fact dated back). Its marks are those
    ``_fold_from`` keeps (every ``STRIDE``-th, and one after the last)."""
    event, last = log[-1], previous.facts[-1]
    if isinstance(event, EventCorrected | AgentRegistered) or \
            not last.effective_date < event.effective_date:
        return None
    marks = previous.marks if previous.marks[-1].count % STRIDE == 0 else previous.marks[:-1]
    base = previous.marks[-1]
    ck = Check(found=list(previous.found))
    s = step(base.state, event, ck)
    count = base.count + 1
    return Fold(agent, len(log), event, (*previous.facts, event),
                (*previous.keys, (event.originator_version, ())),
                (*marks, Mark(count, s, len(ck.found))), tuple(ck.found))


def _extends(log: Sequence[CareerEvent], previous: Fold) -> bool:
    """Whether ``log`` is ``previous``'s record with events after it: the same event at
    the same place, numbered as the place (so versions 1..n before it)."""
    n = previous.log
    if n == 0:
        return True
    last = previous.last
    return (n <= len(log) and last is not None and log[n - 1] is last
            and last.originator_version == n)


def _agreeing(old: Sequence[FactKey], new: Sequence[FactKey]) -> int:
    """How many facts, from the first, two folds have in common."""
    n = 0
    for a, b in zip(old, new, strict=False):
        if a != b:
            break
        n += 1
    return n


def _fold_from(agent: UUID | None, log: Sequence[CareerEvent], facts: list[CareerEvent],
               keys: list[FactKey], start: int, previous: Fold | None) -> Fold:
    """Folds ``facts`` on from the last state of ``previous`` kept within the first
    ``start`` facts (which the two folds share)."""
    kept = [m for m in previous.marks if m.count <= start] if previous is not None else []
    base = kept[-1] if kept else ORIGIN
    marks = [m for m in kept if m.count % STRIDE == 0]
    ck = Check(found=list(previous.found[:base.found]) if previous is not None else [])
    s = base.state
    for n in range(base.count + 1, len(facts) + 1):
        s = step(s, facts[n - 1], ck)
        if n % STRIDE == 0:
            marks.append(Mark(n, s, len(ck.found)))
    if not marks or marks[-1].count != len(facts):
        marks.append(Mark(len(facts), s, len(ck.found)))
    return Fold(agent, len(log), log[-1] if log else None, tuple(facts), tuple(keys),
                tuple(marks), tuple(ck.found))
