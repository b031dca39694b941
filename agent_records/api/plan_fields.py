"""Synchronous twins of the fields that read the store or the views, for ``api.plans``.

Each twin answers what its resolver answers, from the same reads and the same helpers,
called directly in the plan's thread instead of through a DataLoader batch and a thread
hop each. A twin never answers an error: where its resolver would raise (a permission
the role lacks, an unknown agent, a bad cursor or page size), it raises ``Fallback`` or
lets the exception go, and the request runs the normal way (``api.plans``). A twin
always makes the reads its resolver makes only when some field below asks for them
(seals, roster entries' agents): the answer is the same, the fields not asked for are
not in it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from agent_records.api.agents.history import EventConnection, history
from agent_records.api.agents.types import Agent
from agent_records.api.audit.queries import audit_connection, audit_query
from agent_records.api.audit.types import AuditConnection
from agent_records.api.auth import Permission, Principal
from agent_records.api.posts.types import Post, RosterConnection, RosterEntry, roster_connection
from agent_records.api.services import Services
from agent_records.api.types import decode_cursor, page_size
from projections.views.agents import agents_by_id
from projections.views.posts import Tenure, charges_on, heads_on, roster_on, roster_page


class Fallback(Exception):
    """This request's answer might hold an error: it runs the normal way."""


Twin = Callable[[Any, Services, Principal, dict[str, Any]], Any]
"""(parent object, services, caller, converted arguments) -> the field's value."""


def agent(_: None, services: Services, __: Principal, args: dict[str, Any]) -> Agent | None:
    """``Query.agent``: ``queries.find_agent``."""
    id = str(args["id"])
    row = agents_by_id(services.views, [id]).get(id)
    return Agent.of(row) if row else None


def post_of(code: str, services: Services) -> Post | None:
    """The post of a code, as ``posts.loaders.rows`` finds it."""
    row = next((r for r in services.posts.by_code([code]) if r.post_code == code), None)
    return Post(row=row) if row else None


def agent_post(source: Agent, services: Services, _: Principal, __: dict[str, Any]
               ) -> Post | None:
    """``Agent.post``."""
    code = source.row.post_code
    return post_of(code, services) if code else None


def agent_history(source: Agent, services: Services, principal: Principal,
                  args: dict[str, Any]) -> EventConnection:
    """``Agent.history``: the events and their seals, read one after the other."""
    if not principal.may(Permission.READ):
        raise Fallback
    first, after = args.get("first", 50), args.get("after")
    page_size(first)
    agent_id = source.row.agent_id
    events = services.reads.histories([agent_id])[0]
    if not isinstance(events, list):  # NotFound
        raise Fallback
    return history(events, first, after, services.reads.seals([agent_id])[0])


def query_post(_: None, services: Services, __: Principal, args: dict[str, Any]
               ) -> Post | None:
    """``Query.post``: ``posts.queries.find_post``."""
    return post_of(args["code"].strip().upper(), services)


def entries(services: Services, rows: list[Tenure]) -> list[RosterEntry]:
    """``posts.types.entries``, the agents read with their rows."""
    found = agents_by_id(services.views, [r.agent_id for r in rows])
    return [RosterEntry.of(r, found.get(r.agent_id)) for r in rows]


def roster(source: Post, services: Services, _: Principal, args: dict[str, Any]
           ) -> list[RosterEntry]:
    on: date = args["on"]
    return entries(services, roster_on(services.views, source.row.post_code, on))


def post_roster_page(source: Post, services: Services, _: Principal, args: dict[str, Any]
                     ) -> RosterConnection:
    offset = decode_cursor("o", args.get("after"))
    rows, total = roster_page(services.views, source.row.post_code, args["on"], offset,
                              page_size(args.get("first", 50)))
    return roster_connection(entries(services, rows), offset, total)


def head_of_post(source: Post, services: Services, _: Principal, args: dict[str, Any]
                 ) -> RosterEntry | None:
    rows = heads_on(services.views, source.row.post_code, args["on"])
    return entries(services, rows[-1:])[0] if rows else None


def charges(source: Post, services: Services, _: Principal, args: dict[str, Any]
            ) -> list[RosterEntry]:
    return entries(services, charges_on(services.views, source.row.post_code, args["on"]))


def audit_trail(_: None, services: Services, principal: Principal, args: dict[str, Any]
                ) -> AuditConnection:
    """``Query.auditTrail``: ``audit.queries.audit_page``."""
    if not principal.may(Permission.AUDIT):
        raise Fallback
    start = decode_cursor("p", args.get("after"))
    page = services.audit.page(audit_query(args.get("filter")), start,
                               page_size(args.get("first", 50)))
    return audit_connection(page)


TWINS: dict[tuple[str, str], Twin] = {
    ("Query", "agent"): agent,
    ("Query", "post"): query_post,
    ("Query", "auditTrail"): audit_trail,
    ("Agent", "post"): agent_post,
    ("Agent", "history"): agent_history,
    ("Post", "roster"): roster,
    ("Post", "rosterPage"): post_roster_page,
    ("Post", "headOfPost"): head_of_post,
    ("Post", "chargesDAffaires"): charges,
}
"""(GraphQL type, field) -> its twin."""
