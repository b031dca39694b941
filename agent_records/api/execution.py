"""Parsing and validation once per distinct query text, in a thread, cost first.

strawberry's ``ValidationCache`` keys on the parsed document, whose hash walks the whole
tree on every request; here the key is the query text, the parse options and the rules,
which determine the document and hence the result (career query: 5% less CPU, measured
A/B in one process).

A text seen for the first time is parsed and validated in a worker thread
(``asyncio.to_thread``): the event loop keeps answering ``/healthz`` and other requests
meanwhile. Validation first runs the cost walk of ``api.cost``, which is linear in the
document, and runs graphql-core's rules (whose fragment expansion can be exponential)
only on a document within the cost limit. The caches are touched by the event loop's
thread only; the threads compute.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable
from typing import Generic, TypeVar

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types.execution import ParseOptions

from agent_records.api.cost import cost_errors

CACHE_SIZE = 256
"""Distinct (query, options, rules) kept: the trusted documents and a margin."""

V = TypeVar("V")


class LoopCache(Generic[V]):
    """A small LRU map used from the event loop's thread only (no lock needed)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, V] = OrderedDict()

    async def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The cached value, else ``compute()`` run in a thread and kept."""
        if key in self.entries:
            self.entries.move_to_end(key)
            return self.entries[key]
        value = await asyncio.to_thread(compute)
        self.entries[key] = value
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return value


_documents: LoopCache[DocumentNode | GraphQLError] = LoopCache()
_validations: LoopCache[list[GraphQLError]] = LoopCache()


def _parse(query: str, options: ParseOptions) -> DocumentNode | GraphQLError:
    try:
        return parse(query, **options)
    except GraphQLError as error:
        return error
    except RecursionError:
        return GraphQLError("the query nests too deeply to be parsed",
                            extensions={"code": "QUERY_TOO_DEEP"})


async def parsed(query: str, options: ParseOptions) -> DocumentNode | GraphQLError:
    """The document of ``query``, or its syntax error (cached both ways)."""
    return await _documents.get((query, tuple(sorted(options.items()))),
                                lambda: _parse(query, options))


def _validate(schema: GraphQLSchema, document: DocumentNode,
              rules: tuple[type[ASTValidationRule], ...]) -> list[GraphQLError]:
    """The cost limit, then strawberry's own validation (its rules added to ``rules``)."""
    return cost_errors(schema, document) or validate_document(schema, document, rules)


class ValidationByText(SchemaExtension):
    """Parses and validates each distinct query text once per process (module doc)."""

    async def on_parse(self) -> AsyncIterator[None]:
        ec = self.execution_context
        if ec.query is not None and ec.graphql_document is None:
            document = await parsed(ec.query, ec.parse_options.copy())
            if isinstance(document, DocumentNode):
                ec.graphql_document = document
            # a syntax error: strawberry parses again and reports it
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        ec = self.execution_context
        document = ec.graphql_document
        if ec.query is not None and document is not None and ec.validation_rules:
            rules = tuple(ec.validation_rules)
            key = (ec.query, tuple(sorted(ec.parse_options.items())), rules)
            ec.pre_execution_errors = await _validations.get(
                key, lambda: _validate(ec.schema._schema, document, rules))
        yield
