"""Where each read view stands (``projectionStatus``): the same report as ``/readyz``,
for a client of the GraphQL API."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from agent_records.replica.router import ReplicaStatus
from projections.engine.runner import ViewStatus


@strawberry.type(description="Where a read view stands; a stopped view waits at the event "
                 "it cannot project (never skipped) until it is repaired.")
class ProjectionStatus:
    name: str
    position: int
    head: int
    lag: int
    state: str = strawberry.field(description="running, or stopped (at stoppedAt).")
    stopped_at: int | None = strawberry.field(
        default=None, description="A stopped view: the position of the event it stopped at.")
    event_type: str | None = strawberry.field(
        default=None, description="A stopped view: the type of that event.")
    error: str | None = strawberry.field(
        default=None, description="A stopped view: why it cannot project that event.")
    stopped_since: datetime | None = strawberry.field(
        default=None, description="A stopped view: when it stopped.")
    as_of_day: date | None = strawberry.field(
        default=None, description="A view of agents' states: the day its rows are as of "
        "(terms ended, age limits reached up to that day); null for the others.")
    standby_position: int | None = strawberry.field(
        default=None, description="With a hot standby: this view's position there "
        "(replicated); null without one, or when it does not answer.")
    standby_lag_seconds: float | None = strawberry.field(
        default=None, description="With a hot standby: how many seconds its replay is "
        "behind what it received.")
    standby_state: str | None = strawberry.field(
        default=None, description="With a hot standby: reading (reads go there), behind "
        "(beyond the lag limit: reads go to the primary) or unavailable.")


def projection_status_of(s: ViewStatus, standby: ReplicaStatus | None = None
                         ) -> ProjectionStatus:
    stop = s.stop
    return ProjectionStatus(
        standby_position=standby.positions.get(s.name) if standby else None,
        standby_lag_seconds=standby.lag_seconds if standby else None,
        standby_state=standby.state if standby else None,
        name=s.name, position=s.position, head=s.head, lag=s.lag, state=s.state,
        stopped_at=stop.position if stop else None, event_type=stop.event_type if stop else None,
        error=stop.error if stop else None,
        stopped_since=datetime.fromisoformat(stop.since) if stop else None,
        as_of_day=s.as_of_day)
