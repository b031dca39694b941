"""HR's pages on posts and deadlines: the posts, a post's roster on a date (head of post
and chargés d'affaires a.i., Art. 2), and what falls due between two dates.

``Posts`` and ``PostRoster`` for the roster; ``DueBetween`` for the deadlines, which the
API answers only to roles that read identity data: another role is refused the page with
the API's own message.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from agent_records.api.dependencies import ServicesDep
from agent_records.web.access import SessionDep
from agent_records.web.operations import OperationFailed
from agent_records.web.pages import OperationsDep
from agent_records.web.render import page, refusal
from agent_records.web.sessions import PATH

router = APIRouter(prefix=PATH)
DUE_PAGE = 50
DUE_SPAN = timedelta(days=365)
"""What falls due is shown for a year from the read views' day unless asked otherwise."""
DEADLINE_KINDS = ("TERM_END", "AGE_LIMIT", "EXTENSION_END", "URGENCY_NOT_NOTIFIED",
                  "PROMOTION_ELIGIBLE")


def day(value: str, default: date) -> date:
    """A date from the query string; ``ValueError`` if it is not one."""
    return date.fromisoformat(value.strip()) if value.strip() else default


@router.get("/posts")
async def posts(request: Request, session: SessionDep, services: ServicesDep,
                operations: OperationsDep, on: str = "") -> Response:
    """The posts on record, each linked to its roster on a date."""
    try:
        when = day(on, services.views.today())
        answer = await operations.run("Posts", {}, session.principal, services)
    except ValueError:
        return refusal(request, session, 400, "Posts refused", f"{on!r} is not a date")
    except OperationFailed as failed:
        return refusal(request, session, 403, "Posts refused", failed.message)
    return page(request, "posts.html", session, posts=answer.data["posts"], on=when)


@router.get("/posts/{code}")
async def roster(request: Request, code: str, session: SessionDep, services: ServicesDep,
                 operations: OperationsDep, on: str = "",
                 recorded: int | None = None) -> Response:
    """Who served at the post on a date, its head of post and chargés d'affaires a.i."""
    try:
        when = day(on, services.views.today())
    except ValueError:
        return refusal(request, session, 400, "Roster refused", f"{on!r} is not a date")
    try:
        answer = await operations.run("PostRoster", {"code": code, "on": when.isoformat()},
                                      session.principal, services)
        listed = await operations.run("Posts", {}, session.principal, services)
    except OperationFailed as failed:
        return refusal(request, session, 403, "Roster refused", failed.message)
    post = answer.data["post"]
    if post is None:
        return refusal(request, session, 404, "No such post", f"no post {code} is on record")
    return page(request, "roster.html", session, post=post, on=when,
                posts=listed.data["posts"], recorded=recorded)


def due_variables(start: date, end: date, kind: str, post: str, after: str | None
                  ) -> dict[str, Any]:
    """``DueBetween``'s variables; a kind outside the list is ignored."""
    variables: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat(),
                                 "first": DUE_PAGE, "after": after}
    if kind in DEADLINE_KINDS:
        variables["kind"] = kind
    if post.strip():
        variables["postCode"] = post.strip().upper()
    return variables


@router.get("/due")
async def due(request: Request, session: SessionDep, services: ServicesDep,
              operations: OperationsDep, start: str = "", end: str = "", kind: str = "",
              post: str = "", after: str | None = None) -> Response:
    """What falls due between two dates (a year from today unless asked otherwise)."""
    today = services.views.today()
    try:
        first, last = day(start, today), day(end, today + DUE_SPAN)
    except ValueError:
        return refusal(request, session, 400, "Deadlines refused",
                       "the dates must be written YYYY-MM-DD")
    try:
        answer = await operations.run("DueBetween", due_variables(first, last, kind, post,
                                                                  after),
                                      session.principal, services)
    except OperationFailed as failed:
        status = 403 if failed.code == "FORBIDDEN" else 400
        return refusal(request, session, status, "Deadlines refused", failed.message)
    return page(request, "due.html", session, due=answer.data["dueBetween"],
                form={"start": first, "end": last, "kind": kind, "post": post},
                kinds=DEADLINE_KINDS)
