"""The service's FastAPI dependencies: its shared objects and who calls.

Every route takes what it needs as a parameter (FastAPI's ``Annotated`` style), never
from a closure: ``ServicesDep`` (the application, the projector, the read views; opened
by the lifespan and kept on ``app.state``), ``PrincipalDep`` (the caller of a valid
bearer token, or 401) and ``CallerDep`` (the caller or None, for GraphQL, whose page and
websocket refuse an anonymous caller their own way: ``api.access``). The bearer token
is read by ``bearer_token`` and nowhere else. A dependency taking ``HTTPConnection``
serves plain routes and websockets alike.

Each dependency is ``async`` and they are few: none blocks, FastAPI runs a plain ``def``
dependency in its thread pool (a hop per dependency on every request: 4.4 ms against
3.3 ms a GraphQL request in a test client with four of them), and each one solved costs
a little on every request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException
from starlette.requests import HTTPConnection

from agent_records.api.auth import Principal, TokenStore
from agent_records.api.services import Services

UNAUTHENTICATED = "a valid bearer token is required"


def bearer_token(connection: HTTPConnection) -> str:
    """The token of ``Authorization: Bearer <token>`` (any case of ``Bearer``), or ""."""
    header = connection.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


async def get_services(connection: HTTPConnection) -> Services:
    """The running service's shared objects, opened by the lifespan."""
    services: Services | None = getattr(connection.app.state, "services", None)
    if services is None:  # served without its lifespan (it opens the store)
        raise HTTPException(503, "the service is starting: its store is not open yet")
    return services


async def get_caller(connection: HTTPConnection) -> Principal | None:
    """Who calls: the principal of a valid bearer token, or None. The tokens are the
    ones the app was made with (``api.app.create_app``)."""
    token = bearer_token(connection)
    tokens: TokenStore = connection.app.state.tokens
    return tokens.authenticate(token) if token else None


async def get_principal(caller: Annotated[Principal | None, Depends(get_caller)]
                        ) -> Principal:
    """Who calls, or 401 with ``WWW-Authenticate: Bearer``."""
    if caller is None:
        raise HTTPException(401, UNAUTHENTICATED, headers={"WWW-Authenticate": "Bearer"})
    return caller


ServicesDep = Annotated[Services, Depends(get_services)]
CallerDep = Annotated[Principal | None, Depends(get_caller)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
