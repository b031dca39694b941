"""A plain FastAPI JSON service answering the benchmark's queries from the same data.

It reads the same read models (the query functions of ``projections.views``) and the same
record (``AgentRecords.get_agent`` for a career's history) as the GraphQL service, and
returns the same fields, without GraphQL: the difference is the GraphQL layer's cost.
Run by ``bench/graphql.py``: ``uvicorn --factory bench.plain_api:create_app``, with
``AGENT_RECORDS_STORE`` set.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import FastAPI, HTTPException

from agent_records.bootstrap import open_records
from agent_records.domain.errors import NotFound
from agent_records.domain.events import EventCorrected
from agent_records.integrity.ledger_store import Seal, seals_of
from agent_records.integrity.sealer import LEDGER
from projections.engine.store import ViewStore
from projections.views import posts as post_views
from projections.views.agents import AgentRow, agents_by_id
from projections.views.audit_log import AuditQuery, AuditTrail
from projections.views.posts import PostDirectory, Tenure

AGENT_FIELDS = ("agent_id", "full_name", "category", "grade", "title", "status", "post_code",
                "position_kind", "head_of_post", "oath_sworn", "renewals", "next_renewal_due",
                "eligible_for_promotion", "sixty_fifth_birthday", "service_limit",
                "extensions", "version")
AUDIT_FIELDS = ("position", "stream_id", "stream_kind", "version", "event_type",
                "effective_date", "recorded_at", "actor_id", "actor_role", "legal_basis",
                "decision_reference", "reason", "correlation_id", "post_code",
                "corrects_version", "corrected_by")


def serving(r: Tenure, people: dict[str, AgentRow]) -> dict[str, Any]:
    """A roster entry with its agent, as the GraphQL ``Serving`` fragment selects it."""
    a = people.get(r.agent_id)
    return {"since": r.since, "until": r.until, "grade": r.grade,
            "agent": {"id": a.agent_id, "full_name": a.full_name, "grade": a.grade,
                      "status": a.status} if a else None}


def sealed(seal: Seal | None) -> dict[str, Any]:
    """An event's place in the hash chain, as ``AgentCareer`` selects it."""
    return {"position": seal.position if seal else None, "hash": seal.hash if seal else None,
            "previous_hash": seal.previous if seal else None}


def create_app() -> FastAPI:
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        records = open_records()
        state["records"] = records
        views = ViewStore(records)
        state["views"] = views
        state["posts"] = PostDirectory(views)
        state["audit"] = AuditTrail(views, seals=LEDGER.name)
        try:
            yield
        finally:
            records.close()

    app = FastAPI(title="plain JSON (benchmark)", lifespan=lifespan)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/career/{agent_id}")
    def career(agent_id: str, first: int = 50, after: int = 0) -> dict[str, Any]:
        row = agents_by_id(state["views"], [agent_id]).get(agent_id)
        if row is None:
            raise HTTPException(404, "no such agent")
        out = {k: getattr(row, k) for k in AGENT_FIELDS}
        post = state["posts"].by_code([row.post_code]) if row.post_code else []
        out["post"] = ({k: getattr(post[0], k) for k in ("post_code", "name", "city", "country")}
                       if post else None)
        try:
            record = state["records"].get_agent(UUID(agent_id))
        except NotFound as exc:
            raise HTTPException(404, exc.message) from None
        seals = seals_of(state["views"], agent_id)
        fixes: dict[int, list[int]] = {}
        for e in record.events:
            if isinstance(e, EventCorrected):
                fixes.setdefault(e.corrected_version, []).append(e.originator_version)
        chosen = [e for e in record.events if e.originator_version > after][:min(first, 100)]
        out["history"] = {
            "total_count": len(record.events),
            "has_next_page": bool(chosen) and chosen[-1].originator_version < record.version,
            "end_cursor": chosen[-1].originator_version if chosen else None,
            "events": [{
                "version": e.originator_version, "type": type(e).__name__,
                "effective_date": e.effective_date, "recorded_at": e.timestamp,
                "actor_id": e.actor_id, "actor_role": e.actor_role,
                "legal_basis": e.legal_basis, "decision_reference": e.decision_reference,
                "reason": e.reason, "correlation_id": e.correlation_id,
                "corrects": e.corrected_version if isinstance(e, EventCorrected) else None,
                "corrected_by": fixes.get(e.originator_version, []),
                **sealed(seals.get(e.originator_version)),
            } for e in chosen]}
        return out

    @app.get("/roster/{code}")
    def roster(code: str, on: date) -> dict[str, Any]:
        views = state["views"]
        posts = state["posts"].by_code([code.upper()])
        if not posts:
            raise HTTPException(404, "no such post")
        post = posts[0]
        heads = post_views.heads_on(views, post.post_code, on)
        charges = post_views.charges_on(views, post.post_code, on)
        members = post_views.roster_on(views, post.post_code, on)
        people = agents_by_id(views, sorted({r.agent_id for r in [*heads, *charges, *members]}))

        return {"code": post.post_code, "name": post.name, "city": post.city,
                "country": post.country, "kind": post.kind,
                "head_of_post": serving(heads[-1], people) if heads else None,
                "charges_d_affaires": [serving(r, people) for r in charges],
                "roster": [serving(r, people) for r in members]}

    @app.get("/roster-page/{code}")
    def roster_page(code: str, on: date, first: int = 50, after: int = 0) -> dict[str, Any]:
        views = state["views"]
        posts = state["posts"].by_code([code.upper()])
        if not posts:
            raise HTTPException(404, "no such post")
        rows, total = post_views.roster_page(views, posts[0].post_code, on, after,
                                             min(first, 100))
        people = agents_by_id(views, sorted({r.agent_id for r in rows}))
        return {"code": posts[0].post_code, "name": posts[0].name, "total_count": total,
                "has_next_page": after + len(rows) < total, "end_cursor": after + len(rows),
                "roster": [serving(r, people) for r in rows]}

    @app.get("/audit")
    def audit(agent_id: str | None = None, first: int = 50, after: int = 0
              ) -> dict[str, Any]:
        page = state["audit"].page(AuditQuery(agent_id=agent_id), after, first)
        rows = page.entries
        return {"total_count": page.total, "has_next_page": page.more,
                "end_cursor": rows[-1].position if rows else None,
                "entries": [{k: getattr(r, k) for k in AUDIT_FIELDS} for r in rows]}

    return app
