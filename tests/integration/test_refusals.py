"""Refused commands name their article and leave the store exactly as it was."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

import pytest

from agent_records.application import AgentRecords
from agent_records.domain.commands import (
    AppointAttache,
    AuthoriseMarriage,
    EnterFunctions,
    GrantLeave,
    PledgeHonour,
    Promote,
    RegisterAgent,
    RenewAppointment,
    RequestMarriageAuthorisation,
)
from agent_records.domain.errors import RuleViolation
from tests.careers import art6_file, on, open_legation, serving_attache
from tests.integration.career_script import described

Refused = tuple[UUID, Callable[[], object]]
APPOINTED = date(1948, 7, 1)


def too_young(app: AgentRecords) -> Refused:
    aid = app.handle(RegisterAgent(on("1948-06-01"), full_name="Paul Young",
                                   birth_date=date(1925, 3, 1), nationality="LU")).aggregate_id
    return aid, lambda: app.handle(AppointAttache(aid, on(APPOINTED), **art6_file(APPOINTED)))


def too_few_renewals(app: AgentRecords) -> Refused:
    open_legation(app)
    aid = serving_attache(app)
    app.handle(RenewAppointment(aid, on("1949-06-15")))
    app.handle(RenewAppointment(aid, on("1950-06-15")))
    return aid, lambda: app.handle(Promote(aid, on("1951-01-01"), to_grade="secretaire"))


def functions_without_oath(app: AgentRecords) -> Refused:
    aid = app.handle(RegisterAgent(on("1948-06-01"), full_name="Luc Hurry",
                                   birth_date=date(1920, 3, 1), nationality="LU")).aggregate_id
    app.handle(AppointAttache(aid, on(APPOINTED), **art6_file(APPOINTED)))
    app.handle(PledgeHonour(aid, on(APPOINTED)))
    return aid, lambda: app.handle(EnterFunctions(aid, on(APPOINTED)))


def foreign_spouse_without_exception(app: AgentRecords) -> Refused:
    open_legation(app)
    aid = serving_attache(app, renewals=3)
    request = app.handle(RequestMarriageAuthorisation(aid, on("1950-02-01"), spouse_name="Anne Roy",
                                                      spouse_nationality="FR"))
    return aid, lambda: app.handle(AuthoriseMarriage(aid, on("1950-03-01"),
                                                     request_version=request.version))


def leave_beyond_entitlement(app: AgentRecords) -> Refused:
    open_legation(app)
    aid = serving_attache(app)
    app.handle(GrantLeave(aid, on("1948-09-01"), end_date=date(1948, 9, 10)))  # 10 of 30 days
    return aid, lambda: app.handle(GrantLeave(aid, on("1948-10-01"), end_date=date(1948, 10, 21)))


CASES = {
    "art6_too_young": (too_young, "Art. 6", "too_young"),
    "art8_too_few_renewals": (too_few_renewals, "Art. 8", "too_few_renewals"),
    "art12_no_oath": (functions_without_oath, "Art. 12", "oath_missing"),
    "art13_foreign_spouse": (foreign_spouse_without_exception, "Art. 13",
                             "foreign_spouse_without_exception"),
    "art15_beyond_entitlement": (leave_beyond_entitlement, "Art. 15",
                                 "leave_exceeds_entitlement"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_refused_command_names_its_article_and_appends_nothing(
    records: AgentRecords, case: str
) -> None:
    setup, article, code = CASES[case]
    aid, command = setup(records)
    before_id = records.recorder.max_notification_id()
    before = records.get_agent(aid)

    with pytest.raises(RuleViolation) as refused:
        command()

    assert (refused.value.article, refused.value.code) == (article, code)
    assert str(refused.value).startswith(f"{article}: ")
    assert refused.value.message
    assert records.recorder.max_notification_id() == before_id
    after = records.get_agent(aid)
    assert after.version == before.version
    assert described(after.events) == described(before.events)
    assert after.state == before.state


def test_a_refusal_leaves_the_record_writable(records: AgentRecords) -> None:
    aid, command = leave_beyond_entitlement(records)
    version = records.get_agent(aid).version
    with pytest.raises(RuleViolation):
        command()
    # Art. 17: travel days out and back do not count, so the same absence fits with them.
    receipt = records.handle(GrantLeave(aid, on("1948-10-01"), end_date=date(1948, 10, 21),
                                        travel_days=2, expected_version=version))
    assert receipt.version == version + 1
    assert records.leave_account(aid, 1948).taken == 10 + 19


def test_a_post_opened_twice_is_refused_by_the_store(records: AgentRecords) -> None:
    open_legation(records)
    before_id = records.recorder.max_notification_id()
    with pytest.raises(RuleViolation) as refused:
        open_legation(records, code="bru")  # same key: the store's uniqueness refuses it
    assert refused.value.code == "post_exists"
    assert records.recorder.max_notification_id() == before_id
    assert records.get_post("BRU").version == 1
