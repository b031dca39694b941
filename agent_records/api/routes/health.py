"""``/healthz`` (the process is up) and ``/readyz`` (the store and the read views answer).

``/healthz`` needs nothing but the process: it answers at once even when the store is
gone or the service is under load (``tests/api/test_abuse.py``). ``/readyz`` asks the
projection worker where each view stands, which reads the store; with a hot standby it
also reports the standby (``standby``: in the read path or not, its replay lag). A
standby behind or down does not make the service unready: the primary serves the reads.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from agent_records.api.dependencies import ServicesDep
from agent_records.api.services import Services
from agent_records.errors import InfrastructureError

router = APIRouter()


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(services: ServicesDep) -> JSONResponse:
    """The store and the read models answer; 503 with the reason otherwise."""
    return readiness(services)


def readiness(services: Services) -> JSONResponse:
    """200 when the store answers and no view is stopped; 503 naming the reason
    otherwise (the store's error, or each stopped view with its event)."""
    try:
        statuses = services.worker.status()
    except InfrastructureError as exc:  # the store (or a setting) fails: not ready
        return JSONResponse({"status": "unavailable", "reason": exc.message},
                            status_code=503)
    views = {s.name: {"position": s.position, "head": s.head, "lag": s.lag, "state": s.state}
             | ({"asOfDay": s.as_of_day.isoformat()} if s.as_of_day else {})
             for s in statuses}
    stops = {s.name: s.stop for s in statuses if s.stop}
    for name, stop in stops.items():
        views[name] |= {"stoppedAt": stop.position, "eventType": stop.event_type,
                        "error": stop.error, "since": stop.since}
    standby = standby_report(services)
    if stops:
        reason = "; ".join(f"projection {name} stopped at position {stop.position} on "
                           f"{stop.event_type}" for name, stop in stops.items())
        return JSONResponse({"status": "stopped", "reason": reason, "projections": views}
                            | standby, status_code=503)
    return JSONResponse({"status": "ready", "projections": views} | standby)


def standby_report(services: Services) -> dict[str, Any]:
    """``{"standby": ...}`` with a standby configured, else nothing."""
    if services.replica is None:
        return {}
    s = services.replica.status()
    return {"standby": {"url": s.url, "state": s.state, "lagSeconds": s.lag_seconds,
                        "lagBytes": s.lag_bytes, "replayLsn": s.replay_lsn,
                        "positions": s.positions, "reason": s.reason}}
