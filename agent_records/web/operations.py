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
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import strawberry

from agent_records.api.auth import Principal
from agent_records.api.context import Context
from agent_records.api.documents import load_operations
from agent_records.api.limits import query_time_budget
from agent_records.api.loops import ExecutionLoops
from agent_records.api.schema import build_schema
from agent_records.api.services import Services


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
    erased: frozenset[str] = frozenset()
    """Fields whose personal data were erased (data protection), not withheld."""

    def hides(self, path: str) -> bool:
        return path in self.withheld


def _path(path: list[str | int] | None) -> str:
    return ".".join(str(p) for p in path or () if not isinstance(p, int))


class Operations:
    """The operation files by name, the schema that runs them, and its loops."""

    def __init__(self, loops: int = 2) -> None:
        self.documents = load_operations()
        self.schema: strawberry.Schema = build_schema(introspection=False)
        self.loops = ExecutionLoops(loops)

    async def run(self, name: str, variables: dict[str, Any], principal: Principal,
                  services: Services) -> Answer:
        """Executes the operation file ``name`` as ``principal``."""
        context = Context(services, principal, uuid.uuid4().hex)
        execution = self.schema.execute(self.documents[name], variable_values=variables,
                                        context_value=context, operation_name=name)
        try:
            async with asyncio.timeout(query_time_budget()):
                result = await self.loops.run(execution)
        except TimeoutError:
            raise OperationFailed("TIME_BUDGET_EXCEEDED", "the page took longer than its "
                                  "time budget; narrow the search") from None
        withheld: set[str] = set()
        erased: set[str] = set()
        for error in result.errors or ():
            code = (error.extensions or {}).get("code")
            if code not in ("FORBIDDEN", "ERASED") or error.path is None:
                raise OperationFailed(str(code or "BAD_REQUEST"), error.message)
            (withheld if code == "FORBIDDEN" else erased).add(_path(error.path))
        if result.data is None:
            raise OperationFailed("FORBIDDEN", "your role may not read this page")
        return Answer(result.data, frozenset(withheld), frozenset(erased))

    def close(self) -> None:
        self.loops.close()
