"""The HR pages: find an agent, and an agent's dossier.

Thin routes: each turns its query string into an operation's variables, runs the
operation as the signed-in principal (``web.operations``) and renders the answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from agent_records.api.dependencies import ServicesDep
from agent_records.web import dossier as more
from agent_records.web import labels
from agent_records.web.access import HOME, SessionDep
from agent_records.web.languages import Text
from agent_records.web.operations import OperationFailed, Operations
from agent_records.web.render import page, refusal
from agent_records.web.sessions import PATH

PAGE_SIZE = 25
HISTORY_PAGE = 50
router = APIRouter(prefix=PATH)


def get_operations(request: Request) -> Operations:
    operations: Operations = request.app.state.web_operations
    return operations


OperationsDep = Annotated[Operations, Depends(get_operations)]


@router.get("")
@router.get("/")
async def home() -> Response:
    return RedirectResponse(HOME, 303)


def agent_filter(name: str, grade: str, status: str, post: str) -> dict[str, Any]:
    """The ``AgentFilter`` of the search form; a value outside the lists is ignored."""
    found: dict[str, Any] = {}
    if name.strip():
        found["nameContains"] = name.strip()
    if grade in labels.GRADES:
        found["grade"] = grade
    if status in labels.STATUSES:
        found["status"] = status
    if post.strip():
        found["postCode"] = post.strip().upper()
    return found


@router.get("/agents")
async def agents(request: Request, session: SessionDep, services: ServicesDep,
                 operations: OperationsDep, name: str = "", grade: str = "",
                 status: str = "", post: str = "", after: str | None = None) -> Response:
    """Find an agent by name, grade, post and status (the ``Agents`` operation)."""
    variables = {"filter": agent_filter(name, grade, status, post), "first": PAGE_SIZE,
                 "after": after}
    try:
        answer = await operations.run("Agents", variables, session.principal, services)
    except OperationFailed as failed:
        return refusal(request, session, 400, "Search refused", failed.message)
    return page(request, "agents.html", session, found=answer.data["agents"],
                form={"name": name, "grade": grade, "status": status, "post": post},
                grades=labels.GRADES, statuses=labels.STATUSES)


@router.get("/agents/{agent_id}")
async def dossier(request: Request, agent_id: str, session: SessionDep,
                  services: ServicesDep, operations: OperationsDep,
                  after: str | None = None, year: int | None = None, valid_at: str = "",
                  known_at: str = "", recorded: int | None = None) -> Response:
    """An agent's dossier: identity as the role may see it, the career timeline, the
    record as of a date and an instant (``web.dossier``), the history table (a page of
    it), and the leave account of a year (the latest event's year by default)."""
    try:
        valid, known = more.parse_as_of(valid_at, known_at)
    except more.BadAsOf as bad:
        return refusal(request, session, 400, "Dossier refused", str(bad))
    try:
        career = await operations.run("AgentCareer", {"id": agent_id, "first": HISTORY_PAGE,
                                                      "after": after},
                                      session.principal, services)
        agent = career.data["agent"]
        if agent is None:
            return refusal(request, session, 404, "No such agent",
                           Text("no agent %(id)s is on record", {"id": agent_id}))
        events = [e["node"] for e in agent["history"]["edges"]]
        year = year or (int(events[-1]["effectiveDate"][:4]) if events else None)
        leave = None
        if year is not None:
            leave = (await operations.run("LeaveBalance", {"agentId": agent_id, "year": year},
                                          session.principal, services)).data["leaveBalance"]
        timeline = await more.timeline_of(agent_id, session, services, operations)
        as_of = await more.as_of(agent_id, valid, known, events, session, services,
                                 operations) if valid or known else None
    except OperationFailed as failed:
        return refusal(request, session, 400, "Dossier refused", failed.message)
    return page(request, "dossier.html", session, agent=agent, events=events,
                withheld=career.withheld, leave=leave, year=year, timeline=timeline,
                as_of=as_of, recorded=recorded)
