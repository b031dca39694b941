"""Reference careers recorded over HTTP through the mutation files of graphql/operations/.

One legation (Brussels) and seven people, between them using every mutation:

- ``attache``: registered by the clerk, appointed attaché with an Art. 6 file, pledge,
  oath, entry into functions, posted to Brussels, renewed three times, annual leave in
  1950 (end date corrected from 22 to 19 August), promoted secretary, married with the
  minister's authorisation, chargé d'affaires a.i. while the head of post is on leave;
- ``envoy``: appointed envoy (Art. 11), head of post at Brussels, leave granted by the
  sovereign, referred to the Council of Ministers and reprimanded, kept beyond 65 for one
  year, then retired;
- ``junior``: attaché renewed once (renewal due in 1952), urgency leave notified, a
  marriage refused then celebrated anyway (a breach for the council);
- ``lapsed``: attaché whose term lapsed; ``resigned``: resigned, keeps the title;
- ``personality``: conseiller du Commerce extérieur; ``official``: chef de bureau titled
  secretary (Art. 26).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.api.live import Live

POST = "BRU"
ART6_FILE = {
    "aptitudeCertificate": {"doctor": "Dr Weber", "doctorDesignatedByMinister": True,
                            "issuedOn": "1948-06-15"},
    "conductAttestation": {"issuedBy": "Parquet général", "issuedOn": "1948-06-15"},
    "diplomas": [{"kind": "DOCTORATE_IN_LAW", "country": "LU", "title": "Docteur en droit"}],
    "appointingAuthority": "SOVEREIGN",
}
LEAVE_END, CORRECTED_END = "1950-08-22", "1950-08-19"


def identity(name: str, born: str, **kw: Any) -> dict[str, Any]:
    """A ``registerAgent`` input: a Luxembourg diplomatic candidate unless told otherwise."""
    return {"effectiveDate": "1948-06-01", "fullName": name, "birthDate": born,
            "nationality": "LU", "category": "DIPLOMATIC", "civilPoliticalRights": True,
            "stateOfficial": True, "priorPublicServiceDays": 0, "domicileCountry": "LU", **kw}


@dataclass
class Career:
    """Ids and receipts of the reference careers."""

    ids: dict[str, str] = field(default_factory=dict)
    receipts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    leave_version: int = 0
    before_correction: str = ""
    correction: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> str:
        ids = self.__dict__.get("ids", {})
        if name in ids:
            return ids[name]
        raise AttributeError(name)


class Recorder:
    """Runs mutation files and keeps their receipts."""

    def __init__(self, live: Live, career: Career) -> None:
        self.live, self.career = live, career

    def __call__(self, op: str, role: str = "hr_clerk", /, **input: Any) -> dict[str, Any]:
        payload = self.live.record(op, input, role=role)
        self.career.receipts.setdefault(op, []).append(payload)
        return payload

    def on(self, op: str, who: str, day: str, role: str = "hr_clerk", /, **kw: Any) -> dict:
        return self(op, role, agentId=self.career.ids[who], effectiveDate=day, **kw)

    def register(self, who: str, name: str, born: str, **kw: Any) -> str:
        self.career.ids[who] = self("RegisterAgent", **identity(name, born, **kw))["id"]
        return self.career.ids[who]

    def attache(self, who: str, name: str, born: str, day: str, post: str | None = POST,
                **art6: Any) -> str:
        """Registered, appointed attaché, pledge, oath, in functions, posted (optionally)."""
        self.register(who, name, born)
        self.on("AppointAttache", who, day, decisionReference=f"AGD {day[:4]}/{who}",
                **(ART6_FILE | art6))
        self.on("PledgeHonour", who, day)
        self.on("SwearOath", who, day, alreadySwornAsStateOfficial=False)
        self.on("EnterFunctions", who, day)
        if post:
            self.on("PostAgent", who, day, kind="ABROAD", postCode=post,
                    decisionReference=f"AM {day[:4]}/P-{who}")
        return self.career.ids[who]

    def envoy(self, who: str, name: str, born: str, day: str, post: str = POST) -> str:
        """Appointed envoy (Art. 11), sworn, in functions, posted and head of ``post``."""
        self.register(who, name, born)
        self.on("AppointAgent", who, day, grade="ENVOYE", appointingAuthority="SOVEREIGN",
                councilDeliberationRef="Conseil de gouvernement 1948/31", transitional=False,
                probationExempted=False, decisionReference=f"AGD {day[:4]}/E-{who}")
        self.on("SwearOath", who, day, alreadySwornAsStateOfficial=False)
        self.on("EnterFunctions", who, day)
        self.on("PostAgent", who, day, kind="ABROAD", postCode=post)
        self.on("DesignateHeadOfPost", who, day, postCode=post, decisionReference="AGD H")
        return self.career.ids[who]

    def renewed_three_times(self, who: str, first_year: int) -> None:
        for year in range(first_year, first_year + 3):
            self.on("RenewAppointment", who, f"{year}-07-01", decisionReference=f"AGD {year}/R")

def record_career(live: Live) -> Career:
    career = Career()
    rec = Recorder(live, career)
    rec("OpenPost", "hr_officer", effectiveDate="1945-01-01", code=POST,
        name="Légation à Bruxelles", city="Bruxelles", country="BE", kind="legation")
    _envoy(rec)
    _attache(rec, career)
    _junior(rec)
    _others(rec, career)
    _envoy_later(rec)
    return career


def _envoy(rec: Recorder) -> None:
    rec.envoy("envoy", "Marie Weber", "1900-05-05", "1948-09-01")

def _attache(rec: Recorder, career: Career) -> None:
    rec.attache("attache", "Jean Schmit", "1920-03-01", "1948-07-01")
    rec.renewed_three_times("attache", 1949)
    leave = rec.on("GrantLeave", "attache", "1950-08-01", "hr_officer", kind="ANNUAL",
                   endDate=LEAVE_END, travelDays=2, grantedBy="MINISTER",
                   decisionReference="AM 1950/L1")
    career.leave_version = leave["version"]
    promotion = rec.on("Promote", "attache", "1951-08-01", toGrade="SECRETAIRE",
                       appointingAuthority="SOVEREIGN", decisionReference="AGD 1951/G1")
    career.before_correction = promotion["recordedAt"]
    career.correction = rec.on("CorrectEvent", "attache", "1950-08-01", "hr_officer",
                               correctedVersion=leave["version"],
                               changes={"end_date": CORRECTED_END}, annulled=False,
                               reason="end date misread from the ministerial decision")
    ask = rec.on("RequestMarriageAuthorisation", "attache", "1953-01-10",
                 spouseName="Claire Hansen", spouseNationality="LU")
    rec.on("AuthoriseMarriage", "attache", "1953-02-01", "hr_officer",
           requestVersion=ask["version"], decisionReference="AM mariage 1953/1")
    rec.on("RecordMarriage", "attache", "1953-04-01", spouseName="Claire Hansen",
           spouseNationality="LU", requestVersion=ask["version"])


def _junior(rec: Recorder) -> None:
    rec.attache("junior", "Paul Reuter", "1922-04-02", "1950-07-01")
    rec.on("RenewAppointment", "junior", "1951-07-01")
    urgent = rec.on("GrantLeave", "junior", "1951-03-01", "hr_officer", kind="URGENCY",
                    endDate="1951-03-05", travelDays=0, grantedBy="HEAD_OF_POST")
    rec.on("NotifyUrgencyLeave", "junior", "1951-03-02", leaveVersion=urgent["version"])
    ask = rec.on("RequestMarriageAuthorisation", "junior", "1951-06-01",
                 spouseName="Greta Braun", spouseNationality="DE")
    rec.on("RefuseMarriage", "junior", "1951-07-15", "hr_officer", requestVersion=ask["version"])
    rec.on("RecordMarriage", "junior", "1951-09-01", spouseName="Greta Braun",
           spouseNationality="DE")


def _others(rec: Recorder, career: Career) -> None:
    rec.attache("lapsed", "Henri Thill", "1923-01-01", "1949-01-01", post=None)
    rec.on("RecordLapse", "lapsed", "1950-01-01", reason="term not renewed")
    rec.attache("resigned", "Anne Kieffer", "1921-02-02", "1949-03-01", post=None)
    rec.on("AcceptResignation", "resigned", "1950-01-15")  # in her term (Art. 7)
    rec.on("ConferHonoraryTitle", "resigned", "1955-03-01", kind="RETAINED_TITLE",
           title="secrétaire de légation honoraire", uniform=True, conferredBy="SOVEREIGN")
    rec.register("personality", "Albert Lambert", "1900-05-05", effectiveDate="1952-01-10",
                 nationality="BE", category="PERSONALITY", domicileCountry="BE",
                 stateOfficial=False)
    rec.on("ConferHonoraryTitle", "personality", "1952-02-01", kind="COMMERCE_EXTERIEUR",
           title="conseiller du Commerce extérieur", uniform=False, conferredBy="MINISTER")
    rec.register("official", "Nicolas Faber", "1910-10-10", category="MINISTRY_OFFICIAL",
                 administrativeGrade="chef de bureau")
    rec.on("ConferTitle", "official", "1950-01-01", title="SECRETAIRE")


def _envoy_later(rec: Recorder) -> None:
    rec.on("GrantLeave", "envoy", "1952-07-01", "hr_officer", kind="ANNUAL",
           endDate="1952-07-25", travelDays=2, grantedBy="SOVEREIGN")
    rec.on("DesignateChargeDAffaires", "attache", "1952-07-01", postCode=POST,
           endDate="1952-07-25", designatedBy="HEAD_OF_POST", ground="LEAVE",
           reason="head of post on leave")
    rec.on("RecordAbsence", "envoy", "1953-03-02", endDate="1953-03-04",
           reason="left the post without leave (Art. 14)")
    referral = rec.on("ReferToDiscipline", "envoy", "1955-03-01", "hr_officer",
                      body="COUNCIL_OF_MINISTERS", facts="correspondence with another "
                      "administration without authorisation (Art. 4)")
    rec.on("RecordDisciplinaryDecision", "envoy", "1955-06-01", "council",
           referralVersion=referral["version"], outcome="REPRIMAND",
           decisionReference="Conseil 1955/12")
    rec.on("ExtendService", "envoy", "1965-05-05", until="1966-05-05",
           decisionReference="AGD prorogation 1")
    rec.on("Retire", "envoy", "1966-05-05", reason="end of extension")

