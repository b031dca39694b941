"""For each mutation, a fresh agent brought to the state its rules need, and its input.

Each scenario records its prerequisites through the mutation files (``Recorder``) and
returns the ``input`` of the mutation under test, which the caller then sends. Scenarios
share the post ``OPS`` (opened once by the caller); the chargé d'affaires scenario opens
a post of its own so that nobody else's staff changes who may be designated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.api.career import ART6_FILE, Recorder, identity

OPS = "OPS"
Scenario = Callable[[Recorder], dict[str, Any]]
SCENARIOS: dict[str, Scenario] = {}


def scenario(fn: Scenario) -> Scenario:
    SCENARIOS[fn.__name__] = fn
    return fn


def on(rec: Recorder, who: str, day: str, **kw: Any) -> dict[str, Any]:
    return {"agentId": rec.career.ids[who], "effectiveDate": day, **kw}


def serving(rec: Recorder, post: str | None = OPS) -> str:
    """A serving attaché appointed on 1 July 1948, posted to ``post`` unless None, his
    appointment renewed in advance until 1 July 1953 (Art. 7: else it ends in 1949)."""
    rec.attache("a", "Victor Welter", "1920-06-06", "1948-07-01", post=post)
    for day in range(2, 6):
        rec.on("RenewAppointment", "a", f"1948-07-0{day}", decisionReference=f"AGD R{day}")
    return "a"


def appointed(rec: Recorder, ready: bool = False) -> str:
    """An attaché appointed on 1 July 1948; ``ready``: pledged and sworn as well."""
    rec.register("a", "Lucie Majerus", "1921-01-01")
    rec.on("AppointAttache", "a", "1948-07-01", **ART6_FILE)
    if ready:
        rec.on("PledgeHonour", "a", "1948-07-01")
        rec.on("SwearOath", "a", "1948-07-01", alreadySwornAsStateOfficial=False)
    return "a"


def leave(rec: Recorder, kind: str = "ANNUAL", by: str = "MINISTER") -> int:
    """Ten days of leave in August 1949 for a serving attaché; returns the event's version."""
    granted = rec.on("GrantLeave", serving(rec), "1949-08-01", "hr_officer", kind=kind,
                     endDate="1949-08-10", travelDays=0, grantedBy=by)
    return granted["version"]


@scenario
def RegisterAgent(rec: Recorder) -> dict[str, Any]:
    return identity("Joseph Kremer", "1922-02-02")


@scenario
def OpenPost(rec: Recorder) -> dict[str, Any]:
    return {"effectiveDate": "1945-01-01", "code": "LON", "name": "Légation à Londres",
            "city": "Londres", "country": "GB", "kind": "legation"}


@scenario
def AppointAttache(rec: Recorder) -> dict[str, Any]:
    rec.register("a", "Pierre Ries", "1920-01-01")
    return on(rec, "a", "1948-07-01", decisionReference="AGD 1948/7", **ART6_FILE)


@scenario
def AppointAgent(rec: Recorder) -> dict[str, Any]:
    rec.register("a", "Henri Schroeder", "1905-01-01")
    return on(rec, "a", "1948-09-01", grade="CONSEILLER", appointingAuthority="SOVEREIGN",
              councilDeliberationRef="Conseil 1948/40", transitional=False,
              probationExempted=False)


@scenario
def PledgeHonour(rec: Recorder) -> dict[str, Any]:
    return on(rec, appointed(rec), "1948-07-01")


@scenario
def SwearOath(rec: Recorder) -> dict[str, Any]:
    return on(rec, appointed(rec), "1948-07-01", alreadySwornAsStateOfficial=False)


@scenario
def EnterFunctions(rec: Recorder) -> dict[str, Any]:
    return on(rec, appointed(rec, ready=True), "1948-07-01")


@scenario
def RenewAppointment(rec: Recorder) -> dict[str, Any]:
    return on(rec, serving(rec), "1949-07-01", decisionReference="AGD 1949/R")


@scenario
def RecordLapse(rec: Recorder) -> dict[str, Any]:
    rec.attache("a", "Henri Thill", "1923-01-01", "1948-07-01", post=None)
    return on(rec, "a", "1949-07-01", reason="term not renewed")


@scenario
def PostAgent(rec: Recorder) -> dict[str, Any]:
    return on(rec, serving(rec, post=None), "1948-08-01", kind="ABROAD", postCode=OPS)


@scenario
def Promote(rec: Recorder) -> dict[str, Any]:
    rec.renewed_three_times(serving(rec), 1949)
    return on(rec, "a", "1951-08-01", toGrade="SECRETAIRE", appointingAuthority="SOVEREIGN")


@scenario
def ConferTitle(rec: Recorder) -> dict[str, Any]:
    rec.register("a", "Catherine Welter", "1910-01-01", category="MINISTRY_OFFICIAL",
                 administrativeGrade="chef de bureau")
    return on(rec, "a", "1950-01-01", title="ATTACHE")


@scenario
def RequestMarriageAuthorisation(rec: Recorder) -> dict[str, Any]:
    return on(rec, serving(rec), "1950-01-01", spouseName="Simone Faber", spouseNationality="LU")


def _decision(rec: Recorder) -> dict[str, Any]:
    ask = rec.on("RequestMarriageAuthorisation", serving(rec), "1950-01-01",
                 spouseName="Simone Faber", spouseNationality="LU")
    return on(rec, "a", "1950-02-01", requestVersion=ask["version"])


@scenario
def AuthoriseMarriage(rec: Recorder) -> dict[str, Any]:
    return _decision(rec)


@scenario
def RefuseMarriage(rec: Recorder) -> dict[str, Any]:
    return _decision(rec)


@scenario
def RecordMarriage(rec: Recorder) -> dict[str, Any]:
    return on(rec, serving(rec), "1950-05-05", spouseName="Simone Faber", spouseNationality="LU")


@scenario
def GrantLeave(rec: Recorder) -> dict[str, Any]:
    return on(rec, serving(rec), "1949-08-01", kind="ANNUAL", endDate="1949-08-12",
              travelDays=2, grantedBy="MINISTER")


@scenario
def RecordAbsence(rec: Recorder) -> dict[str, Any]:
    return on(rec, serving(rec), "1949-08-01", endDate="1949-08-03",
              reason="left the post without leave")


@scenario
def NotifyUrgencyLeave(rec: Recorder) -> dict[str, Any]:
    version = leave(rec, "URGENCY", "HEAD_OF_POST")
    return on(rec, "a", "1949-08-02", leaveVersion=version)


@scenario
def DesignateHeadOfPost(rec: Recorder) -> dict[str, Any]:
    rec.register("a", "Marguerite Bernard", "1899-01-01")
    rec.on("AppointAgent", "a", "1948-09-01", grade="ENVOYE", appointingAuthority="SOVEREIGN",
           councilDeliberationRef="Conseil 1948/31", transitional=False, probationExempted=False)
    rec.on("SwearOath", "a", "1948-09-01", alreadySwornAsStateOfficial=False)
    rec.on("EnterFunctions", "a", "1948-09-01")
    rec.on("PostAgent", "a", "1948-09-01", kind="ABROAD", postCode=OPS)
    return on(rec, "a", "1948-09-02", postCode=OPS)


@scenario
def DesignateChargeDAffaires(rec: Recorder) -> dict[str, Any]:
    rec("OpenPost", "hr_officer", effectiveDate="1945-01-01", code="ROM",
        name="Légation à Rome", city="Rome", country="IT", kind="legation")
    rec.envoy("head", "Robert Hansen", "1899-01-01", "1948-09-01", post="ROM")
    rec.attache("a", "Hélène Wagner", "1921-01-01", "1948-07-01", post="ROM")
    rec.renewed_three_times("a", 1949)
    rec.on("Promote", "a", "1951-08-01", toGrade="SECRETAIRE", appointingAuthority="SOVEREIGN")
    rec.on("GrantLeave", "head", "1952-07-01", "hr_officer", kind="ANNUAL",
           endDate="1952-07-20", travelDays=0, grantedBy="SOVEREIGN")
    return on(rec, "a", "1952-07-01", postCode="ROM", designatedBy="HEAD_OF_POST",
              endDate="1952-07-20", ground="LEAVE")


@scenario
def ConferHonoraryTitle(rec: Recorder) -> dict[str, Any]:
    rec.register("a", "Émile Darnand", "1900-01-01", nationality="FR", category="PERSONALITY",
                 domicileCountry="FR", stateOfficial=False)
    return on(rec, "a", "1952-02-01", kind="COMMERCE_EXTERIEUR", uniform=False,
              title="conseiller du Commerce extérieur", conferredBy="MINISTER")


@scenario
def AcceptResignation(rec: Recorder) -> dict[str, Any]:
    return on(rec, serving(rec), "1950-01-01")


@scenario
def Retire(rec: Recorder) -> dict[str, Any]:
    return on(rec, serving(rec), "1952-06-06", reason="pension")


@scenario
def ExtendService(rec: Recorder) -> dict[str, Any]:
    rec.envoy("a", "Paul Thill", "1900-02-03", "1948-09-01", post=OPS)
    return on(rec, "a", "1965-02-03", until="1966-02-03", decisionReference="AGD prorogation")


@scenario
def ReferToDiscipline(rec: Recorder) -> dict[str, Any]:
    return on(rec, serving(rec), "1952-01-01", body="ORDINARY", facts="absence without leave")


@scenario
def RecordDisciplinaryDecision(rec: Recorder) -> dict[str, Any]:
    referral = rec.on("ReferToDiscipline", serving(rec), "1952-01-01", "hr_officer",
                      body="ORDINARY", facts="absence without leave")
    return on(rec, "a", "1952-03-01", referralVersion=referral["version"], outcome="WARNING")


@scenario
def CorrectEvent(rec: Recorder) -> dict[str, Any]:
    version = leave(rec)
    return on(rec, "a", "1949-08-01", correctedVersion=version, annulled=False,
              changes={"end_date": "1949-08-08"}, reason="end date misread")


@scenario
def ErasePersonalData(rec: Recorder) -> dict[str, Any]:
    return on(rec, serving(rec), "2026-01-05", dataClass="medical",
              erasureBasis="GDPR Article 17", reason="retention over")
