"""Who calls ``/graphql``: every operation needs a valid bearer token.

The one request served without a token is GraphiQL's page (development mode: a GET
without a query, asking for HTML); its context carries ``PAGE_ONLY``, which the router
refuses to execute anything with (``api.transport``). Before, a GET with a
``documentId`` and no token ran the trusted document as an anonymous auditor.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import Request, WebSocketException, status
from fastapi.responses import Response
from starlette.requests import HTTPConnection

from agent_records.api.auth import Principal, Role, TokenStore
from agent_records.api.context import Context, Services
from agent_records.api.limits import error_body

PAGE_ONLY = Principal("graphiql-page", Role.AUDITOR)
"""The context of GraphiQL's page: never allowed to run an operation."""
UNAUTHENTICATED = "a valid bearer token is required (Authorization: Bearer <token>)"


class Unauthenticated(Exception):
    """No valid bearer token: 401 with ``WWW-Authenticate: Bearer``."""


def bearer(connection: HTTPConnection) -> str:
    header = connection.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def context_getter(tokens: TokenStore, services: Callable[[], Services],
                   renders_page: Callable[[HTTPConnection], bool]
                   ) -> Callable[[HTTPConnection], Awaitable[Context]]:
    """strawberry's context dependency: the caller's principal, or 401."""
    async def context(connection: HTTPConnection) -> Context:
        token = bearer(connection)
        principal = tokens.authenticate(token) if token else None
        if principal is None:
            if connection.scope["type"] == "websocket":
                raise WebSocketException(status.WS_1008_POLICY_VIOLATION, UNAUTHENTICATED)
            if not renders_page(connection):
                raise Unauthenticated(UNAUTHENTICATED)
            principal = PAGE_ONLY
        request_id = connection.headers.get("x-request-id") or uuid.uuid4().hex
        return Context(services(), principal, request_id)

    return context


async def unauthenticated(_: Request, error: Exception) -> Response:
    """The 401 answer, as a GraphQL error document."""
    return Response(error_body("UNAUTHENTICATED", str(error)), 401,
                    {"WWW-Authenticate": "Bearer"}, media_type="application/json")
