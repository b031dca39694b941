"""Positions of active service (Art. 20, 3, 25), heads of post and chargés (Art. 2)."""

from __future__ import annotations

from datetime import date

import pytest

from agent_records.domain import events as ev
from agent_records.domain.rules.posting import SECONDMENT_RULE, check_charge_designation
from agent_records.domain.values import Authority, ChargeGround, PositionKind
from tests.unit.builders import attache, in_office, rec, refused, register


def chancellor(post: str):
    """A chancellor (Art. 25) seconded to ``post``."""
    agent = register(category="chancellery")
    rec(agent, ev.Posted, "1948-07-01", kind="abroad", post_code=post)
    return agent


def resigned(agent):
    """``agent`` after a resignation accepted on 1 December 1948."""
    rec(agent, ev.Resigned, "1948-12-01")
    return agent


DAY = date(1949, 1, 3)


# Art. 20: positions ---------------------------------------------------------------------

@pytest.mark.parametrize("fields", [
    {"kind": "abroad", "post_code": "PAR"},
    {"kind": "ministry"},
    {"kind": "sovereign_disposal"},
    {"kind": "special_mission"},
    {"kind": "other_ministry", "organisation": "Ministère des Finances"},
    {"kind": "international_organisation", "organisation": "OECE", "until": date(1951, 1, 3)},
])
def test_posting_ends_the_previous_position(fields) -> None:
    agent = attache()
    rec(agent, ev.Posted, DAY, **fields)
    first, second = agent.state.positions
    assert (first.post_code, first.ended) == ("BRU", DAY)
    assert (second.kind, second.since, second.ended) == (PositionKind(fields["kind"]), DAY, None)


@pytest.mark.parametrize(("fields", "article", "code"), [
    ({"kind": "abroad"}, "Art. 20", "post_required"),
    ({"kind": "other_ministry"}, "Art. 20", "organisation_required"),
    ({"kind": "international_organisation", "until": date(1950, 1, 3)},
     "Art. 20", "organisation_required"),
    ({"kind": "international_organisation", "organisation": "OECE"},
     SECONDMENT_RULE, "secondment_too_long"),
    ({"kind": "international_organisation", "organisation": "OECE", "until": date(1951, 1, 4)},
     SECONDMENT_RULE, "secondment_too_long"),
    ({"kind": "international_organisation", "organisation": "OECE", "until": DAY},
     SECONDMENT_RULE, "secondment_too_long"),
])
def test_posting_refused(fields, article, code) -> None:
    refused(attache(), ev.Posted, DAY, article, code, **fields)


def test_posting_refused_out_of_service() -> None:
    refused(register(), ev.Posted, DAY, "Art. 20", "not_in_service", kind="ministry")


def test_chancellor_is_posted_to_a_legation() -> None:
    agent = register(category="chancellery")
    rec(agent, ev.Posted, DAY, kind="abroad", post_code="BRU")
    assert agent.state.position.post_code == "BRU"


def test_chancellor_posting_elsewhere_refused() -> None:
    refused(register(category="chancellery"), ev.Posted, DAY, "Art. 25",
            "chancellor_posted_to_legation", kind="ministry")


def test_special_attributions_attached_with_home_minister_agreement() -> None:
    agent = register(category="special_attributions")
    rec(agent, ev.Posted, DAY, kind="abroad", post_code="BRU", home_minister_agreement_ref="A")
    assert agent.state.position.post_code == "BRU"


def test_special_attributions_without_agreement_refused() -> None:
    refused(register(category="special_attributions"), ev.Posted, DAY, "Art. 3",
            "home_minister_agreement_required", kind="abroad", post_code="BRU")


# Heads of post -------------------------------------------------------------------------

def test_head_of_post_designated_where_posted() -> None:
    agent = in_office("envoye")
    rec(agent, ev.HeadOfPostDesignated, DAY, post_code="BRU")
    assert agent.state.head_of_post == "BRU"


def test_head_of_post_refused_elsewhere() -> None:
    refused(in_office("envoye"), ev.HeadOfPostDesignated, DAY, "Art. 2", "not_posted_there",
            post_code="PAR")


@pytest.mark.parametrize("make", [
    lambda: attache(serve=False),
    lambda: register(category="chancellery"),
])
def test_head_of_post_refused_unless_serving_diplomat(make) -> None:
    agent = make()
    if agent.state.position is None:
        rec(agent, ev.Posted, DAY, kind="abroad", post_code="BRU")
    refused(agent, ev.HeadOfPostDesignated, DAY, "Art. 2", "not_a_serving_diplomat",
            post_code="BRU")


def test_moving_to_another_post_ends_the_headship() -> None:
    agent = in_office("envoye", head=True)
    rec(agent, ev.Posted, DAY, kind="abroad", post_code="PAR")
    assert agent.state.head_of_post is None


# Art. 2: chargé d'affaires ad interim (the agent's own record) ---------------------------

def test_charge_designated() -> None:
    agent = in_office("conseiller")
    rec(agent, ev.ChargeDAffairesDesignated, DAY, post_code="BRU", end_date=date(1949, 2, 1))
    (charge,) = agent.state.charges
    assert (charge.post_code, charge.start, charge.designated_by) == (
        "BRU", DAY, Authority.HEAD_OF_POST)


@pytest.mark.parametrize(("make", "fields", "code"), [
    (lambda: attache(serve=False), {}, "not_a_serving_diplomat"),
    (lambda: in_office("envoye", head=True), {}, "head_of_post_cannot_be_charge"),
    (lambda: in_office("conseiller"), {"post_code": "PAR"}, "not_posted_there"),
    (lambda: in_office("conseiller"), {"end_date": date(1949, 1, 2)}, "charge_ends_before_start"),
    (lambda: in_office("conseiller"), {"designated_by": "sovereign"},
     "wrong_designating_authority"),
])
def test_charge_refused(make, fields, code) -> None:
    agent = make()
    if agent.state.position is None:
        rec(agent, ev.Posted, DAY, kind="abroad", post_code="BRU")
    refused(agent, ev.ChargeDAffairesDesignated, DAY, "Art. 2", code,
            **{"post_code": "BRU", **fields})


# Art. 2: who is designated, given the post's staff ---------------------------------------

def staff(*members: str, head: str | None = "envoye", leave: str | None = None) -> dict:
    """States on ``DAY`` of the post's staff: a head and ``members`` by grade."""
    agents = {g: in_office(g) for g in members}
    if head:
        agents["head"] = in_office(head, head=True)
    if leave:
        by = "sovereign" if leave == "head" else "minister"
        rec(agents[leave], ev.LeaveGranted, date(1949, 1, 1), end_date=date(1949, 1, 10),
            granted_by=by)
    return {name: a.state_on(DAY) for name, a in agents.items()}


def designate(states: dict, designee: str, by: str, ground: str | None = None) -> str | None:
    """The refusal code of a designation (None when accepted); the ground defaults to
    what the states show: vacancy without a head, else absence."""
    head = any(st.head_of_post == "BRU" for st in states.values())
    ground = ground or ("absence" if head else "vacancy")
    found = check_charge_designation("BRU", DAY, designee, Authority(by), ChargeGround(ground),
                                     states)
    assert found is None or found.article == "Art. 2"
    return found and found.code


@pytest.mark.parametrize(("members", "leave", "designee", "by", "code"), [
    # counsellor present: the head designates the counsellor
    (("conseiller", "secretaire"), None, "conseiller", "head_of_post", None),
    (("conseiller", "secretaire"), None, "secretaire", "head_of_post",
     "counsellor_else_secretary"),
    (("conseiller", "secretaire"), None, "conseiller", "minister", "head_of_post_designates"),
    # counsellor on leave: the secretary
    (("conseiller", "secretaire"), "conseiller", "secretaire", "head_of_post", None),
    (("conseiller", "secretaire"), "conseiller", "conseiller", "head_of_post",
     "counsellor_else_secretary"),
    # no counsellor: the secretary
    (("secretaire", "attache"), None, "secretaire", "head_of_post", None),
    (("secretaire", "attache"), None, "attache", "head_of_post", "counsellor_else_secretary"),
    # neither counsellor nor secretary (present): the minister designates
    (("attache",), None, "attache", "minister", None),
    (("attache",), None, "attache", "head_of_post", "minister_designates"),
    (("secretaire", "attache"), "secretaire", "attache", "minister", None),
    (("secretaire", "attache"), "secretaire", "attache", "head_of_post", "minister_designates"),
])
def test_charge_designation_by_staff(members, leave, designee, by, code) -> None:
    assert designate(staff(*members, leave=leave), designee, by) == code


@pytest.mark.parametrize(("designee", "by", "code"), [
    ("conseiller", "minister", None),
    ("conseiller", "head_of_post", "post_vacant_minister_designates"),
])
def test_vacant_post_minister_designates(designee, by, code) -> None:
    assert designate(staff("conseiller", "secretaire", head=None), designee, by) == code


def test_absent_head_still_designates() -> None:
    states = staff("conseiller", head="envoye", leave="head")
    assert designate(states, "conseiller", "head_of_post", "leave") is None
    assert designate(states, "conseiller", "minister", "leave") == "head_of_post_designates"


def test_counsellor_heading_the_post_is_not_its_own_deputy() -> None:
    states = staff("secretaire", head="conseiller")
    assert designate(states, "secretaire", "head_of_post") is None
    assert designate(states, "head", "head_of_post") == "counsellor_else_secretary"


def test_secretary_heading_the_post_is_not_its_own_deputy() -> None:
    """A post headed by a secretary, with only an attaché: the minister designates."""
    states = staff("attache", head="secretaire")
    assert designate(states, "attache", "minister") is None
    assert designate(states, "attache", "head_of_post") == "minister_designates"


# Art. 2, second paragraph: the minister's choice is any agent (defect 2) -------------------

@pytest.mark.parametrize("make", [
    lambda: in_office("conseiller", post="PAR"),
    lambda: in_office("secretaire", post=None),
    lambda: attache(post="PAR"),
    lambda: chancellor("PAR"),
])
def test_minister_designates_an_agent_posted_elsewhere(make) -> None:
    """"Le Ministre ... désignera l'agent": no condition of posting on the minister."""
    agent = make()
    rec(agent, ev.ChargeDAffairesDesignated, DAY, post_code="BRU", designated_by="minister",
        ground="vacancy")
    (charge,) = agent.state.charges
    assert (charge.post_code, charge.designated_by, charge.ground) == (
        "BRU", Authority.MINISTER, ChargeGround.VACANCY)


def test_head_of_post_designates_only_an_agent_of_the_post() -> None:
    """Art. 2, first paragraph: "parmi les agents diplomatiques affectés à son poste"."""
    refused(in_office("conseiller", post="PAR"), ev.ChargeDAffairesDesignated, DAY, "Art. 2",
            "not_posted_there", post_code="BRU", designated_by="head_of_post")


@pytest.mark.parametrize("make", [
    lambda: attache(serve=False),
    lambda: resigned(in_office("conseiller", post="PAR")),
    lambda: resigned(chancellor("PAR")),
])
def test_minister_designates_an_agent_in_functions(make) -> None:
    refused(make(), ev.ChargeDAffairesDesignated, DAY, "Art. 2", "not_a_serving_agent",
            post_code="BRU", designated_by="minister", ground="vacancy")


def test_minister_designates_an_outsider_for_a_vacant_post_or_one_without_deputies() -> None:
    """The staff check puts no condition on who the minister designates."""
    assert designate(staff("conseiller", head=None), "someone-else", "minister") is None
    assert designate(staff("attache"), "someone-else", "minister") is None
    assert designate(staff("secretaire", leave="secretaire"), "someone-else",
                     "minister") is None


# Art. 2: the ground of the designation (defect 3) -----------------------------------------

SITUATIONS = {
    "vacant": lambda: staff("conseiller", head=None),
    "head_present": lambda: staff("conseiller"),
    "head_on_leave": lambda: staff("conseiller", leave="head"),
}
EXPECTED = {  # (situation, ground) -> refusal, for the head's and the minister's designation
    ("vacant", "vacancy"): None,
    ("vacant", "absence"): "post_vacant",
    ("vacant", "impediment"): "post_vacant",
    ("vacant", "leave"): "post_vacant",
    ("head_present", "vacancy"): "post_not_vacant",
    ("head_present", "absence"): None,
    ("head_present", "impediment"): None,
    ("head_present", "leave"): "head_not_on_leave",
    ("head_on_leave", "vacancy"): "post_not_vacant",
    ("head_on_leave", "absence"): "head_on_leave",
    ("head_on_leave", "impediment"): "head_on_leave",
    ("head_on_leave", "leave"): None,
}


@pytest.mark.parametrize(("situation", "ground"), sorted(EXPECTED))
def test_the_ground_matches_what_the_record_shows(situation, ground) -> None:
    """"En cas d'absence, d'empêchement ou de congé" (or vacancy): a vacancy is a post
    without a head; a head on leave that day is the ground "leave"; absence and
    impediment are taken as stated. A right ground leaves the choice rules to decide."""
    states = SITUATIONS[situation]()
    by = "minister" if situation == "vacant" else "head_of_post"
    assert designate(states, "conseiller", by, ground) == EXPECTED[situation, ground]


@pytest.mark.parametrize("situation", sorted(SITUATIONS))
def test_a_designation_states_its_ground(situation) -> None:
    assert designate(SITUATIONS[situation](), "conseiller", "head_of_post",
                     "not_stated") == "ground_not_stated"


def test_recorded_absence_of_the_counsellor_makes_the_secretary_the_charge() -> None:
    """A counsellor away without leave (Art. 14) is absent for Art. 2 as well."""
    agents = {"conseiller": in_office("conseiller"), "secretaire": in_office("secretaire"),
              "head": in_office("envoye", head=True)}
    rec(agents["conseiller"], ev.AbsenceFromPostRecorded, date(1949, 1, 1),
        end_date=date(1949, 1, 10))
    states = {name: a.state_on(DAY) for name, a in agents.items()}
    assert designate(states, "secretaire", "head_of_post") is None
    assert designate(states, "conseiller", "head_of_post") == "counsellor_else_secretary"
