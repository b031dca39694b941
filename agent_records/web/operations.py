"""The trusted operations of ``graphql/operations/``, executed in-process for a page.

A page names an operation file and its variables; the document is the one the API
serves as a trusted document (the file and its fragments, ``api.documents``), executed
by the same schema with the signed-in principal in the context, so every role rule of
the API applies. A field the role may not read answers ``FORBIDDEN`` and null: the page
gets it as *withheld* and shows that instead of a value; a field whose personal data
were erased answers ``ERASED`` and null: the page gets it as *erased* (no page shows an
erasable field yet). Any other error is refused as a whole (``OperationFailed``): a
page never shows half an answer it cannot explain.

Operations run on execution loops of their own, within the query time budget, as the
API's do (``api.loops``): the server's loop keeps answering meanwhile.

With a hot standby (``agent_records.replica``), a page's read runs where the API's query
would, and the user's session keeps the consistency token (``Keeps``: a page passes its
session): each page waits for what the session has written or seen, so a user never sees
a record older than one already shown to them, nor misses their own change.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

import strawberry
from graphql import OperationDefinitionNode, OperationType, parse
from strawberry.types import ExecutionResult

from agent_records.api.auth import Principal
from agent_records.api.consistency import failed_on_store
from agent_records.api.context import Context
from agent_records.api.documents import load_operations
from agent_records.api.limits import query_time_budget
from agent_records.api.loops import ExecutionLoops
from agent_records.api.schema import build_schema
from agent_records.api.services import Services
from agent_records.replica.token import Token, merge


class OperationFailed(Exception):
    """An operation answered an error a page cannot show as withheld: its code and
    message, which the page shows (they are the API's public errors)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Answer:
    """An operation's data and the fields withheld from the role, as dotted paths without
    list indexes (``agent.sixtyFifthBirthday``)."""

    data: dict[str, Any]
    withheld: frozenset[str]
    reasons: dict[str, str] = field(default_factory=dict)
    """The API's message for each withheld path (a page refused for it shows it)."""
    erased: frozenset[str] = frozenset()
    """Fields whose personal data were erased (data protection), not withheld."""

    def hides(self, path: str) -> bool:
        return path in self.withheld


def _path(path: list[str | int] | None) -> str:
    return ".".join(str(p) for p in path or () if not isinstance(p, int))


class Keeps(Protocol):
    """What keeps a user's consistency token between pages: their session."""

    consistency: str | None


class Operations:
    """The operation files by name, the schema that runs them, and its loops."""

    def __init__(self, loops: int = 2) -> None:
        self.documents = load_operations()
        self.schema: strawberry.Schema = build_schema(introspection=False)
        self.loops = ExecutionLoops(loops)
        self.mutations = {name for name, text in self.documents.items()
                          if any(isinstance(d, OperationDefinitionNode)
                                 and d.operation is OperationType.MUTATION
                                 for d in parse(text).definitions)}

    async def run(self, name: str, variables: dict[str, Any], principal: Principal,
                  services: Services, session: Keeps | None = None) -> Answer:
        """Executes the operation file ``name`` as ``principal`` (a read on the side the
        session's token allows, with a standby; the session keeps the answer's token)."""
        context = Context(services, principal, uuid.uuid4().hex)
        replica, mutation = services.replica, name in self.mutations
        if replica is None:
            return self.answer(await self.execute(name, variables, context))
        token = Token.parse(session.consistency if session else None)
        on_standby = False
        if not mutation:
            side, on_standby = await asyncio.to_thread(replica.reading, token)
            context.use(side)
        result = await self.execute(name, variables, context)
        if on_standby and failed_on_store(result):
            replica.failed(RuntimeError("the standby failed a page's read on the store"))
            context.use(services)
            on_standby = False
            result = await self.execute(name, variables, context)
        stamp = await asyncio.to_thread(replica.written if mutation else replica.served,
                                        *(() if mutation else (on_standby,)))
        if session is not None and (kept := merge(token, stamp)) is not None:
            session.consistency = str(kept)
        return self.answer(result)

    async def execute(self, name: str, variables: dict[str, Any], context: Context
                      ) -> ExecutionResult:
        """The operation's result, within the query time budget."""
        execution = self.schema.execute(self.documents[name], variable_values=variables,
                                        context_value=context, operation_name=name)
        try:
            async with asyncio.timeout(query_time_budget()):
                return await self.loops.run(execution)
        except TimeoutError:
            raise OperationFailed("TIME_BUDGET_EXCEEDED", "the page took longer than its "
                                  "time budget; narrow the search") from None

    @staticmethod
    def answer(result: ExecutionResult) -> Answer:
        """The page's answer, or ``OperationFailed`` (module doc)."""
        reasons: dict[str, str] = {}
        erased: set[str] = set()
        for error in result.errors or ():
            code = (error.extensions or {}).get("code")
            if code not in ("FORBIDDEN", "ERASED") or error.path is None:
                raise OperationFailed(str(code or "BAD_REQUEST"), error.message)
            if code == "ERASED":
                erased.add(_path(error.path))
            else:
                reasons.setdefault(_path(error.path), error.message)
        if result.data is None:  # a refused root field: its own message, naming why
            raise OperationFailed("FORBIDDEN", next(iter(reasons.values()), "your role may "
                                                    "not read this page"))
        return Answer(result.data, frozenset(reasons), reasons, frozenset(erased))

    def close(self) -> None:
        self.loops.close()
