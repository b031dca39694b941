"""Plain fields answered without graphql-core's per-field machinery.

graphql-core executes every field alike: a ``Path``, a ``GraphQLResolveInfo``, the
resolver call, and ``complete_value``'s chain of type tests, about 5 us a field. An audit
page of 50 entries has some 900 fields that are all attribute reads (strawberry's "basic"
fields). ``CompilingExecutor`` (graphql-core's executor, as strawberry subclasses it) turns
the selection of such fields into one Python function per field that reads the attribute
and completes the value directly (leaf: the type's own ``coerce_output_value``; list;
object: a dict of its compiled fields), and lets graphql-core execute every other field.

A field is compiled only when the answer cannot differ from graphql-core's:
- its resolver is strawberry's default one (``_is_default``: no resolver, no permission
  or field extension) reading the attribute with ``getattr``, and it takes no argument;
  a field some role may not read has a checking resolver (``api.classified.guard``) and
  is never compiled, so a compiled selection reads only what every role reads;
- its selection (and the fragments it spreads) carries no directive (``@skip``,
  ``@include``, ``@defer`` depend on variables or change delivery), and no object below
  it is abstract or has an ``is_type_of`` check;
- no middleware runs (a schema extension with a ``resolve`` hook sees every field).
``__typename`` is compiled to the parent type's name. Anything unusual at run time (a
null in a non-null position, a value the scalar refuses, a list that is not a list or
tuple, an exception) abandons the compiled function for that field: graphql-core executes
the field again from its parent object and answers its data and errors exactly as it
would have (the reads are attribute reads: executing them twice changes nothing).

The plans are kept per selection (the parsed document's nodes, which the transport
parses once per text, ``api.execution``): ``PLANS`` at most, then started again.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLID,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    InlineFragmentNode,
    SelectionSetNode,
    Undefined,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet, collect_subfields
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

IDENTICAL = {"String": str, "ID": str, "Boolean": bool}
"""graphql-core's scalars that answer a value of exactly this Python type as it is
(``serialize_string``, ``serialize_id``, ``serialize_boolean``): no call for them."""
IDENTICAL_TYPES = {"String": GraphQLString, "ID": GraphQLID, "Boolean": GraphQLBoolean}
PLANS = 4096
"""Selections whose plan is kept per process (the trusted documents' are a few dozen)."""

Step = Callable[[Any], Any]
"""A compiled field: the parent object -> the field's completed value (raises if unsure)."""
Plan = tuple[tuple[str, Step | None, FieldDetailsList], ...]
"""A selection: (response name, its compiled step or None for graphql-core, its nodes)."""


class Unsure(Exception):
    """A compiled field met a value graphql-core would answer with an error."""


_plans: dict[tuple[Any, ...], tuple[GroupedFieldSet, Plan | None]] = {}


class CompilingExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor; each selection's plain fields run compiled (module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        middleware = self.middleware_manager
        self.compiles = not (middleware and middleware.middlewares)
        self.selection_plans: dict[int, tuple[GroupedFieldSet, Plan | None]] = {}

    def plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> Plan | None:
        """The plan of this selection: found by the selection (kept alive with it, so its
        id is not reused), else by its nodes in the process's plans, else compiled."""
        kept = self.selection_plans.get(id(fields))
        if kept is not None:
            return kept[1]
        key = (parent_type, *((name, *(id(d.node) for d in details))
                              for name, details in fields.items()))
        known = _plans.get(key)
        if known is None:
            known = (fields, compile_selection(self, parent_type, fields)
                     if self.compiles else None)
            if len(_plans) >= PLANS:
                _plans.clear()
            _plans[key] = known
        self.selection_plans[id(fields)] = (fields, known[1])
        return known[1]

    def execute_fields(self, parent_type: GraphQLObjectType, source_value: Any,
                       path: Path | None, grouped_field_set: GroupedFieldSet,
                       position_context: Any) -> AwaitableOrValue[dict[str, Any]]:
        """graphql-core's ``execute_fields``, each compiled field answered by its step."""
        plan = self.plan(parent_type, grouped_field_set)
        if plan is None:
            return super().execute_fields(parent_type, source_value, path,
                                          grouped_field_set, position_context)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        pending: list[str] = []
        try:
            for name, step, details in plan:
                if step is not None:
                    try:
                        results[name] = step(source_value)
                        continue
                    except Exception:  # graphql-core answers it its way
                        pass
                result = self.execute_field(parent_type, source_value, details,
                                            Path(path, name, parent_type.name),
                                            position_context)
                if result is not Undefined:
                    results[name] = result
                    if is_awaitable(result):
                        pending.append(name)
        except Exception:
            if pending:
                self.settle_in_background([results[name] for name in pending])
            raise
        if not pending:
            return results

        async def gathered() -> dict[str, Any]:
            values = await gather_with_cancel(*(results[name] for name in pending))
            results.update(zip(pending, values, strict=True))
            return results

        return gathered()


def compile_selection(executor: CompilingExecutor, parent_type: GraphQLObjectType,
                      fields: GroupedFieldSet) -> Plan | None:
    """The selection's plan; None when no field of it compiles."""
    plan = tuple((name, compile_field(executor, parent_type, details), details)
                 for name, details in fields.items())
    return plan if any(step is not None for _, step, _ in plan) else None


def compile_field(executor: CompilingExecutor, parent_type: GraphQLObjectType,
                  details: FieldDetailsList) -> Step | None:
    """The field's step, or None when graphql-core must execute it (module doc)."""
    if any(d.defer_usage is not None or d.fragment_variable_values is not None
           or d.node.arguments for d in details):
        return None
    name = details[0].node.name.value
    if name == "__typename":
        type_name = parent_type.name
        return lambda _source: type_name
    field = parent_type.fields.get(name)
    if field is None or field.args or not getattr(field.resolve, "_is_default", False):
        return None
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if definition is None or definition.default_resolver is not getattr or \
            definition.base_resolver is not None or definition.extensions:
        return None
    if any(not plain(executor, d.node.selection_set) for d in details):
        return None
    complete = compile_type(executor, field.type, details)
    if complete is None:
        return None
    read = attrgetter(definition.python_name)
    named = field.type.of_type if is_non_null_type(field.type) else field.type
    exact = IDENTICAL.get(named.name) if is_leaf_type(named) and \
        named is IDENTICAL_TYPES.get(named.name) else None
    if exact is not None:  # a str for String or ID, a bool for Boolean: as it is

        def identical(source: Any) -> Any:
            value = read(source)
            return value if type(value) is exact else complete(value)

        return identical
    return lambda source: complete(read(source))


def plain(executor: CompilingExecutor, selection_set: SelectionSetNode | None) -> bool:
    """Whether the selection, and every fragment it spreads, has no directive."""
    if selection_set is None:
        return True
    for selection in selection_set.selections:
        if selection.directives:
            return False
        if isinstance(selection, FieldNode | InlineFragmentNode):
            if not plain(executor, selection.selection_set):
                return False
        elif isinstance(selection, FragmentSpreadNode):
            fragment = executor.fragments.get(selection.name.value)
            if fragment is None or fragment.definition.directives or \
                    fragment.definition.variable_definitions or \
                    not plain(executor, fragment.definition.selection_set):
                return False
    return True


def compile_type(executor: CompilingExecutor, type_: GraphQLOutputType,
                 details: FieldDetailsList) -> Step | None:
    """A value of ``type_`` -> its completed value, as ``complete_value`` completes it."""
    if is_non_null_type(type_):
        inner = compile_type(executor, type_.of_type, details)
        if inner is None:
            return None

        def non_null(value: Any) -> Any:
            completed = inner(value)
            if completed is None:
                raise Unsure
            return completed

        return non_null
    if is_list_type(type_):
        item = compile_type(executor, type_.of_type, details)
        if item is None:
            return None

        def listed(value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            if type(value) is not list and type(value) is not tuple:
                raise Unsure
            return [item(v) for v in value]

        return listed
    if is_leaf_type(type_):
        return leaf_step(type_)
    if is_object_type(type_) and type_.is_type_of is None:
        sub = collect_subfields(executor.schema, executor.fragments, executor.variable_values,
                                executor.operation, type_, details,
                                executor.hide_suggestions).grouped_field_set
        steps: list[tuple[str, Step]] = []
        for name, sub_details in sub.items():
            step = compile_field(executor, type_, sub_details)
            if step is None:
                return None
            steps.append((name, step))

        def completed(value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            if isinstance(value, Exception):
                raise Unsure
            return {name: step(value) for name, step in steps}

        return completed
    return None


def leaf_step(type_: GraphQLLeafType) -> Step:
    """A value of a scalar or enum -> its completed value (``Unsure`` where graphql-core
    answers an error: an exception, a value the type cannot serialise)."""
    coerce = type_.coerce_output_value

    def leaf(value: Any) -> Any:
        if value is None or value is Undefined:
            return None
        if isinstance(value, Exception):
            raise Unsure
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise Unsure
        return coerced

    return leaf
