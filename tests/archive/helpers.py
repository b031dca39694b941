"""Helpers of the archive tests: careers to export, reading exports, comparing stores.

Careers are recorded through the application's commands. Their names and free texts are
Luxembourgish, French and German (one in decomposed Unicode, one with a character beyond
the BMP), with the characters CSV and JSON must escape (quotes, commas, newlines).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from agent_records.application import AgentRecords
from agent_records.demo import load_demo
from agent_records.domain.commands import (
    AppointAttache,
    AuthoriseMarriage,
    CorrectEvent,
    EnterFunctions,
    GrantLeave,
    PledgeHonour,
    PostAgent,
    RecordDisciplinaryDecision,
    RecordMarriage,
    ReferToDiscipline,
    RegisterAgent,
    RenewAppointment,
    RequestMarriageAuthorisation,
    SwearOath,
)
from agent_records.readside import VIEWS, named
from projections.engine.runner import Worker
from projections.engine.store import ViewStore
from tests.careers import art6_file, on

NAMES = (
    "Jhemp Kräizbierg-Schëtter",     # Luxembourgish
    "Françoise d'Oultremont-Lœwe",   # French
    "Jürgen Weiß-Großmann",          # German
    "E\u0301milie Mu\u0308ller",     # decomposed (NFD) accents: stored in NFC
    "Léa Ørsted 𝔊raf",              # a character beyond the BMP (4 bytes in UTF-8)
)
RECORDED = tuple(unicodedata.normalize("NFC", name) for name in NAMES)
"""The names as the record holds them: every text is normalised to NFC at the door
(``domain.bounds``); exports then carry exactly these stored bytes."""
SPOUSE = "Zoé Schröder-Ëlwen"
JUSTIFICATION = 'Dispense ministérielle « spéciale », dossier "M-13"'
FACTS = "Correspondance non autorisée,\nvoir Art. 4; «rapport»"
WHY = 'Erreur de saisie: date "fin" mal lue,\r\nvoir arrêté'


@dataclass
class Careers:
    """What was recorded: the people by name, and the versions tests look for."""

    agents: dict[str, UUID] = field(default_factory=dict)
    main: UUID | None = None
    leave_version: int = 0
    correction_version: int = 0
    posting_version: int = 0
    posting_correction_version: int = 0
    spouse_correction_version: int = 0


def record_careers(app: AgentRecords) -> Careers:
    """Demo careers (posts, marriages, discipline, a correction) plus the named people."""
    load_demo(app, 4)
    out = Careers()
    for name in NAMES:
        out.agents[name] = app.handle(RegisterAgent(on("1950-01-02"), full_name=name,
                                                    birth_date=date(1920, 5, 5),
                                                    nationality="LU")).aggregate_id
    aid = out.main = out.agents[NAMES[0]]
    day = date(1950, 3, 1)
    app.handle(AppointAttache(aid, on(day, decision_reference="AGD 1950/Ë"), **art6_file(day)))
    app.handle(PledgeHonour(aid, on(day)))
    app.handle(SwearOath(aid, on(day)))
    app.handle(EnterFunctions(aid, on(day)))
    for _ in range(5):  # one-year terms (Art. 7), renewed to cover the facts below
        app.handle(RenewAppointment(aid, on(day, decision_reference="AGD 1950/R")))
    out.posting_version = app.handle(PostAgent(aid, on(day), kind="abroad",
                                               post_code="PAR")).version
    out.posting_correction_version = app.handle(CorrectEvent(
        aid, on(day, reason="posted to Bonn, not Paris"), corrected_version=out.posting_version,
        changes={"post_code": "BON"})).version
    leave = app.handle(GrantLeave(aid, on("1951-08-01", decision_reference="AM 1951/L"),
                                  end_date=date(1951, 8, 20), travel_days=2))
    out.leave_version = leave.version
    out.correction_version = app.handle(CorrectEvent(
        aid, on("1951-08-01", reason=WHY), corrected_version=leave.version,
        changes={"end_date": date(1951, 8, 17)})).version
    request = app.handle(RequestMarriageAuthorisation(aid, on("1952-04-01"), spouse_name=SPOUSE,
                                                      spouse_nationality="DE",
                                                      intended_date=date(1952, 6, 1)))
    app.handle(AuthoriseMarriage(aid, on("1952-04-20", decision_reference="AM mariage"),
                                 request_version=request.version,
                                 exception_justification=JUSTIFICATION))
    app.handle(RecordMarriage(aid, on("1952-06-01"), spouse_name=SPOUSE, spouse_nationality="DE",
                              request_version=request.version))
    referral = app.handle(ReferToDiscipline(aid, on("1953-01-05"), body="ordinary", facts=FACTS))
    app.handle(RecordDisciplinaryDecision(aid, on("1953-03-01", decision_reference="Conseil 1953"),
                                          referral_version=referral.version, outcome="warning"))
    out.spouse_correction_version = app.handle(CorrectEvent(
        aid, on("1952-04-01", reason="spelling of the spouse's name"),
        corrected_version=request.version, changes={"spouse_name": SPOUSE + "-Weiß"})).version
    return out


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().decode("utf-8").splitlines()]


def check_schema(value: Any, schema: dict[str, Any], where: str = "$") -> None:
    """A small JSON Schema check for the keywords ``event.schema.json`` uses."""
    if "oneOf" in schema:
        matches = 0
        for option in schema["oneOf"]:
            try:
                check_schema(value, option, where)
                matches += 1
            except AssertionError:
                pass
        assert matches == 1, f"{where}: matches {matches} of oneOf"
        return
    kinds = schema.get("type")
    if kinds:
        names = {"string": str, "integer": int, "object": dict, "array": list,
                 "null": type(None), "boolean": bool}
        wanted = [kinds] if isinstance(kinds, str) else kinds
        assert any(isinstance(value, names[k]) and not (k == "integer" and isinstance(
            value, bool)) for k in wanted), f"{where}: {value!r} is not {kinds}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if "pattern" in schema and isinstance(value, str):
        assert re.search(schema["pattern"], value), f"{where}: {value!r} !~ {schema['pattern']}"
    if "minimum" in schema and isinstance(value, int):
        assert value >= schema["minimum"], f"{where}: {value} < {schema['minimum']}"
    if isinstance(value, dict):
        for name in schema.get("required", []):
            assert name in value, f"{where}: missing {name}"
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            extra = set(value) - set(properties)
            assert not extra, f"{where}: unexpected {sorted(extra)}"
        for name, sub in properties.items():
            if name in value:
                check_schema(value[name], sub, f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check_schema(item, schema["items"], f"{where}[{i}]")


def view_checksums(app: AgentRecords) -> dict[str, str]:
    """Every table of every view, rows ordered by key, hashed (same on both backends)."""
    Worker(app, named()).run_once()
    store = ViewStore(app)
    sums = {}
    for view in VIEWS.values():
        for table in view.tables:
            with store.reading() as sql:
                rows = sql.execute(f"SELECT * FROM {store.table(table.name)} ORDER BY "
                                   f"{table.key}").fetchall()
            digest = hashlib.sha256()
            for row in rows:
                values = tuple(row.values()) if isinstance(row, dict) else tuple(row)
                digest.update(repr(values).encode() + b"\n")
            sums[table.name] = f"{len(rows)}:{digest.hexdigest()}"
    return sums


def stored_events(app: AgentRecords) -> list[tuple[Any, ...]]:
    """Every stored event as (position, stream, version, topic, state bytes)."""
    return [(n.id, str(n.originator_id), n.originator_version, n.topic, bytes(n.state))
            for n in app.recorder.select_notifications(1, 1_000_000)]
