"""A whole career, 1948 to retirement, as a script of commands and the events they must store.

Each step names the command, the decision (audit metadata, with an explicit
correlation id), the event type and article it must produce, and the payload that event
must carry (the command's arguments with the application's defaults filled in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from agent_records.application import AgentRecords, Receipt
from agent_records.domain.commands import (
    AgentCommand,
    AppointAttache,
    AuthoriseMarriage,
    Command,
    CorrectEvent,
    DesignateHeadOfPost,
    EnterFunctions,
    ExtendService,
    GrantLeave,
    OpeningCommand,
    OpenPost,
    PledgeHonour,
    PostAgent,
    Promote,
    RecordMarriage,
    RegisterAgent,
    RenewAppointment,
    RequestMarriageAuthorisation,
    Retire,
    SwearOath,
)
from agent_records.domain.values import Actor, Decision
from tests.careers import art6_file

CLERK = Actor("clerk-1", "hr_clerk")
CABINET = Actor("cab-7", "minister_office")
BORN = date(1920, 3, 1)
LEGATION = "BRU"
AUDIT_FIELDS = ("effective_date", "actor_id", "actor_role", "legal_basis",
                "decision_reference", "reason", "correlation_id")

DEFAULTS: dict[type[Command], dict[str, Any]] = {
    RegisterAgent: {"category": "diplomatic", "civil_political_rights": True,
                    "state_official": True, "prior_public_service_days": 0,
                    "domicile_country": "LU", "administrative_grade": None},
    AppointAttache: {"foreign_diploma_exception": None, "appointing_authority": "sovereign"},
    SwearOath: {"already_sworn_as_state_official": False},
    PostAgent: {"organisation": None, "until": None, "home_minister_agreement_ref": None},
    GrantLeave: {"kind": "annual", "travel_days": 0, "granted_by": "minister",
                 "council_deliberation_ref": None},
    Promote: {"council_deliberation_ref": None, "appointing_authority": "sovereign"},
    RequestMarriageAuthorisation: {"intended_date": None},
    AuthoriseMarriage: {"exception_justification": None},
    RecordMarriage: {"request_version": None},
    CorrectEvent: {"annulled": False},
}


@dataclass(frozen=True)
class Step:
    """One command of the career and the event it must store."""

    command: type[Command]
    decision: Decision
    event: str
    basis: str
    payload: dict[str, Any]
    kwargs: dict[str, Any]

    def given(self, agent_id: UUID) -> Command:
        """The step's command, on ``agent_id`` unless it opens the record."""
        if issubclass(self.command, AgentCommand):
            return self.command(agent_id, self.decision, **self.kwargs)
        assert issubclass(self.command, OpeningCommand)
        return self.command(self.decision, **self.kwargs)

    def audit(self) -> dict[str, Any]:
        """The audit metadata the stored event must carry."""
        d = self.decision
        return {"effective_date": d.effective_date, "actor_id": d.actor.id,
                "actor_role": d.actor.role, "legal_basis": self.basis,
                "decision_reference": d.decision_reference, "reason": d.reason,
                "correlation_id": d.correlation_id}


@dataclass(frozen=True)
class Career:
    """What recording the career returned."""

    agent_id: UUID
    steps: list[Step]
    receipts: list[Receipt]


LEAVE_VERSION = 10
REQUEST_VERSION = 13


def career_steps() -> list[Step]:
    """Attaché in 1948, three renewals, secretary, counsellor, envoy, extensions, retirement."""
    steps: list[Step] = []

    def add(command: type[Command], day: str, event: str, basis: str, *, ref: str | None = None,
            reason: str = "", actor: Actor = CLERK, expect: dict[str, Any] | None = None,
            **kwargs: Any) -> None:
        n = len(steps) + 1
        decision = Decision(date.fromisoformat(day), actor, ref, reason, f"career-{n:02d}")
        payload = {**DEFAULTS.get(command, {}), **kwargs, **(expect or {})}
        steps.append(Step(command, decision, event, basis, payload, kwargs))

    appointed = date(1948, 7, 1)
    add(RegisterAgent, "1948-06-01", "AgentRegistered", "Art. 6", reason="candidate file",
        full_name="Jean Schmit", birth_date=BORN, nationality="LU")
    add(AppointAttache, "1948-07-01", "AttacheAppointed", "Art. 7", ref="AGD 1948/101",
        actor=CABINET, reason="proposal of the minister", **art6_file(appointed))
    add(PledgeHonour, "1948-07-01", "HonourPledged", "Art. 7", reason="pledge received")
    add(SwearOath, "1948-07-01", "OathSworn", "Art. 12", ref="PV serment 1948/12")
    add(EnterFunctions, "1948-07-01", "FunctionsEntered", "Art. 12")
    add(PostAgent, "1948-07-01", "Posted", "Art. 20", ref="AM 1948/55", kind="abroad",
        post_code=" bru ", expect={"post_code": LEGATION})
    for n, year in enumerate((1949, 1950, 1951), start=1):
        add(RenewAppointment, f"{year}-06-15", "AppointmentRenewed", "Art. 7",
            ref=f"AGD {year}/R{n}", reason=f"renewal {n}")
    add(GrantLeave, "1950-08-01", "LeaveGranted", "Art. 15", ref="AM 1950/301",
        reason="home leave", end_date=date(1950, 8, 20), travel_days=2)
    add(CorrectEvent, "1950-08-01", "EventCorrected", "Correction", actor=CABINET,
        reason="leave ended on 15 August (return telegram)", corrected_version=LEAVE_VERSION,
        changes={"end_date": "1950-08-15"}, expect={"changes": {"end_date": date(1950, 8, 15)}})
    add(Promote, "1952-01-01", "Promoted", "Art. 8", ref="AGD 1952/7", to_grade="secretaire")
    add(RequestMarriageAuthorisation, "1955-03-01", "MarriageAuthorisationRequested",
        "Art. 13", spouse_name="Marie Weber", spouse_nationality="LU",
        intended_date=date(1955, 6, 1))
    add(AuthoriseMarriage, "1955-04-01", "MarriageAuthorised", "Art. 13", actor=CABINET,
        ref="AM 1955/88", request_version=REQUEST_VERSION)
    add(RecordMarriage, "1955-06-01", "MarriageRecorded", "Art. 13",
        spouse_name="Marie Weber", spouse_nationality="LU", request_version=REQUEST_VERSION)
    add(Promote, "1958-01-01", "Promoted", "Art. 9", ref="AGD 1958/3", to_grade="conseiller")
    add(DesignateHeadOfPost, "1965-01-01", "HeadOfPostDesignated", "Art. 2",
        ref="AGD 1965/1", post_code=LEGATION)
    add(Promote, "1965-01-01", "Promoted", "Art. 11", ref="AGD 1965/2", to_grade="envoye",
        council_deliberation_ref="Conseil 1964-12-18/4")
    add(ExtendService, "1985-03-01", "ServiceExtended", "Art. 21", ref="AGD 1985/40",
        until=date(1986, 3, 1))
    add(ExtendService, "1986-03-01", "ServiceExtended", "Art. 21", ref="AGD 1986/41",
        until=date(1987, 3, 1))
    add(Retire, "1987-03-01", "Retired", "Art. 21", ref="AGD 1987/9", reason="pension")
    return steps


def record_career(app: AgentRecords) -> Career:
    """Opens the legation and records every step through the application's commands."""
    app.handle(OpenPost(Decision(date(1948, 1, 1), CLERK, "AGD 1947/200"), code=LEGATION,
                        name="Légation à Bruxelles", city="Bruxelles", country="BE"))
    steps = career_steps()
    first = steps[0]
    receipts = [app.handle(first.given(UUID(int=0)))]
    agent_id = receipts[0].aggregate_id
    for step in steps[1:]:
        receipts.append(app.handle(step.given(agent_id)))
    return Career(agent_id, steps, receipts)


def plain(value: Any) -> Any:
    """A value compared by content: the JSON store gives tuples back as lists."""
    if isinstance(value, list | tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def described(events: list[Any]) -> list[tuple[Any, ...]]:
    """Events without ids and recording times: type, version, audit, payload."""
    return [(type(e).__name__, e.originator_version, {k: getattr(e, k) for k in AUDIT_FIELDS},
             plain(e.payload())) for e in events]
