"""Art. 2 through the application, on both backends: who designates the chargé
d'affaires a.i., whom, and on which ground, checked against the post's staff records."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from agent_records.application import AgentRecords
from agent_records.domain.commands import (
    AppointAgent,
    DesignateChargeDAffaires,
    DesignateHeadOfPost,
    EnterFunctions,
    GrantLeave,
    PostAgent,
    RegisterAgent,
    SwearOath,
)
from agent_records.domain.errors import RuleViolation
from agent_records.domain.values import Authority, ChargeGround
from tests.careers import on, open_legation

DAY = "1950-03-01"


def agent(app: AgentRecords, name: str, grade: str, post: str, head: bool = False) -> UUID:
    """A serving agent appointed at ``grade`` in 1948 and posted to ``post``."""
    aid = app.handle(RegisterAgent(on("1948-01-01"), full_name=name,
                                   birth_date=date(1905, 1, 1), nationality="LU")).aggregate_id
    app.handle(AppointAgent(aid, on("1948-09-01"), grade=grade, council_deliberation_ref="CG"))
    app.handle(SwearOath(aid, on("1948-09-01")))
    app.handle(EnterFunctions(aid, on("1948-09-01")))
    app.handle(PostAgent(aid, on("1948-09-01"), kind="abroad", post_code=post))
    if head:
        app.handle(DesignateHeadOfPost(aid, on("1948-09-02"), post_code=post))
    return aid


def designate(app: AgentRecords, aid: UUID, post: str, by: str, ground: str) -> int:
    return app.handle(DesignateChargeDAffaires(aid, on(DAY), post_code=post, designated_by=by,
                                               ground=ground, end_date=date(1950, 3, 20))).version


def refused(app: AgentRecords, aid: UUID, post: str, by: str, ground: str) -> tuple:
    before = app.get_agent(aid).version
    with pytest.raises(RuleViolation) as info:
        designate(app, aid, post, by, ground)
    assert app.get_agent(aid).version == before, "a refusal records nothing"
    return info.value.article, info.value.code, info.value.field


def test_minister_designates_an_agent_of_another_post_for_a_vacant_post(
        records: AgentRecords) -> None:
    """Art. 2, second paragraph: the minister's choice has no condition of posting."""
    open_legation(records, "BRU")
    open_legation(records, "PAR", "Paris", "FR")
    counsellor = agent(records, "Léon Hoffmann", "conseiller", "PAR")
    version = designate(records, counsellor, "BRU", "minister", "vacancy")
    [charge] = records.get_agent(counsellor).state.charges
    assert (charge.version, charge.post_code, charge.designated_by, charge.ground) == (
        version, "BRU", Authority.MINISTER, ChargeGround.VACANCY)
    assert refused(records, counsellor, "BRU", "minister", "absence") == (
        "Art. 2", "post_vacant", "ground")


def test_minister_designates_anyone_when_the_post_has_no_deputy(records: AgentRecords) -> None:
    open_legation(records, "BRU")
    open_legation(records, "PAR", "Paris", "FR")
    agent(records, "Marie Weber", "envoye", "BRU", head=True)
    outsider = agent(records, "Léon Hoffmann", "conseiller", "PAR")
    designate(records, outsider, "BRU", "minister", "impediment")
    assert refused(records, outsider, "BRU", "head_of_post", "impediment") == (
        "Art. 2", "minister_designates", "designated_by")


def test_head_of_post_designates_only_while_absent_impeded_or_on_leave(
        records: AgentRecords) -> None:
    """Art. 2, first paragraph: "en cas d'absence, d'empêchement ou de congé"."""
    open_legation(records, "BRU")
    head = agent(records, "Marie Weber", "envoye", "BRU", head=True)
    secretary = agent(records, "Paul Reuter", "secretaire", "BRU")
    assert refused(records, secretary, "BRU", "head_of_post", "not_stated") == (
        "Art. 2", "ground_not_stated", "ground")
    assert refused(records, secretary, "BRU", "head_of_post", "leave") == (
        "Art. 2", "head_not_on_leave", "ground")
    assert refused(records, secretary, "BRU", "head_of_post", "vacancy") == (
        "Art. 2", "post_not_vacant", "ground")
    records.handle(GrantLeave(head, on(DAY), end_date=date(1950, 3, 20),
                              granted_by="sovereign"))
    assert refused(records, secretary, "BRU", "head_of_post", "absence") == (
        "Art. 2", "head_on_leave", "ground")
    designate(records, secretary, "BRU", "head_of_post", "leave")
    [charge] = records.get_agent(secretary).state.charges
    assert charge.ground == ChargeGround.LEAVE
