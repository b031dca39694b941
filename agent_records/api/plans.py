"""The documented queries answered by plans made once, in one thread, without graphql-core.

Profiled per request (BENCHMARKS.md, "Queries under load"), a documented query cost 1.5
to 3 times the plain JSON endpoint's server CPU on the same reads, spread over the whole
GraphQL path rather than one hot spot: strawberry's operation and its extensions,
graphql-core's execution of every field, a DataLoader batch and a thread hop
(``asyncio.to_thread`` and back, with its wake-ups) per read, and the hop to an
execution loop and back. The plain endpoint makes the same reads in one thread.

A ``Plan`` is made per trusted document (``graphql/operations/``) at start, and used
for a request that names it by ``documentId`` (``api.transport``), when every
field of its one query operation is one of:
- an attribute read, or a synchronous resolver of the object alone (no ``info``, no
  argument, no strawberry extension or permission);
- a field with a synchronous twin in ``api.plan_fields`` (the root fields and the
  fields that read the store or the views), given its arguments as strawberry converts
  them;
- ``__typename``;
and the selection has no directive, no abstract type and no ``is_type_of`` check. The
plan then answers a request in one thread: the variables coerced by graphql-core
(``get_variable_values``), each field's value completed as ``complete_value`` would
(non-null, list, the scalar's or enum's own ``coerce_output_value``, objects as dicts
in the selection's order), hence the same JSON text.

A plan answers only a request whose answer has no error. Whatever would make one, it
gives up (``Fallback``) and the request runs the normal way (``api.transport``), which
answers it exactly as before: variables graphql-core refuses, a field the caller's role
may not read (``api.classified``: checked before the field is read), a value erased
under the data-protection law, a permission the role lacks, a null in a non-null place,
a bad cursor or page size, an unknown agent, a store out of reach, any exception.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInt,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    get_argument_values,
    get_variable_values,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import VariableValues
from strawberry import Schema
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField

from agent_records.api.auth import Principal
from agent_records.api.classified import ROOTS, field_classes, restricted
from agent_records.api.compiled import IDENTICAL, IDENTICAL_TYPES, Unsure, leaf_step
from agent_records.api.cost import cost_errors
from agent_records.api.plan_fields import TWINS, Fallback
from agent_records.api.schema import LIMIT_RULES, PARSE_OPTIONS
from agent_records.api.services import Services
from agent_records.domain.classification import Role
from agent_records.domain.erased import Erased


class Unplanned(Exception):
    """The document has something a plan does not do: it always runs the normal way."""


@dataclass(frozen=True)
class Run:
    """One request's: the services it reads, who asks, the coerced variables."""

    services: Services
    principal: Principal
    variables: VariableValues


Step = Callable[[Any, Run], Any]
"""A field's value, completed, from its parent object (raises ``Fallback`` if unsure)."""


@dataclass(frozen=True)
class Plan:
    """A trusted document's query operation, made into steps once (module doc)."""

    schema: Schema
    operation: OperationDefinitionNode
    root: Step

    @property
    def name(self) -> str | None:
        return self.operation.name.value if self.operation.name else None

    def answer(self, services: Services, principal: Principal,
               inputs: Mapping[str, Any] | None) -> dict[str, Any]:
        """The operation's ``data``; ``Fallback`` when the answer might hold an error."""
        variables = get_variable_values(self.schema._schema,
                                        self.operation.variable_definitions or (),
                                        dict(inputs or {}))
        if not isinstance(variables, VariableValues):
            raise Fallback
        try:
            data: dict[str, Any] = self.root(None, Run(services, principal, variables))
        except Unsure:
            raise Fallback from None
        return data


def plans(schema: Schema, documents: Mapping[str, str]) -> dict[str, Plan]:
    """The plan of every trusted document that has one, by document id."""
    made = {}
    for id, text in documents.items():
        try:
            made[id] = plan(schema, parse(text, **PARSE_OPTIONS))
        except Unplanned:
            continue
    return made


def plan(schema: Schema, document: DocumentNode) -> Plan:
    """The document's plan; ``Unplanned`` unless it is one valid query within the limits."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        raise Unplanned("not a single query")
    core = schema._schema
    rules = [*specified_rules, *LIMIT_RULES]
    if cost_errors(core, document) or validate(core, document, rules):
        raise Unplanned("not valid within the limits")
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    operation = operations[0]
    if operation.directives or any(v.directives for v in operation.variable_definitions or ()):
        raise Unplanned("directives")
    query = core.query_type
    assert query is not None
    return Plan(schema, operation, Planner(schema, fragments).object_step(
        query, operation.selection_set))


class Planner:
    """Makes the steps of one document's selections."""

    def __init__(self, schema: Schema, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.schema, self.fragments = schema, fragments

    def fields(self, selection_set: SelectionSetNode, type_: GraphQLObjectType,
               into: dict[str, FieldNode] | None = None) -> dict[str, FieldNode]:
        """The selection's fields by response name, fragments spread, in document order
        (as graphql-core collects them); a name selected twice is left unplanned."""
        out: dict[str, FieldNode] = {} if into is None else into
        for node in selection_set.selections:
            if node.directives:
                raise Unplanned("directive")
            if isinstance(node, FieldNode):
                key = node.alias.value if node.alias else node.name.value
                if key in out:
                    raise Unplanned("a response name selected twice")
                out[key] = node
                continue
            if isinstance(node, FragmentSpreadNode):
                fragment = self.fragments.get(node.name.value)
                if fragment is None or fragment.directives or \
                        fragment.type_condition.name.value != type_.name:
                    raise Unplanned("fragment")
                self.fields(fragment.selection_set, type_, out)
                continue
            assert isinstance(node, InlineFragmentNode)
            if node.type_condition and node.type_condition.name.value != type_.name:
                raise Unplanned("inline fragment on another type")
            self.fields(node.selection_set, type_, out)
        return out

    def object_step(self, type_: GraphQLObjectType, selection_set: SelectionSetNode
                    ) -> Step:
        steps = [(key, self.field_step(type_, node))
                 for key, node in self.fields(selection_set, type_).items()]

        def completed(value: Any, run: Run) -> Any:
            return {key: step(value, run) for key, step in steps}

        return completed

    def field_step(self, parent: GraphQLObjectType, node: FieldNode) -> Step:
        name = node.name.value
        if name == "__typename":
            type_name = parent.name
            return lambda _value, _run: type_name
        field = parent.fields.get(name)
        if field is None:
            raise Unplanned(f"no field {parent.name}.{name}")
        resolve = self.resolver(parent, field, node)
        complete = self.type_step(field.type, node)
        classes = field_classes(parent.name, name)
        if parent.name in ROOTS or not restricted(classes):
            read = None if (parent.name, name) in TWINS else direct(definition_of(field))
            leaf = leaf_value(field.type)
            if read is not None and leaf is not None:  # the commonest: two calls less each
                return lambda value, _run: leaf(read(value))
            if read is not None:
                return lambda value, run: complete(read(value), run)
            return lambda value, run: complete(resolve(value, run), run)
        readers = frozenset(role for role in Role if Principal("plan", role).reads(classes))

        def guarded(value: Any, run: Run) -> Any:  # as api.classified's check, or give up
            if run.principal.role not in readers:  # Principal.reads, decided per role once
                raise Fallback
            found = resolve(value, run)
            if isinstance(found, Erased):
                raise Fallback
            return complete(found, run)

        return guarded

    def resolver(self, parent: GraphQLObjectType, field: GraphQLField, node: FieldNode
                 ) -> Step:
        """The field's value before completion: its twin, attribute or plain resolver."""
        definition = definition_of(field)
        if definition is None or definition.permission_classes:
            raise Unplanned("not a strawberry field")
        twin = TWINS.get((parent.name, node.name.value))
        if twin is not None:
            converter = self.schema.schema_converter
            arguments, config = definition.arguments, self.schema.config

            def twinned(value: Any, run: Run) -> Any:
                raw = get_argument_values(field, node, run.variables)
                return twin(value, run.services, run.principal, convert_arguments(
                    raw, arguments, scalar_registry=converter.scalar_registry, config=config))

            return twinned
        if field.args or node.arguments or definition.extensions:
            raise Unplanned("arguments or extensions without a twin")
        read = direct(definition)
        if read is None:
            raise Unplanned("another default resolver, or one that needs more than its object")
        return lambda value, _run: read(value)

    def type_step(self, type_: GraphQLOutputType, node: FieldNode) -> Step:
        """A value of ``type_`` -> its completed value, as ``complete_value`` completes it."""
        complete = leaf_value(type_)
        if complete is not None:  # a leaf, or a non-null leaf: completed in one call
            return lambda value, _run: complete(value)
        if is_non_null_type(type_):
            inner = self.type_step(type_.of_type, node)

            def non_null(value: Any, run: Run) -> Any:
                completed = inner(value, run)
                if completed is None:
                    raise Fallback
                return completed

            return non_null
        if is_list_type(type_):
            item = self.type_step(type_.of_type, node)

            def listed(value: Any, run: Run) -> Any:
                if value is None or value is Undefined:
                    return None
                if type(value) is not list and type(value) is not tuple:
                    raise Fallback
                return [item(v, run) for v in value]

            return listed
        if is_object_type(type_) and type_.is_type_of is None and node.selection_set:
            fields = self.object_step(type_, node.selection_set)

            def completed(value: Any, run: Run) -> Any:
                if value is None or value is Undefined:
                    return None
                if isinstance(value, Exception):
                    raise Fallback
                return fields(value, run)

            return completed
        raise Unplanned(f"type {type_}")


def leaf_value(type_: GraphQLOutputType) -> Callable[[Any], Any] | None:
    """A value of a leaf type (or a non-null one) -> its completed value, as
    ``complete_value`` completes it (``Unsure`` or ``Fallback`` where it answers an
    error); None for other types. Values that complete as they are (a str for String or
    ID, a bool for Boolean, a 32-bit int for Int) and the members of strawberry's enums
    (their names, found once per member by the type's own ``coerce_output_value``) are
    completed without a call."""
    if is_non_null_type(type_):
        inner = leaf_value(type_.of_type)
        if inner is None:
            return None

        def non_null(value: Any) -> Any:
            completed = inner(value)
            if completed is None:
                raise Fallback
            return completed

        return non_null
    if not is_leaf_type(type_):
        return None
    leaf = leaf_step(type_)  # raises Unsure where graphql-core answers an error
    exact = IDENTICAL.get(type_.name) if type_ is IDENTICAL_TYPES.get(type_.name) else None
    if exact is not None:  # a str for String or ID, a bool for Boolean: as it is
        return lambda value: value if type(value) is exact else leaf(value)
    if type_ is GraphQLInt:  # an int within 32 bits: as it is
        return lambda value: value if type(value) is int and \
            GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT else leaf(value)
    if isinstance(type_, CustomGraphQLEnumType):
        members, names = type_.wrapped_cls, enum_names(type_)

        def enum(value: Any) -> Any:
            if type(value) is members:
                name = names.get(value)
                if name is not None:
                    return name
            return leaf(value)

        return enum
    return leaf


def enum_names(type_: CustomGraphQLEnumType) -> dict[Any, str]:
    """What the enum's ``coerce_output_value`` answers for each member of its Python
    enum (members it refuses are left out: completed by the call, as before)."""
    names: dict[Any, str] = {}
    member: Any
    for member in type_.wrapped_cls:
        try:
            name = type_.coerce_output_value(member)
        except Exception:  # left to the call, which answers its error
            continue
        if isinstance(name, str):
            names[member] = name
    return names


def definition_of(field: GraphQLField) -> StrawberryField | None:
    """strawberry's definition of a GraphQL field (None: not strawberry's)."""
    found: StrawberryField | None = (field.extensions or {}).get(
        GraphQLCoreConverter.DEFINITION_BACKREF)
    return found


def direct(definition: StrawberryField | None) -> Callable[[Any], Any] | None:
    """The value of a field (without twin, argument or extension) from its object alone:
    the attribute strawberry's default resolver reads (``getattr``), or the function of
    a synchronous resolver that takes only its object, called as strawberry's resolver
    calls it; None for any other field."""
    if definition is None:
        return None
    resolver = definition.base_resolver
    if resolver is None:
        return attrgetter(definition.python_name) \
            if definition.default_resolver is getattr else None
    if resolver.is_async or resolver.arguments or resolver.info_parameter or \
            resolver.self_parameter is None or not callable(resolver.wrapped_func):
        return None
    function: Callable[[Any], Any] = resolver.wrapped_func
    return function
