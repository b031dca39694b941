"""The state of an agent's record, derived from its facts, as an immutable value.

Nothing here is stored: the event log is the record and this is what it says on a
given effective date, so every field can be recomputed at any time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from functools import cache
from typing import Any, ClassVar, Protocol, TypeVar

from agent_records.domain.calendar import add_years, age_on
from agent_records.domain.values import (
    ENDED,
    IN_SERVICE,
    AptitudeCertificate,
    Authority,
    Category,
    ChargeGround,
    ConductAttestation,
    Diploma,
    DisciplinaryBody,
    Grade,
    LeaveKind,
    Outcome,
    PositionKind,
    Status,
)


class DataclassInstance(Protocol):
    """Any dataclass: what ``evolve`` copies (as typeshed's protocol of that name)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]


T = TypeVar("T", bound=DataclassInstance)

RETIREMENT_AGE = 65
"""Age of retirement under the civil-service pension law (Art. 21)."""


@cache
def _field_names(cls: type[DataclassInstance]) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


def evolve(obj: T, **changes: Any) -> T:
    """``dataclasses.replace`` for the record's frozen values, without running ``__init__``.

    The fold replaces the state at least twice per fact, and ``replace`` (which rebuilds
    every field through ``__init__``) was the largest cost of evaluating a record: half
    of a rebuild's CPU. These dataclasses have no ``__post_init__`` and no ``init=False``
    fields, so copying the attributes gives the same value; an unknown field name is
    still refused, as ``replace`` refuses it.
    """
    names = _field_names(type(obj))
    if not changes.keys() <= names:  # a subset test builds no set when all are known
        unknown = changes.keys() - names
        raise TypeError(f"{type(obj).__name__} has no field {sorted(unknown)[0]!r}")
    new = object.__new__(type(obj))
    attributes = new.__dict__
    attributes.update(obj.__dict__)
    attributes.update(changes)
    return new


@dataclass(frozen=True)
class Position:
    """A position of active service held from ``since`` to ``ended`` (Art. 20)."""

    version: int
    kind: PositionKind
    since: date
    post_code: str | None = None
    organisation: str | None = None
    until: date | None = None
    ended: date | None = None

    def covers(self, day: date) -> bool:
        """Whether the position is held on ``day``."""
        return self.since <= day and (self.ended is None or day < self.ended)


@dataclass(frozen=True)
class Leave:
    """A leave granted, with the days it counts against the entitlement (Art. 17)."""

    version: int
    kind: LeaveKind
    start: date
    end: date
    travel_days: int
    granted_by: Authority
    notified_on: date | None = None

    @property
    def counted_days(self) -> int:
        """Days counted as leave: the span less travel out and back (Art. 17)."""
        return (self.end - self.start).days + 1 - self.travel_days

    def covers(self, day: date) -> bool:
        """Whether the agent is on leave on ``day``."""
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Absence:
    """Days away from the post without regular leave, as recorded (Art. 14)."""

    version: int
    start: date
    end: date

    def covers(self, day: date) -> bool:
        """Whether the agent was away on ``day``."""
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Charge:
    """A period as chargé d'affaires ad interim at a post (Art. 2), and its ground."""

    version: int
    post_code: str
    start: date
    end: date | None
    designated_by: Authority
    ground: ChargeGround = ChargeGround.NOT_STATED


@dataclass(frozen=True)
class MarriageRequest:
    """A request for the minister's authorisation to marry (Art. 13)."""

    version: int
    spouse_name: str
    spouse_nationality: str
    requested_on: date
    decision: str | None = None
    decided_on: date | None = None


@dataclass(frozen=True)
class Referral:
    """A disciplinary referral and, once decided, its outcome (Art. 23, 24)."""

    version: int
    body: DisciplinaryBody
    referred_on: date
    outcome: Outcome | None = None
    decided_on: date | None = None


@dataclass(frozen=True)
class Breach:
    """A fact the disciplinary council must see, with the article and the event."""

    version: int
    article: str
    code: str
    on: date
    message: str


@dataclass(frozen=True)
class CareerState:
    """What the record says about one person, as of ``as_of`` (the last fact's date)."""

    full_name: str = ""
    birth_date: date = date.min
    nationality: str = ""
    category: Category = Category.DIPLOMATIC
    civil_political_rights: bool = False
    state_official: bool = True
    prior_public_service_days: int = 0
    domicile_country: str = ""
    administrative_grade: str | None = None
    registered_on: date = date.min
    aptitude_certificate: AptitudeCertificate | None = None
    conduct_attestation: ConductAttestation | None = None
    diplomas: tuple[Diploma, ...] = ()
    foreign_diploma_exception: str | None = None
    status: Status = Status.CANDIDATE
    grade: Grade | None = None
    title: Grade | None = None
    service_start: date | None = None
    service_end: date | None = None
    ended_by: str | None = None
    """The article whose dates alone ended the service (Art. 7 term, Art. 21 age limit)."""
    term_end: date | None = None
    renewals: int = 0
    """Renewals that have taken effect: a renewal counts from its term's start (Art. 8)."""
    renewal_starts: tuple[date, ...] = ()
    """The start of each renewed term of the current appointment, in order (Art. 7)."""
    probation_exempted: bool = False
    pledged: bool = False
    sworn: bool = False
    positions: tuple[Position, ...] = ()
    head_of_post: str | None = None
    head_designations: tuple[tuple[str, date], ...] = ()
    grades: tuple[tuple[date, Grade], ...] = ()
    charges: tuple[Charge, ...] = ()
    leaves: tuple[Leave, ...] = ()
    exceptional_leave_days: int = 0
    absences: tuple[Absence, ...] = ()
    leave_counted: tuple[int, int, int, int] | None = None
    """(year, days carried into it, days taken in it, travel days in it) as the last
    annual or urgency leave left them: the fold takes facts in effective order, so
    earlier years can no longer change and no leave counted so far starts after that
    year; the next check counts on from there instead of walking every leave from the
    first posting (a cache, never shown; ``rules.leave.year_account``)."""
    leave_last_end: date | None = None
    """The latest end among ``leaves`` (None: no leave, or not known): a leave starting
    after it overlaps none, and the check need not walk them (a cache, never shown)."""
    marriage_requests: tuple[MarriageRequest, ...] = ()
    married_to: str | None = None
    extensions: tuple[date, ...] = ()
    referrals: tuple[Referral, ...] = ()
    suspended_until: date | None = None
    honorary_titles: tuple[str, ...] = ()
    breaches: tuple[Breach, ...] = ()
    erased: tuple[str, ...] = ()
    """The personal classes erased from the record (data protection), in order."""
    as_of: date = date.min
    versions: tuple[int, ...] = field(default=())

    @property
    def position(self) -> Position | None:
        """The position currently held (the last one not ended)."""
        return next((p for p in reversed(self.positions) if p.ended is None), None)

    def position_on(self, day: date) -> Position | None:
        """The position held on ``day``."""
        return next((p for p in reversed(self.positions) if p.covers(day)), None)

    def leave_on(self, day: date) -> Leave | None:
        """The leave covering ``day``, if any."""
        return next((lv for lv in self.leaves if lv.covers(day)), None)

    def absence_on(self, day: date) -> Absence | None:
        """The recorded absence without leave covering ``day``, if any (Art. 14)."""
        return next((a for a in self.absences if a.covers(day)), None)

    def status_on(self, day: date) -> Status:
        """Status on ``day``: ``on_leave`` while a leave covers it, else the status."""
        if self.status == Status.SERVING and self.leave_on(day):
            return Status.ON_LEAVE
        return self.status

    def age_on(self, day: date) -> int:
        """Age in completed years on ``day``."""
        return age_on(self.birth_date, day)

    @property
    def sixty_fifth_birthday(self) -> date:
        """The day the pension law's age limit is reached (Art. 21)."""
        return add_years(self.birth_date, RETIREMENT_AGE)

    @property
    def service_limit(self) -> date:
        """Last day of permitted activity: 65, or the last yearly extension (Art. 21)."""
        return self.extensions[-1] if self.extensions else self.sixty_fifth_birthday

    def public_service_days_on(self, day: date) -> int:
        """Days of public service on ``day``, declared prior service included (Art. 15)."""
        served = 0
        if self.service_start and day > self.service_start:
            until = min(day, self.service_end) if self.service_end else day
            served = max(0, (until - self.service_start).days)
        return self.prior_public_service_days + served

    @property
    def in_service(self) -> bool:
        """Whether the person can be posted and hold a position.

        Diplomatic agents once appointed; officials of other administrations (chancellors,
        agents with special attributions, ministry officials) until they leave; never a
        personality, who is not an agent (Art. 10).
        """
        if self.category == Category.PERSONALITY:
            return False
        if self.category == Category.DIPLOMATIC:
            return self.status in IN_SERVICE
        return self.status not in ENDED

    @property
    def eligible_for_promotion(self) -> bool:
        """Art. 8: a serving attaché renewed three times (or exempted under Art. 27)."""
        return (
            self.grade == Grade.ATTACHE
            and self.status == Status.SERVING
            and (self.renewals >= 3 or self.probation_exempted)
        )
