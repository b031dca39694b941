"""Validation once per distinct query text.

strawberry's ``ValidationCache`` keys on the parsed document, whose hash walks the whole
tree on every request; ``ValidationByText`` keys on the query text, the parse options
and the rules, which determine the document and hence the result (career query: 5% less
CPU, measured A/B in one process).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from graphql import ASTValidationRule, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

CACHE_SIZE = 256
"""Distinct (query, options, rules) kept: the trusted documents and a margin."""


@lru_cache(maxsize=CACHE_SIZE)
def _validate(schema: GraphQLSchema, query: str, options: tuple[tuple[str, Any], ...],
              rules: tuple[type[ASTValidationRule], ...]) -> list[GraphQLError]:
    """strawberry's own validation (its rules added to ``rules``), once per key."""
    return validate_document(schema, parse(query, **dict(options)), rules)


class ValidationByText(SchemaExtension):
    """Validates each distinct query text once per process (see the module doc)."""

    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        if ec.query is not None and ec.validation_rules:
            ec.pre_execution_errors = _validate(
                ec.schema._schema, ec.query, tuple(sorted(ec.parse_options.items())),
                tuple(ec.validation_rules))
        yield
