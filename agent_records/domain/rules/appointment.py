"""Entry into the service and the ladder of grades (Art. 6 to 9, 11, 12, 26, 27)."""

from __future__ import annotations

from agent_records.domain.calendar import add_years
from agent_records.domain.erased import is_erased
from agent_records.domain.events import (
    AgentAppointed,
    AppointmentRenewed,
    AttacheAppointed,
    FunctionsEntered,
    HonourPledged,
    OathSworn,
    Promoted,
    TermLapsed,
    TitleConferred,
)
from agent_records.domain.rules.check import Check, Handler
from agent_records.domain.rules.end_of_service import leave_service
from agent_records.domain.state import CareerState, evolve
from agent_records.domain.values import (
    DECREE_DATE,
    IN_SERVICE,
    LUXEMBOURG,
    NOT_APPOINTED,
    Authority,
    Category,
    DiplomaKind,
    Grade,
    Status,
)

MINIMUM_AGE = 25
CHEF_DE_BUREAU = "chef de bureau"


def check_diplomas(s: CareerState, e: AttacheAppointed, ck: Check) -> None:
    """Art. 6: a Luxembourg doctorate in law, or secondary plus three years of university."""
    kinds = {(d.kind, d.country == LUXEMBOURG) for d in e.diplomas}
    if (DiplomaKind.DOCTORATE_IN_LAW, True) in kinds:
        return
    university = any(
        d.kind == DiplomaKind.UNIVERSITY and d.years_of_study >= 3 for d in e.diplomas
    )
    secondary_lu = (DiplomaKind.SECONDARY, True) in kinds
    secondary_foreign = (DiplomaKind.SECONDARY, False) in kinds
    ck.require(
        university and (secondary_lu or secondary_foreign),
        "Art. 6", "diploma_missing",
        "Art. 6 requires a Luxembourg doctorate in law, or a secondary-school diploma and "
        "a university diploma after at least three years of study",
        "diplomas",
    )
    if university and secondary_foreign and not secondary_lu:
        ck.require(
            bool(e.foreign_diploma_exception),
            "Art. 6", "foreign_diploma_without_exception",
            "a foreign secondary-school diploma is accepted only as an exception "
            "(Art. 6 b): record the justification",
            "foreign_diploma_exception",
        )


def attache_appointed(s: CareerState, e: AttacheAppointed, ck: Check) -> CareerState:
    """Art. 6 conditions, Art. 7 appointment by the sovereign for one year."""
    day = e.effective_date
    ck.require(s.category == Category.DIPLOMATIC, "Art. 6", "not_a_diplomatic_candidate",
               f"only a diplomatic candidate can be appointed attaché, not {s.category}")
    ck.require(s.status in NOT_APPOINTED, "Art. 7", "already_appointed",
               f"the person is already {s.status}")
    ck.require(s.nationality == LUXEMBOURG, "Art. 6", "not_luxembourgish",
               "an attaché must be Luxembourgish", "nationality")
    ck.require(s.civil_political_rights, "Art. 6", "no_civil_political_rights",
               "an attaché must enjoy civil and political rights", "civil_political_rights")
    ck.require(s.age_on(day) >= MINIMUM_AGE, "Art. 6", "too_young",
               f"an attaché must be at least {MINIMUM_AGE} years old on {day}; "
               f"the candidate is {s.age_on(day)}", "effective_date")
    cert = e.aptitude_certificate
    ck.require(is_erased(cert) or (cert is not None and cert.doctor_designated_by_minister
               and cert.issued_on <= day), "Art. 6", "no_aptitude_certificate",
               "Art. 6 requires a physical-aptitude certificate, issued on or before the "
               "appointment by a doctor designated by the minister", "aptitude_certificate")
    conduct = e.conduct_attestation
    ck.require(conduct is not None and conduct.issued_on <= day, "Art. 6",
               "no_conduct_attestation", "Art. 6 requires an attestation of irreproachable "
               "conduct issued on or before the appointment", "conduct_attestation")
    check_diplomas(s, e, ck)
    ck.require(e.appointing_authority == Authority.SOVEREIGN, "Art. 7",
               "wrong_appointing_authority",
               "attachés are appointed by the sovereign on the minister's proposal",
               "appointing_authority")
    return evolve(
        s, status=Status.APPOINTED, grade=Grade.ATTACHE, term_end=add_years(day, 1),
        grades=(*s.grades, (day, Grade.ATTACHE)), renewal_starts=(), ended_by=None,
        renewals=0, service_start=s.service_start or day, service_end=None,
        aptitude_certificate=cert, conduct_attestation=conduct, diplomas=tuple(e.diplomas),
        foreign_diploma_exception=e.foreign_diploma_exception, pledged=False,
    )


def agent_appointed(s: CareerState, e: AgentAppointed, ck: Check) -> CareerState:
    """Art. 9 and 11 direct appointments; Art. 27 grades kept from 1948."""
    grade = Grade(e.grade)
    ck.require(s.category == Category.DIPLOMATIC, "Art. 9", "not_a_diplomatic_candidate",
               f"only a diplomatic agent can be appointed, not {s.category}")
    ck.require(s.status in NOT_APPOINTED, "Art. 9", "already_appointed",
               f"the person is already {s.status}")
    ck.require(e.appointing_authority == Authority.SOVEREIGN, e.legal_basis,
               "wrong_appointing_authority", "agents are appointed by the sovereign",
               "appointing_authority")
    if e.transitional:
        ck.require(e.effective_date <= DECREE_DATE, "Art. 27", "not_in_office_in_1948",
                   f"Art. 27 keeps the grade of agents in office on {DECREE_DATE}",
                   "effective_date")
        ck.require(not e.probation_exempted or grade == Grade.ATTACHE, "Art. 27",
                   "exemption_only_for_attaches",
                   "only serving attachés may be exempted from probation", "probation_exempted")
    else:
        ck.require(grade != Grade.ATTACHE, "Art. 6", "use_attache_appointment",
                   "an attaché is appointed under Art. 6 and 7 with the candidate's file", "grade")
        ck.require(not e.probation_exempted, "Art. 27", "exemption_only_for_attaches",
                   "probation exemption exists only for attachés in office in 1948",
                   "probation_exempted")
        ck.require(bool(e.council_deliberation_ref), e.legal_basis,
                   "council_deliberation_required",
                   f"appointing {grade} from outside the ordinary cadres needs a "
                   f"deliberation of the Government in Council ({e.legal_basis})",
                   "council_deliberation_ref")
    day = e.effective_date
    return evolve(
        s, grade=grade, renewals=0, renewal_starts=(), ended_by=None,
        service_start=s.service_start or day, service_end=None, grades=(*s.grades, (day, grade)),
        # an attaché in office in 1948 exempted from probation (Art. 27) is on no term
        term_end=add_years(day, 1) if grade == Grade.ATTACHE and not e.probation_exempted
        else None,
        status=Status.SERVING if e.transitional else Status.APPOINTED,
        sworn=s.sworn or e.transitional, pledged=s.pledged or e.transitional,
        probation_exempted=e.probation_exempted,
    )


def renewed(s: CareerState, e: AppointmentRenewed, ck: Check) -> CareerState:
    """Art. 7: a serving attaché's appointment is renewed for a year from the end of the
    current term, whenever it is decided while the term runs; it counts for Art. 8 only
    from that end (``timeline``)."""
    ck.require(s.grade == Grade.ATTACHE and s.status in IN_SERVICE, "Art. 7",
               "not_a_serving_attache", "only a serving attaché's appointment is renewed, "
               f"and only while the term runs; the agent is {s.status}")
    if not s.term_end:
        return s
    return evolve(s, renewal_starts=(*s.renewal_starts, s.term_end),
                  term_end=add_years(s.term_end, 1))


def lapsed(s: CareerState, e: TermLapsed, ck: Check) -> CareerState:
    """Art. 7: a term that ends without renewal ends the attaché's service, on the day
    the term is over. The record derives it (``timeline``); recording the lapse is the
    decision that says so, refused when it contradicts that derived end."""
    if s.status == Status.LAPSED and s.ended_by == "Art. 7":
        return s  # the term was over by this date: the decision agrees, nothing changes
    ok = ck.require(s.grade == Grade.ATTACHE and s.status in IN_SERVICE, "Art. 7",
                    "not_a_serving_attache", "only a serving attaché's term can lapse")
    if ok and s.term_end:
        ck.require(e.effective_date >= s.term_end, "Art. 7", "term_still_running",
                   f"the term runs until {s.term_end}: it has not lapsed on "
                   f"{e.effective_date}", "effective_date")
    return leave_service(s, Status.LAPSED, e.effective_date)


def pledged(s: CareerState, e: HonourPledged, ck: Check) -> CareerState:
    """Art. 7: the attaché pledges on honour before entering functions."""
    ck.require(s.grade == Grade.ATTACHE and s.status == Status.APPOINTED, "Art. 7",
               "pledge_not_expected", "the pledge of honour is made by an appointed attaché "
               "before entering functions")
    return evolve(s, pledged=True)


def sworn(s: CareerState, e: OathSworn, ck: Check) -> CareerState:
    """Art. 12: the oath of the law of 8 May 1872, unless already sworn as official."""
    ck.require(s.status in IN_SERVICE, "Art. 12", "not_appointed",
               "the oath is sworn by an appointed agent")
    ck.require(not s.sworn, "Art. 12", "already_sworn", "the agent has already sworn the oath")
    return evolve(s, sworn=True)


def functions_entered(s: CareerState, e: FunctionsEntered, ck: Check) -> CareerState:
    """Art. 7 and 12: no entry into functions without pledge and oath."""
    ck.require(s.status == Status.APPOINTED, "Art. 12", "not_appointed",
               f"only an appointed agent enters functions; the agent is {s.status}")
    ck.require(s.sworn or not s.state_official, "Art. 12", "oath_missing",
               "Art. 12: the agent must swear the oath of the law of 8 May 1872 before "
               "entering functions")
    if s.grade == Grade.ATTACHE:
        ck.require(s.pledged, "Art. 7", "pledge_missing",
                   "Art. 7: the attaché must pledge on honour before entering functions")
    return evolve(s, status=Status.SERVING)


def promoted(s: CareerState, e: Promoted, ck: Check) -> CareerState:
    """Art. 8 (attaché renewed three times), Art. 9 (sovereign), Art. 11 (Council)."""
    grade = Grade(e.to_grade)
    ck.require(s.status == Status.SERVING, e.legal_basis, "not_serving",
               f"only a serving agent is promoted; the agent is {s.status}")
    current = s.grade
    ck.require(current is not None and grade.rank > current.rank, e.legal_basis,
               "not_a_promotion", f"{grade} is not above the current grade {current}", "to_grade")
    if current == Grade.ATTACHE and grade == Grade.SECRETAIRE:
        decided = len(s.renewal_starts) - s.renewals
        ck.require(s.renewals >= 3 or s.probation_exempted, "Art. 8", "too_few_renewals",
                   f"Art. 8: an attaché is promoted secretary once renewed three times; "
                   f"{s.renewals} renewals have taken effect by {e.effective_date}"
                   + (f" ({decided} more decided, from {s.renewal_starts[s.renewals]})"
                      if decided else ""), "to_grade")
    elif current == Grade.ATTACHE and grade != Grade.ENVOYE:
        ck.require(False, "Art. 8", "attache_promoted_secretary_first",
                   "an attaché is promoted secretary of legation (Art. 8)", "to_grade")
    ck.require(e.appointing_authority == Authority.SOVEREIGN, e.legal_basis,
               "wrong_appointing_authority", "promotions are made by the sovereign",
               "appointing_authority")
    if grade == Grade.ENVOYE:
        ck.require(bool(e.council_deliberation_ref), "Art. 11", "council_deliberation_required",
                   "Art. 11: envoys are appointed after deliberation of the Government in "
                   "Council", "council_deliberation_ref")
    return evolve(s, grade=grade, term_end=None, renewal_starts=s.renewal_starts[:s.renewals],
                  grades=(*s.grades, (e.effective_date, grade)))


def title_conferred(s: CareerState, e: TitleConferred, ck: Check) -> CareerState:
    """Art. 26: the title of attaché or secretary for a ministry chef de bureau."""
    ck.require(s.category == Category.MINISTRY_OFFICIAL
               and (s.administrative_grade or "").lower() == CHEF_DE_BUREAU, "Art. 26",
               "not_chef_de_bureau",
               "Art. 26: the title is conferred on ministry officials of grade chef de bureau")
    ck.require(Grade(e.title) in (Grade.ATTACHE, Grade.SECRETAIRE), "Art. 26",
               "title_not_conferrable", "only the title of attaché or secretary", "title")
    return evolve(s, title=Grade(e.title))


HANDLERS: dict[type, Handler] = {
    AttacheAppointed: attache_appointed,
    AgentAppointed: agent_appointed,
    AppointmentRenewed: renewed,
    TermLapsed: lapsed,
    HonourPledged: pledged,
    OathSworn: sworn,
    FunctionsEntered: functions_entered,
    Promoted: promoted,
    TitleConferred: title_conferred,
}
