"""The state a read view shows on a day, from the record evaluated once.

``Agent.current(day)`` is the fold of every corrected fact, then what dates alone bring
up to the later of ``day`` and the last fact (``career.evaluate``, ``timeline.advance``).
The fold does not depend on ``day``; only the carrying does, and carrying is one walk
from due date to due date (``timeline.next_date``) that can stop and go on without
changing where it ends. So the record's state (``Agent.state``: the same fold, carried to
its last fact) carried on to ``day`` is ``Agent.current(day)``, whatever ``day``: the
read views derive each day they need (theirs, the end of time for the deadlines) from
one evaluation instead of folding the record once per day (``tests/unit/test_carried.py``
compares the two over generated careers with corrections).
"""

from __future__ import annotations

from datetime import date

from agent_records.domain import timeline
from agent_records.domain.state import CareerState


def carried(state: CareerState, day: date) -> CareerState:
    """``state`` (an ``Agent.state``) with what dates alone bring up to ``day``; a day
    before its last fact leaves it as it is, as ``Agent.current`` does."""
    return timeline.advance(state, day)
