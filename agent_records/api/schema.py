"""The schema: the ``Query`` root assembled from the features' fields, the mutations,
and the hardening extensions.

Extensions are passed as classes or factories, never shared instances (a shared
``MaskErrors`` can miss errors under concurrency in strawberry 0.341).
"""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    SchemaExtension,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.types import ExecutionContext
from strawberry.types.execution import ParseOptions

from agent_records import config
from agent_records.api.agents import queries as agent_queries
from agent_records.api.audit import breaches as breach_queries
from agent_records.api.audit import queries as audit_queries
from agent_records.api.classified import guard
from agent_records.api.compiled import CompilingExecutor
from agent_records.api.cost import MAX_DEPTH
from agent_records.api.deadlines import queries as deadline_queries
from agent_records.api.errors import MaskInternalErrors, log_errors
from agent_records.api.execution import ValidationByText
from agent_records.api.integrity import proofs as proof_queries
from agent_records.api.integrity import queries as integrity_queries
from agent_records.api.mutations import mutation_type
from agent_records.api.posts import queries as post_queries
from agent_records.api.status import queries as status_queries

MAX_ALIASES = 30
MAX_TOKENS = 2000
LIMIT_RULES = (depth_rule(MAX_DEPTH, None), alias_rule(MAX_ALIASES))
"""The depth and alias limits as validation rules, made once.

``QueryDepthLimiter`` and ``MaxAliasesLimiter`` make a new rule class per instance, i.e.
per request (extensions are factories here), and ``ValidationCache`` keys on the rules:
every request missed the cache and validated the document again (45% of a career
query's time). The same classes, shared, make the cache hit; they hold no state.
(The cache is ``ValidationByText``, ``api/execution.py``, which also parses: each text
once, in a thread, so strawberry's ``ParserCache`` is not used.)
"""
PARSE_OPTIONS: ParseOptions = {"max_tokens": MAX_TOKENS}
"""The parse options ``MaxTokensLimiter`` sets; the transport parses with the same."""


@strawberry.type
class Query:
    """What HR, the council and the archives ask. Each field is defined (resolver and
    description) with its feature; the root lists them in the contract's order, which
    is the order of ``graphql/schema.graphql``."""

    agent = agent_queries.agent
    agents = agent_queries.agents
    post = post_queries.post
    posts = post_queries.posts
    leave_balance = agent_queries.leave_balance
    renewals_due = agent_queries.renewals_due
    audit_trail = audit_queries.audit_trail
    projection_status = status_queries.projection_status
    verification = integrity_queries.verification
    inclusion_proof = proof_queries.inclusion_proof
    breaches = breach_queries.breaches
    due_between = deadline_queries.due_between_field


class Schema(strawberry.Schema):
    """strawberry's schema, logging errors our way (``errors.log_errors``): strawberry's
    own logs every error, a refused field included, with a full traceback."""

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        log_errors(errors, execution_context.context if execution_context else None)


Extension = type[SchemaExtension] | Callable[[], SchemaExtension]
"""What strawberry takes as an extension: a class or a factory (see the module doc)."""


def build_schema(introspection: bool = True, extra: list[Extension] | None = None,
                 compiled: bool | None = None) -> strawberry.Schema:
    """The GraphQL schema; ``introspection=False`` for production. ``compiled``: plain
    fields run compiled (``api.compiled``); by default as ``AGENT_RECORDS_FIELD_EXECUTION``
    says."""
    extensions: list[Extension] = [
        lambda: AddValidationRules(list(LIMIT_RULES)),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        MaskInternalErrors,
        ValidationByText,
        *(extra or []),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    if compiled is None:
        compiled = config.settings().field_execution != "graphql-core"
    schema = Schema(query=Query, mutation=mutation_type(), extensions=extensions,
                    execution_context_class=CompilingExecutor if compiled else None)
    guard(schema)  # each field behind the roles that read its class
    return schema


def sdl() -> str:
    """The schema as SDL, as exported to ``graphql/schema.graphql``."""
    return build_schema().as_str() + "\n"
