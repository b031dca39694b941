"""Each GraphQL field is refused to a role that may not read its class.

The classes are the domain's (``domain.classification.API_FIELDS``); this module applies
them to the built schema once, at start: a field every role reads is left as it is (no
cost per request), any other one is wrapped in a check of the caller's role, which
answers null and a FORBIDDEN error naming the field and its class. A field without a
class is refused to every role that does not read every class. A value erased under the
data-protection law (``domain.erased``) answers null and an ERASED error instead.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo, default_field_resolver

from agent_records.api.errors import erased, withheld
from agent_records.domain.classification import (
    API_FIELDS,
    EVERY_CLASS,
    READERS,
    DataClass,
    Role,
)
from agent_records.domain.erased import Erased

ROOTS = frozenset({"Query", "Mutation", "Subscription"})
"""Root fields are operations, each allowed by its permission (its resolver checks)."""
Resolver = Callable[..., Any]


def field_classes(type_name: str, field: str) -> frozenset[DataClass]:
    """The classes a GraphQL field shows: its own, or every class when unclassified."""
    cls = API_FIELDS.get(type_name, {}).get(field)
    return frozenset({cls}) if cls else EVERY_CLASS


def restricted(classes: frozenset[DataClass]) -> bool:
    """Whether some role may not read data of these classes."""
    return any(READERS[c] != frozenset(Role) for c in classes)


def guard(schema: strawberry.Schema) -> None:
    """Wraps the resolver of every field some role may not read (see the module)."""
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or \
                graphql_type.name.startswith("__") or graphql_type.name in ROOTS:
            continue
        for name, field in graphql_type.fields.items():
            classes = field_classes(graphql_type.name, name)
            if restricted(classes):
                field.resolve = _checked(field.resolve or default_field_resolver, name, classes)


def _checked(resolve: Resolver, name: str, classes: frozenset[DataClass]) -> Resolver:
    def checked(root: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> Any:
        if not info.context.principal.reads(classes):
            raise withheld(name, classes)
        value = resolve(root, info, **kwargs)
        if inspect.isawaitable(value):
            return _unless_erased(value, name)
        if isinstance(value, Erased):
            raise erased(name, value)
        return value

    return checked


async def _unless_erased(value: Awaitable[Any], name: str) -> Any:
    """An awaited field's value; null and an ERASED error when its data were erased."""
    found = await value
    if isinstance(found, Erased):
        raise erased(name, found)
    return found
