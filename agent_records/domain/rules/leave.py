"""Leave (Art. 14 to 18): entitlement, carry-over, travel days, who grants it.

Accounting choices, where the decree is silent:
- leave counts in the calendar year in which it starts;
- a year gives an entitlement when the agent held a post abroad at some time in it
  (Art. 15 speaks of agents abroad); 45 days when the agent counts 15 years of public
  service (declared prior service included) on 1 January of that year, else 30; the
  fifteen years are calendar years, reached on the anniversary (``long_service_on``);
- what a year leaves unused carries to the next entitled year, capped at three months,
  taken as 90 days (Art. 17); travel days out and back are not counted (Art. 17);
- exceptional leave (Art. 18) is beyond the entitlement and does not consume it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from agent_records.domain.breaches import breach
from agent_records.domain.calendar import add_years
from agent_records.domain.events import LeaveGranted, UrgencyLeaveNotified
from agent_records.domain.rules.check import Check, Handler
from agent_records.domain.state import CareerState, Leave, evolve
from agent_records.domain.values import Authority, LeaveKind, PositionKind, Status

ANNUAL_DAYS = 30
LONG_SERVICE_DAYS = 45
LONG_SERVICE_YEARS = 15
CARRY_OVER_CAP = 90
NOTIFICATION_DELAY_DAYS = 3
"""Art. 16 asks the head of post to notify the minister at once: later is a breach."""

SERVING, ABROAD = Status.SERVING, PositionKind.ABROAD
EXCEPTIONAL, URGENCY = LeaveKind.EXCEPTIONAL, LeaveKind.URGENCY
SOVEREIGN, MINISTER, HEAD_OF_POST = Authority.SOVEREIGN, Authority.MINISTER, Authority.HEAD_OF_POST
"""Members read once: an enum's member read from its class costs ten times a name of
the module (the enums' metaclass has a ``__getattr__``), and the fold reads these at
every fact."""


KINDS: dict[str, LeaveKind] = {k.value: k for k in LeaveKind}
AUTHORITIES: dict[str, Authority] = {a.value: a for a in Authority}
"""The members by their text (a member finds itself: it is equal to its text and hashes
alike): looked up at every leave the fold checks, where calling the enum, ``LeaveKind(x)``,
cost more than the rest of the leave's making."""


def kind_of(value: str) -> LeaveKind:
    """``LeaveKind(value)`` (which also says why a value is none of them)."""
    return KINDS.get(value) or LeaveKind(value)


def authority_of(value: str) -> Authority:
    """``Authority(value)`` (which also says why a value is none of them)."""
    return AUTHORITIES.get(value) or Authority(value)


@dataclass(frozen=True)
class LeaveAccount:
    """One year's leave: entitlement, carried over, taken and travel days (Art. 15, 17)."""

    year: int
    entitlement: int
    carried_over: int
    taken: int
    travel_days: int

    @property
    def available(self) -> int:
        """Days still available in the year."""
        return self.entitlement + self.carried_over - self.taken


def abroad_in(s: CareerState, year: int) -> bool:
    """Whether the agent held a post abroad at some time in ``year``."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    return any(
        p.kind == ABROAD and p.since <= last and (p.ended is None or p.ended > first)
        for p in s.positions
    )


def long_service_on(s: CareerState, day: date) -> bool:
    """Art. 15: "au moins quinze ans de service" on ``day``, by the calendar.

    The days served (declared prior public service included) are laid end to end up to
    ``day``; the fifteen years are reached on the fifteenth anniversary of where they
    start, not after 15 x 365.25 days (which a service begun on 1 January 1953 had not
    yet counted on 1 January 1968, its anniversary, for the three leap days between).
    """
    started = day - timedelta(days=s.public_service_days_on(day))
    return add_years(started, LONG_SERVICE_YEARS) <= day


def entitlement(s: CareerState, year: int) -> int:
    """Art. 15: 30 days, or 45 with fifteen years of public service on 1 January."""
    if not abroad_in(s, year):
        return 0
    return LONG_SERVICE_DAYS if long_service_on(s, date(year, 1, 1)) else ANNUAL_DAYS


class Entitlements:
    """``entitlement`` of each year from ``begin`` to ``stop`` (excluded), cheaper when
    every year of a career is asked (the read model shows them all; a grant counts them
    up to its year): the years abroad are gathered once from the positions, and while
    the agent is in service the fifteen years are reached on one fixed day, the
    anniversary of where the days served (prior service included) begin."""

    def __init__(self, s: CareerState, begin: int, stop: int) -> None:
        self.s = s
        self.abroad: set[int] = set()
        for p in s.positions:
            if p.kind == ABROAD:  # p.since <= 31 Dec y and p.ended > 1 Jan y
                last = stop - 1 if p.ended is None else (
                    p.ended.year - (1 if (p.ended.month, p.ended.day) == (1, 1) else 0))
                self.abroad.update(range(max(p.since.year, begin), min(last, stop - 1) + 1))
        self.reached: date | None = None

    def of(self, year: int) -> int:
        """``entitlement(s, year)``."""
        if year not in self.abroad:
            return 0
        day, s = date(year, 1, 1), self.s
        if s.service_start is not None and s.service_start < day and (
                s.service_end is None or day <= s.service_end):
            if self.reached is None:  # in service: the days served begin on a fixed day
                began = s.service_start - timedelta(days=s.prior_public_service_days)
                self.reached = add_years(began, LONG_SERVICE_YEARS)
            long = self.reached <= day
        else:
            long = long_service_on(s, day)
        return LONG_SERVICE_DAYS if long else ANNUAL_DAYS


def counted_leaves(s: CareerState, year: int) -> list[Leave]:
    """Leaves that count against ``year``'s entitlement (annual and urgency)."""
    return [lv for lv in s.leaves if lv.start.year == year and lv.kind != EXCEPTIONAL]


def leave_account(s: CareerState, year: int) -> LeaveAccount:
    """The leave account of ``year``, with what earlier years carry over (Art. 17)."""
    first = min((p.since.year for p in s.positions), default=year)
    carried = 0
    for y in range(first, year):
        taken = sum(lv.counted_days for lv in counted_leaves(s, y))
        granted = entitlement(s, y)
        if granted:
            carried = min(CARRY_OVER_CAP, max(0, granted + carried - taken))
    leaves = counted_leaves(s, year)
    return LeaveAccount(
        year=year, entitlement=entitlement(s, year), carried_over=carried,
        taken=sum(lv.counted_days for lv in leaves),
        travel_days=sum(lv.travel_days for lv in leaves),
    )


def leave_accounts(s: CareerState, years: range,
                   known: tuple[int, int] | None = None) -> list[LeaveAccount]:
    """The accounts of ``years`` (a step-1 range), equal to ``leave_account`` for each, in
    one pass: the read model shows every year of a career, and asking ``leave_account``
    year by year re-counts every earlier year each time (quadratic in the career).

    ``known`` is (a year not after ``years``, the days carried into it), when the caller
    already has it: counting then starts there instead of at the first posting.
    """
    return [LeaveAccount(year, granted, carried, taken, travel)
            for year, granted, carried, taken, travel in account_rows(s, years, known)]


def account_rows(s: CareerState, years: range, known: tuple[int, int] | None = None
                 ) -> list[tuple[int, int, int, int, int]]:
    """``leave_accounts`` as tuples (year, entitlement, carried over, taken, travel days):
    the read model's rows need no ``LeaveAccount`` each (a frozen dataclass costs more to
    make than the year's arithmetic)."""
    first = min((p.since.year for p in s.positions), default=years.start)
    if known is None:
        begin, carried = min(first, years.start), 0
    elif known[0] > years.start:
        raise ValueError(f"the carry-over known for {known[0]} comes after {years.start}")
    else:
        begin, carried = known
    counted: dict[int, list[Leave]] = {}
    for lv in s.leaves:
        if lv.kind != EXCEPTIONAL and lv.start.year >= begin:
            counted.setdefault(lv.start.year, []).append(lv)
    days = {y: (sum(lv.counted_days for lv in leaves), sum(lv.travel_days for lv in leaves))
            for y, leaves in counted.items()}
    return _rows(s, years, first, begin, carried, days)


NONE_TAKEN = (0, 0)


def _rows(s: CareerState, years: range, first: int, begin: int, carried: int,
          days: dict[int, tuple[int, int]]) -> list[tuple[int, int, int, int, int]]:
    """The rows of ``years``, counting from ``begin`` with ``carried`` days carried into
    it, given the (days taken, travel days) of each year from ``begin`` that has leave
    (``first``: the year of the first posting, from which unused days carry over)."""
    entitled = Entitlements(s, begin, years.stop)
    abroad, start = entitled.abroad, years.start
    accounts = []
    for y in range(begin, years.stop):
        taken, travel = days.get(y, NONE_TAKEN)  # most years have none
        granted = entitled.of(y) if y in abroad else 0  # ``of`` is 0 when not abroad
        if y >= start:
            accounts.append((y, granted, carried, taken, travel))
        if granted and y >= first:
            carried = min(CARRY_OVER_CAP, max(0, granted + carried - taken))
    return accounts


def year_account(s: CareerState, year: int) -> tuple[int, int, int, int, int]:
    """``account_rows(s, range(year, year + 1))[0]``, as the fold asks it at each annual
    or urgency leave: counted on from what the last such leave left (``leave_counted``)
    when it is of ``year`` or before, so that no leave is walked. The fold takes facts in
    effective order: the leaves counted so far start in that year or before, and it
    keeps the days taken in that year (``tests/unit/test_leave_fold.py`` checks this
    against the whole count at every leave of generated careers, corrections included).
    """
    kept = s.leave_counted
    if kept is None or kept[0] > year:
        return account_rows(s, range(year, year + 1))[0]
    begin, carried, taken, travel = kept
    if begin == year:  # a leave of the same year as the last: its row alone, no carry on
        return year, Entitlements(s, year, year + 1).of(year), carried, taken, travel
    first = min((p.since.year for p in s.positions), default=year)
    return _rows(s, range(year, year + 1), first, begin, carried,
                 {begin: (taken, travel)})[0]


def check_authority(s: CareerState, e: LeaveGranted, ck: Check) -> None:
    """Art. 16: minister; sovereign for a head of post; head of post in urgency."""
    by = authority_of(e.granted_by)
    if s.head_of_post:
        ck.require(by == SOVEREIGN, "Art. 16", "head_of_post_leave_needs_sovereign",
                   "a head of post's own leave needs the sovereign's authorisation", "granted_by")
        ck.require(e.kind != URGENCY, "Art. 16", "urgency_leave_for_subordinates",
                   "urgency leave is granted by a head of post to a subordinate", "kind")
    elif e.kind == URGENCY:
        ck.require(by == HEAD_OF_POST, "Art. 16", "urgency_leave_by_head_of_post",
                   "urgency leave is granted by the head of post", "granted_by")
    else:
        ck.require(by == MINISTER, "Art. 16", "leave_granted_by_minister",
                   "leave is granted by the minister on the head of post's proposal",
                   "granted_by")


def check_span(s: CareerState, e: LeaveGranted, ck: Check) -> bool:
    """Dates in order, travel days within the span, no overlap with another leave."""
    start, end = e.effective_date, e.end_date
    if not ck.require(end >= start, "Art. 15", "leave_ends_before_start",
                      lambda: f"the leave ends ({end}) before it starts ({start})",
                      "end_date"):
        return False
    span = (end - start).days + 1
    ck.require(0 <= e.travel_days < span, "Art. 17", "travel_days_out_of_range",
               lambda: f"travel days must be between 0 and {span - 1} for a {span}-day absence",
               "travel_days")
    other = None if s.leave_last_end is not None and s.leave_last_end < start else next(
        (lv for lv in s.leaves if lv.start <= end and start <= lv.end), None)
    ck.require(other is None, "Art. 14", "leave_overlaps",
               lambda: f"the agent already has leave from {other and other.start} to "
                       f"{other and other.end}", "effective_date")
    away = next((a for a in s.absences if a.start <= end and start <= a.end), None) \
        if s.absences else None
    if away:
        ck.require(False, "Art. 14", "absence_during_leave",
                   overlap_message(start, end, away.start, away.end), "effective_date")
    return True


def overlap_message(leave_start: date, leave_end: date, away: date, back: date) -> str:
    """Art. 14: the same days cannot be both on regular leave and away without it; which
    fact the fold meets second depends on their dates, so both read the same."""
    return (f"regular leave from {leave_start} to {leave_end} and an absence without leave "
            f"from {away} to {back} cover the same days: correct or annul the wrong record")


def check_entitlement(leave: Leave, account: LeaveAccount, ck: Check) -> None:
    """Art. 15 when the year's entitlement alone is the limit; Art. 17 when days carried
    over from earlier years (capped at three months) are part of it."""
    if leave.counted_days <= account.available:  # most leaves: no message to make
        return
    if account.carried_over:
        article, limit = "Art. 17", (f"{account.entitlement}-day entitlement of Art. 15 + "
                                     f"{account.carried_over} carried over under Art. 17")
    else:
        article, limit = "Art. 15", f"{account.entitlement}-day entitlement of Art. 15"
    ck.require(False, article, "leave_exceeds_entitlement",
               f"{leave.counted_days} days asked (travel days not counted), "
               f"{account.available} available in {account.year} ({limit} - "
               f"{account.taken} taken)", "end_date")


def leave_granted(s: CareerState, e: LeaveGranted, ck: Check) -> CareerState:
    """Art. 14 to 18."""
    ck.require(s.status == SERVING, "Art. 14", "not_serving",
               lambda: f"leave is granted to an agent in functions; the agent is {s.status}")
    if not check_span(s, e, ck):
        return s
    check_authority(s, e, ck)
    leave = Leave(e.originator_version, kind_of(e.kind), e.effective_date, e.end_date,
                  e.travel_days, authority_of(e.granted_by))
    if e.kind == EXCEPTIONAL:
        ck.require(bool(e.council_deliberation_ref) and bool(e.decision_reference), "Art. 18",
                   "exceptional_leave_needs_decree",
                   "leave beyond the regular leave needs a ministerial decree after "
                   "deliberation of the Government in Council", "council_deliberation_ref")
        return evolve(s, leaves=(*s.leaves, leave), leave_last_end=last_end(s, leave),
                      exceptional_leave_days=s.exceptional_leave_days + leave.counted_days)
    position = s.position_on(e.effective_date)
    ck.require(position is not None and position.kind == ABROAD, "Art. 15",
               "not_abroad", "annual leave under Art. 15 is for agents posted abroad")
    year, granted, carried, taken, travel = year_account(s, e.effective_date.year)
    check_entitlement(leave, LeaveAccount(year, granted, carried, taken, travel), ck)
    return evolve(s, leaves=(*s.leaves, leave), leave_last_end=last_end(s, leave),
                  leave_counted=(year, carried, taken + leave.counted_days,
                                 travel + leave.travel_days))


def last_end(s: CareerState, leave: Leave) -> date | None:
    """``leave_last_end`` once ``leave`` is added to ``s``'s leaves (still None when
    ``s`` has leaves and does not know their last end)."""
    if not s.leaves:
        return leave.end
    known = s.leave_last_end
    return None if known is None else max(known, leave.end)


def urgency_notified(s: CareerState, e: UrgencyLeaveNotified, ck: Check) -> CareerState:
    """Art. 16: the head of post makes the reasons known to the minister at once."""
    leave = next((lv for lv in s.leaves if lv.version == e.leave_version), None)
    if not ck.require(leave is not None and leave.kind == URGENCY, "Art. 16",
                      "not_an_urgency_leave", f"event {e.leave_version} is not an urgency leave",
                      "leave_version"):
        return s
    assert leave is not None
    ck.require(leave.notified_on is None, "Art. 16", "already_notified",
               f"the leave was notified on {leave.notified_on}", "leave_version")
    ck.require(e.effective_date >= leave.start, "Art. 16", "notified_before_leave",
               "the notification cannot precede the leave", "effective_date")
    notified = evolve(leave, notified_on=e.effective_date)
    s = evolve(s, leaves=tuple(notified if lv is leave else lv for lv in s.leaves))
    if e.effective_date > leave.start + timedelta(days=NOTIFICATION_DELAY_DAYS):
        s = breach(s, e, "Art. 16", "urgency_leave_notified_late",
                   f"urgency leave from {leave.start} notified only on {e.effective_date}")
    return s


HANDLERS: dict[type, Handler] = {
    LeaveGranted: leave_granted,
    UrgencyLeaveNotified: urgency_notified,
}
