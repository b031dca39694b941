"""Builders for tests: decisions, a candidate's Art. 6 file, and a career up to a point.

Every career is recorded through the application's commands, never by writing events.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from agent_records.application import AgentRecords
from agent_records.domain.commands import (
    AppointAttache,
    EnterFunctions,
    OpenPost,
    PledgeHonour,
    PostAgent,
    RegisterAgent,
    RenewAppointment,
    SwearOath,
)
from agent_records.domain.values import (
    Actor,
    AptitudeCertificate,
    ConductAttestation,
    Decision,
    Diploma,
    DiplomaKind,
)

CLERK = Actor("clerk-1", "hr_clerk")


def on(day: str | date, **kw: Any) -> Decision:
    """A decision effective on ``day`` (ISO text or date), recorded by the test clerk."""
    effective = date.fromisoformat(day) if isinstance(day, str) else day
    return Decision(effective, kw.pop("actor", CLERK), **kw)


def art6_file(day: date = date(1948, 6, 15)) -> dict[str, Any]:
    """A complete Art. 6 file issued on ``day``: certificate, conduct, doctorate in law."""
    return {
        "aptitude_certificate": AptitudeCertificate("Dr Weber", True, day),
        "conduct_attestation": ConductAttestation("Parquet général", day),
        "diplomas": (Diploma(DiplomaKind.DOCTORATE_IN_LAW, "LU", "Docteur en droit"),),
    }


def open_legation(app: AgentRecords, code: str = "BRU", city: str = "Bruxelles",
                  country: str = "BE") -> str:
    """Opens a legation and returns its code."""
    app.handle(OpenPost(on("1948-01-01"), code=code, name=f"Légation à {city}", city=city,
                        country=country))
    return code


def serving_attache(app: AgentRecords, *, born: str = "1920-03-01",
                    appointed: str = "1948-07-01", post: str | None = "BRU",
                    renewals: int = 0) -> UUID:
    """Registers, appoints, pledges, swears, enters functions and (optionally) posts.

    The appointment is for one year (Art. 7): without ``renewals`` the attaché is out of
    service a year after ``appointed``. Each renewal, decided on the appointment day,
    renews the term from the end of the current one, keeping a test's later facts in
    service."""
    agent = app.handle(RegisterAgent(on("1948-06-01"), full_name="Jean Schmit",
                                     birth_date=date.fromisoformat(born), nationality="LU"))
    aid = agent.aggregate_id
    day = date.fromisoformat(appointed)
    app.handle(AppointAttache(aid, on(day, decision_reference="AGD-1"), **art6_file(day)))
    app.handle(PledgeHonour(aid, on(day)))
    app.handle(SwearOath(aid, on(day)))
    app.handle(EnterFunctions(aid, on(day)))
    for _ in range(renewals):
        app.handle(RenewAppointment(aid, on(day, decision_reference="AGD-R")))
    if post:
        app.handle(PostAgent(aid, on(day), kind="abroad", post_code=post))
    return aid
