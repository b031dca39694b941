"""Leaving the service and honours (Art. 10, 21, 22): resignation, retirement, titles."""

from __future__ import annotations

from datetime import date

from agent_records.domain.calendar import add_years
from agent_records.domain.events import (
    HonoraryTitleConferred,
    Resigned,
    Retired,
    ServiceExtended,
)
from agent_records.domain.rules.check import Check, Handler
from agent_records.domain.state import CareerState, evolve
from agent_records.domain.values import (
    LUXEMBOURG,
    Authority,
    Category,
    HonoraryKind,
    Status,
)


def leave_service(s: CareerState, status: Status, day: date) -> CareerState:
    """Ends the service and every position held on ``day``."""
    positions = tuple(evolve(p, ended=day) if p.ended is None else p for p in s.positions)
    return evolve(s, status=status, service_end=day, head_of_post=None, positions=positions)


def resigned(s: CareerState, e: Resigned, ck: Check) -> CareerState:
    """Resignation from an agent in service (statute, Art. 23)."""
    ck.require(s.in_service, "Art. 23", "not_in_service",
               f"only an agent in service resigns; the agent is {s.status}")
    return leave_service(s, Status.RESIGNED, e.effective_date)


def retired(s: CareerState, e: Retired, ck: Check) -> CareerState:
    """Retirement under the civil-service pension law (Art. 21); once the age limit has
    ended the activity (``timeline``) the retirement decision agrees with it."""
    if s.status == Status.RETIRED and s.ended_by == "Art. 21":
        return s
    ck.require(s.in_service, "Art. 21", "not_in_service",
               f"only an agent in service retires; the agent is {s.status}")
    return leave_service(s, Status.RETIRED, e.effective_date)


def extended(s: CareerState, e: ServiceExtended, ck: Check) -> CareerState:
    """Art. 21: a head of post kept beyond 65, from year to year, each by decree."""
    ck.require(s.head_of_post is not None and s.status == Status.SERVING, "Art. 21",
               "not_a_head_of_post", "only a serving head of post is kept in activity beyond 65")
    ck.require(e.effective_date == s.service_limit, "Art. 21", "extension_not_contiguous",
               f"the extension starts when the activity would end, on {s.service_limit}",
               "effective_date")
    ck.require(e.until == add_years(e.effective_date, 1), "Art. 21", "extension_not_one_year",
               "each extension is for one year", "until")
    ck.require(bool(e.decision_reference), "Art. 21", "decree_reference_required",
               "each extension is granted by the sovereign's decree: give its reference",
               "decision_reference")
    return evolve(s, extensions=(*s.extensions, e.until))


def honoured(s: CareerState, e: HonoraryTitleConferred, ck: Check) -> CareerState:
    """Art. 10 for personalities domiciled abroad; Art. 22 for agents who resigned."""
    by = Authority(e.conferred_by)
    if e.kind == HonoraryKind.COMMERCE_EXTERIEUR:
        ck.require(s.category == Category.PERSONALITY, "Art. 10", "not_a_personality",
                   "the title of conseiller du Commerce extérieur goes to personalities, "
                   "not to agents")
        ck.require(s.domicile_country not in ("", LUXEMBOURG), "Art. 10", "not_domiciled_abroad",
                   "the personality must be domiciled abroad", "domicile_country")
        ck.require(by == Authority.MINISTER, "Art. 10", "conferred_by_minister",
                   "the minister confers the title", "conferred_by")
        return evolve(s, status=Status.HONORARY, honorary_titles=(*s.honorary_titles, e.title))
    ck.require(s.status == Status.RESIGNED, "Art. 22", "not_resigned",
               "only an agent who resigned may be authorised to keep the honorary title")
    ck.require(by == Authority.SOVEREIGN, "Art. 22", "conferred_by_sovereign",
               "the sovereign authorises keeping the title", "conferred_by")
    return evolve(s, honorary_titles=(*s.honorary_titles, e.title))


HANDLERS: dict[type, Handler] = {
    Resigned: resigned,
    Retired: retired,
    ServiceExtended: extended,
    HonoraryTitleConferred: honoured,
}
