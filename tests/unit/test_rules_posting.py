"""Positions of active service (Art. 20, 3, 25), heads of post and chargés (Art. 2)."""

from __future__ import annotations

from datetime import date

import pytest

from agent_records.domain import events as ev
from agent_records.domain.rules.posting import SECONDMENT_RULE, check_charge_designation
from agent_records.domain.values import Authority, PositionKind
from tests.unit.builders import attache, in_office, rec, refused, register

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


def designate(states: dict, designee: str, by: str) -> str | None:
    found = check_charge_designation("BRU", DAY, designee, Authority(by), states)
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
    assert designate(states, "conseiller", "head_of_post") is None
    assert designate(states, "conseiller", "minister") == "head_of_post_designates"


def test_counsellor_heading_the_post_is_not_its_own_deputy() -> None:
    states = staff("secretaire", head="conseiller")
    assert designate(states, "secretaire", "head_of_post") is None
    assert designate(states, "head", "head_of_post") == "counsellor_else_secretary"


def test_secretary_heading_the_post_is_not_its_own_deputy() -> None:
    """A post headed by a secretary, with only an attaché: the minister designates."""
    states = staff("attache", head="secretaire")
    assert designate(states, "attache", "minister") is None
    assert designate(states, "attache", "head_of_post") == "minister_designates"
