"""The ``audit_log`` view: one row per event, for the disciplinary council.

Filters by agent (stream), post, actor, article, event type, and both time axes
(effective date, recorded-at) are indexed. A correction fills ``corrected_by`` on the
row of the event it corrects; both rows stay.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent_records.domain.events import CareerEvent, EventCorrected
from agent_records.domain.post import PostMemberJoined, PostOpened
from projections.engine.base import AgentLoader, Batch, Stream, Table, TableRows, View, iso
from projections.engine.store import Sql


class AuditLogView(View):
    """Every event with its audit metadata, in the order of the global log."""

    name = "audit_log"
    tables = (Table(
        "audit_log",
        "position BIGINT NOT NULL, stream_id TEXT NOT NULL, stream_kind TEXT, "
        "version INTEGER NOT NULL, event_type TEXT, effective_date TEXT, recorded_at TEXT, "
        "actor_id TEXT, actor_role TEXT, legal_basis TEXT, decision_reference TEXT, "
        "reason TEXT, correlation_id TEXT, post_code TEXT, corrects_version INTEGER, "
        "corrected_by INTEGER",
        "position",
        ("stream_id, version", "actor_id", "legal_basis", "event_type", "effective_date",
         "recorded_at", "post_code"),
    ),)

    @staticmethod
    def post_of(event: CareerEvent, earlier: Callable[[int], str | None]) -> str | None:
        """The post an event names, or (``earlier``: the post of a version of the same
        stream) the post of the event a correction corrects."""
        if isinstance(event, PostOpened):
            return event.code
        if isinstance(event, EventCorrected):
            if "post_code" in event.changes:
                return event.changes["post_code"]
            return earlier(event.corrected_version)
        return getattr(event, "post_code", None)

    @staticmethod
    def row(position: int, e: Any, post_code: str | None,
            corrected_by: int | None = None) -> tuple[Any, ...]:
        """The audit row of an event (``corrected_by``: the last correction of it)."""
        kind = "post" if isinstance(e, PostOpened | PostMemberJoined) else "agent"
        corrects = e.corrected_version if isinstance(e, EventCorrected) else None
        return (position, str(e.originator_id), kind, e.originator_version, type(e).__name__,
                iso(e.effective_date), e.timestamp.isoformat(), e.actor_id, e.actor_role,
                e.legal_basis, e.decision_reference, e.reason, e.correlation_id,
                post_code, corrects, corrected_by)

    def stream_rows(self, stream: Stream) -> TableRows:
        """Every event's row; corrections known from the stream itself."""
        posts: dict[int, str | None] = {}
        corrected_by: dict[int, int] = {}
        for _, e in stream.events:
            posts[e.originator_version] = self.post_of(e, posts.get)
            if isinstance(e, EventCorrected):
                corrected_by[e.corrected_version] = e.originator_version  # the last wins
        return {"audit_log": [
            self.row(position, e, posts[e.originator_version],
                     corrected_by.get(e.originator_version))
            for position, e in stream.events]}

    def process(self, sql: Sql, batch: Batch, load: AgentLoader) -> None:
        self.check_known(batch)
        insert = self.q("INSERT INTO {audit_log} VALUES (" + ", ".join("?" * 16) + ")")
        for position, event in batch:
            stream = str(event.originator_id)

            def earlier(version: int, stream: str = stream) -> str | None:
                row = sql.execute(self.q("SELECT post_code FROM {audit_log} WHERE "
                                         "stream_id = ? AND version = ?"),
                                  (stream, version)).fetchone()
                return row["post_code"] if row else None

            sql.execute(insert, self.row(position, event, self.post_of(event, earlier)))
            if isinstance(event, EventCorrected):
                sql.execute(self.q("UPDATE {audit_log} SET corrected_by = ? WHERE stream_id = ? "
                                   "AND version = ?"),
                            (event.originator_version, stream, event.corrected_version))
