"""The class of every field of every event and of every value object stored in one.

A new event type, or a new field of one, must be added here (the unit test
``test_every_event_field_has_a_class`` fails until it is). A field this module does not
know (an event from a newer version, a field since removed) is treated as if it held
every class: only a role that reads every class sees it.
"""

from __future__ import annotations

from agent_records.domain.classification.classes import EVERY_CLASS, PERSONAL, DataClass
from agent_records.domain.events import (
    AbsenceFromPostRecorded,
    AgentAppointed,
    AgentRegistered,
    AppointmentRenewed,
    AttacheAppointed,
    ChargeDAffairesDesignated,
    DisciplinaryDecision,
    DisciplinaryReferral,
    EventCorrected,
    FunctionsEntered,
    HeadOfPostDesignated,
    HonoraryTitleConferred,
    HonourPledged,
    LeaveGranted,
    MarriageAuthorisationRefused,
    MarriageAuthorisationRequested,
    MarriageAuthorised,
    MarriageRecorded,
    OathSworn,
    PersonalDataErased,
    Posted,
    Promoted,
    Resigned,
    Retired,
    ServiceExtended,
    TermLapsed,
    TitleConferred,
    UrgencyLeaveNotified,
)
from agent_records.domain.post import PostMemberJoined, PostOpened
from agent_records.domain.values import AptitudeCertificate, ConductAttestation, Diploma

C, A, ID = DataClass.CAREER, DataClass.AUDIT, DataClass.IDENTITY
M, W, D = DataClass.MEDICAL, DataClass.MARRIAGE, DataClass.DISCIPLINE

METADATA: dict[str, DataClass] = {
    "originator_id": A, "originator_version": A, "originator_topic": A, "timestamp": A,
    "effective_date": C, "actor_id": A, "actor_role": A, "legal_basis": A,
    "decision_reference": A, "reason": A, "correlation_id": A,
}
"""The audit metadata every event carries (``CareerEvent``). The effective date is a
career fact: when a decision took effect (a rule may tie it to a birth date, as Art. 21
ties an extension to the 65th birthday: the decision's date is still public)."""

EVENT_FIELDS: dict[type, dict[str, DataClass]] = {
    AgentRegistered: {"full_name": C, "birth_date": ID, "nationality": ID, "category": C,
                      "civil_political_rights": ID, "state_official": C,
                      "prior_public_service_days": C, "domicile_country": ID,
                      "administrative_grade": C},
    AttacheAppointed: {"appointing_authority": C, "aptitude_certificate": M,
                       "conduct_attestation": ID, "diplomas": C, "foreign_diploma_exception": C},
    AgentAppointed: {"grade": C, "appointing_authority": C, "council_deliberation_ref": C,
                     "transitional": C, "probation_exempted": C},
    AppointmentRenewed: {}, TermLapsed: {}, HonourPledged: {}, FunctionsEntered: {},
    OathSworn: {"already_sworn_as_state_official": C},
    Promoted: {"to_grade": C, "appointing_authority": C, "council_deliberation_ref": C},
    TitleConferred: {"title": C},
    MarriageAuthorisationRequested: {"spouse_name": W, "spouse_nationality": W,
                                     "intended_date": W},
    MarriageAuthorised: {"request_version": W, "exception_justification": W},
    MarriageAuthorisationRefused: {"request_version": W},
    MarriageRecorded: {"spouse_name": W, "spouse_nationality": W, "request_version": W},
    LeaveGranted: {"kind": C, "end_date": C, "travel_days": C, "granted_by": C,
                   "council_deliberation_ref": C},
    UrgencyLeaveNotified: {"leave_version": C},
    Posted: {"kind": C, "post_code": C, "organisation": C, "until": C,
             "home_minister_agreement_ref": C},
    HeadOfPostDesignated: {"post_code": C},
    ChargeDAffairesDesignated: {"post_code": C, "end_date": C, "designated_by": C,
                                "ground": C},
    HonoraryTitleConferred: {"kind": C, "title": C, "uniform": C, "conferred_by": C},
    # Art. 14: an absence without regular leave is a breach for the council.
    AbsenceFromPostRecorded: {"end_date": D},
    Resigned: {}, Retired: {},
    ServiceExtended: {"until": C},
    DisciplinaryReferral: {"body": D, "facts": D},
    DisciplinaryDecision: {"referral_version": D, "outcome": D, "until": D},
    EventCorrected: {"corrected_version": A, "changes": C, "annulled": A},
    PersonalDataErased: {"data_class": A, "erasure_basis": A},
    PostOpened: {"code": C, "name": C, "city": C, "country": C, "kind": C},
    PostMemberJoined: {"agent_id": C},
}
"""Each event type's own fields (its payload) and their classes. ``EventCorrected.changes``
is the container: each changed value has the class of the field it corrects
(``change_classes``), so a correction of ``spouse_name`` is marriage data."""

VALUE_FIELDS: dict[type, dict[str, DataClass]] = {
    AptitudeCertificate: {"doctor": M, "doctor_designated_by_minister": M, "issued_on": M},
    ConductAttestation: {"issued_by": ID, "issued_on": ID},
    Diploma: {"kind": C, "country": C, "title": C, "years_of_study": C},
}
"""The fields of the value objects stored inside events."""

VALUE_OF: dict[tuple[type, str], type] = {
    (AttacheAppointed, "aptitude_certificate"): AptitudeCertificate,
    (AttacheAppointed, "conduct_attestation"): ConductAttestation,
    (AttacheAppointed, "diplomas"): Diploma,
}
"""Which value object an event field holds (one, or a sequence of them)."""

_TOPICS = {f"{cls.__module__}:{cls.__qualname__}": cls for cls in EVENT_FIELDS}
_ANYWHERE: dict[str, frozenset[DataClass]] = {}
for _fields in (METADATA, *EVENT_FIELDS.values()):
    for _name, _cls in _fields.items():
        _ANYWHERE[_name] = _ANYWHERE.get(_name, frozenset()) | {_cls}


def event_class_of_topic(topic: str) -> type | None:
    """The event class stored under ``topic`` (``module:Class``), if classified."""
    return _TOPICS.get(topic)


def field_class(event_cls: type | None, name: str) -> frozenset[DataClass]:
    """The class of field ``name`` of ``event_cls`` (metadata included), as a set: every
    class when the field (or the event type, None) is not classified."""
    if name in METADATA:
        return frozenset({METADATA[name]})
    cls = EVENT_FIELDS.get(event_cls, {}).get(name) if event_cls else None
    return frozenset({cls}) if cls else EVERY_CLASS


def change_classes(name: str, corrected_cls: type | None) -> frozenset[DataClass]:
    """The class of a corrected value: that of the field it corrects in ``corrected_cls``;
    when the corrected type is not known, every class the name has in any event."""
    if corrected_cls is not None:
        return field_class(corrected_cls, name)
    return _ANYWHERE.get(name, EVERY_CLASS)


def value_type(event_cls: type | None, name: str) -> type | None:
    """The value object class field ``name`` of ``event_cls`` holds, if any."""
    return VALUE_OF.get((event_cls, name)) if event_cls else None


def value_class(value_cls: type, name: str) -> frozenset[DataClass]:
    cls = VALUE_FIELDS.get(value_cls, {}).get(name)
    return frozenset({cls}) if cls else EVERY_CLASS


def personal_fields(event_cls: type) -> dict[str, DataClass]:
    """The personal fields of an event type and their classes (what erasure erases, but
    for ``FOLDED``). Corrections carry personal data in ``changes`` when they correct a
    personal field."""
    return {n: c for n, c in EVENT_FIELDS.get(event_cls, {}).items() if c in PERSONAL}


FOLDED = frozenset({"request_version", "referral_version", "outcome", "until", "end_date",
                    "body"})
"""Personal fields stored in clear and kept by erasure: the fold derives career facts
from them (which request an authorisation answers, Art. 13; the referring body and a
disciplinary outcome and its end, which make the status, Art. 23, 24; an absence's end,
the span of an Art. 14 breach). Read by the same roles as their class; not erased."""

KEPT = "-kept"
"""Suffix of the key class of values erasure keeps (``FOLDED``): encrypted like the
others, with a key of the agent that erasure does not destroy."""


def _key_class(name: str, classes: frozenset[DataClass]) -> tuple[DataClass, str]:
    personal = sorted(classes & PERSONAL)
    erasable = name not in FOLDED and classes <= PERSONAL and len(personal) == 1
    return personal[0], personal[0].value + ("" if erasable else KEPT)


SEALED: dict[type, dict[str, tuple[DataClass, str]]] = {
    cls: {n: _key_class(n, frozenset({c})) for n, c in personal_fields(cls).items()}
    for cls in EVENT_FIELDS}
"""The fields of each event type stored encrypted: each field's class and the class of
the agent's key that seals it (the field's class, or ``<class>-kept`` for ``FOLDED``)."""

SEALED_CHANGES: dict[str, tuple[DataClass, str]] = {
    name: _key_class(name, classes) for name, classes in _ANYWHERE.items()
    if classes & PERSONAL}
"""The corrected values stored encrypted, by field name: a correction is stored without
the type of the event it corrects, so a name personal in one class only is sealed with
that class's key, and one with several classes (``end_date``: career in a leave,
discipline in an absence) with a key erasure keeps."""

