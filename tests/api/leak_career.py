"""The careers the leak test records: a distinctive value in every personal field.

Recorded over HTTP through the mutation files, as a client would. Each personal field of
each event type (``domain.classification.personal_fields``) has a ``Mark``: the event
type, the field, its class, and the strings that must never reach a role that may not
read that class (its stored value, what derives from it, and the value a correction
gave it). Fields whose values cannot be told apart from other text (flags, versions,
enumerations) have no strings: the test checks them by their place in the payloads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent_records.domain.classification import DataClass
from tests.api.live import Live

ID, MED, MAR, DIS = (DataClass.IDENTITY, DataClass.MEDICAL, DataClass.MARRIAGE,
                     DataClass.DISCIPLINE)
POST = "LKP"


@dataclass(frozen=True)
class Mark:
    event: str
    field: str
    cls: DataClass
    values: tuple[str, ...] = ()


MARKS = (
    Mark("AgentRegistered", "birth_date", ID, ("1921-09-17", "1921-09-16", "1986-09-16",
                                               "1902-11-19", "1967-11-19")),
    Mark("AgentRegistered", "nationality", ID, ('"QZ"', '"QY"', "=QZ", "'QY'")),
    Mark("AgentRegistered", "civil_political_rights", ID),
    Mark("AgentRegistered", "domicile_country", ID, ("Domicile-Leak-A", "Domicile-Leak-P",
                                                     "Domicile-Leak-Corrected")),
    Mark("AttacheAppointed", "aptitude_certificate", MED,
         ("Dr Leak-Medical", "1948-06-12", "Dr Leak-Corrected", "1948-06-13")),
    Mark("AttacheAppointed", "conduct_attestation", ID,
         ("Conduct-Leak-Issuer", "1948-06-11", "Conduct-Leak-Corrected", "1948-06-10")),
    Mark("MarriageAuthorisationRequested", "spouse_name", MAR,
         ("Spouse-Leak-Refused", "Spouse-Leak-Name", "Spouse-Leak-Corrected")),
    Mark("MarriageAuthorisationRequested", "spouse_nationality", MAR,
         ("Spouse-Leak-Nationality", "Spouse-Leak-Refused-Nationality")),
    Mark("MarriageAuthorisationRequested", "intended_date", MAR, ("1953-05-23", "1953-05-24")),
    Mark("MarriageAuthorised", "request_version", MAR),
    Mark("MarriageAuthorised", "exception_justification", MAR,
         ("Justification-Leak", "Justification-Leak-Corrected")),
    Mark("MarriageAuthorisationRefused", "request_version", MAR),
    Mark("MarriageRecorded", "spouse_name", MAR, ("Spouse-Leak-Name",)),
    Mark("MarriageRecorded", "spouse_nationality", MAR, ("Spouse-Leak-Nationality",)),
    Mark("MarriageRecorded", "request_version", MAR),
    Mark("DisciplinaryReferral", "body", DIS),
    Mark("DisciplinaryReferral", "facts", DIS, ("Facts-Leak-Discipline",
                                                "Facts-Leak-Corrected")),
    Mark("DisciplinaryDecision", "referral_version", DIS),
    Mark("DisciplinaryDecision", "outcome", DIS, ('"suspension"', '"SUSPENSION"', "=suspension")),
    Mark("DisciplinaryDecision", "until", DIS, ("1956-03-03", "1956-03-04")),
    Mark("AbsenceFromPostRecorded", "end_date", DIS, ("1952-04-09",)),
)
"""One mark per personal field of every event type (checked against the classification)."""

CORRECTED = {  # event type -> the changes a correction of it makes
    "AgentRegistered": {"birth_date": "1921-09-16", "domicile_country": "Domicile-Leak-Corrected",
                        "civil_political_rights": True},
    "AttacheAppointed": {"aptitude_certificate": {
        "doctor": "Dr Leak-Corrected", "doctor_designated_by_minister": True,
        "issued_on": "1948-06-13"}, "conduct_attestation": {
        "issued_by": "Conduct-Leak-Corrected", "issued_on": "1948-06-10"}},
    "MarriageAuthorisationRequested": {"spouse_name": "Spouse-Leak-Corrected",
                                       "intended_date": "1953-05-24"},
    "MarriageAuthorised": {"exception_justification": "Justification-Leak-Corrected"},
    "DisciplinaryReferral": {"facts": "Facts-Leak-Corrected"},
    "DisciplinaryDecision": {"until": "1956-03-04"},
}
PERSONALITY_CORRECTION = {"nationality": "QY"}


@dataclass
class Marked:
    """The ids of the marked careers and the version of each event by type."""

    attache: str = ""
    personality: str = ""
    versions: dict[str, int] = field(default_factory=dict)


def record_marked(live: Live) -> Marked:
    m = Marked()

    def on(op: str, day: str, role: str = "hr_officer", who: str = "", **kw: Any) -> int:
        receipt = live.record(op, {"agentId": who or m.attache, "effectiveDate": day, **kw},
                              role=role)
        m.versions.setdefault(op, receipt["version"])
        return int(receipt["version"])

    live.record("OpenPost", {"effectiveDate": "1945-01-01", "code": POST, "name": "Légation",
                             "city": "La Haye", "country": "NL", "kind": "legation"})
    m.attache = live.record("RegisterAgent", _identity(
        "Leak Attache", "1921-09-17", nationality="LU", domicileCountry="Domicile-Leak-A"),
        role="hr_clerk")["id"]
    on("AppointAttache", "1948-07-01", decisionReference="AGD leak", appointingAuthority=
       "SOVEREIGN", aptitudeCertificate={"doctor": "Dr Leak-Medical",
                                         "doctorDesignatedByMinister": True,
                                         "issuedOn": "1948-06-12"},
       conductAttestation={"issuedBy": "Conduct-Leak-Issuer", "issuedOn": "1948-06-11"},
       diplomas=[{"kind": "DOCTORATE_IN_LAW", "country": "LU", "title": "Docteur en droit"}])
    for op in ("PledgeHonour", "EnterFunctions"):
        if op == "EnterFunctions":
            on("SwearOath", "1948-07-01", alreadySwornAsStateOfficial=False)
        on(op, "1948-07-01")
    on("PostAgent", "1948-07-02", kind="ABROAD", postCode=POST)
    for year in (1949, 1950, 1951):  # renewed each year (Art. 7), then secretary (Art. 8)
        on("RenewAppointment", f"{year}-07-01", decisionReference=f"AGD {year}/R")
    on("Promote", "1951-08-01", toGrade="SECRETAIRE", appointingAuthority="SOVEREIGN",
       decisionReference="AGD 1951/G1")
    on("RecordAbsence", "1952-04-02", "hr_clerk", endDate="1952-04-09")
    refused = on("RequestMarriageAuthorisation", "1950-01-10", "hr_clerk",
                 spouseName="Spouse-Leak-Refused",
                 spouseNationality="Spouse-Leak-Refused-Nationality")
    on("RefuseMarriage", "1950-02-01", requestVersion=refused)
    ask = on("RequestMarriageAuthorisation", "1953-01-10", "hr_clerk",
             spouseName="Spouse-Leak-Name", spouseNationality="Spouse-Leak-Nationality",
             intendedDate="1953-05-23")
    on("AuthoriseMarriage", "1953-02-01", requestVersion=ask,
       exceptionJustification="Justification-Leak", decisionReference="AM leak")
    on("RecordMarriage", "1953-06-06", "hr_clerk", spouseName="Spouse-Leak-Name",
       spouseNationality="Spouse-Leak-Nationality", requestVersion=ask)
    referral = on("ReferToDiscipline", "1955-03-01", body="ORDINARY",
                  facts="Facts-Leak-Discipline")
    on("RecordDisciplinaryDecision", "1955-06-01", "council", referralVersion=referral,
       outcome="SUSPENSION", until="1956-03-03", decisionReference="Conseil leak")
    versions = dict(m.versions)
    versions.update({"AgentRegistered": 1, "MarriageAuthorisationRequested": refused,
                     "MarriageAuthorised": versions["AuthoriseMarriage"],
                     "AttacheAppointed": versions["AppointAttache"],
                     "DisciplinaryReferral": referral,
                     "DisciplinaryDecision": versions["RecordDisciplinaryDecision"],
                     "AbsenceFromPostRecorded": versions["RecordAbsence"]})
    for event, changes in CORRECTED.items():
        on("CorrectEvent", "1957-01-01", correctedVersion=versions[event], changes=changes,
           annulled=False, reason=f"correction of {event}")
    m.personality = live.record("RegisterAgent", _identity(
        "Leak Personality", "1902-11-19", nationality="QZ", domicileCountry="Domicile-Leak-P",
        category="PERSONALITY", stateOfficial=False), role="hr_clerk")["id"]
    on("CorrectEvent", "1952-01-10", who=m.personality, correctedVersion=1,
       changes=PERSONALITY_CORRECTION, annulled=False, reason="nationality misread")
    m.versions = versions
    return m


def _identity(name: str, born: str, **kw: Any) -> dict[str, Any]:
    return {"effectiveDate": "1948-06-01", "fullName": name, "birthDate": born,
            "category": "DIPLOMATIC", "civilPoliticalRights": True, "stateOfficial": True,
            "priorPublicServiceDays": 0, **kw}
