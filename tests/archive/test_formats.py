"""JSON Lines and CSV exports, on both backends: content, order, filters, personal data,
corrections, non-ASCII text byte for byte, and the canonical form against RFC 8785."""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import rfc8785

from agent_records.application import AgentRecords
from agent_records.archive import verify_export
from agent_records.archive.export import write_csv, write_jsonl
from agent_records.archive.formats import COLUMNS
from agent_records.archive.records import ExportError, Selection, marker
from agent_records.integrity.chain import GENESIS
from tests.archive.helpers import (
    FACTS,
    JUSTIFICATION,
    NAMES,
    RECORDED,
    SPOUSE,
    WHY,
    Careers,
    check_schema,
    read_jsonl,
    stored_events,
)

EVENTS = "agent_records.domain.events:"


def jsonl(app: AgentRecords, tmp_path: Path, name: str = "events.jsonl", personal: bool = True,
          **selection: Any) -> list[dict[str, Any]]:
    write_jsonl(app, tmp_path / name, Selection(**selection), personal)
    return read_jsonl(tmp_path / name)


def of_type(lines: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [line for line in lines if line["type"] == EVENTS + name]


def test_jsonl_holds_every_event_in_log_order_with_its_seal(
        records: AgentRecords, careers: Careers, tmp_path: Path) -> None:
    summary = write_jsonl(records, tmp_path / "events.jsonl", Selection(), True)
    lines = read_jsonl(tmp_path / "events.jsonl")
    stored = stored_events(records)
    assert [line["position"] for line in lines] == [s[0] for s in stored]
    assert summary.count == summary.head.count == len(stored)
    assert list(lines[0]) == list(COLUMNS)
    schema = json.loads((tmp_path / "event.schema.json").read_text(encoding="utf-8"))
    for line in lines:
        check_schema(line, schema)
    assert lines[0]["previous_hash"] == GENESIS
    for before, line in itertools.pairwise(lines):
        assert line["previous_hash"] == before["hash"]
    assert lines[-1]["hash"] == summary.head.hash == summary.last_hash
    agent = records.get_agent(careers.main)
    mine = {line["version"]: line for line in lines if line["stream_id"] == str(careers.main)}
    for event in agent.events:
        line = mine[event.originator_version]
        assert line["recorded_at"] == event.timestamp.isoformat()
        assert line["effective_date"] == event.effective_date.isoformat()
        assert (line["actor_id"], line["actor_role"], line["legal_basis"],
                line["decision_reference"], line["reason"], line["correlation_id"]) == (
            event.actor_id, event.actor_role, event.legal_basis, event.decision_reference,
            event.reason, event.correlation_id)
        assert set(line["payload"]) == set(event.payload())
    leave = mine[careers.leave_version]
    assert leave["schema_version"] == 2 and leave["payload"]["end_date"] == "1951-08-20"
    assert {line["stream_kind"] for line in lines} == {"agent", "post"}
    assert verify_export.main([str(tmp_path / "events.jsonl")]) == 0


def test_csv_is_the_same_records_flattened(records: AgentRecords, careers: Careers,
                                           tmp_path: Path) -> None:
    lines = jsonl(records, tmp_path)
    write_csv(records, tmp_path / "events.csv", Selection(), True)
    raw = (tmp_path / "events.csv").read_bytes()
    assert raw.startswith(",".join(COLUMNS).encode() + b"\r\n")
    assert not raw.startswith(b"\xef\xbb\xbf")
    with (tmp_path / "events.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(lines)
    for row, line in zip(rows, lines, strict=True):
        for name in COLUMNS:
            value = line[name]
            if name in ("payload", "redacted", "stored"):
                assert json.loads(row[name]) == value
            else:
                assert row[name] == ("" if value is None else str(value))
    assert any(row["reason"] == WHY for row in rows)  # CRLF, quotes and comma survive


def test_personal_data_are_withheld_unless_asked(records: AgentRecords, careers: Careers,
                                                 tmp_path: Path) -> None:
    withheld = jsonl(records, tmp_path, "withheld.jsonl", personal=False)
    raw = (tmp_path / "withheld.jsonl").read_bytes()
    for secret in (SPOUSE, JUSTIFICATION, json.dumps(FACTS, ensure_ascii=False)[1:-1],
                   "Dr Weber"):
        assert secret.encode() not in raw
    expected = {"AgentRegistered": ["birth_date", "nationality", "civil_political_rights",
                                    "domicile_country"],
                "AttacheAppointed": ["aptitude_certificate", "conduct_attestation"],
                "MarriageAuthorisationRequested": ["spouse_name", "spouse_nationality",
                                                  "intended_date"],
                "MarriageAuthorised": ["request_version", "exception_justification"],
                "MarriageRecorded": ["spouse_name", "spouse_nationality", "request_version"],
                "DisciplinaryReferral": ["body", "facts"],
                "DisciplinaryDecision": ["referral_version", "outcome"]}
    mine = [line for line in withheld if line["stream_id"] == str(careers.main)]
    # Stored encrypted (eventstore.sealing): shown as the ciphertext, not withheld, so
    # every line keeps its stored content and the verifier recomputes it.
    for name, fields in expected.items():
        (line,) = of_type(mine, name)
        assert line["redacted"] == [] and line["stored"] is not None
        for field in fields:
            assert set(line["payload"][field]) == {"_sealed"}
    certificate = of_type(mine, "AttacheAppointed")[0]["payload"]["aptitude_certificate"]
    assert certificate["_sealed"]["class"] == "medical"
    (spelling,) = [line for line in mine if line["version"] == careers.spouse_correction_version]
    assert spelling["redacted"] == [] and spelling["stored"] is not None
    assert spelling["payload"]["changes"]["spouse_name"]["_sealed"]["class"] == "marriage"
    assert all(line["stored"] is not None for line in withheld)
    assert verify_export.main([str(tmp_path / "withheld.jsonl")]) == 0
    assert marker("medical") == "[withheld: medical personal data]"  # for clear values
    full = jsonl(records, tmp_path, "full.jsonl", personal=True)
    assert not any(line["redacted"] for line in full)
    assert SPOUSE.encode() in (tmp_path / "full.jsonl").read_bytes()
    assert [line["hash"] for line in full] == [line["hash"] for line in withheld]


def test_a_corrected_event_appears_with_its_correction(records: AgentRecords,
                                                       careers: Careers, tmp_path: Path) -> None:
    lines = jsonl(records, tmp_path, agent=str(careers.main))
    by_version = {line["version"]: line for line in lines}
    leave, fix = by_version[careers.leave_version], by_version[careers.correction_version]
    assert leave["payload"]["end_date"] == "1951-08-20"  # as recorded, not as corrected
    assert fix["type"] == EVENTS + "EventCorrected" and fix["reason"] == WHY
    assert fix["payload"] == {"corrected_version": careers.leave_version,
                              "changes": {"end_date": "1951-08-17"}, "annulled": False}
    assert fix["position"] > leave["position"]


def test_filters_select_and_resume(records: AgentRecords, careers: Careers,
                                   tmp_path: Path) -> None:
    full = jsonl(records, tmp_path)
    agent = jsonl(records, tmp_path, "agent.jsonl", agent=str(careers.main).upper())
    assert {line["stream_id"] for line in agent} == {str(careers.main)}
    assert [line["version"] for line in agent] == list(
        range(1, records.get_agent(careers.main).version + 1))
    paris = jsonl(records, tmp_path, "par.jsonl", post="par")
    mine = {line["version"] for line in paris if line["stream_id"] == str(careers.main)}
    assert mine == {careers.posting_version, careers.posting_correction_version}
    assert any(line["stream_kind"] == "post" and line["payload"].get("code") == "PAR"
               for line in paris)
    bonn = jsonl(records, tmp_path, "bon.jsonl", post="BON")
    assert careers.posting_correction_version in {
        line["version"] for line in bonn if line["stream_id"] == str(careers.main)}
    dated = jsonl(records, tmp_path, "dated.jsonl", effective_from=date(1951, 1, 1),
                  effective_to=date(1952, 12, 31))
    assert dated and all("1951-01-01" <= line["effective_date"] <= "1952-12-31"
                         for line in dated)
    assert len(dated) == sum("1951-01-01" <= line["effective_date"] <= "1952-12-31"
                             for line in full)
    low, high = (datetime.fromisoformat(full[i]["recorded_at"]) for i in (10, 20))
    recorded = jsonl(records, tmp_path, "recorded.jsonl", recorded_from=low, recorded_to=high)
    assert [line["position"] for line in recorded] == [line["position"] for line in full[10:21]]
    resumed = jsonl(records, tmp_path, "resumed.jsonl", since_position=full[29]["position"])
    assert resumed == full[30:]
    with pytest.raises(ExportError):
        Selection(since_position=-1)


def test_non_ascii_text_survives_every_format_byte_for_byte(
        records: AgentRecords, careers: Careers, tmp_path: Path) -> None:
    lines = jsonl(records, tmp_path)
    write_csv(records, tmp_path / "events.csv", Selection(), True)
    files = [(tmp_path / "events.jsonl").read_bytes(), (tmp_path / "events.csv").read_bytes()]
    for name in (*RECORDED, SPOUSE):
        for raw in files:
            assert name.encode("utf-8") in raw
    assert JUSTIFICATION.replace('"', '\\"').encode() in files[0]  # JSON escapes quotes only
    assert NAMES[3] != RECORDED[3]
    assert NAMES[3].encode() not in files[0] + files[1]  # the NFD input was stored in NFC
    names = {line["payload"].get("full_name") for line in lines}
    assert set(RECORDED) <= names
    stored = {s[0]: s[4] for s in stored_events(records)}
    for raw_line in files[0].splitlines():
        position = json.loads(raw_line)["position"]
        assert b',"state":' + stored[position] + b"}}" in raw_line  # the stored bytes as is


def test_standalone_canonical_form_is_rfc8785(records: AgentRecords, careers: Careers,
                                              tmp_path: Path) -> None:
    for line in jsonl(records, tmp_path):
        document = {"position": line["position"], "stream": line["stream_id"],
                    "version": line["version"], "topic": line["stored"]["topic"],
                    "state": line["stored"]["state"], "previous": line["previous_hash"]}
        assert verify_export.canonical(document) == rfc8785.dumps(document)
        assert hashlib.sha256(rfc8785.dumps(document)).hexdigest() == line["hash"]
    astral_keys = {"\U0001d53e": 1, "\ufb01": [{"\U0001f600": None, "\uffff": True}],
                   "z": "𝔊 \u2028 \x01 \"", "é": -(2 ** 52)}
    assert json.dumps(astral_keys, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode() != rfc8785.dumps(astral_keys)
    assert verify_export.canonical(astral_keys) == rfc8785.dumps(astral_keys)
