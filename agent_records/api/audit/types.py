"""The audit trail's types: who recorded what, when, on which legal basis, each entry
with its seal in the hash chain once sealed."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from agent_records.api.types import PageInfo
from projections.views.audit_log import AuditRow


@strawberry.input
class AuditFilter:
    agent_id: strawberry.ID | None = None
    post_code: str | None = None
    actor_id: str | None = None
    article: str | None = None
    event_type: str | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    effective_from: date | None = None
    effective_to: date | None = None


@strawberry.type
class AuditEntry:
    """One row of the audit log: who recorded what, when, on which legal basis."""

    position: int
    stream_id: strawberry.ID
    stream_kind: str
    version: int
    event_type: str
    effective_date: date
    recorded_at: datetime
    actor_id: str
    actor_role: str
    legal_basis: str
    decision_reference: str | None
    reason: str
    correlation_id: str
    post_code: str | None
    corrects_version: int | None
    corrected_by: int | None
    hash: str | None = strawberry.field(
        description="SHA-256 of the event in the hash chain; null until it is sealed.")
    previous_hash: str | None = strawberry.field(
        description="Hash of the event before it in the global log; null until sealed.")


@strawberry.type
class AuditEdge:
    cursor: str
    node: AuditEntry


@strawberry.type
class AuditConnection:
    edges: list[AuditEdge]
    page_info: PageInfo
    total_count: int


def audit_entry(r: AuditRow) -> AuditEntry:
    return AuditEntry(
        position=r.position, stream_id=strawberry.ID(r.stream_id), stream_kind=r.stream_kind,
        version=r.version, event_type=r.event_type,
        effective_date=date.fromisoformat(r.effective_date),
        recorded_at=datetime.fromisoformat(r.recorded_at), actor_id=r.actor_id,
        actor_role=r.actor_role, legal_basis=r.legal_basis,
        decision_reference=r.decision_reference, reason=r.reason,
        correlation_id=r.correlation_id, post_code=r.post_code,
        corrects_version=r.corrects_version, corrected_by=r.corrected_by, hash=r.hash,
        previous_hash=r.previous_hash)
