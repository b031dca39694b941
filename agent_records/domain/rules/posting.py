"""Positions of active service (Art. 20), heads of post and chargés d'affaires (Art. 2).

Art. 2 depends on who else serves at the post; that part is ``check_charge_designation``,
given the states of the post's staff by the application (an aggregate only sees itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from agent_records.domain.calendar import add_years
from agent_records.domain.errors import Violation
from agent_records.domain.events import ChargeDAffairesDesignated, HeadOfPostDesignated, Posted
from agent_records.domain.rules.check import Check, Handler
from agent_records.domain.state import CareerState, Charge, Position, evolve
from agent_records.domain.values import (
    Authority,
    Category,
    ChargeGround,
    Grade,
    PositionKind,
    Status,
)

SECONDMENT_YEARS = 2
"""Secondment to an international organisation: at most two years (Belgian FPS text)."""
SECONDMENT_RULE = "Secondment (FPS, max. 2 years)"


def check_position(s: CareerState, e: Posted, ck: Check) -> None:
    """What each kind of position and each category of agent requires."""
    kind = PositionKind(e.kind)
    if kind == PositionKind.ABROAD:
        ck.require(bool(e.post_code), "Art. 20", "post_required", "a posting abroad names the "
                   "post", "post_code")
    if kind in (PositionKind.OTHER_MINISTRY, PositionKind.INTERNATIONAL_ORGANISATION):
        ck.require(bool(e.organisation), "Art. 20", "organisation_required",
                   f"a {kind} position names the organisation", "organisation")
    if kind == PositionKind.INTERNATIONAL_ORGANISATION:
        limit = add_years(e.effective_date, SECONDMENT_YEARS)
        ck.require(e.until is not None and e.effective_date < e.until <= limit, SECONDMENT_RULE,
                   "secondment_too_long", f"a secondment ends after its start and by {limit} "
                   f"(at most {SECONDMENT_YEARS} years)", "until")
    if s.category == Category.CHANCELLERY:
        ck.require(kind == PositionKind.ABROAD, "Art. 25", "chancellor_posted_to_legation",
                   "a chancellor is a ministry official seconded to a legation", "kind")
    if s.category == Category.SPECIAL_ATTRIBUTIONS:
        ck.require(kind == PositionKind.ABROAD and bool(e.home_minister_agreement_ref), "Art. 3",
                   "home_minister_agreement_required", "an agent with special attributions is "
                   "attached to a legation with the agreement of their own minister",
                   "home_minister_agreement_ref")


def posted(s: CareerState, e: Posted, ck: Check) -> CareerState:
    """Art. 20: a new position ends the previous one."""
    ck.require(s.in_service, "Art. 20", "not_in_service",
               f"only an agent in service is posted; the agent is {s.status}")
    check_position(s, e, ck)
    day = e.effective_date
    ended = tuple(evolve(p, ended=day) if p.ended is None else p for p in s.positions)
    new = Position(e.originator_version, PositionKind(e.kind), day, e.post_code,
                   e.organisation, e.until)
    keeps_post = s.head_of_post is not None and new.post_code == s.head_of_post
    return evolve(s, positions=(*ended, new),
                   head_of_post=s.head_of_post if keeps_post else None)


def head_designated(s: CareerState, e: HeadOfPostDesignated, ck: Check) -> CareerState:
    """The head of post serves at that post."""
    ck.require(s.category == Category.DIPLOMATIC and s.status == Status.SERVING, "Art. 2",
               "not_a_serving_diplomat", "a head of post is a serving diplomatic agent")
    position = s.position_on(e.effective_date)
    ck.require(position is not None and position.post_code == e.post_code, "Art. 2",
               "not_posted_there", f"the agent is not posted at {e.post_code} on "
               f"{e.effective_date}", "post_code")
    return evolve(s, head_of_post=e.post_code,
                   head_designations=(*s.head_designations, (e.post_code, e.effective_date)))


def serving_agent(s: CareerState) -> bool:
    """An agent in functions: a diplomat who entered them, another official in service."""
    if s.category == Category.DIPLOMATIC:
        return s.status == Status.SERVING
    return s.in_service and s.status != Status.SUSPENDED


def charge_designated(s: CareerState, e: ChargeDAffairesDesignated, ck: Check) -> CareerState:
    """Art. 2: the head of post's choice is a diplomatic agent posted there; the
    minister's (second paragraph) is "l'agent", any agent in functions, wherever posted."""
    by = Authority(e.designated_by)
    if by == Authority.MINISTER:
        ck.require(serving_agent(s), "Art. 2", "not_a_serving_agent",
                   f"the minister designates an agent in functions; the person is {s.status}")
    else:
        ck.require(s.category == Category.DIPLOMATIC and s.status == Status.SERVING, "Art. 2",
                   "not_a_serving_diplomat",
                   "a head of post designates a serving diplomatic agent of the post")
    ck.require(s.head_of_post != e.post_code, "Art. 2", "head_of_post_cannot_be_charge",
               "the head of post is the one replaced", "post_code")
    if by != Authority.MINISTER:
        position = s.position_on(e.effective_date)
        ck.require(position is not None and position.post_code == e.post_code, "Art. 2",
                   "not_posted_there", f"the head of post designates among the agents posted "
                   f"at {e.post_code}; this one is not, on {e.effective_date}", "post_code")
    ck.require(e.end_date is None or e.end_date >= e.effective_date, "Art. 2",
               "charge_ends_before_start", "the period ends before it starts", "end_date")
    ck.require(by in (Authority.HEAD_OF_POST, Authority.MINISTER),
               "Art. 2", "wrong_designating_authority", "the head of post or the minister "
               "designates the chargé d'affaires a.i.", "designated_by")
    charge = Charge(e.originator_version, e.post_code, e.effective_date, e.end_date, by,
                    ChargeGround(e.ground))
    return evolve(s, charges=(*s.charges, charge))


def _present(staff: Mapping[str, CareerState], post: str, day: date) -> dict[str, CareerState]:
    """Staff at ``post`` on ``day``, serving, not on leave and not recorded as away
    without leave (Art. 2: not absent; Art. 14)."""
    out = {}
    for agent_id, st in staff.items():
        where = st.position_on(day)
        if (where and where.post_code == post and st.status_on(day) == Status.SERVING
                and st.absence_on(day) is None):
            out[agent_id] = st
    return out


def _head(staff: Mapping[str, CareerState], post: str, day: date) -> CareerState | None:
    """The head of ``post`` on ``day``, if the post has one (else it is vacant)."""
    return next((st for st in staff.values() if st.head_of_post == post
                 and (p := st.position_on(day)) and p.post_code == post), None)


def check_ground(ground: ChargeGround, head: CareerState | None, day: date) -> Violation | None:
    """Art. 2: a chargé only "en cas d'absence, d'empêchement ou de congé" of the head, or
    of vacancy; the designation states which, and the record is checked where it shows
    it: a vacancy is a post without a head that day, and a head on leave that day is the
    ground "leave" (absence and impediment are not recorded facts: taken as stated)."""
    if ground == ChargeGround.NOT_STATED:
        return Violation("Art. 2", "ground_not_stated", "state why the post needs a chargé "
                         "d'affaires a.i.: the head of post's absence, impediment or leave, "
                         "or the post's vacancy", "ground")
    if head is None:
        if ground != ChargeGround.VACANCY:
            return Violation("Art. 2", "post_vacant", f"the post has no head on {day}: the "
                             "ground is its vacancy", "ground")
        return None
    if ground == ChargeGround.VACANCY:
        return Violation("Art. 2", "post_not_vacant", f"the post has a head on {day}: the "
                         "ground is the head's absence, impediment or leave", "ground")
    leave = head.leave_on(day)
    if leave and ground != ChargeGround.LEAVE:
        return Violation("Art. 2", "head_on_leave", f"the head of post is on leave from "
                         f"{leave.start} to {leave.end}: the ground is leave", "ground")
    if not leave and ground == ChargeGround.LEAVE:
        return Violation("Art. 2", "head_not_on_leave", f"no leave of the head of post "
                         f"covers {day}", "ground")
    return None


def check_charge_designation(
    post: str, day: date, designee: str, by: Authority, ground: ChargeGround,
    staff: Mapping[str, CareerState],
) -> Violation | None:
    """Art. 2: the ground; then the counsellor, failing that the secretary, of the post;
    else, or when the post is vacant, the minister designates (any agent).

    ``staff`` maps agent ids to their state as of ``day`` for every agent ever posted at
    ``post``. A counsellor or secretary on leave (or away without leave) that day counts
    as absent.
    """
    head = _head(staff, post, day)
    wrong_ground = check_ground(ground, head, day)
    if wrong_ground:
        return wrong_ground
    present = _present(staff, post, day)
    others = {a: st for a, st in present.items() if st.head_of_post != post}
    deputies = {a for a, st in others.items() if st.grade == Grade.CONSEILLER}
    if not deputies:
        deputies = {a for a, st in others.items() if st.grade == Grade.SECRETAIRE}
    if by == Authority.MINISTER:
        if head and deputies:
            return Violation("Art. 2", "head_of_post_designates", "the post has a head and a "
                             "counsellor or secretary present: the head of post designates",
                             "designated_by")
        return None
    if not head:
        return Violation("Art. 2", "post_vacant_minister_designates",
                         "the post is vacant: the minister designates", "designated_by")
    if not deputies:
        return Violation("Art. 2", "minister_designates", "the post has neither counsellor nor "
                         "secretary present: the minister designates", "designated_by")
    if designee not in deputies:
        return Violation("Art. 2", "counsellor_else_secretary", "the head of post designates "
                         "the counsellor or, failing one, the secretary of legation present",
                         "agent_id")
    return None


HANDLERS: dict[type, Handler] = {
    Posted: posted,
    HeadOfPostDesignated: head_designated,
    ChargeDAffairesDesignated: charge_designated,
}
