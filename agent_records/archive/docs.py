"""The documents of a bag for the archivist: data dictionary, README and PREMIS metadata.

The data dictionary is generated from the event classes themselves, so it cannot drift
from what is stored: every event type with its topic, article, schema version, purpose
(its docstring) and fields with their types and whether they are personal data.
"""

from __future__ import annotations

import dataclasses
import types
import typing
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime
from enum import Enum
from typing import Any

from eventsourcing.utils import get_topic

from agent_records.archive.formats import COLUMNS
from agent_records.archive.records import marker
from agent_records.domain import events as ev
from agent_records.domain.classification import personal_fields
from agent_records.domain.coercion import field_types

SOFTWARE = "agent-records 0.1.0"

MEMBERS: dict[str, str] = {
    "position": "Position of the event in the global log of the record (all agents and "
                "posts). Increases with the order in which events were committed; numbers "
                "may be skipped (a refused write can use one up), never reused.",
    "stream_id": "Id (UUID) of the agent or post the event belongs to.",
    "stream_kind": "`agent` (a person on record) or `post` (a legation or other post).",
    "version": "Number of the event within its stream, from 1, without gaps.",
    "type": "Stored topic of the event: `module:Class`; see the event types below.",
    "schema_version": "Version of the event's shape (class_version; 1 when absent).",
    "effective_date": "Date from which the fact takes effect (valid time, ISO 8601).",
    "recorded_at": "Instant the service recorded the event (UTC, ISO 8601): transaction "
                   "time, stamped by the service, never by the client.",
    "actor_id": "Who recorded the event (the user or token id).",
    "actor_role": "That actor's role (hr_clerk, hr_officer, council, ...).",
    "legal_basis": "Article of the decree of 28 May 1948 the fact rests on.",
    "decision_reference": "Reference of the decision (arrêté, deliberation), or null.",
    "reason": "Free-text reason given when recording (may be empty).",
    "correlation_id": "Id of the request that recorded the event; events recorded by one "
                      "command share it.",
    "payload": "The event's own fields, as stored (dates as ISO text, value objects as "
               "objects); a withheld personal value is replaced by a marker such as "
               f"`{marker('medical')}`.",
    "redacted": "Payload fields whose values were withheld (personal data); `changes.X` is "
                "field X of a correction's changes. Empty when nothing was withheld.",
    "hash": "SHA-256 (hex) of the canonical form of the stored event and previous_hash: the "
            "event's link in the hash chain.",
    "previous_hash": "Hash of the event before it in the global log (64 zeros for the "
                     "first event).",
    "stored": "Exactly what the chain hashed besides position, stream, version and "
              "previous hash: `{topic, state}`, state being the stored JSON of the event "
              "with the store's type envelopes (`{\"_type_\": \"date_iso\", \"_data_\": "
              "...}`). Null when personal data were withheld from the line.",
}


def type_name(tp: Any) -> str:
    """A field's type in words an archivist can read."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [type_name(a) for a in typing.get_args(tp) if a is not type(None)]
        return " or ".join(inner) + ", or null"
    if origin is tuple:
        return f"list of {type_name(typing.get_args(tp)[0])}"
    if origin is dict:
        return "object (field name: new value)"
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "one of " + ", ".join(f"`{m.value}`" for m in tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        fields = ", ".join(f.name for f in dataclasses.fields(tp))
        return f"object {tp.__name__} ({fields})"
    return {str: "text", int: "integer", bool: "true/false", date: "date (YYYY-MM-DD)",
            datetime: "instant (ISO 8601)"}.get(tp, getattr(tp, "__name__", str(tp)))


def event_classes() -> Iterator[type]:
    """Every event class of the record, once, in declaration order."""
    seen: list[type] = []
    stack = list(reversed(ev.CareerEvent.__subclasses__()))
    while stack:
        cls = stack.pop()
        if cls not in seen:
            seen.append(cls)
            yield cls
            stack.extend(reversed(cls.__subclasses__()))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def data_dictionary() -> str:
    """``data-dictionary.md``: the members of a line, then every event type's fields."""
    out = ["# Data dictionary of the agent-records export", "",
           "One line of `events.jsonl` (one row of `events.csv`) is one stored event. "
           "`event.schema.json` is the JSON Schema of a line.", "",
           "## Members of a line", "", "| member | meaning |", "|---|---|"]
    out += [f"| `{name}` | {_cell(MEMBERS[name])} |" for name in COLUMNS]
    out += ["", "## Event types", "",
            "Fields of each event's `payload`. Personal data are withheld unless the export "
            "says personal data are included (bag-info.txt, Agent-Records-Personal-Data).", ""]
    import agent_records.domain.post  # noqa: F401  (registers the post events)

    for cls in event_classes():
        doc = (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        out += [f"### {cls.__name__}", "", f"- type: `{get_topic(cls)}`",
                f"- article: {getattr(cls, 'ARTICLE', '') or 'none'}",
                f"- schema version: {getattr(cls, 'class_version', 1)}", f"- {doc}", ""]
        hints = field_types(cls)
        names = [f.name for f in dataclasses.fields(cls) if f.name not in ev.METADATA_FIELDS]
        if names:
            out += ["| field | type | personal data |", "|---|---|---|"]
            personal = personal_fields(cls)
            out += [f"| `{n}` | {_cell(type_name(hints[n]))} | {personal.get(n, '')} |"
                    for n in names]
        else:
            out.append("No fields of its own: the fact and its metadata are the record.")
        out.append("")
    return "\n".join(out)


def readme(info: dict[str, str]) -> str:
    """``README.txt``: what the archivist received and how to check it."""
    personal = info["Agent-Records-Personal-Data"]
    return f"""EXPORT OF THE CAREER RECORDS OF DIPLOMATIC AGENTS
(Arrêté grand-ducal du 28 mai 1948)

Source:      {info["Source-Organization"]}
Identifier:  {info["External-Identifier"]}
Made on:     {info["Bagging-Date"]} by {SOFTWARE}
Selection:   {info["Agent-Records-Selection"]}
Events:      {info["Agent-Records-Event-Count"]} (log positions {
        info["Agent-Records-Position-Range"]})
Log head:    position {info["Agent-Records-Head-Position"]}, hash
             {info["Agent-Records-Head-Hash"]}
Personal data: {personal}

WHAT THIS IS
This folder is a BagIt bag (RFC 8493). The record is kept as an append-only log of
events: every fact of a career (registration, appointment, oath, posting, leave,
promotion, marriage authorisation, discipline, retirement, and every correction) is
one event, never changed or deleted afterwards; a correction is a later event that
names the event it corrects. Each event is linked to the one before it by a SHA-256
hash chain, and the head of the chain is signed (Ed25519) in checkpoint.txt.

FILES (data/)
  events.jsonl        the events, one JSON object per line, in log order (authoritative)
  events.csv          the same, as CSV (RFC 4180, UTF-8, comma, CRLF, header row)
  event.schema.json   JSON Schema (2020-12) of one line of events.jsonl
  data-dictionary.md  meaning of every member and of every event type and field
  ledger.csv          position, hash and previous hash of EVERY event of the log up to
                      the head, so that a filtered or redacted export can still be tied
                      to the signed checkpoint
  checkpoint.txt      the latest signed checkpoint (C2SP tlog-checkpoint signed note):
                      number of events, RFC 6962 Merkle root, position and chain head
  verifier.key        the public key that signed it (publish/keep it separately too)
  verify_export.py    a standalone checker: Python 3.8+ and the `cryptography` package
metadata/premis.xml   PREMIS 3 preservation events: creation, message digest calculation
manifest-sha256.txt, manifest-sha512.txt, tagmanifest-*.txt: fixity of every file

HOW TO CHECK IT
1. Fixity:  python3 -m bagit --validate <this folder>   (Library of Congress bagit)
2. Content: python3 data/verify_export.py               (or: ... verify_export.py <folder>)
   It recomputes the hash of every line that carries its stored content, checks that
   the readable members say the same as that content, that every line's hash is the
   ledger's at its position, that the ledger chain links from the first event, that the
   Merkle root of the first N events equals the signed root, and the signature.
   It prints OK, or FAILED with the line and position of the first problem.

HOW THE HASH IS COMPUTED
hash = SHA-256 of the RFC 8785 (JSON Canonicalization Scheme) serialisation of
  {{"position": P, "stream": stream_id, "version": V, "topic": stored.topic,
    "state": stored.state, "previous": previous_hash}}
previous_hash of the first event is 64 zeros. The Merkle tree is RFC 6962's over the
32-byte event hashes in log order.

PERSONAL DATA
Identity (birth date, nationality, civil rights, domicile, conduct attestation),
medical (aptitude certificate), marriage (requests, spouses) and disciplinary
(referrals, facts, outcomes) values are withheld unless this export says they are
included: data-dictionary.md gives each field's class. A withheld value is replaced
by a marker such as "{marker('medical')}", and the line lists it in "redacted".
The hash still covers the full stored event: such a line carries no "stored"
member, so its content cannot be recomputed from this export; its hash is still
checked against the ledger and the signed Merkle root, so its place in the record is
proven. Only the complete export
(with personal data) lets every line be recomputed.

IMPORTING IT BACK
  agent-records import <this folder>     (into an empty store; needs personal data)
"""


PREMIS = "http://www.loc.gov/premis/v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
EVENT_TYPES = {"creation": "cre", "message digest calculation": "mes"}


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{PREMIS}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _identifier(parent: ET.Element, prefix: str, id_type: str, value: str) -> None:
    """``<{prefix}Identifier>`` with its type and value (object, event, agent)."""
    ident = _sub(parent, f"{prefix}Identifier")
    _sub(ident, f"{prefix}IdentifierType", id_type)
    _sub(ident, f"{prefix}IdentifierValue", value)


def premis(files: list[dict[str, Any]], info: dict[str, str], created: datetime,
           digested: datetime) -> bytes:
    """``metadata/premis.xml``: the files with their fixity, the export's events, agents.

    ``files`` holds ``path``, ``size``, ``sha256``, ``sha512`` and ``format`` per file.
    """
    ET.register_namespace("premis", PREMIS)
    ET.register_namespace("xsi", XSI)
    root = ET.Element(f"{{{PREMIS}}}premis", {
        "version": "3.0",
        f"{{{XSI}}}schemaLocation": f"{PREMIS} https://www.loc.gov/standards/premis/v3/"
                                    "premis.xsd"})
    for f in files:
        obj = _sub(root, "object", **{f"{{{XSI}}}type": "premis:file"})
        _identifier(obj, "object", "local", f["path"])
        chars = _sub(obj, "objectCharacteristics")
        _sub(chars, "compositionLevel", "0")
        for algorithm in ("SHA-256", "SHA-512"):
            fixity = _sub(chars, "fixity")
            _sub(fixity, "messageDigestAlgorithm", algorithm,
                 authority="cryptographicHashFunctions",
                 authorityURI="http://id.loc.gov/vocabulary/preservation/"
                              "cryptographicHashFunctions")
            _sub(fixity, "messageDigest", f[algorithm.replace("-", "").lower()])
            _sub(fixity, "messageDigestOriginator", SOFTWARE)
        _sub(chars, "size", str(f["size"]))
        fmt = _sub(_sub(chars, "format"), "formatDesignation")
        _sub(fmt, "formatName", f["format"])
        _sub(obj, "originalName", f["path"])
    organisation = info["Source-Organization"]
    details = {
        "creation": (created, f"Export of {info['Agent-Records-Event-Count']} events "
                              f"(positions {info['Agent-Records-Position-Range']}; selection: "
                              f"{info['Agent-Records-Selection']}; personal data: "
                              f"{info['Agent-Records-Personal-Data']}) from the agent-records "
                              f"event log {info['Agent-Records-Log-Origin']}, log head "
                              f"{info['Agent-Records-Head-Hash']}"),
        "message digest calculation": (digested, "SHA-256 and SHA-512 of every payload file, "
                                                 "recorded in manifest-sha256.txt and "
                                                 "manifest-sha512.txt"),
    }
    for event_type, (when, detail) in details.items():
        event = _sub(root, "event")
        _identifier(event, "event", "UUID", str(uuid.uuid4()))
        code = EVENT_TYPES[event_type]
        _sub(event, "eventType", event_type, authority="eventType",
             authorityURI="http://id.loc.gov/vocabulary/preservation/eventType",
             valueURI=f"http://id.loc.gov/vocabulary/preservation/eventType/{code}")
        _sub(event, "eventDateTime", when.isoformat(timespec="seconds"))
        _sub(_sub(event, "eventDetailInformation"), "eventDetail", detail)
        _sub(_sub(event, "eventOutcomeInformation"), "eventOutcome", "success")
        for role, (kind, value) in (("executing program", ("local", SOFTWARE)),
                                    ("implementer", ("local", organisation))):
            link = _sub(event, "linkingAgentIdentifier")
            _sub(link, "linkingAgentIdentifierType", kind)
            _sub(link, "linkingAgentIdentifierValue", value)
            _sub(link, "linkingAgentRole", role)
        for f in files:
            link = _sub(event, "linkingObjectIdentifier")
            _sub(link, "linkingObjectIdentifierType", "local")
            _sub(link, "linkingObjectIdentifierValue", f["path"])
    for name, kind in ((SOFTWARE, "software"), (organisation, "organization")):
        agent = _sub(root, "agent")
        _identifier(agent, "agent", "local", name)
        _sub(agent, "agentName", name)
        _sub(agent, "agentType", kind)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
