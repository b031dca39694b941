"""Kept answers (``api.answers``) equal fresh ones, whatever was recorded in between.

Two services on one store: ``live`` keeps answers (the default) and projects inline;
``fresh`` keeps none (``AGENT_RECORDS_ANSWER_CACHE=0``) and only reads the views ``live``
writes. Hypothesis runs sequences of mutations (through ``live``) and documented
queries, each sent by a random role, three times to ``live`` (the first one not kept,
as every question's first time, the second one kept, the third a kept answer) and once
to ``fresh``: the four answers are identical (the kept ones byte for byte), refused
fields and their FORBIDDEN errors included.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.career import POST, Career, identity
from tests.api.conftest import TODAY
from tests.api.live import Live, serve

ROLES = ["hr_clerk", "hr_officer", "council", "archivist", "auditor"]
WHO = ["attache", "envoy", "junior", "lapsed", "resigned", "personality", "official"]
days = st.dates(date(1948, 1, 1), date(1956, 12, 31)).map(date.isoformat)


@pytest.fixture(scope="module")
def fresh(live: Live, backend_store: str, token_file: tuple[Path, dict[str, str]],
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A service on ``live``'s store that keeps no answer and projects nothing."""
    path, tokens = token_file
    with serve(backend_store, tmp_path_factory.mktemp("fresh"), path, tokens,
               AGENT_RECORDS_TODAY=TODAY, AGENT_RECORDS_ANSWER_CACHE="0",
               AGENT_RECORDS_PROJECTIONS="external") as server:
        yield server


def query(draw: st.DrawFn, ids: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """A documented query with variables naming the reference careers."""
    agent = ids[draw(st.sampled_from(WHO))]
    return draw(st.sampled_from([
        ("AgentCareer", {"id": agent, "first": draw(st.integers(1, 60))}),
        ("RecordAsOf", {"id": agent, "validAt": draw(days)}),
        ("DisciplinaryFile", {"id": agent}),
        ("LeaveBalance", {"agentId": agent, "year": draw(st.integers(1948, 1956))}),
        ("Agents", {}),
        ("AgentsEligibleForPromotion", {}),
        ("PostRoster", {"code": POST, "on": draw(days)}),
        ("PostRosterPage", {"code": POST, "on": draw(days), "first": 2}),
        ("Posts", {}),
        ("AuditTrail", {"first": draw(st.integers(1, 60))}),
        ("AuditTrailByAgent", {"agentId": agent}),
        ("RenewalsDue", {"before": draw(days)}),
        ("DueBetween", {"from": "1948-01-01", "to": draw(days)}),
    ]))


def mutation(draw: st.DrawFn, ids: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """A mutation that may be stored or refused by the rules (then nothing is stored)."""
    agent, day = ids[draw(st.sampled_from(WHO))], draw(days)
    return draw(st.sampled_from([
        ("RecordAbsence", {"agentId": agent, "effectiveDate": day, "endDate": day,
                           "reason": "absent"}),
        ("GrantLeave", {"agentId": agent, "effectiveDate": day, "endDate": day,
                        "kind": "ANNUAL", "travelDays": 0, "grantedBy": "MINISTER"}),
        ("RegisterAgent", identity("Léon Hoffmann", "1921-01-01")),
    ]))


@st.composite
def steps(draw: st.DrawFn, ids: dict[str, str]) -> list[tuple[bool, str, str, dict]]:
    """(is a mutation, role, operation, variables) ...: a few queries asked again and
    again, by several roles, between mutations (so that a kept answer is asked for
    after the state it was kept at has changed)."""
    asked = [query(draw, ids) for _ in range(draw(st.integers(1, 3)))]
    out = []
    for _ in range(draw(st.integers(2, 8))):
        write = draw(st.booleans())
        name, variables = mutation(draw, ids) if write else draw(st.sampled_from(asked))
        role = "hr_officer" if write else draw(st.sampled_from(ROLES))
        out.append((write, role, name, {"input": variables} if write else variables))
    return out


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_kept_answers_equal_fresh_ones(live: Live, fresh: Live, career: Career,
                                       data: st.DataObject) -> None:
    for write, role, name, variables in data.draw(steps(career.ids)):
        if write:
            live.op(name, variables, role=role, by_id=True)
            continue
        first = live.op(name, variables, role=role, by_id=True)
        again = live.op(name, variables, role=role, by_id=True)
        kept = live.op(name, variables, role=role, by_id=True)
        expected = fresh.op(name, variables, role=role, by_id=True)
        assert first.json == expected.json, (name, role, variables)
        assert again.json == expected.json, (name, role, variables)
        assert kept.json == expected.json, (name, role, variables)
        assert again.text == expected.text  # the body encoded as it was kept
        assert kept.text == expected.text  # the kept body, byte for byte


def test_refusals_are_kept_per_role(live: Live, fresh: Live, career: Career) -> None:
    """The auditor's refused fields answer the same FORBIDDEN errors from a kept answer,
    logged again, and the council's kept answer is not the auditor's (an answer is kept
    from a question's second time on, served from the third)."""
    for role in ("auditor", "council", "auditor", "council", "auditor"):
        refusals = live.log().count("refused (FORBIDDEN, role auditor)")
        kept = live.op("DisciplinaryFile", {"id": career.envoy}, role=role, by_id=True)
        assert kept.json == fresh.op("DisciplinaryFile", {"id": career.envoy}, role=role,
                                     by_id=True).json
        assert ("FORBIDDEN" in kept.codes()) == (role == "auditor")
        if role == "auditor":  # each refusal logged, the kept one too
            assert live.log().count("refused (FORBIDDEN, role auditor)") == \
                refusals + kept.codes().count("FORBIDDEN")


def test_a_mutation_is_seen_at_once(live: Live, career: Career) -> None:
    """After a stored mutation (inline projections), the kept career is not served."""
    before = live.op("AgentCareer", {"id": career.attache}, by_id=True).json
    live.record("RecordAbsence", {"agentId": career.attache, "effectiveDate": "1957-03-04",
                                  "endDate": "1957-03-05", "reason": "absent"})
    after = live.op("AgentCareer", {"id": career.attache}, by_id=True).json
    assert after["data"]["agent"]["version"] == before["data"]["agent"]["version"] + 1
    assert after["data"]["agent"]["history"]["totalCount"] == \
        before["data"]["agent"]["history"]["totalCount"] + 1
