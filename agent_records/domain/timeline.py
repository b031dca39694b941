"""What dates alone bring about: consequences the decree attaches to a day, not to a fact.

An attaché's term ends a year after it began unless renewed (Art. 7), and a renewal
takes effect from the end of the current term, whenever it was decided (so Art. 8
counts it only from then); activity ends at the age limit of the pension law unless a
yearly extension of a head of post covers the day (Art. 21); a suspension ends on its
last day. The fold applies these before each fact and up to the day a state is asked
for, so a rule, a view and ``asOf(validAt:)`` see the same record whether or not
anyone recorded the lapse or the retirement.
"""

from __future__ import annotations

from datetime import date, timedelta

from agent_records.domain.state import Breach, CareerState, evolve
from agent_records.domain.values import IN_SERVICE, Grade, Status

DAY = timedelta(days=1)
TERM = "Art. 7"
AGE_LIMIT = "Art. 21"
ATTACHE, SUSPENDED = Grade.ATTACHE, Status.SUSPENDED
"""Members read once: an enum's member read from its class costs ten times a name of
the module (the enums' metaclass has a ``__getattr__``), and the fold reads these at
every fact."""


def _renewal_start(s: CareerState) -> date | None:
    """The start of the next renewed term not yet begun (Art. 7, 8)."""
    return s.renewal_starts[s.renewals] if len(s.renewal_starts) > s.renewals else None


def _term_end(s: CareerState) -> date | None:
    """The day a serving attaché's term is over: out of service from that day (Art. 7)."""
    if s.grade == ATTACHE and s.status in IN_SERVICE and s.term_end:
        return s.term_end
    return None


def _activity_end(s: CareerState) -> date | None:
    """The day after the last day of permitted activity (Art. 21), for an agent in it."""
    if s.status in IN_SERVICE and s.birth_date != date.min:
        return s.service_limit + DAY
    return None


def next_date(s: CareerState) -> date | None:
    """The next day on which dates alone change the state, if any (the earliest of the
    four, compared in turn: a rebuild asks it of every fact and every view of a record,
    and ``min`` over a generator cost more than the four dates)."""
    due = _renewal_start(s)
    for day in (_term_end(s), _activity_end(s),
                s.suspended_until if s.status == SUSPENDED else None):
        if day is not None and (due is None or day < due):
            due = day
    return due


def advance(s: CareerState, day: date, *, inclusive: bool = True) -> CareerState:
    """The state with every consequence dated before ``day`` applied (and those of
    ``day`` itself when ``inclusive``: a renewal or a retirement recorded on the day the
    term or the activity would end is taken before the date's consequence)."""
    while (due := next_date(s)) is not None and (due < day or (inclusive and due == day)):
        s = _apply(s, due)
    return s


def _apply(s: CareerState, day: date) -> CareerState:
    """The consequences due on ``day``, in the order the decree needs them."""
    if _renewal_start(s) == day:
        s = evolve(s, renewals=s.renewals + 1)
    if s.status == SUSPENDED and s.suspended_until == day:
        s = evolve(s, status=Status.SERVING, suspended_until=None)
    if _term_end(s) == day:
        s = ended(s, Status.LAPSED, day, TERM)
    if _activity_end(s) == day:
        if s.extensions:
            message = (f"head of post kept beyond his extension's year (ended {s.service_limit})"
                       " without a new yearly extension")
            version = s.versions[-1] if s.versions else 0
            found = Breach(version, AGE_LIMIT, "serving_beyond_65", day, message)
            s = evolve(s, breaches=(*s.breaches, found))
        s = ended(s, Status.RETIRED, day, AGE_LIMIT)
    return s


def ended(s: CareerState, status: Status, day: date, article: str) -> CareerState:
    """Out of service from ``day``, every position ended then, by ``article``."""
    positions = tuple(evolve(p, ended=day) if p.ended is None else p for p in s.positions)
    return evolve(s, status=status, service_end=day, head_of_post=None, positions=positions,
                  ended_by=article)
