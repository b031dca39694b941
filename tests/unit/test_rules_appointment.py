"""Entry into the service and the ladder of grades (Art. 6 to 9, 11, 12, 26, 27)."""

from __future__ import annotations

from datetime import date

import pytest

from agent_records.domain import events as ev
from agent_records.domain.values import (
    AptitudeCertificate,
    ConductAttestation,
    Diploma,
    DiplomaKind,
    Grade,
    Status,
)
from tests.unit.builders import attache, in_office, rec, refused, register, renewed

DAY = date(1948, 7, 1)
LATER = date(1948, 7, 2)
DOCTORATE = Diploma(DiplomaKind.DOCTORATE_IN_LAW, "LU", "Docteur en droit")
SECONDARY_LU = Diploma(DiplomaKind.SECONDARY, "LU", "Diplôme de fin d'études")
SECONDARY_FR = Diploma(DiplomaKind.SECONDARY, "FR", "Baccalauréat")
UNI_3 = Diploma(DiplomaKind.UNIVERSITY, "BE", "Licence", 3)
UNI_2 = Diploma(DiplomaKind.UNIVERSITY, "BE", "Candidature", 2)


# Art. 6 and 7: appointment as attaché --------------------------------------------------

@pytest.mark.parametrize(("born", "fields"), [
    ("1923-07-01", {}),  # exactly 25 on the day
    ("1920-03-01", {"diplomas": (SECONDARY_LU, UNI_3)}),
    ("1920-03-01", {"diplomas": (SECONDARY_FR, UNI_3), "foreign_diploma_exception": "war"}),
])
def test_attache_appointed_when_art6_is_met(born, fields) -> None:
    agent = register(born=born)
    rec(agent, ev.AttacheAppointed, DAY, **fields)
    assert (agent.state.status, agent.state.grade) == (Status.APPOINTED, Grade.ATTACHE)
    assert agent.state.term_end == date(1949, 7, 1)


@pytest.mark.parametrize(("identity", "fields", "article", "code"), [
    ({"category": "chancellery"}, {}, "Art. 6", "not_a_diplomatic_candidate"),
    ({"nationality": "BE"}, {}, "Art. 6", "not_luxembourgish"),
    ({"civil_political_rights": False}, {}, "Art. 6", "no_civil_political_rights"),
    ({"birth_date": date(1923, 7, 2)}, {}, "Art. 6", "too_young"),
    ({}, {"aptitude_certificate": None}, "Art. 6", "no_aptitude_certificate"),
    ({}, {"aptitude_certificate": AptitudeCertificate("Dr X", False, DAY)},
     "Art. 6", "no_aptitude_certificate"),
    ({}, {"aptitude_certificate": AptitudeCertificate("Dr X", True, LATER)},
     "Art. 6", "no_aptitude_certificate"),
    ({}, {"conduct_attestation": None}, "Art. 6", "no_conduct_attestation"),
    ({}, {"conduct_attestation": ConductAttestation("Parquet", LATER)},
     "Art. 6", "no_conduct_attestation"),
    ({}, {"diplomas": ()}, "Art. 6", "diploma_missing"),
    ({}, {"diplomas": (Diploma(DiplomaKind.DOCTORATE_IN_LAW, "FR", "Doctorat"),)},
     "Art. 6", "diploma_missing"),
    ({}, {"diplomas": (SECONDARY_LU, UNI_2)}, "Art. 6", "diploma_missing"),
    ({}, {"diplomas": (UNI_3,)}, "Art. 6", "diploma_missing"),
    ({}, {"diplomas": (SECONDARY_FR, UNI_3)}, "Art. 6", "foreign_diploma_without_exception"),
    ({}, {"appointing_authority": "minister"}, "Art. 7", "wrong_appointing_authority"),
])
def test_attache_appointment_refused(identity, fields, article, code) -> None:
    identity = dict(identity)
    born = identity.pop("birth_date", date(1920, 3, 1))
    agent = register(born=born, **identity)
    refused(agent, ev.AttacheAppointed, DAY, article, code, **fields)


def test_attache_cannot_be_appointed_twice() -> None:
    agent = attache()
    refused(agent, ev.AttacheAppointed, LATER, "Art. 7", "already_appointed")


# Art. 9, 11, 27: direct appointments ---------------------------------------------------

@pytest.mark.parametrize(("fields", "status"), [
    ({"grade": "secretaire", "council_deliberation_ref": "CG-1"}, Status.APPOINTED),
    ({"grade": "envoye", "council_deliberation_ref": "CG-2"}, Status.APPOINTED),
    ({"grade": "attache", "transitional": True, "probation_exempted": True}, Status.SERVING),
])
def test_agent_appointed(fields, status) -> None:
    agent = register("1947-01-01")
    day = "1948-05-28" if fields.get("transitional") else DAY
    rec(agent, ev.AgentAppointed, day, **fields)
    assert (agent.state.grade, agent.state.status) == (Grade(fields["grade"]), status)


@pytest.mark.parametrize(("identity", "day", "fields", "article", "code"), [
    ({"category": "chancellery"}, DAY, {"grade": "secretaire", "council_deliberation_ref": "C"},
     "Art. 9", "not_a_diplomatic_candidate"),
    ({}, DAY, {"grade": "secretaire", "council_deliberation_ref": "C",
               "appointing_authority": "minister"}, "Art. 9", "wrong_appointing_authority"),
    ({}, DAY, {"grade": "envoye", "council_deliberation_ref": "C",
               "appointing_authority": "minister"}, "Art. 11", "wrong_appointing_authority"),
    ({}, "1948-05-29", {"grade": "conseiller", "transitional": True},
     "Art. 27", "not_in_office_in_1948"),
    ({}, "1948-05-01", {"grade": "secretaire", "transitional": True, "probation_exempted": True},
     "Art. 27", "exemption_only_for_attaches"),
    ({}, DAY, {"grade": "attache", "council_deliberation_ref": "C"},
     "Art. 6", "use_attache_appointment"),
    ({}, DAY, {"grade": "secretaire", "council_deliberation_ref": "C",
               "probation_exempted": True}, "Art. 27", "exemption_only_for_attaches"),
    ({}, DAY, {"grade": "conseiller"}, "Art. 9", "council_deliberation_required"),
    ({}, DAY, {"grade": "envoye"}, "Art. 11", "council_deliberation_required"),
])
def test_agent_appointment_refused(identity, day, fields, article, code) -> None:
    agent = register("1947-01-01", **identity)
    refused(agent, ev.AgentAppointed, day, article, code, **fields)


def test_agent_cannot_be_appointed_when_already_appointed() -> None:
    agent = in_office("secretaire")
    refused(agent, ev.AgentAppointed, DAY, "Art. 9", "already_appointed",
            grade="conseiller", council_deliberation_ref="C")


# Art. 7: renewal, lapse, pledge --------------------------------------------------------

@pytest.mark.parametrize("day", ["1948-07-01", "1948-07-02", "1949-07-01"])
def test_renewal_renews_from_the_end_of_the_term_whenever_decided(day) -> None:
    """Art. 7: the new term runs from the end of the current one; it counts from then."""
    agent = attache()
    rec(agent, ev.AppointmentRenewed, day)
    assert agent.state.term_end == date(1950, 7, 1)
    assert agent.state_on(date(1949, 6, 30)).renewals == 0
    assert agent.state_on(date(1949, 7, 1)).renewals == 1
    assert agent.state_on(date(1950, 6, 30)).status == Status.SERVING
    assert agent.state_on(date(1950, 7, 1)).status == Status.LAPSED


def test_renewal_after_the_term_ended_refused() -> None:
    """Art. 7: the term was over on 1 July 1949: there is nothing left to renew."""
    refused(attache(), ev.AppointmentRenewed, "1949-07-02", "Art. 7", "not_a_serving_attache")


@pytest.mark.parametrize("make", [lambda: register(), lambda: in_office("secretaire")])
def test_renewal_of_a_non_attache_refused(make) -> None:
    refused(make(), ev.AppointmentRenewed, DAY, "Art. 7", "not_a_serving_attache")


def test_lapse_ends_the_service_once_the_term_is_over() -> None:
    agent = attache()
    rec(agent, ev.TermLapsed, "1949-07-01")
    assert agent.state.status == Status.LAPSED
    assert agent.state.position is None
    assert agent.state.service_end == date(1949, 7, 1)


def test_term_ends_without_any_fact() -> None:
    """Art. 7: out of service from the day the year is over, no lapse recorded."""
    agent = attache()
    assert agent.state_on(date(1949, 6, 30)).status == Status.SERVING
    after = agent.state_on(date(1949, 7, 1))
    assert (after.status, after.service_end, after.ended_by) == (
        Status.LAPSED, date(1949, 7, 1), "Art. 7")
    assert after.position is None


@pytest.mark.parametrize("day", ["1949-07-01", "1949-09-15"])
def test_lapse_recorded_on_or_after_the_derived_end_agrees(day) -> None:
    agent = attache()
    rec(agent, ev.TermLapsed, day)
    assert (agent.state.status, agent.state.service_end) == (Status.LAPSED, date(1949, 7, 1))


def test_lapse_contradicting_a_renewal_refused() -> None:
    """Art. 7: renewed, the term runs until 1950: a lapse in 1949 contradicts it."""
    agent = attache()
    rec(agent, ev.AppointmentRenewed, "1948-08-01")
    refused(agent, ev.TermLapsed, "1949-07-01", "Art. 7", "term_still_running")


def test_leave_refused_once_the_term_lapsed() -> None:
    refused(attache(), ev.LeaveGranted, "1949-08-01", "Art. 14", "not_serving",
            end_date=date(1949, 8, 10))


def test_lapse_refused_while_the_term_runs() -> None:
    refused(attache(), ev.TermLapsed, "1949-06-30", "Art. 7", "term_still_running")


def test_lapse_refused_for_a_non_attache() -> None:
    refused(in_office("conseiller"), ev.TermLapsed, "1950-01-01", "Art. 7",
            "not_a_serving_attache")


def test_pledge_by_an_appointed_attache() -> None:
    agent = attache(serve=False)
    rec(agent, ev.HonourPledged, DAY)
    assert agent.state.pledged


@pytest.mark.parametrize("make", [lambda: register(), lambda: attache()])
def test_pledge_refused_unless_appointed_attache(make) -> None:
    refused(make(), ev.HonourPledged, LATER, "Art. 7", "pledge_not_expected")


# Art. 12: oath and entry into functions -------------------------------------------------

def test_oath_sworn_by_an_appointed_agent() -> None:
    agent = attache(serve=False)
    rec(agent, ev.OathSworn, DAY, already_sworn_as_state_official=True)
    assert agent.state.sworn


def test_oath_refused_before_appointment() -> None:
    refused(register(), ev.OathSworn, DAY, "Art. 12", "not_appointed")


def test_oath_refused_when_already_sworn() -> None:
    refused(attache(), ev.OathSworn, LATER, "Art. 12", "already_sworn")


def test_functions_entered_after_pledge_and_oath() -> None:
    agent = attache(post=None)
    assert agent.state.status == Status.SERVING


def test_functions_entered_without_oath_by_a_non_official() -> None:
    agent = attache(serve=False, state_official=False)
    rec(agent, ev.HonourPledged, DAY)
    rec(agent, ev.FunctionsEntered, DAY)
    assert agent.state.status == Status.SERVING


@pytest.mark.parametrize(("pledge", "swear", "article", "code"), [
    (True, False, "Art. 12", "oath_missing"),
    (False, True, "Art. 7", "pledge_missing"),
])
def test_functions_refused_without_pledge_or_oath(pledge, swear, article, code) -> None:
    agent = attache(serve=False)
    if pledge:
        rec(agent, ev.HonourPledged, DAY)
    if swear:
        rec(agent, ev.OathSworn, DAY)
    refused(agent, ev.FunctionsEntered, DAY, article, code)


@pytest.mark.parametrize("make", [lambda: register(), lambda: attache()])
def test_functions_refused_unless_appointed(make) -> None:
    refused(make(), ev.FunctionsEntered, LATER, "Art. 12", "not_appointed")


# Art. 8, 9, 11: promotion --------------------------------------------------------------

@pytest.mark.parametrize(("make", "to", "ref"), [
    (lambda: renewed(attache(), 3), "secretaire", None),
    (lambda: in_office("attache", probation_exempted=True), "secretaire", None),
    (lambda: in_office("secretaire"), "conseiller", None),
    (lambda: renewed(attache(), 3), "envoye", "CG-1"),
])
def test_promotion(make, to, ref) -> None:
    agent = make()
    rec(agent, ev.Promoted, "1951-07-02", to_grade=to, council_deliberation_ref=ref)
    assert agent.state.grade == Grade(to)


def test_renewals_decided_early_count_from_their_terms() -> None:
    """Art. 8: three renewals decided in July 1948 take effect in 1949, 1950 and 1951:
    in the second year the attaché has been renewed once, not three times."""
    agent = renewed(attache(), 3, early=True)
    error = refused(agent, ev.Promoted, "1950-01-01", "Art. 8", "too_few_renewals",
                    to_grade="secretaire")
    assert "1 renewals have taken effect by 1950-01-01" in str(error)
    refused(agent, ev.Promoted, "1951-06-30", "Art. 8", "too_few_renewals",
            to_grade="secretaire")
    rec(agent, ev.Promoted, "1951-07-01", to_grade="secretaire")
    assert agent.state.grade == Grade.SECRETAIRE


@pytest.mark.parametrize(("make", "to", "fields", "article", "code"), [
    (lambda: renewed(attache(), 2), "secretaire", {}, "Art. 8", "too_few_renewals"),
])
def test_promotion_refused_in_the_term(make, to, fields, article, code) -> None:
    refused(make(), ev.Promoted, "1951-06-30", article, code, to_grade=to, **fields)


@pytest.mark.parametrize(("make", "to", "fields", "article", "code"), [
    (lambda: attache(serve=False), "secretaire", {}, "Art. 8", "not_serving"),
    (lambda: in_office("conseiller"), "secretaire", {}, "Art. 8", "not_a_promotion"),
    (lambda: in_office("conseiller"), "conseiller", {}, "Art. 9", "not_a_promotion"),
    (lambda: renewed(attache(), 2), "secretaire", {}, "Art. 8", "not_serving"),
    (lambda: renewed(attache(), 3), "conseiller", {}, "Art. 8",
     "attache_promoted_secretary_first"),
    (lambda: in_office("secretaire"), "conseiller", {"appointing_authority": "minister"},
     "Art. 9", "wrong_appointing_authority"),
    (lambda: in_office("conseiller"), "envoye", {}, "Art. 11", "council_deliberation_required"),
])
def test_promotion_refused(make, to, fields, article, code) -> None:
    refused(make(), ev.Promoted, "1951-07-02", article, code, to_grade=to, **fields)


# Art. 26: titles for a chef de bureau ---------------------------------------------------

def official(grade: str = "chef de bureau"):
    return register(category="ministry_official", administrative_grade=grade)


def test_title_conferred_on_a_chef_de_bureau() -> None:
    agent = official("Chef de bureau")
    rec(agent, ev.TitleConferred, DAY, title="secretaire")
    assert agent.state.title == Grade.SECRETAIRE


def test_title_refused_below_chef_de_bureau() -> None:
    refused(official("rédacteur"), ev.TitleConferred, DAY, "Art. 26", "not_chef_de_bureau",
            title="attache")


def test_title_refused_above_secretary() -> None:
    refused(official(), ev.TitleConferred, DAY, "Art. 26", "title_not_conferrable",
            title="conseiller")
