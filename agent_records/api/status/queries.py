"""``projectionStatus``: each read view's position, the store's head, the lag."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from agent_records.api.context import ctx
from agent_records.api.status.types import ProjectionStatus, projection_status_of
from agent_records.api.threads import blocking


async def view_statuses(info: Info) -> list[ProjectionStatus]:
    statuses = await blocking(ctx(info).services.worker.status)
    return [projection_status_of(s) for s in statuses]


projection_status = strawberry.field(
    resolver=view_statuses, description="Each projection's position, the store head, the lag.")
