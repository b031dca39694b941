"""Leaving the service and honours (Art. 10, 21, 22, 23); serving beyond 65 (Art. 21)."""

from __future__ import annotations

from datetime import date

import pytest

from agent_records.domain import events as ev
from agent_records.domain.values import Status
from tests.unit.builders import attache, in_office, rec, refused, register

BIRTHDAY_65 = date(1965, 1, 1)
"""Heads of post built with ``in_office`` are born on 1 January 1900."""
NEXT_YEAR = date(1966, 1, 1)


def head():
    return in_office("envoye", head=True)


def beyond_65(agent) -> list[tuple[str, str, date]]:
    return [(b.article, b.code, b.on) for b in agent.state.breaches
            if b.code == "serving_beyond_65"]


def active(agent, day) -> None:
    """Some fact showing the agent in activity on ``day`` (a posting at the same post)."""
    rec(agent, ev.Posted, day, kind="abroad", post_code="BRU")


# Resignation (Art. 23) and retirement (Art. 21) ----------------------------------------------

@pytest.mark.parametrize(("cls", "status"), [(ev.Resigned, Status.RESIGNED),
                                             (ev.Retired, Status.RETIRED)])
def test_end_of_service(cls, status) -> None:
    agent = head()
    rec(agent, cls, "1960-01-01")
    state = agent.state
    assert (state.status, state.service_end, state.head_of_post) == (
        status, date(1960, 1, 1), None)
    assert all(p.ended == date(1960, 1, 1) for p in state.positions)
    assert not state.in_service


@pytest.mark.parametrize(("cls", "article"), [(ev.Resigned, "Art. 23"),
                                              (ev.Retired, "Art. 21")])
def test_end_of_service_refused_out_of_service(cls, article) -> None:
    refused(register(), cls, "1960-01-01", article, "not_in_service")
    agent = head()
    rec(agent, ev.Retired, "1960-01-01")
    refused(agent, cls, "1960-01-02", article, "not_in_service")


# Art. 21: yearly extensions beyond 65 --------------------------------------------------------

def test_head_of_post_kept_beyond_65_year_by_year() -> None:
    agent = head()
    rec(agent, ev.ServiceExtended, BIRTHDAY_65, until=NEXT_YEAR, ref="AGD-65")
    rec(agent, ev.ServiceExtended, NEXT_YEAR, until=date(1967, 1, 1), ref="AGD-66")
    active(agent, date(1966, 12, 31))
    assert agent.state.extensions == (NEXT_YEAR, date(1967, 1, 1))
    assert agent.state.service_limit == date(1967, 1, 1)
    assert beyond_65(agent) == []


@pytest.mark.parametrize(("make", "day", "until", "ref", "code"), [
    (lambda: in_office("conseiller"), BIRTHDAY_65, NEXT_YEAR, "A", "not_a_head_of_post"),
    (head, date(1965, 1, 2), date(1966, 1, 2), "A", "extension_not_contiguous"),
    (head, date(1964, 12, 31), BIRTHDAY_65, "A", "extension_not_contiguous"),
    (head, BIRTHDAY_65, date(1967, 1, 1), "A", "extension_not_one_year"),
    (head, BIRTHDAY_65, date(1965, 7, 1), "A", "extension_not_one_year"),
    (head, BIRTHDAY_65, NEXT_YEAR, None, "decree_reference_required"),
])
def test_extension_refused(make, day, until, ref, code) -> None:
    refused(make(), ev.ServiceExtended, day, "Art. 21", code, ref=ref, until=until)


def test_activity_up_to_the_65th_birthday_is_no_breach() -> None:
    agent = head()
    active(agent, BIRTHDAY_65)
    assert beyond_65(agent) == []


def test_the_age_limit_ends_activity_without_any_fact() -> None:
    """Art. 21: out of activity from the day after the 65th birthday, nothing recorded."""
    agent = head()
    assert agent.state_on(BIRTHDAY_65).status == Status.SERVING
    after = agent.state_on(date(1965, 1, 2))
    assert (after.status, after.service_end, after.ended_by, after.head_of_post) == (
        Status.RETIRED, date(1965, 1, 2), "Art. 21", None)
    assert beyond_65_on(agent, date(1970, 1, 1)) == []
    refused(agent, ev.Posted, "1965-06-01", "Art. 20", "not_in_service", kind="abroad",
            post_code="BRU")


def beyond_65_on(agent, day) -> list[tuple[str, str, date]]:
    return [(b.article, b.code, b.on) for b in agent.state_on(day).breaches
            if b.code == "serving_beyond_65"]


def test_head_kept_beyond_an_extension_s_year_is_a_breach_without_any_fact() -> None:
    """Art. 21: the extension's year ends on 1 January 1966; from the next day the head
    is listed, though nothing was recorded since."""
    agent = head()
    rec(agent, ev.ServiceExtended, BIRTHDAY_65, until=NEXT_YEAR, ref="AGD-65")
    assert beyond_65_on(agent, NEXT_YEAR) == []
    assert beyond_65_on(agent, date(1966, 1, 2)) == [
        ("Art. 21", "serving_beyond_65", date(1966, 1, 2))]
    assert agent.state_on(date(1966, 1, 2)).status == Status.RETIRED
    rec(agent, ev.ServiceExtended, NEXT_YEAR, until=date(1967, 1, 1), ref="AGD-66")
    assert beyond_65_on(agent, date(1966, 6, 1)) == []
    assert agent.state_on(date(1966, 6, 1)).status == Status.SERVING


@pytest.mark.parametrize(("cls", "day", "breach"), [
    (ev.Retired, date(1966, 1, 2), False),
    (ev.Resigned, date(1966, 1, 2), False),
    (ev.Retired, date(1966, 3, 1), True),
])
def test_leaving_after_an_extension(cls, day, breach) -> None:
    """Leaving on the day after the extension's year ends it in time; a retirement
    recorded later agrees with the end the age limit brought, and shows the breach."""
    agent = head()
    rec(agent, ev.ServiceExtended, BIRTHDAY_65, until=NEXT_YEAR, ref="AGD-65")
    rec(agent, cls, day)
    expected = [("Art. 21", "serving_beyond_65", date(1966, 1, 2))] if breach else []
    assert beyond_65(agent) == expected
    assert agent.state.service_end == date(1966, 1, 2)


@pytest.mark.parametrize("day", [date(1965, 1, 2), date(1967, 1, 1)])
def test_retirement_agrees_with_the_age_limit(day) -> None:
    agent = head()
    rec(agent, ev.Retired, day)
    assert (agent.state.status, agent.state.service_end) == (Status.RETIRED, date(1965, 1, 2))
    assert beyond_65(agent) == []


def test_resignation_after_the_age_limit_refused() -> None:
    refused(head(), ev.Resigned, "1967-01-01", "Art. 23", "not_in_service")


def test_no_breach_once_out_of_service() -> None:
    agent = head()
    rec(agent, ev.Retired, BIRTHDAY_65)
    rec(agent, ev.MarriageRecorded, date(1970, 1, 1), spouse_name="A", spouse_nationality="LU")
    assert agent.state.breaches == ()


# Honours: Art. 10 (personalities) and Art. 22 (title kept after resignation) ------------------

def personality(domicile: str = "BE"):
    return register(category="personality", domicile_country=domicile)


def test_conseiller_du_commerce_exterieur() -> None:
    agent = personality()
    rec(agent, ev.HonoraryTitleConferred, "1950-01-01", kind="conseiller_du_commerce_exterieur",
        title="Conseiller du Commerce extérieur", conferred_by="minister")
    assert agent.state.status == Status.HONORARY
    assert agent.state.honorary_titles == ("Conseiller du Commerce extérieur",)
    assert agent.state.grade is None


@pytest.mark.parametrize(("make", "by", "code"), [
    (lambda: attache(), "minister", "not_a_personality"),
    (lambda: personality("LU"), "minister", "not_domiciled_abroad"),
    (lambda: personality(), "sovereign", "conferred_by_minister"),
])
def test_conseiller_du_commerce_exterieur_refused(make, by, code) -> None:
    refused(make(), ev.HonoraryTitleConferred, "1950-01-01", "Art. 10", code,
            kind="conseiller_du_commerce_exterieur", title="CCE", conferred_by=by)


def resigned():
    agent = in_office("secretaire")
    rec(agent, ev.Resigned, "1955-01-01")
    return agent


def test_title_kept_after_resignation() -> None:
    agent = resigned()
    rec(agent, ev.HonoraryTitleConferred, "1955-02-01", kind="retained_title",
        title="Secrétaire de légation honoraire", uniform=True, conferred_by="sovereign")
    assert agent.state.honorary_titles == ("Secrétaire de légation honoraire",)
    assert agent.state.status == Status.RESIGNED


@pytest.mark.parametrize(("make", "by", "code"), [
    (lambda: in_office("secretaire"), "sovereign", "not_resigned"),
    (resigned, "minister", "conferred_by_sovereign"),
])
def test_title_kept_refused(make, by, code) -> None:
    refused(make(), ev.HonoraryTitleConferred, "1955-02-01", "Art. 22", code,
            kind="retained_title", title="Secrétaire honoraire", conferred_by=by)
