"""``GET /export.jsonl``: the archives fetch a JSON Lines export over HTTP, streamed.

Plain HTTP rather than GraphQL: an export is a file of any size, sent in chunks as it
is read from the store (constant memory on both sides), with the same filters as the
``export`` command. A bearer token whose role has the ``export`` permission is needed
(401 without a valid token, 403 without the permission); personal data (every class
some role may not read, ``domain.classification.PERSONAL``) are included only on request
and only for a role that reads every class of them; otherwise all are withheld, so the
archivist never receives what the API hides from it. With a hot standby, the export
is sealed on the primary and read from the standby once it has replayed those seals
(``agent_records.replica``), from the primary otherwise.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse

from agent_records.api.auth import Permission
from agent_records.api.dependencies import PrincipalDep, ServicesDep
from agent_records.archive.export import sealed_head, stream_jsonl
from agent_records.archive.records import ExportError, Selection
from agent_records.domain.classification import PERSONAL
from projections.engine.base import ProjectionStopped

router = APIRouter()


@router.get("/export.jsonl", response_class=StreamingResponse)
def export_jsonl(principal: PrincipalDep, services: ServicesDep, agent: str | None = None,
                 post: str | None = None, effective_from: date | None = None,
                 effective_to: date | None = None, recorded_from: datetime | None = None,
                 recorded_to: datetime | None = None, since_position: int = 0,
                 include_personal_data: bool = False) -> StreamingResponse:
    """The sealed log (or a selection) as JSON Lines, in log order, streamed."""
    if not principal.may(Permission.EXPORT):
        raise HTTPException(403, f"the role {principal.role} may not export the record")
    if include_personal_data and not principal.reads(PERSONAL):
        raise HTTPException(403, f"the role {principal.role} may not export personal data")
    try:
        selection = Selection(agent, post, effective_from, effective_to, recorded_from,
                              recorded_to, since_position)
    except ExportError as exc:
        raise HTTPException(400, str(exc)) from None
    if services.inline_projections:
        # seals under the service's projection lock; the ledger runs first and seals
        # raw bytes, so a view stopped by a poison event does not stop the export
        with contextlib.suppress(ProjectionStopped):
            services.project()
    sealed = sealed_head(services.records, sealing=not services.inline_projections,
                         store=services.views)
    if services.replica is not None:  # read on the standby once it has those seals
        side, on_standby = services.replica.reading(services.replica.written())
        if on_standby:
            sealed = sealed_head(side.records, sealing=False, store=side.views)
    head = sealed[1]
    return StreamingResponse(
        stream_jsonl(sealed, selection, include_personal_data),
        media_type="application/jsonl; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="events.jsonl"',
                 "X-Agent-Records-Head-Position": str(head.position),
                 "X-Agent-Records-Head-Hash": head.hash,
                 "X-Agent-Records-Personal-Data":
                     "included" if include_personal_data else "withheld"})
