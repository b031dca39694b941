"""The live service fuzzed over HTTP with requests generated from its own schema.

``hypothesis-graphql`` writes queries and mutations from ``graphql/schema.graphql``, with
any characters in strings (NUL included), any 32-bit integer, dates across and beyond the
bounds a record allows, and correction ``changes`` with such values. Sent by a recording
role (``hr_officer``) so that mutations store events. Whatever the request:

- the answer is never a server error (no HTTP 500, no error coded ``INTERNAL``);
  a request the GraphQL layer refuses answers 200 or 400;
- a mutation that was refused (every root field answered ``userErrors`` or an error)
  records nothing: the store's head does not move;
- no view stops: ``/readyz`` stays ready and every view reaches the head.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date
from typing import Any

import graphql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from tests.api.career import Career
from tests.api.live import ROOT, Live, Reply
from tests.projections.helpers import wait_for

SCHEMA = (ROOT / "graphql" / "schema.graphql").read_text()
EXAMPLES = 60
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))

dates = st.one_of(st.dates(date(1890, 1, 1), date(2040, 12, 31)), st.dates(),
                  st.sampled_from([date(9999, 12, 31), date(1, 1, 1), date(1899, 12, 31)]))
valid_dates = dates.map(lambda d: nodes.String(d.isoformat()))
date_nodes = st.one_of(valid_dates, valid_dates, valid_dates,
                       st.sampled_from(["", "1948-02-30", "not a date"]).map(nodes.String))
around_1948 = st.dates(date(1900, 1, 1), date(1960, 12, 31)).map(
    lambda d: nodes.String(d.isoformat()))
values = st.one_of(st.text(max_size=30), st.integers(-(2**40), 2**40), st.none(),
                   dates.map(date.isoformat))
FIELDS = ["full_name", "birth_date", "effective_date", "nationality", "end_date",
          "spouse_name", "prior_public_service_days", "travel_days", "decision_reference",
          "title", "unknown"]


def value_node(value: Any) -> graphql.ValueNode:
    if value is None:
        return nodes.Null
    return nodes.Int(value) if isinstance(value, int) else nodes.String(value)


json_nodes = st.dictionaries(st.sampled_from(FIELDS), values, max_size=3).map(
    lambda d: nodes.Object([graphql.ObjectFieldNode(name=graphql.NameNode(value=k),
                                                    value=value_node(v))
                            for k, v in d.items()]))
SCALARS = {
    "Date": date_nodes,
    "DateTime": st.datetimes(timezones=st.just(UTC)).map(lambda t: nodes.String(t.isoformat())),
    "JSON": json_nodes,
}


def receipts(document: graphql.DocumentNode) -> str:
    """The mutation's first root field with ``fuzzId`` and ``fuzzErrors`` selected, so
    that the answer says whether it stored an event, whatever else it selects."""
    probe = graphql.parse("{ x { fuzzId: id fuzzErrors: userErrors { code } } }")
    extra = probe.definitions[0].selection_set.selections[0].selection_set.selections
    def more(field: Any) -> Any:
        chosen = replace(field.selection_set, selections=(*field.selection_set.selections,
                                                          *extra))
        return replace(field, selection_set=chosen)

    # One root field per mutation: when a later root field fails on a non-null payload,
    # ``data`` is null as a whole and would hide that an earlier one was stored.
    operations = [replace(op, selection_set=replace(op.selection_set, selections=(
        more(op.selection_set.selections[0]),))) for op in document.definitions]
    return graphql.print_ast(replace(document, definitions=tuple(operations)))


class Printable(graphql.Visitor):
    """Strings without control characters (and not blank), so that more is stored."""

    def enter_string_value(self, node: graphql.StringValueNode, *_: Any) -> Any:
        return replace(node, value=re.sub(r"[\x00-\x1f\x7f-\x9f]", "", node.value) or "x")


def printable_receipts(document: graphql.DocumentNode) -> str:
    return receipts(graphql.visit(document, Printable()))


class OnRecord(graphql.Visitor):
    """Every ``agentId`` names one of the reference careers' agents (drawn by the test),
    so that the fuzzed commands reach the decree's rules instead of ``not_found``."""

    def __init__(self, ids: list[str], draw: Any) -> None:
        super().__init__()
        self.ids, self.draw = ids, draw

    def enter_object_field(self, node: graphql.ObjectFieldNode, *_: Any) -> Any:
        if node.name.value == "agentId":
            return replace(node, value=nodes.String(self.draw(st.sampled_from(self.ids))))
        return None


def refused(reply: Reply) -> bool:
    """True when no root field of the mutation stored anything."""
    data = reply.json.get("data") if reply.status == 200 else None
    return not data or all(p is None or p["fuzzErrors"] or p["fuzzId"] is None
                           for p in data.values())


def sound(reply: Reply) -> None:
    """Not a server error: 200 or 400, JSON, no INTERNAL error."""
    assert reply.status in (200, 400), (reply.status, reply.text[:500])
    assert "INTERNAL" not in reply.codes(), reply.text[:500]


def views_at_head(live: Live) -> None:
    assert live.request("GET", "/readyz").status == 200

    def caught_up() -> bool:
        status = live.op("ProjectionStatus").json["data"]["projectionStatus"]
        return all(s["lag"] == 0 for s in status)
    wait_for(caught_up, 10, "every view to reach the head")


def test_fuzzed_queries(live: Live, career: Career) -> None:
    @FUZZ
    @given(queries(SCHEMA, custom_scalars=SCALARS, codec=None))
    def fuzz(query: str) -> None:
        sound(live.post({"query": query}, role="council"))

    fuzz()
    views_at_head(live)


def send(live: Live, mutation: str) -> str:
    """Sends a fuzzed mutation as HR: a sound answer, nothing recorded when refused, no
    view stopped; whether it was ``stored`` or ``refused``."""
    head = live.head()
    reply = live.post({"query": mutation}, role="hr_officer")
    sound(reply)
    outcome = "refused" if refused(reply) else "stored"
    if outcome == "refused":
        assert live.head() == head, reply.text[:500]
    assert live.request("GET", "/readyz").status == 200, "a view stopped"
    return outcome


def test_fuzzed_mutations(live: Live, career: Career) -> None:
    seen: dict[str, int] = {"stored": 0, "refused": 0}

    @FUZZ
    @given(mutations(SCHEMA, custom_scalars=SCALARS, codec=None, print_ast=receipts))
    def fuzz(mutation: str) -> None:
        seen[send(live, mutation)] += 1

    fuzz()
    views_at_head(live)
    print(f"fuzzed mutations: {seen}")
    assert seen["refused"] > 0


def test_fuzzed_commands_on_record(live: Live, career: Career) -> None:
    """Mutations on the reference careers' agents: refused ones record nothing, and the
    accepted ones (stored events with fuzzed values) never stop a view."""
    seen: dict[str, int] = {"stored": 0, "refused": 0}
    ids = sorted(career.ids.values())

    @FUZZ
    @given(st.data())
    def fuzz(data: st.DataObject) -> None:
        document = data.draw(mutations(SCHEMA, custom_scalars=SCALARS, print_ast=lambda d: d,
                                       codec=None))
        mutation = receipts(graphql.visit(document, OnRecord(ids, data.draw)))
        seen[send(live, mutation)] += 1

    fuzz()
    views_at_head(live)
    print(f"fuzzed commands on record: {seen}")
    assert seen["refused"] > 0


def test_fuzzed_openings_and_registrations(live: Live) -> None:
    """The commands that need no existing id, with printable strings: some are stored."""
    stored = []

    @settings(FUZZ, max_examples=30)
    @given(mutations(SCHEMA, fields=["registerAgent", "openPost"], print_ast=printable_receipts,
                     custom_scalars={**SCALARS, "Date": around_1948}))
    def fuzz(mutation: str) -> None:
        head = live.head()
        reply = live.post({"query": mutation}, role="hr_officer")
        sound(reply)
        if refused(reply):
            assert live.head() == head, reply.text[:500]
        else:
            stored.append(reply.json["data"])

    fuzz()
    views_at_head(live)
    print(f"fuzzed openings and registrations: {len(stored)} stored")
    assert stored
