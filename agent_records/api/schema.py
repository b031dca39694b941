"""The schema: queries and mutations merged, with the hardening extensions.

Extensions are passed as classes or factories, never shared instances (a shared
``MaskErrors`` can miss errors under concurrency in strawberry 0.341).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from agent_records.api.errors import MaskInternalErrors
from agent_records.api.mutations import mutation_type
from agent_records.api.queries import Query

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2000


def build_schema(introspection: bool = True, extra: list[Callable[[], Any]] | None = None
                 ) -> strawberry.Schema:
    """The GraphQL schema; ``introspection=False`` for production."""
    extensions: list[Any] = [
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        MaskInternalErrors,
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        *(extra or []),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(query=Query, mutation=mutation_type(), extensions=extensions)


def sdl() -> str:
    """The schema as SDL, as exported to ``graphql/schema.graphql``."""
    return build_schema().as_str() + "\n"
