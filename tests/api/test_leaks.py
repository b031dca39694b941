"""The leak test, generated from the classification: for every personal field of every
event type (``tests/api/leak_career.py``), every role and every interface, a role that
may not read the field's class never receives its values.

Interfaces: the GraphQL types (every personal field of ``API_FIELDS``), ``history``
payloads, corrections of each field (in ``history``), the agents' filters and
orderings, ``/export.jsonl``, the JSONL, CSV and BagIt exports, and the CLI's ``show``.
Each response is searched for the values actually stored (distinctive strings and
dates); fields whose values are not distinctive are checked by their place in the
payloads. One store per backend; the cases covered are counted and printed.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent_records import cli
from agent_records.api.classified import ROOTS
from agent_records.api.schema import build_schema
from agent_records.archive.bag import write_bag
from agent_records.archive.export import write_csv, write_jsonl
from agent_records.archive.records import Selection
from agent_records.bootstrap import open_records
from agent_records.domain.classification import (
    API_FIELDS,
    EVENT_FIELDS,
    PERSONAL,
    DataClass,
    Role,
    personal_fields,
    reads,
)
from tests.api.leak_career import CORRECTED, MARKS, Mark, Marked, record_marked
from tests.api.live import Live, Reply

ROLES = [r.value for r in Role]
CASES: set[tuple[str, str, str, str]] = set()
"""(event type, field, role, interface) cases asserted, for the closing count."""
FIELD_CASES: set[tuple[str, str, str]] = set()
"""(GraphQL type, field, role) cases asserted."""
EXPORTERS = {"council", "archivist"}


@pytest.fixture(scope="module")
def marked(live: Live) -> Iterator[Marked]:
    yield record_marked(live)
    print(f"\nleak test: {len(CASES)} (event type, field, role, interface) cases over "
          f"{len({c[3] for c in CASES})} interfaces, and {len(FIELD_CASES)} (GraphQL type, "
          "field, role) cases")


def no_leak(text: str, role: str, interface: str, marks: tuple[Mark, ...] = MARKS) -> None:
    """No value of a class ``role`` may not read is in ``text``."""
    for mark in marks:
        if reads(role, mark.cls):
            continue
        for value in mark.values:
            assert value not in text, f"{interface}: {role} received {mark.event}." \
                f"{mark.field} ({value})"
        CASES.add((mark.event, mark.field, role, interface))


def shows(text: str, role: str, interface: str, marks: tuple[Mark, ...] = MARKS) -> None:
    """Every stored value of a class ``role`` reads is in ``text`` (the marks are real)."""
    for mark in marks:
        if reads(role, mark.cls) and mark.values:
            assert any(v in text for v in mark.values), f"{interface}: {role} misses {mark}"
            CASES.add((mark.event, mark.field, role, interface))


def test_every_personal_field_has_a_mark() -> None:
    """The marks follow the classification: a new personal field needs one here."""
    marked_fields = {(m.event, m.field): m.cls for m in MARKS}
    classified = {(cls.__name__, name): c for cls in EVENT_FIELDS
                  for name, c in personal_fields(cls).items()}
    assert marked_fields == classified


def test_every_graphql_field_has_a_class() -> None:
    """Every field of every object type the schema serves is classified (roots aside)."""
    schema = build_schema()._schema
    missing = [f"{t.name}.{f}" for t in schema.type_map.values()
               if hasattr(t, "fields") and not t.name.startswith("__")
               and t.name not in ROOTS and not hasattr(t, "of_type")
               and type(t).__name__ == "GraphQLObjectType"
               for f in t.fields if f not in API_FIELDS.get(t.name, {})]
    assert missing == [], "classify them in domain/classification/read_models.py"


AGENT = """id fullName status birthDate sixtyFifthBirthday serviceLimit
  aptitudeCertificate { doctor doctorDesignatedByMinister issuedOn }
  marriage { marriedTo requests { version spouseName spouseNationality requestedOn decision
    decidedOn } }
  disciplinaryRecord { version body referredOn outcome decidedOn }
  breaches { version code article onDate message } asOf { fullName status }"""
TYPES = f"""query($a: ID!, $p: ID!) {{ a: agent(id: $a) {{ {AGENT} }}
  p: agent(id: $p) {{ {AGENT} }}
  agents(first: 10) {{ totalCount edges {{ node {{ id birthDate serviceLimit }} }} }}
  post(code: "LKP") {{ roster(on: "1950-01-01") {{ grade agent {{ fullName birthDate }} }} }}
}}"""
NESTED = {"AptitudeCertificate": "aptitudeCertificate", "Marriage": "marriage",
          "MarriageRequest": "marriage", "Referral": "disciplinaryRecord",
          "Breach": "breaches"}
"""Where a personal type hangs from ``Agent``: refused there, it is never resolved."""


@pytest.mark.parametrize("role", ROLES)
def test_graphql_types(live: Live, marked: Marked, role: str) -> None:
    reply = live.query(TYPES, {"a": marked.attache, "p": marked.personality}, role=role)
    no_leak(reply.text, role, "graphql types")
    refused = {tuple(e["path"]) for e in reply.errors}
    assert all(e["extensions"]["code"] == "FORBIDDEN" for e in reply.errors), reply.text
    for type_name, fields in API_FIELDS.items():
        for name, cls in fields.items():
            if cls not in PERSONAL or type_name not in ("Agent", *NESTED):
                continue
            top = name if type_name == "Agent" else NESTED[type_name]
            value = reply.json["data"]["a"][top]
            if reads(role, cls):
                assert value is not None and ("a", top) not in refused, (type_name, name)
            else:
                assert value is None and ("a", top) in refused, (type_name, name)
            FIELD_CASES.add((type_name, name, role))
    forbidden = [e for e in reply.errors if e["path"] == ["a", "birthDate"]]
    assert (not forbidden) == reads(role, DataClass.IDENTITY)
    if forbidden:
        assert forbidden[0]["message"] == \
            "your role may not read or do this: birthDate (identity data)"


HISTORY = """query($id: ID!) { agent(id: $id) { history(first: 100) { edges { node {
  version type corrects payload } } } } }"""


def history(live: Live, agent: str, role: str) -> Reply:
    return live.query(HISTORY, {"id": agent}, role=role)


@pytest.mark.parametrize("role", ROLES)
def test_history_payloads_and_corrections(live: Live, marked: Marked, role: str) -> None:
    """The first defect: a correction's changes have the class of the corrected field."""
    texts = []
    for agent in (marked.attache, marked.personality):
        reply = history(live, agent, role)
        texts.append(reply.text)
        nodes = [e["node"] for e in reply.json["data"]["agent"]["history"]["edges"]]
        types = {n["version"]: n["type"] for n in nodes}
        refused = {e["path"][3] for e in reply.errors if e["path"][-1] == "payload"}
        assert {e["extensions"]["code"] for e in reply.errors} <= {"FORBIDDEN"}
        for i, node in enumerate(nodes):
            payload = node["payload"]
            if node["type"] == "EventCorrected":
                fields, event = payload and payload["changes"], types[node["corrects"]]
                interface = "correction in history"
            else:
                fields, event, interface = payload, node["type"], "history payload"
            assert (i in refused) == (payload is None), node
            if payload is None:
                assert role != "council", "the council reads every class"
                continue
            for mark in MARKS:
                if mark.event == event and not reads(role, mark.cls):
                    assert (fields or {}).get(mark.field) is None, (node, mark)
                    CASES.add((mark.event, mark.field, role, interface))
    corrected = tuple(m for m in MARKS if m.field in CORRECTED.get(m.event, {}))
    no_leak(texts[0], role, "correction in history", corrected)
    no_leak("".join(texts), role, "history payload")
    whole = tuple(m for m in MARKS if all(  # a payload is shown whole or not at all
        reads(role, c) for c in personal_fields(_event_class(m.event)).values()))
    shows("".join(texts), role, "history payload", whole)


def _event_class(name: str) -> type:
    return next(cls for cls in EVENT_FIELDS if cls.__name__ == name)


FILTERS = {"reaching65Before": "1990-01-01", "renewalDueBefore": "1990-01-01",
           "onLeaveOn": "1950-01-01", "grade": "ATTACHE", "status": "SUSPENDED",
           "postCode": "LKP", "eligibleForPromotion": False}
FILTER_CLASSES = {"reaching65Before": DataClass.IDENTITY}
ORDERS = {"SIXTY_FIFTH_BIRTHDAY": DataClass.IDENTITY, "FULL_NAME": DataClass.CAREER,
          "GRADE": DataClass.CAREER, "STATUS": DataClass.CAREER,
          "NEXT_RENEWAL_DUE": DataClass.CAREER}
AGENTS = """query($f: AgentFilter, $o: AgentOrder) { agents(filter: $f, orderBy: $o) {
  totalCount edges { node { id fullName } } } }"""


@pytest.mark.parametrize("role", ROLES)
def test_filters_and_orderings(live: Live, marked: Marked, role: str) -> None:
    """The second defect: a filter or an ordering on a class the role may not read is
    refused, naming it (never a silent empty answer, which a bisection also reads)."""
    for name, value in FILTERS.items():
        cls = FILTER_CLASSES.get(name, DataClass.CAREER)
        answers = [live.query(AGENTS, {"f": {name: v}}, role=role)
                   for v in (value, "1921-01-01")[:2 if name == "reaching65Before" else 1]]
        for reply in answers:
            _check_refusal(reply, role, cls, f"filter {name}")
        if cls in PERSONAL:
            CASES.add(("AgentRegistered", "birth_date", role, "filter"))
    for order, cls in ORDERS.items():
        reply = live.query(AGENTS, {"o": {"field": order}}, role=role)
        _check_refusal(reply, role, cls, f"orderBy {order}")
        if cls in PERSONAL:
            CASES.add(("AgentRegistered", "birth_date", role, "ordering"))


def _check_refusal(reply: Reply, role: str, cls: DataClass, what: str) -> None:
    if reads(role, cls):
        assert not reply.errors, reply.text
        assert reply.json["data"]["agents"]["totalCount"] >= 0
        return
    assert reply.json["data"] is None and reply.codes() == ["FORBIDDEN"], reply.text
    assert reply.errors[0]["message"] == f"your role may not read or do this: {what} " \
        f"({cls} data)"


def exported_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line]


def withheld_in(lines: list[dict[str, Any]], who: str, interface: str) -> None:
    """Every personal value of the marked events is a marker in the lines, or its
    ciphertext (sealed: the line keeps ``stored``; ``no_leak`` checks the clear values
    are nowhere in the text)."""
    seen = set()
    for line in lines:
        event = line["type"].rsplit(":", 1)[1]
        payload = line["payload"]
        fields = payload.get("changes", {}) if event == "EventCorrected" else payload
        for mark in MARKS:
            if mark.event == event or (event == "EventCorrected" and mark.field in fields):
                value = fields.get(mark.field)
                if isinstance(value, dict) and set(value) == {"_sealed"}:
                    assert value["_sealed"]["class"] == mark.cls, (line, mark)
                    seen.add((mark.event, mark.field))
                    continue
                assert value is None or str(value).startswith("[withheld: "), (line, mark)
                if value is not None:
                    assert line["stored"] is None and mark.field in " ".join(line["redacted"])
                    seen.add((mark.event, mark.field))
    for event, field in seen:
        CASES.add((event, field, who, interface))


@pytest.mark.parametrize("role", ROLES)
def test_http_export(live: Live, marked: Marked, role: str) -> None:
    """The third defect: an export without personal data holds no identity either."""
    reply = live.request("GET", "/export.jsonl", role=role)
    if role not in EXPORTERS:
        assert reply.status == 403
        return
    assert reply.status == 200
    for mark in MARKS:  # withheld for every role: the archive gets no personal data
        for value in mark.values:
            assert value not in reply.text, (role, mark, value)
        CASES.add((mark.event, mark.field, role, "/export.jsonl"))
    withheld_in(exported_lines(reply.text), role, "/export.jsonl")
    full = live.request("GET", "/export.jsonl?include_personal_data=true", role=role)
    if role == "council":
        assert full.status == 200
        shows(full.text, role, "/export.jsonl with personal data")
    else:
        assert full.status == 403


@pytest.fixture(scope="module")
def exports(backend_store: str, marked: Marked, tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, Path]:
    """The JSONL, CSV and BagIt exports without personal data, made by the operator."""
    out = tmp_path_factory.mktemp("exports")
    app = open_records(backend_store)
    try:
        write_jsonl(app, out / "events.jsonl", Selection(), personal=False)
        write_csv(app, out / "events.csv", Selection(), personal=False)
        write_bag(app, out / "bag", Selection(), personal=False)
    finally:
        app.close()
    return {"jsonl": out / "events.jsonl", "csv": out / "events.csv", "bag": out / "bag"}


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "bag"])
def test_file_exports(exports: dict[str, Path], fmt: str) -> None:
    """What the archivist receives: every personal class withheld, in every file."""
    path = exports[fmt]
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    assert files
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in files)
    no_leak(text, "archivist", fmt)
    if fmt == "jsonl":
        withheld_in(exported_lines(text), "archivist", fmt)


@pytest.mark.parametrize("role", ROLES)
def test_cli_show(backend_store: str, marked: Marked, role: str) -> None:
    out = io.StringIO()
    for agent in (marked.attache, marked.personality):
        with contextlib.redirect_stdout(out):
            assert cli.main(["--store", backend_store, "show", agent, "--role", role]) == 0
    no_leak(out.getvalue(), role, "cli show")
    shows(out.getvalue(), role, "cli show", tuple(
        m for m in MARKS if m.field != "birth_date"))
    if not reads(role, DataClass.DISCIPLINE):
        assert "breaches" not in out.getvalue()
