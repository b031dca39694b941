"""Who calls ``/graphql``: every operation needs a valid bearer token.

The one request served without a token is GraphiQL's page (development mode: a GET
without a query, asking for HTML). The context getter (``graphql_context``, a FastAPI
dependency) gives an anonymous HTTP caller the principal ``PAGE_ONLY``; the router
(``api.transport``) answers it 401 unless the request is for the page, and never
executes anything with it. Before, a GET with a ``documentId`` and no token ran the
trusted document as an anonymous auditor. An anonymous websocket is closed with a
policy violation.
"""

from __future__ import annotations

import uuid

from fastapi import Request, WebSocketException, status
from fastapi.responses import Response
from starlette.requests import HTTPConnection

from agent_records.api.auth import Principal
from agent_records.api.context import Context
from agent_records.api.dependencies import CallerDep, ServicesDep
from agent_records.api.limits import error_body
from agent_records.domain.classification import Role

PAGE_ONLY = Principal("graphiql-page", Role.AUDITOR)
"""The context of an anonymous HTTP request: served GraphiQL's page, nothing else."""
UNAUTHENTICATED = "a valid bearer token is required (Authorization: Bearer <token>)"


class Unauthenticated(Exception):
    """No valid bearer token: 401 with ``WWW-Authenticate: Bearer``."""


async def graphql_context(connection: HTTPConnection, caller: CallerDep,
                          services: ServicesDep) -> Context:
    """strawberry's context getter: the caller (``PAGE_ONLY`` when anonymous over HTTP),
    the services, the request id and the request's DataLoaders."""
    if caller is None:
        if connection.scope["type"] == "websocket":
            raise WebSocketException(status.WS_1008_POLICY_VIOLATION, UNAUTHENTICATED)
        caller = PAGE_ONLY
    request_id = connection.headers.get("x-request-id") or uuid.uuid4().hex
    return Context(services, caller, request_id)


async def unauthenticated(_: Request, error: Exception) -> Response:
    """The 401 answer, as a GraphQL error document."""
    return Response(error_body("UNAUTHENTICATED", str(error)), 401,
                    {"WWW-Authenticate": "Bearer"}, media_type="application/json")
