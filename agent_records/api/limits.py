"""Request limits: body and URL size, query text size, the per-query time budget.

The limits are named here once; README's "Limits and safety" lists them. The cost
limit of a document is in ``api.cost`` (with the walk that computes it).

``BodyLimit`` is plain ASGI middleware in front of every route: it refuses a body over
``MAX_BODY_BYTES`` with 413 before anything parses it (a 10 MB string argument used to
be parsed, cached and kept: 20 such queries raised the server from 100 to 766 MB). The
refused body is read and discarded up to ``DRAIN_BYTES``, so that an ordinary client,
which sends its whole body before reading the answer, gets the 413 instead of a reset
connection; memory stays flat while it drains.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_records.config import settings

MAX_BODY_BYTES = 256 * 1024
"""The largest request body (413 above): a command's input is a few kilobytes."""
MAX_QUERY_STRING_BYTES = 64 * 1024
"""The largest URL query string (414 above): a GET carries a query of at most
``MAX_QUERY_CHARS``, percent-encoded."""
MAX_QUERY_CHARS = 16 * 1024
"""The largest GraphQL query text (a GraphQL error above); the largest trusted
document has about 1,000 characters."""
DRAIN_BYTES = 64 * 1024 * 1024
"""How much of a refused body is read (and discarded) before the connection is closed."""


def query_time_budget() -> float:
    """Seconds a query may take (``AGENT_RECORDS_QUERY_BUDGET``, default 10). Mutations
    have no budget: once a command is stored its answer must not be replaced by a timeout."""
    return settings().query_budget


def error_body(code: str, message: str, **extensions: object) -> bytes:
    """A GraphQL-shaped error document, for answers made outside GraphQL."""
    return json.dumps({"errors": [{"message": message, "extensions": {
        "code": code, **extensions}}]}).encode()


class BodyLimit:
    """Refuses an oversized body (413) or URL query string (414); see the module doc."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY_BYTES,
                 max_query_string: int = MAX_QUERY_STRING_BYTES) -> None:
        self.app = app
        self.max_body = max_body
        self.max_query_string = max_query_string

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        url = len(scope.get("query_string", b""))
        if url > self.max_query_string:
            await _refuse(send, 414, error_body(
                "URL_TOO_LONG", f"the URL query string has {url} bytes; the limit is "
                f"{self.max_query_string} (send a long query by POST)",
                limit=self.max_query_string))
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            await self._too_large(receive, send, True, 0, declared)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            more = message.get("more_body", False) and message["type"] == "http.request"
            if size > self.max_body:
                await self._too_large(receive, send, more, size, size)
                return
            chunks.append(chunk)
        await self.app(scope, replay(b"".join(chunks), receive), send)


    async def _too_large(self, receive: Receive, send: Send, more: bool, read: int,
                         size: int) -> None:
        await _drain(receive, more, read)
        await _refuse(send, 413, error_body(
            "REQUEST_TOO_LARGE", f"the request body has {size} bytes or more; the limit is "
            f"{self.max_body}", limit=self.max_body))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def replay(body: bytes, receive: Receive) -> Receive:
    """The body, already read, as one message; later calls wait for the disconnect."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


async def _drain(receive: Receive, more: bool, size: int) -> None:
    while more and size <= DRAIN_BYTES:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False) and message["type"] == "http.request"


async def _refuse(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
