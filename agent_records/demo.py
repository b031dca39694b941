"""Deterministic demo careers, recorded through the application's commands only.

Every career is valid under the decree: appointments from 1948, renewals, oath and
pledge, postings to the legations of the time, leave, promotions, marriages (one without
authorisation: a breach for the council), a chargé d'affaires a.i., honorary conseillers
du Commerce extérieur, retirements and an extension beyond 65, a disciplinary case and
corrections. The same ``count`` and ``seed`` always give the same careers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from agent_records.application import AgentRecords
from agent_records.domain.calendar import add_years
from agent_records.domain.commands import (
    AcceptResignation,
    AppointAgent,
    AppointAttache,
    AuthoriseMarriage,
    ConferHonoraryTitle,
    CorrectEvent,
    DesignateChargeDAffaires,
    DesignateHeadOfPost,
    EnterFunctions,
    ExtendService,
    GrantLeave,
    OpenPost,
    PledgeHonour,
    PostAgent,
    Promote,
    RecordDisciplinaryDecision,
    RecordLapse,
    RecordMarriage,
    ReferToDiscipline,
    RegisterAgent,
    RenewAppointment,
    RequestMarriageAuthorisation,
    Retire,
    SwearOath,
)
from agent_records.domain.events import LeaveGranted
from agent_records.domain.values import (
    Actor,
    AptitudeCertificate,
    Authority,
    Category,
    ChargeGround,
    ConductAttestation,
    Decision,
    Diploma,
    DiplomaKind,
    DisciplinaryBody,
    Grade,
    HonoraryKind,
    Outcome,
    PositionKind,
)

DEMO_ACTOR = Actor("demo-loader", "hr_officer")
LEGATIONS = [
    ("BRU", "Légation à Bruxelles", "Bruxelles", "BE"),
    ("PAR", "Légation à Paris", "Paris", "FR"),
    ("HAG", "Légation à La Haye", "La Haye", "NL"),
    ("LON", "Légation à Londres", "Londres", "GB"),
    ("WAS", "Légation à Washington", "Washington", "US"),
    ("BON", "Légation à Bonn", "Bonn", "DE"),
    ("ROM", "Légation à Rome", "Rome", "IT"),
    ("BER", "Légation à Berne", "Berne", "CH"),
]
GIVEN = ["Jean", "Marie", "Pierre", "Anne", "Nicolas", "Catherine", "Joseph", "Marguerite",
         "Paul", "Hélène", "Victor", "Lucie", "Henri", "Madeleine", "Robert", "Simone"]
FAMILY = ["Schmit", "Weber", "Muller", "Wagner", "Hoffmann", "Thill", "Kieffer", "Reuter",
          "Majerus", "Bernard", "Kremer", "Schroeder", "Faber", "Welter", "Hansen", "Ries"]


def on(day: date, ref: str | None = None, reason: str = "") -> Decision:
    """A demo decision effective on ``day``."""
    return Decision(day, DEMO_ACTOR, decision_reference=ref, reason=reason)


@dataclass
class Career:
    """One demo agent's career being recorded."""

    app: AgentRecords
    rng: random.Random
    index: int
    born: date = date(1920, 1, 1)
    start: date = date(1948, 7, 1)
    post: str = "BRU"
    _agent_id: UUID | None = field(default=None, init=False, repr=False)

    @property
    def agent_id(self) -> UUID:
        """The id ``register`` received: every later step needs it, so asking earlier is a bug."""
        if self._agent_id is None:
            raise RuntimeError(f"demo career {self.index} is not registered yet")
        return self._agent_id

    def register(self) -> None:
        rng = self.rng
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
        self.born = date(1915 + self.index % 9, 1 + self.index % 12, 1 + self.index % 28)
        self.start = max(date(1948, 7, 1) + timedelta(days=30 * (self.index % 24)),
                         add_years(self.born, 25))
        receipt = self.app.handle(RegisterAgent(on(date(1948, 6, 1)), full_name=name,
                                                birth_date=self.born, nationality="LU"))
        self._agent_id = receipt.aggregate_id
        self.post = LEGATIONS[self.index % len(LEGATIONS)][0]

    def enter(self) -> None:
        """Art. 6, 7, 12: appointment, pledge, oath, entry into functions, posting."""
        aid, day = self.agent_id, self.start
        file = day - timedelta(days=14)
        self.app.handle(AppointAttache(
            aid, on(day, f"AGD {day.year}/{self.index + 1}"),
            aptitude_certificate=AptitudeCertificate("Dr Faber", True, file),
            conduct_attestation=ConductAttestation("Parquet général", file),
            diplomas=(Diploma(DiplomaKind.DOCTORATE_IN_LAW, "LU", "Docteur en droit"),)))
        self.app.handle(PledgeHonour(aid, on(day)))
        self.app.handle(SwearOath(aid, on(day)))
        self.app.handle(EnterFunctions(aid, on(day)))
        self.app.handle(PostAgent(aid, on(day, f"AM {day.year}/P{self.index}"),
                                  kind=PositionKind.ABROAD, post_code=self.post))

    def renew(self, times: int) -> None:
        for year in range(1, times + 1):
            day = add_years(self.start, year)
            self.app.handle(RenewAppointment(self.agent_id,
                                             on(day, f"AGD {self.start.year + year}/R")))

    def leave(self, year: int, days: int = 20) -> None:
        first = date(year, 8, 1)
        self.app.handle(GrantLeave(self.agent_id, on(first, f"AM {year}/L{self.index}"),
                                   end_date=first + timedelta(days=days + 1), travel_days=2))

    def promote(self, day: date, grade: Grade, council: str | None = None) -> None:
        self.app.handle(Promote(self.agent_id, on(day, f"AGD {day.year}/G{self.index}"),
                                to_grade=grade, council_deliberation_ref=council))


def _career(career: Career,
            until_end: Callable[[Career, int], None] | None = None) -> None:
    """The common path: entry, three renewals, leave, promotion; variants by index.

    ``until_end(career, year)`` runs before the end of service (resignation in ``year``,
    or retirement) is recorded: the benchmarks' long careers add a leave every year there.
    """
    career.register()
    career.enter()
    i, start = career.index, career.start
    if i % 11 == 10:
        career.renew(1)
        term_end = add_years(start, 2)
        career.app.handle(RecordLapse(career.agent_id, on(term_end, reason="term not renewed")))
        return
    career.renew(3)
    for year in range(start.year + 1, start.year + 4):
        career.leave(year)
    career.promote(add_years(start, 3) + timedelta(days=30), Grade.SECRETAIRE)
    if i % 3 == 0:
        career.promote(add_years(start, 10), Grade.CONSEILLER)
    if i % 5 == 0:
        _marry(career, authorised=i % 10 == 0)
    if i % 7 == 3:
        if until_end:
            until_end(career, add_years(start, 12).year)
        career.app.handle(AcceptResignation(career.agent_id, on(add_years(start, 12))))
        titled = add_years(start, 12) + timedelta(days=60)
        career.app.handle(ConferHonoraryTitle(
            career.agent_id, on(titled, "AGD titre"), kind=HonoraryKind.RETAINED_TITLE,
            title="secrétaire de légation honoraire", conferred_by=Authority.SOVEREIGN,
            uniform=True))
        return
    if until_end:
        until_end(career, add_years(career.born, 65).year)
    career.app.handle(Retire(career.agent_id, on(add_years(career.born, 65), reason="age limit")))


def _marry(career: Career, authorised: bool) -> None:
    """Art. 13: with prior authorisation, or without it (a breach for the council)."""
    day = add_years(career.start, 5)
    app, aid = career.app, career.agent_id
    if authorised:
        req = app.handle(RequestMarriageAuthorisation(aid, on(day), spouse_name="Claire Hansen",
                                                      spouse_nationality="LU"))
        app.handle(AuthoriseMarriage(aid, on(day + timedelta(days=20), "AM mariage"),
                                     request_version=req.version))
    app.handle(RecordMarriage(aid, on(day + timedelta(days=60)), spouse_name="Claire Hansen",
                              spouse_nationality="LU",
                              request_version=req.version if authorised else None))


def _head_of_post_team(app: AgentRecords, rng: random.Random) -> None:
    """An envoy heading Bern with a counsellor: chargé a.i., extension beyond 65, discipline."""
    envoy = Career(app, rng, 0, post="BER")
    envoy.register()
    aid = envoy.agent_id
    envoy_born = envoy.born
    app.handle(AppointAgent(aid, on(date(1948, 9, 1), "AGD 1948/E"), grade=Grade.ENVOYE,
                            council_deliberation_ref="Conseil de gouvernement 1948/31"))
    app.handle(SwearOath(aid, on(date(1948, 9, 1))))
    app.handle(EnterFunctions(aid, on(date(1948, 9, 1))))
    app.handle(PostAgent(aid, on(date(1948, 9, 1)), kind=PositionKind.ABROAD, post_code="BER"))
    app.handle(DesignateHeadOfPost(aid, on(date(1948, 9, 2), "AGD 1948/H"), post_code="BER"))
    deputy = Career(app, rng, 1, post="BER")
    deputy.register()
    app.handle(AppointAgent(deputy.agent_id, on(date(1948, 10, 1), "AGD 1948/C"),
                            grade=Grade.CONSEILLER,
                            council_deliberation_ref="Conseil de gouvernement 1948/40"))
    app.handle(SwearOath(deputy.agent_id, on(date(1948, 10, 1))))
    app.handle(EnterFunctions(deputy.agent_id, on(date(1948, 10, 1))))
    app.handle(PostAgent(deputy.agent_id, on(date(1948, 10, 1)), kind=PositionKind.ABROAD,
                         post_code="BER"))
    leave = date(1950, 7, 1)
    app.handle(GrantLeave(aid, on(leave, "AGD 1950/congé"), end_date=leave + timedelta(days=24),
                          granted_by=Authority.SOVEREIGN, travel_days=2))
    app.handle(DesignateChargeDAffaires(
        deputy.agent_id, on(leave, reason="head of post on leave"), post_code="BER",
        designated_by=Authority.HEAD_OF_POST, end_date=leave + timedelta(days=24),
        ground=ChargeGround.LEAVE))
    ref = app.handle(ReferToDiscipline(
        aid, on(date(1955, 3, 1), "AM 1955/D"), body=DisciplinaryBody.COUNCIL_OF_MINISTERS,
        facts="correspondence with another administration without authorisation (Art. 4)"))
    app.handle(RecordDisciplinaryDecision(aid, on(date(1955, 6, 1), "Conseil 1955/12"),
                                          referral_version=ref.version,
                                          outcome=Outcome.REPRIMAND))
    limit = add_years(envoy_born, 65)
    app.handle(ExtendService(aid, on(limit, "AGD prorogation 1"), until=add_years(limit, 1)))
    app.handle(Retire(aid, on(add_years(limit, 1), reason="end of extension")))
    app.handle(Retire(deputy.agent_id, on(add_years(deputy.born, 65))))


def _personalities(app: AgentRecords) -> None:
    """Art. 10: honorary conseillers du Commerce extérieur, domiciled abroad."""
    for name, country in (("Albert Lambert", "BE"), ("Émile Darnand", "FR")):
        person = app.handle(RegisterAgent(on(date(1952, 1, 10)), full_name=name,
                                          birth_date=date(1900, 5, 5), nationality=country,
                                          category=Category.PERSONALITY,
                                          domicile_country=country,
                                          state_official=False))
        app.handle(ConferHonoraryTitle(
            person.aggregate_id, on(date(1952, 2, 1), "AM 1952/CCE"),
            kind=HonoraryKind.COMMERCE_EXTERIEUR, title="conseiller du Commerce extérieur",
            conferred_by=Authority.MINISTER))


def _correction(app: AgentRecords, agent_id: UUID) -> None:
    """A leave recorded with the wrong end date, corrected: both stay in the record."""
    agent = app.get_agent(agent_id)
    leave = next(e for e in agent.events if isinstance(e, LeaveGranted))
    why = "end date misread from the ministerial decision"
    app.handle(CorrectEvent(agent_id, on(leave.effective_date, reason=why),
                            corrected_version=leave.originator_version,
                            changes={"end_date": leave.end_date - timedelta(days=3)}))


def load_demo(app: AgentRecords, count: int = 12, seed: int = 1948,
              progress: Callable[[int, int], None] | None = None) -> list[UUID]:
    """Records ``count`` careers (at least the team of Bern) and returns the agent ids."""
    rng = random.Random(seed)
    for code, name, city, country in LEGATIONS:
        app.handle(OpenPost(on(date(1945, 1, 1)), code=code, name=name, city=city,
                            country=country))
    _head_of_post_team(app, rng)
    _personalities(app)
    ids: list[UUID] = []
    for i in range(2, max(count, 2)):
        career = Career(app, rng, i)
        _career(career)
        ids.append(career.agent_id)
        if progress:
            progress(i - 1, count - 2)
    if ids:
        _correction(app, ids[0])
    return ids
