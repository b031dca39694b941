"""Each GraphQL field is refused to a role that may not read its class.

The classes are the domain's (``domain.classification.API_FIELDS``); this module applies
them to the built schema once, at start: a field every role reads is left as it is (no
cost per request), any other one is wrapped in a check of the caller's role, which
answers null and a FORBIDDEN error naming the field and its class. A field without a
class is refused to every role that does not read every class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo, default_field_resolver

from agent_records.api.errors import withheld
from agent_records.domain.classification import (
    API_FIELDS,
    EVERY_CLASS,
    READERS,
    DataClass,
    Role,
)

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
        return resolve(root, info, **kwargs)

    return checked
