"""The audit trail (``auditTrail``), oldest first, for the roles with the ``audit``
permission: keyset pages on the log position."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from agent_records.api.audit.types import (
    AuditConnection,
    AuditEdge,
    AuditFilter,
    audit_entry,
)
from agent_records.api.auth import Permission
from agent_records.api.context import ctx
from agent_records.api.threads import blocking
from agent_records.api.types import PageInfo, cursor, decode_cursor, page_size
from projections.views.audit_log import AuditPage, AuditQuery


async def audit_page(info: Info, filter: AuditFilter | None = None, first: int = 50,
                     after: str | None = None) -> AuditConnection:
    ctx(info).require(Permission.AUDIT, "auditTrail")
    start = decode_cursor("p", after)
    page = await blocking(ctx(info).services.audit.page, audit_query(filter), start,
                          page_size(first))
    return audit_connection(page)


def audit_query(filter: AuditFilter | None) -> AuditQuery:
    """The view's query of a filter (none: every entry)."""
    f = filter or AuditFilter()
    return AuditQuery(agent_id=f.agent_id and str(f.agent_id), post_code=f.post_code,
                      actor_id=f.actor_id, legal_basis=f.article, event_type=f.event_type,
                      recorded_from=f.recorded_from, recorded_to=f.recorded_to,
                      effective_from=f.effective_from, effective_to=f.effective_to)


def audit_connection(page: AuditPage) -> AuditConnection:
    """A page of the audit trail as the API answers it (keyset cursors on the position)."""
    edges = [AuditEdge(cursor=cursor("p", r.position), node=audit_entry(r))
             for r in page.entries]
    return AuditConnection(edges=edges, total_count=page.total,
                           page_info=PageInfo(has_next_page=page.more,
                                              end_cursor=edges[-1].cursor if edges else None))


audit_trail = strawberry.field(
    resolver=audit_page, description="The audit trail, oldest first (keyset on log position).")
