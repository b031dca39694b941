"""The cost of a document, counted before graphql-core's own validation runs.

graphql-core's ``OverlappingFieldsCanBeMerged`` and strawberry's depth limiter expand
every fragment spread where it is used: a chain of fragments that each spread the next
twice doubles the work per level (40 levels, 1.5 KB: minutes of validation on the event
loop). This walk counts the same expanded cost but computes each fragment once per page
size (memoised), so it is linear in the document's size; a document over ``MAX_COST``
is refused before the standard rules ever see it, and so is one whose selections and
fragment spreads nest deeper than ``MAX_NESTING`` (which would also exhaust Python's
stack), or whose fields nest deeper than ``MAX_DEPTH`` (counted as strawberry's depth
limiter counts, which stays among the standard rules).

The cost is the number of fields the answer can hold: a list field counts its
selection once per item, i.e. ``first`` times inside a connection (the page size, or
``MAX_PAGE`` when it comes from a variable) and ``ASSUMED_LIST_SIZE`` times for the
unpaginated lists, which the domain keeps short (a post's roster, an agent's
disciplinary referrals, the five projections). Aliases of a big list therefore add up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLFieldMap,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)

from agent_records.api.types import MAX_PAGE

MAX_COST = 5_000
"""The largest expanded cost of one operation or fragment (see the module doc)."""
MAX_DEPTH = 10
"""Fields nested below a root field (strawberry's depth limit, same count)."""
MAX_NESTING = 64
"""The deepest nesting of selection sets and fragment spreads the walk follows."""
ASSUMED_LIST_SIZE = 20
"""What an unpaginated list field counts for, per item of its selection."""



Cost = tuple[int, int]
"""(fields the answer can hold, nesting of fields)"""


class _TooDeep(Exception):
    """The walk went deeper than ``MAX_NESTING``."""


@dataclass
class _Walk:
    """One document's walk; fragments memoised by (name, page size)."""

    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    memo: dict[tuple[str, int | None], Cost] = field(default_factory=dict)
    open: set[str] = field(default_factory=set)
    nesting: int = 0

    def selections(self, node: SelectionSetNode | None, parent: GraphQLNamedType | None,
                   page: int | None) -> Cost:
        """The cost of a selection set on ``parent`` (None: a type the schema lacks)."""
        if node is None:
            return 0, 0
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise _TooDeep
        cost = depth = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                c, d = self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                on = self.schema.get_type(condition.name.value) if condition else parent
                c, d = self.selections(selection.selection_set, on, page)
            elif isinstance(selection, FragmentSpreadNode):
                c, d = self.spread(selection.name.value, page)
            else:  # graphql-core has no fourth kind of selection
                continue
            cost, depth = cost + c, max(depth, d)
        self.nesting -= 1
        return cost, depth

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, page: int | None
              ) -> Cost:
        definition = _field(parent, node.name.value)
        if definition is None:  # introspection, or unknown (the standard rules refuse it)
            cost, depth = self.selections(node.selection_set, None, None)
            introspection = node.name.value.startswith("__")  # no depth, as strawberry
            return 1 + cost, 0 if introspection else 1 + depth
        cost, depth = self.selections(node.selection_set, get_named_type(definition.type),
                                      _page_size(node, definition))
        items = (page or ASSUMED_LIST_SIZE) if _is_list(definition) else 1
        return 1 + items * cost, 1 + depth

    def spread(self, name: str, page: int | None) -> Cost:
        key = (name, page)
        if key in self.memo:
            return self.memo[key]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.open:  # unknown, or a cycle: standard rules
            return 0, 0
        self.open.add(name)
        on = self.schema.get_type(fragment.type_condition.name.value)
        self.memo[key] = self.selections(fragment.selection_set, on, page)
        self.open.discard(name)
        return self.memo[key]


def _field(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        fields: GraphQLFieldMap = parent.fields  # graphql-core's cached_property reads as Any
        return fields.get(name)
    return None


def _is_list(definition: GraphQLField) -> bool:
    kind = definition.type
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    return isinstance(kind, GraphQLList)


def _page_size(node: FieldNode, definition: GraphQLField) -> int | None:
    """The ``first`` of a connection field: a literal, else its worst case ``MAX_PAGE``."""
    if "first" not in definition.args:
        return None
    for argument in node.arguments or ():
        if argument.name.value == "first":
            value = argument.value
            if isinstance(value, IntValueNode) and 0 <= int(value.value) <= MAX_PAGE:
                return int(value.value)
            return MAX_PAGE
    default = definition.args["first"].default_value
    return default if isinstance(default, int) and 0 <= default <= MAX_PAGE else MAX_PAGE


def document_cost(schema: GraphQLSchema, document: DocumentNode) -> Cost:
    """The largest (cost, depth) of the document's operations and fragments."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    walk = _Walk(schema, fragments)
    cost = depth = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = schema.get_root_type(definition.operation)
            c, d = walk.selections(definition.selection_set, root, None)
        elif isinstance(definition, FragmentDefinitionNode):
            c, d = walk.spread(definition.name.value, None)
        else:
            continue
        cost, depth = max(cost, c), max(depth, d)
    return cost, depth


def cost_errors(schema: GraphQLSchema, document: DocumentNode) -> list[GraphQLError]:
    """A clear error naming the limit when the document is too deep or too costly."""
    try:
        cost, depth = document_cost(schema, document)
    except _TooDeep:
        return [GraphQLError(
            f"selections and fragment spreads nest more than {MAX_NESTING} levels",
            extensions={"code": "QUERY_TOO_DEEP", "limit": MAX_NESTING})]
    if depth - 1 > MAX_DEPTH:
        return [GraphQLError(
            f"the query nests fields {depth - 1} levels below the root (fragments "
            f"expanded), which exceeds maximum operation depth of {MAX_DEPTH}",
            extensions={"code": "QUERY_TOO_DEEP", "limit": MAX_DEPTH})]
    if cost > MAX_COST:
        return [GraphQLError(
            f"the query may answer {cost} fields (a list counts its selection once per "
            f"item: `first` items in a connection, {ASSUMED_LIST_SIZE} in an unpaginated "
            f"list; fragments expanded); the limit is {MAX_COST}: ask for fewer fields or "
            "smaller pages", extensions={"code": "QUERY_TOO_COSTLY", "cost": cost,
                                         "limit": MAX_COST})]
    return []
