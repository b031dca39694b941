"""GraphQL over a hot standby: queries read there, every answer carries a token.

With a standby configured (``AGENT_RECORDS_READ_STORE``), a query is run on the side the
read router chooses (``replica.router``): the standby, or the primary while the standby
is away, behind, or has not yet reached the consistency token the request presents
(header ``X-Consistency-Token`` or the ``consistencyToken`` extension). A query the
standby fails on the store (it went down meanwhile) is run again on the primary: a
client never gets an error for a standby. Mutations run on the primary as always. Every
answer carries the token of what it wrote or saw (the header and the extension), for
the client's next read. Without a standby nothing here runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.responses import Response
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from agent_records.api.answers import Kept
from agent_records.api.context import Context
from agent_records.api.services import Services
from agent_records.replica.router import ReadRouter
from agent_records.replica.token import EXTENSION, HEADER, Token

UNAVAILABLE = "STORE_UNAVAILABLE"


def presented(request_data: GraphQLRequestData, headers: dict[str, str] | None
              ) -> Token | None:
    """The token a request presents: its ``consistencyToken`` extension, else its header."""
    given = (request_data.extensions or {}).get(EXTENSION)
    if isinstance(given, str):
        return Token.parse(given)
    return Token.parse((headers or {}).get(HEADER.lower()))


def failed_on_store(result: ExecutionResult) -> bool:
    """Whether an error of ``result`` is the store being unreachable."""
    return any((e.extensions or {}).get("code") == UNAVAILABLE for e in result.errors or ())


async def consistent(replica: ReadRouter[Services], context: Context, sub_response: Response,
                     request_data: GraphQLRequestData, mutation: bool,
                     run: Callable[[], Awaitable[ExecutionResult]]) -> ExecutionResult:
    """Runs the operation (``run``) on the chosen side and stamps its answer's token."""
    on_standby = False
    if not mutation:
        token = presented(request_data, dict(context.request.headers)
                          if context.request is not None else None)
        side, on_standby = await asyncio.to_thread(replica.reading, token)
        context.use(side)
    result = await run()
    if on_standby and failed_on_store(result):
        replica.failed(RuntimeError("the standby failed a query on the store"))
        context.use(replica.primary)
        on_standby = False
        result = await run()
    stamp = await asyncio.to_thread(replica.written if mutation else replica.served,
                                    *(() if mutation else (on_standby,)))
    if stamp is not None:
        if isinstance(result, Kept):  # a kept answer is shared and its body encoded: a copy
            result = ExecutionResult(data=result.data, errors=result.errors,
                                     extensions=result.extensions)
        result.extensions = {**(result.extensions or {}), EXTENSION: str(stamp)}
        sub_response.headers[HEADER] = str(stamp)
    return result
