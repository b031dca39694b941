"""Value objects and vocabularies of the decree of 28 May 1948.

Enumerations are ``StrEnum`` so that they store as their plain value and compare equal
to the string read back from the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

DECREE_DATE = date(1948, 5, 28)
"""The decree's date: agents in office then keep their grade (Art. 27)."""

LUXEMBOURG = "LU"


class Grade(StrEnum):
    """Diplomatic grades, lowest first (Art. 6 to 11)."""

    ATTACHE = "attache"
    SECRETAIRE = "secretaire"
    CONSEILLER = "conseiller"
    ENVOYE = "envoye"

    @property
    def rank(self) -> int:
        """Position on the ladder, 0 for attaché de légation."""
        return list(Grade).index(self)


class Category(StrEnum):
    """Who a person on record is (Art. 3, 10, 25, 26)."""

    DIPLOMATIC = "diplomatic"
    CHANCELLERY = "chancellery"
    SPECIAL_ATTRIBUTIONS = "special_attributions"
    MINISTRY_OFFICIAL = "ministry_official"
    PERSONALITY = "personality"


class Status(StrEnum):
    """Where a person stands in service; ``on_leave`` is derived for a given day."""

    CANDIDATE = "candidate"
    APPOINTED = "appointed"
    SERVING = "serving"
    ON_LEAVE = "on_leave"
    SUSPENDED = "suspended"
    RESIGNED = "resigned"
    RETIRED = "retired"
    LAPSED = "lapsed"
    DISMISSED = "dismissed"
    HONORARY = "honorary"


IN_SERVICE = frozenset({Status.APPOINTED, Status.SERVING, Status.SUSPENDED})
ENDED = frozenset({Status.RESIGNED, Status.RETIRED, Status.DISMISSED, Status.LAPSED})
NOT_APPOINTED = frozenset({Status.CANDIDATE, Status.LAPSED, Status.RESIGNED})


class Authority(StrEnum):
    """Who takes a decision: the sovereign (``Nous``), the minister, a head of post."""

    SOVEREIGN = "sovereign"
    MINISTER = "minister"
    HEAD_OF_POST = "head_of_post"
    COUNCIL = "council_of_ministers"


class PositionKind(StrEnum):
    """Positions of active service (Art. 20) and secondment (Belgian FPS text)."""

    SOVEREIGN_DISPOSAL = "sovereign_disposal"
    ABROAD = "abroad"
    MINISTRY = "ministry"
    OTHER_MINISTRY = "other_ministry"
    SPECIAL_MISSION = "special_mission"
    INTERNATIONAL_ORGANISATION = "international_organisation"


class LeaveKind(StrEnum):
    """Annual (Art. 15), urgency by the head of post (Art. 16), exceptional (Art. 18)."""

    ANNUAL = "annual"
    URGENCY = "urgency"
    EXCEPTIONAL = "exceptional"


class ChargeGround(StrEnum):
    """Why a post needs a chargé d'affaires a.i. (Art. 2): the head of post's absence,
    impediment or leave, or the post's vacancy.

    ``NOT_STATED`` is only for designations recorded before the ground was asked (stored
    as version 1 of ``ChargeDAffairesDesignated``, before 2026): nobody knows which it
    was, and a new designation must state one.
    """

    ABSENCE = "absence"
    IMPEDIMENT = "impediment"
    LEAVE = "leave"
    VACANCY = "vacancy"
    NOT_STATED = "not_stated"


class DiplomaKind(StrEnum):
    """The diplomas Art. 6 names."""

    DOCTORATE_IN_LAW = "doctorate_in_law"
    SECONDARY = "secondary"
    UNIVERSITY = "university"


class HonoraryKind(StrEnum):
    """Art. 10 title for personalities; Art. 22 retention of title on resignation."""

    COMMERCE_EXTERIEUR = "conseiller_du_commerce_exterieur"
    RETAINED_TITLE = "retained_title"


class DisciplinaryBody(StrEnum):
    """Art. 24: heads of post before the Council of Ministers; others, Art. 23 statute."""

    COUNCIL_OF_MINISTERS = "council_of_ministers"
    ORDINARY = "ordinary"


class Outcome(StrEnum):
    """Disciplinary outcomes (penalties under Art. 32 of the law of 8 May 1872)."""

    NO_PENALTY = "no_penalty"
    WARNING = "warning"
    REPRIMAND = "reprimand"
    FINE = "fine"
    SUSPENSION = "suspension"
    DISMISSAL = "dismissal"


@dataclass(frozen=True)
class Diploma:
    """A diploma presented for Art. 6: its kind, country and years of study."""

    kind: DiplomaKind
    country: str
    title: str
    years_of_study: int = 0


@dataclass(frozen=True)
class AptitudeCertificate:
    """Art. 6: physical aptitude, from a doctor the minister designated (medical data)."""

    doctor: str
    doctor_designated_by_minister: bool
    issued_on: date


@dataclass(frozen=True)
class ConductAttestation:
    """Art. 6: irreproachable conduct, attested by whom and when."""

    issued_by: str
    issued_on: date


@dataclass(frozen=True)
class Actor:
    """Who records an event and in which role; the API takes it from the token."""

    id: str
    role: str


@dataclass(frozen=True)
class Decision:
    """What every command carries besides its payload: the audit metadata of Art. N.

    ``effective_date`` is valid time (when it takes effect in the world); the time of
    recording is never supplied here: the service stamps it.
    """

    effective_date: date
    actor: Actor
    decision_reference: str | None = None
    reason: str = ""
    correlation_id: str = ""


VALUE_TYPES: tuple[type, ...] = (Diploma, AptitudeCertificate, ConductAttestation)
"""Value objects stored inside events: the persistence layer registers a transcoding."""
