"""The commands: one frozen dataclass per request the records accept, listed once.

A command is what a user asks, an event what the records then say happened: each command
names the event it records (``EVENT``) and carries the decision (actor, effective date,
reference, reason) and that event's own fields, with the same names, order and types, and
their defaults declared here and nowhere else. The application dispatches on the class
(``AgentRecords.handle``); the GraphQL mutations (name, input, description) are generated
from ``COMMANDS``, so neither can drift from the other or from the events.

Values from outside (JSON, a form) may arrive as plain strings and dicts: the domain
coerces them to the declared types when it records the event (``agent.typed_payload``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import KW_ONLY, dataclass, field
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from agent_records.domain import events as ev
from agent_records.domain.post import PostOpened
from agent_records.domain.values import (
    LUXEMBOURG,
    AptitudeCertificate,
    Authority,
    Category,
    ChargeGround,
    ConductAttestation,
    Decision,
    Diploma,
    DisciplinaryBody,
    Grade,
    HonoraryKind,
    LeaveKind,
    Outcome,
    PositionKind,
)


class Command:
    """A request to the records: the decision it rests on, and its event's own fields."""

    EVENT: ClassVar[type[ev.CareerEvent]]
    """The event the command records when the rules allow it."""

    decision: Decision
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]
    """Every command is a frozen dataclass (``OpeningCommand``, ``AgentCommand``)."""

    def payload(self) -> dict[str, Any]:
        """The event's own fields, as given (the domain coerces and bounds them)."""
        return {name: getattr(self, name) for name in payload_fields(type(self))}


@dataclass(frozen=True)
class OpeningCommand(Command):
    """A command that opens a record (a person's, a post's)."""

    decision: Decision


@dataclass(frozen=True)
class AgentCommand(Command):
    """A command on one agent's record; with ``expected_version``, refused if the
    record has moved since the caller read it (optimistic concurrency)."""

    agent_id: UUID
    decision: Decision
    _: KW_ONLY
    expected_version: int | None = None


ENVELOPE = frozenset({"agent_id", "decision", "expected_version"})
"""The fields of every command that are not its event's own."""


def payload_fields(command: type[Command]) -> tuple[str, ...]:
    """The names of the event fields a command carries, in the event's order."""
    return tuple(f.name for f in dataclasses.fields(command) if f.name not in ENVELOPE)


@dataclass(frozen=True, kw_only=True)
class RegisterAgent(OpeningCommand):
    """Art. 6: opens a person's record with the identity facts."""

    EVENT = ev.AgentRegistered
    full_name: str
    birth_date: date
    nationality: str
    category: Category = Category.DIPLOMATIC
    civil_political_rights: bool = True
    state_official: bool = True
    prior_public_service_days: int = 0
    domicile_country: str = LUXEMBOURG
    administrative_grade: str | None = None


@dataclass(frozen=True, kw_only=True)
class OpenPost(OpeningCommand):
    """Enters a post in the records; its code is its key."""

    EVENT = PostOpened
    code: str
    name: str
    city: str
    country: str
    kind: str = "legation"


@dataclass(frozen=True, kw_only=True)
class AppointAttache(AgentCommand):
    """Art. 6 and 7: appointment as attaché de légation for one year."""

    EVENT = ev.AttacheAppointed
    appointing_authority: Authority = Authority.SOVEREIGN
    aptitude_certificate: AptitudeCertificate | None
    conduct_attestation: ConductAttestation | None
    diplomas: tuple[Diploma, ...]
    foreign_diploma_exception: str | None = None


@dataclass(frozen=True, kw_only=True)
class AppointAgent(AgentCommand):
    """Art. 9, 11 direct appointment; Art. 27 grade kept from 1948."""

    EVENT = ev.AgentAppointed
    grade: Grade
    appointing_authority: Authority = Authority.SOVEREIGN
    council_deliberation_ref: str | None = None
    transitional: bool = False
    probation_exempted: bool = False


@dataclass(frozen=True, kw_only=True)
class RenewAppointment(AgentCommand):
    """Art. 7: renews an attaché's one-year appointment."""

    EVENT = ev.AppointmentRenewed


@dataclass(frozen=True, kw_only=True)
class RecordLapse(AgentCommand):
    """Art. 7: the term ended without renewal."""

    EVENT = ev.TermLapsed


@dataclass(frozen=True, kw_only=True)
class PledgeHonour(AgentCommand):
    """Art. 7: the attaché's pledge of honour."""

    EVENT = ev.HonourPledged


@dataclass(frozen=True, kw_only=True)
class SwearOath(AgentCommand):
    """Art. 12: the oath, or the record that it was already sworn."""

    EVENT = ev.OathSworn
    already_sworn_as_state_official: bool = False


@dataclass(frozen=True, kw_only=True)
class EnterFunctions(AgentCommand):
    """Art. 7, 12: entry into functions (refused without pledge or oath)."""

    EVENT = ev.FunctionsEntered


@dataclass(frozen=True, kw_only=True)
class Promote(AgentCommand):
    """Art. 8, 9, 11: promotion."""

    EVENT = ev.Promoted
    to_grade: Grade
    appointing_authority: Authority = Authority.SOVEREIGN
    council_deliberation_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class ConferTitle(AgentCommand):
    """Art. 26: title of attaché or secretary for a chef de bureau."""

    EVENT = ev.TitleConferred
    title: Grade


@dataclass(frozen=True, kw_only=True)
class RequestMarriageAuthorisation(AgentCommand):
    """Art. 13: the agent asks the minister's prior authorisation."""

    EVENT = ev.MarriageAuthorisationRequested
    spouse_name: str
    spouse_nationality: str
    intended_date: date | None = None


@dataclass(frozen=True, kw_only=True)
class AuthoriseMarriage(AgentCommand):
    """Art. 13: the minister authorises (a foreign spouse needs a justification)."""

    EVENT = ev.MarriageAuthorised
    request_version: int
    exception_justification: str | None = None


@dataclass(frozen=True, kw_only=True)
class RefuseMarriage(AgentCommand):
    """Art. 13: the minister refuses."""

    EVENT = ev.MarriageAuthorisationRefused
    request_version: int


@dataclass(frozen=True, kw_only=True)
class RecordMarriage(AgentCommand):
    """Art. 13: a marriage; without prior authorisation it is recorded as a breach."""

    EVENT = ev.MarriageRecorded
    spouse_name: str
    spouse_nationality: str
    request_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class GrantLeave(AgentCommand):
    """Art. 14 to 18: leave from the decision's effective date to ``end_date``."""

    EVENT = ev.LeaveGranted
    kind: LeaveKind = LeaveKind.ANNUAL
    end_date: date
    travel_days: int = 0
    granted_by: Authority = Authority.MINISTER
    council_deliberation_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class RecordAbsence(AgentCommand):
    """Art. 14: the agent left the post without regular leave (a breach), from the
    decision's effective date to ``end_date``."""

    EVENT = ev.AbsenceFromPostRecorded
    end_date: date


@dataclass(frozen=True, kw_only=True)
class NotifyUrgencyLeave(AgentCommand):
    """Art. 16: the head of post notified the minister of an urgency leave."""

    EVENT = ev.UrgencyLeaveNotified
    leave_version: int


@dataclass(frozen=True, kw_only=True)
class PostAgent(AgentCommand):
    """Art. 20: a position; a posting to a post also indexes the agent there."""

    EVENT = ev.Posted
    kind: PositionKind
    post_code: str | None = None
    organisation: str | None = None
    until: date | None = None
    home_minister_agreement_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class DesignateHeadOfPost(AgentCommand):
    """The agent becomes head of the post where they serve."""

    EVENT = ev.HeadOfPostDesignated
    post_code: str


@dataclass(frozen=True, kw_only=True)
class DesignateChargeDAffaires(AgentCommand):
    """Art. 2: chargé d'affaires a.i. during the head of post's absence, impediment or
    leave, or a vacancy (``ground``): the head designates the counsellor, else the
    secretary of the post; else, or for a vacant post, the minister designates any agent."""

    EVENT = ev.ChargeDAffairesDesignated
    post_code: str
    end_date: date | None = None
    designated_by: Authority
    ground: ChargeGround


@dataclass(frozen=True, kw_only=True)
class ConferHonoraryTitle(AgentCommand):
    """Art. 10 (personalities) or Art. 22 (title kept after resignation)."""

    EVENT = ev.HonoraryTitleConferred
    kind: HonoraryKind
    title: str
    uniform: bool = False
    conferred_by: Authority


@dataclass(frozen=True, kw_only=True)
class AcceptResignation(AgentCommand):
    """The agent resigns."""

    EVENT = ev.Resigned


@dataclass(frozen=True, kw_only=True)
class Retire(AgentCommand):
    """Art. 21: retirement."""

    EVENT = ev.Retired


@dataclass(frozen=True, kw_only=True)
class ExtendService(AgentCommand):
    """Art. 21: a head of post kept one more year beyond 65."""

    EVENT = ev.ServiceExtended
    until: date


@dataclass(frozen=True, kw_only=True)
class ReferToDiscipline(AgentCommand):
    """Art. 23, 24: the minister seizes a disciplinary body."""

    EVENT = ev.DisciplinaryReferral
    body: DisciplinaryBody
    facts: str


@dataclass(frozen=True, kw_only=True)
class RecordDisciplinaryDecision(AgentCommand):
    """Art. 24: the decision on a referral."""

    EVENT = ev.DisciplinaryDecision
    referral_version: int
    outcome: Outcome
    until: date | None = None


@dataclass(frozen=True, kw_only=True)
class CorrectEvent(AgentCommand):
    """Corrects (new values for some fields) or annuls an earlier event; both stay in
    the record."""

    EVENT = ev.EventCorrected
    corrected_version: int
    changes: dict[str, Any] = field(default_factory=dict)
    annulled: bool = False


@dataclass(frozen=True, kw_only=True)
class ErasePersonalData(AgentCommand):
    """Erases the agent's personal data of one class (medical, marriage, discipline):
    the fact is recorded and the class's key destroyed; the chain still verifies."""

    EVENT = ev.PersonalDataErased
    data_class: str
    erasure_basis: str


COMMANDS: tuple[type[Command], ...] = (
    RegisterAgent, OpenPost, AppointAttache, AppointAgent, RenewAppointment, RecordLapse,
    PledgeHonour, SwearOath, EnterFunctions, Promote, ConferTitle,
    RequestMarriageAuthorisation, AuthoriseMarriage, RefuseMarriage, RecordMarriage,
    GrantLeave, RecordAbsence, NotifyUrgencyLeave, PostAgent, DesignateHeadOfPost,
    DesignateChargeDAffaires, ConferHonoraryTitle, AcceptResignation, Retire, ExtendService,
    ReferToDiscipline, RecordDisciplinaryDecision, CorrectEvent, ErasePersonalData,
)
"""Every command, in the order the API lists its mutations."""
