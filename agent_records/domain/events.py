"""The events of an agent's career, one class per fact of the decree.

Events are facts in the past tense. They are stored forever, so their module path and
class names are their stored topic: never rename or move them; add a ``class_version``
and an ``upcast_vN_vN+1`` static method when a shape must change.

Every event carries the audit metadata of the record: ``effective_date`` (valid time),
``timestamp`` (recorded-at, stamped by the service, never by the client), the actor and
their role, the legal basis (article), the decision reference, the reason and the
correlation id of the request that recorded it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate

from agent_records.domain.values import (
    AptitudeCertificate,
    Authority,
    Category,
    ChargeGround,
    ConductAttestation,
    Diploma,
    DisciplinaryBody,
    Grade,
    HonoraryKind,
    LeaveKind,
    Outcome,
    PositionKind,
)

if TYPE_CHECKING:
    from agent_records.domain.agent import Agent


class CareerEvent(Aggregate.Event):
    """Base of every event of an agent's record, with the audit metadata."""

    ARTICLE: ClassVar[str] = ""
    """The article the fact rests on, unless ``legal_basis_for`` refines it."""

    effective_date: date
    actor_id: str
    actor_role: str
    legal_basis: str
    decision_reference: str | None
    reason: str
    correlation_id: str

    @classmethod
    def legal_basis_for(cls, payload: dict[str, Any]) -> str:
        """The article this fact rests on; subclasses refine it from the payload."""
        return cls.ARTICLE

    def payload(self) -> dict[str, Any]:
        """The fact's own fields, without identity and audit metadata."""
        return {k: v for k, v in vars(self).items() if k not in METADATA_FIELDS}

    def apply(self, aggregate: Agent) -> None:
        """Every fact joins the agent's record; state is derived from the record."""
        aggregate.admit(self)


METADATA_FIELDS = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "effective_date",
        "actor_id",
        "actor_role",
        "legal_basis",
        "decision_reference",
        "reason",
        "correlation_id",
    }
)
CORRECTABLE_METADATA = frozenset({"effective_date", "decision_reference"})


class AgentRegistered(Aggregate.Created, CareerEvent):
    """A person enters the records: the identity facts Art. 6 and Art. 15 rely on."""

    ARTICLE = "Art. 6"
    full_name: str
    birth_date: date
    nationality: str
    category: Category
    civil_political_rights: bool
    state_official: bool
    prior_public_service_days: int
    domicile_country: str
    administrative_grade: str | None


class AttacheAppointed(CareerEvent):
    """Appointment as attaché de légation for one year (Art. 6, Art. 7)."""

    ARTICLE = "Art. 7"
    appointing_authority: Authority
    aptitude_certificate: AptitudeCertificate | None
    conduct_attestation: ConductAttestation | None
    diplomas: tuple[Diploma, ...]
    foreign_diploma_exception: str | None


class AgentAppointed(CareerEvent):
    """Direct appointment at a grade (Art. 9, 11), or kept grade of 1948 (Art. 27)."""

    ARTICLE = "Art. 9"
    grade: Grade
    appointing_authority: Authority
    council_deliberation_ref: str | None
    transitional: bool
    probation_exempted: bool

    @classmethod
    def legal_basis_for(cls, payload: dict[str, Any]) -> str:
        if payload.get("transitional"):
            return "Art. 27"
        return "Art. 11" if payload.get("grade") == Grade.ENVOYE else "Art. 9"


class AppointmentRenewed(CareerEvent):
    """An attaché's one-year appointment is renewed (Art. 7)."""

    ARTICLE = "Art. 7"


class TermLapsed(CareerEvent):
    """An attaché's term ended without renewal: service ends (Art. 7)."""

    ARTICLE = "Art. 7"


class HonourPledged(CareerEvent):
    """The attaché's pledge of honour before entering functions (Art. 7)."""

    ARTICLE = "Art. 7"


class OathSworn(CareerEvent):
    """The oath of the law of 8 May 1872, or a record that it was already sworn (Art. 12)."""

    ARTICLE = "Art. 12"
    already_sworn_as_state_official: bool


class FunctionsEntered(CareerEvent):
    """The agent enters functions; refused without pledge (Art. 7) or oath (Art. 12)."""

    ARTICLE = "Art. 12"


class Promoted(CareerEvent):
    """Promotion to a higher grade (Art. 8, 9, 11)."""

    ARTICLE = "Art. 9"
    to_grade: Grade
    appointing_authority: Authority
    council_deliberation_ref: str | None

    @classmethod
    def legal_basis_for(cls, payload: dict[str, Any]) -> str:
        grade = payload.get("to_grade")
        if grade == Grade.ENVOYE:
            return "Art. 11"
        return "Art. 8" if grade == Grade.SECRETAIRE else "Art. 9"


class TitleConferred(CareerEvent):
    """Title of attaché or secretary conferred on a chef de bureau (Art. 26)."""

    ARTICLE = "Art. 26"
    title: Grade


class MarriageAuthorisationRequested(CareerEvent):
    """An agent asks the minister's prior authorisation to marry (Art. 13)."""

    ARTICLE = "Art. 13"
    spouse_name: str
    spouse_nationality: str
    intended_date: date | None


class MarriageAuthorised(CareerEvent):
    """The minister authorises the marriage (Art. 13)."""

    ARTICLE = "Art. 13"
    request_version: int
    exception_justification: str | None


class MarriageAuthorisationRefused(CareerEvent):
    """The minister refuses the authorisation (Art. 13)."""

    ARTICLE = "Art. 13"
    request_version: int


class MarriageRecorded(CareerEvent):
    """A marriage took place; without prior authorisation it is a breach (Art. 13)."""

    ARTICLE = "Art. 13"
    spouse_name: str
    spouse_nationality: str
    request_version: int | None


class LeaveGranted(CareerEvent):
    """Leave from ``effective_date`` to ``end_date`` inclusive (Art. 14 to 18).

    Version 2 separates travel days (Art. 17: not counted as leave). Version 1 had no
    ``travel_days``: such a record counted every day as leave.
    """

    ARTICLE = "Art. 15"
    class_version = 2
    kind: LeaveKind
    end_date: date
    travel_days: int
    granted_by: Authority
    council_deliberation_ref: str | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A version 1 leave counted its whole span: no travel days were separated."""
        state["travel_days"] = 0

    @classmethod
    def legal_basis_for(cls, payload: dict[str, Any]) -> str:
        kind = payload.get("kind")
        if kind == LeaveKind.EXCEPTIONAL:
            return "Art. 18"
        return "Art. 16" if kind == LeaveKind.URGENCY else "Art. 15"


class AbsenceFromPostRecorded(CareerEvent):
    """An absence from the post without regular leave, listed as a breach (Art. 14).

    From ``effective_date`` to ``end_date`` inclusive: a fact that came to light, not a
    request, so it is recorded rather than refused.
    """

    ARTICLE = "Art. 14"
    end_date: date


class UrgencyLeaveNotified(CareerEvent):
    """The head of post notified the minister of an urgency leave (Art. 16)."""

    ARTICLE = "Art. 16"
    leave_version: int


class Posted(CareerEvent):
    """A position of active service (Art. 20) or a secondment (at most two years)."""

    ARTICLE = "Art. 20"
    kind: PositionKind
    post_code: str | None
    organisation: str | None
    until: date | None
    home_minister_agreement_ref: str | None


class HeadOfPostDesignated(CareerEvent):
    """The agent becomes head of the post where they serve."""

    ARTICLE = "Art. 2"
    post_code: str


class ChargeDAffairesDesignated(CareerEvent):
    """Chargé d'affaires ad interim at a post, from ``effective_date`` (Art. 2).

    Version 2 states the ground: the head of post's absence, impediment or leave, or the
    post's vacancy. Version 1 did not: such a record reads ``not_stated``.
    """

    ARTICLE = "Art. 2"
    class_version = 2
    post_code: str
    end_date: date | None
    designated_by: Authority
    ground: ChargeGround

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A version 1 designation did not say why the post needed a chargé."""
        state["ground"] = ChargeGround.NOT_STATED.value


class HonoraryTitleConferred(CareerEvent):
    """Honorary title: conseiller du Commerce extérieur (Art. 10) or kept title (Art. 22)."""

    ARTICLE = "Art. 10"
    kind: HonoraryKind
    title: str
    uniform: bool
    conferred_by: Authority

    @classmethod
    def legal_basis_for(cls, payload: dict[str, Any]) -> str:
        return "Art. 22" if payload.get("kind") == HonoraryKind.RETAINED_TITLE else "Art. 10"


class Resigned(CareerEvent):
    """The agent's resignation is accepted (statute, Art. 23; Art. 22 for the title)."""

    ARTICLE = "Art. 23"


class Retired(CareerEvent):
    """Retirement under the civil-service pension law (Art. 21)."""

    ARTICLE = "Art. 21"


class ServiceExtended(CareerEvent):
    """A head of post kept in activity beyond 65 for one more year (Art. 21)."""

    ARTICLE = "Art. 21"
    until: date


class DisciplinaryReferral(CareerEvent):
    """The minister seizes a disciplinary body (Art. 23, 24)."""

    ARTICLE = "Art. 23"
    body: DisciplinaryBody
    facts: str

    @classmethod
    def legal_basis_for(cls, payload: dict[str, Any]) -> str:
        council = payload.get("body") == DisciplinaryBody.COUNCIL_OF_MINISTERS
        return "Art. 24" if council else "Art. 23"


class DisciplinaryDecision(CareerEvent):
    """The body's decision on a referral (Art. 24; law of 8 May 1872, Art. 32)."""

    ARTICLE = "Art. 24"
    referral_version: int
    outcome: Outcome
    until: date | None


class PersonalDataErased(CareerEvent):
    """Personal data of one class erased from the record under data-protection law.

    The facts stay and the chain over them still verifies: the store destroys the
    agent's key of that class (``agent_records.keys``), so the encrypted values read as
    erased from then on. The legal basis is the text the erasure rests on (an article of
    the data-protection law, the retention schedule), given by whoever orders it."""

    ARTICLE = "data protection"
    data_class: str
    erasure_basis: str

    @classmethod
    def legal_basis_for(cls, payload: dict[str, Any]) -> str:
        return str(payload.get("erasure_basis") or cls.ARTICLE)


class EventCorrected(CareerEvent):
    """Corrects an earlier event: new values for some of its fields, or its annulment.

    Nothing is deleted: the corrected event stays in the log, and every view shows the
    record as corrected. ``changes`` maps field names to their corrected values.
    """

    ARTICLE = "Correction"
    corrected_version: int
    changes: dict[str, Any]
    annulled: bool
