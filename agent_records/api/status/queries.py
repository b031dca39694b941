"""``projectionStatus``: each read view's position, the store's head, the lag."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from agent_records.api.context import ctx
from agent_records.api.status.types import ProjectionStatus, projection_status_of
from agent_records.api.threads import blocking


async def view_statuses(info: Info) -> list[ProjectionStatus]:
    """The primary's views (where the worker projects), with the standby's when there is
    one (a query may run on the standby: its replica router is the primary's)."""
    services = ctx(info).services
    replica = services.replica
    primary = replica.primary if replica else services
    statuses = await blocking(primary.worker.status)
    standby = await blocking(replica.status) if replica else None
    return [projection_status_of(s, standby) for s in statuses]


projection_status = strawberry.field(
    resolver=view_statuses, description="Each projection's position, the store head, the lag.")
