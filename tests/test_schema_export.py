"""The contract as files: ``graphql/schema.graphql`` is the SDL of the code, and every
operation of ``graphql/operations/``, with the fragments of ``graphql/fragments/`` it
spreads, is valid against it.

After a change to the schema, regenerate the exported SDL with:

    .venv/bin/python -c "import pathlib; from agent_records.api.schema import sdl; pathlib.Path('graphql/schema.graphql').write_text(sdl())"
"""  # noqa: E501

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionNode,
    ValueNode,
    VariableNode,
    Visitor,
    parse,
    validate,
    visit,
)

from agent_records.api.documents import graphql_files, load_operations, spreads
from agent_records.api.mutations import MUTATIONS
from agent_records.api.schema import build_schema, sdl

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "graphql" / "schema.graphql"
OPERATIONS = sorted((ROOT / "graphql" / "operations").glob("*.graphql"))
DOCUMENTS = load_operations(ROOT / "graphql" / "operations")
FRAGMENTS = graphql_files(ROOT / "graphql" / "fragments")
REGENERATE = ('.venv/bin/python -c "import pathlib; from agent_records.api.schema import sdl; '
              "pathlib.Path('graphql/schema.graphql').write_text(sdl())\"")
DOCUMENTED = {"AgentCareer", "PostRoster", "RenewalsDue", "LeaveBalance", "AuditTrailByAgent",
              "AuditTrailByActor", "RecordAsOf", "AgentsEligibleForPromotion",
              "ProjectionStatus"}
RECEIPT = ("id", "version", "recordedAt", "correlationId", "userErrors")


def pascal(name: str) -> str:
    return name[0].upper() + name[1:]


def test_exported_schema_matches_the_code() -> None:
    exported = SCHEMA_FILE.read_text() if SCHEMA_FILE.exists() else ""
    current = sdl()
    if exported != current:
        diff = "".join(list(difflib.unified_diff(
            exported.splitlines(keepends=True), current.splitlines(keepends=True),
            "graphql/schema.graphql", "agent_records.api.schema.sdl()"))[:60])
        pytest.fail(f"graphql/schema.graphql differs from the code; regenerate it with:\n"
                    f"    {REGENERATE}\n\n{diff}", pytrace=False)


def test_documented_operations_and_one_file_per_mutation() -> None:
    present = {p.stem for p in OPERATIONS}
    assert present >= DOCUMENTED, f"missing: {sorted(DOCUMENTED - present)}"
    missing = {pascal(c.name) for c in MUTATIONS} - present
    assert not missing, f"no operation file for the mutations {sorted(missing)}"


def literals(value: ValueNode) -> list[ValueNode]:
    """Literal values inside an argument (variables inside objects and lists are fine)."""
    if isinstance(value, VariableNode):
        return []
    if isinstance(value, ObjectValueNode):
        return [x for f in value.fields for x in literals(f.value)]
    if isinstance(value, ListValueNode):
        return [x for v in value.values for x in literals(v)]
    return [value]


def argument_literals(document: DocumentNode) -> list[str]:
    found: list[str] = []

    class Arguments(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: object) -> None:
            found.extend(f"{node.name.value}: {type(v).__name__}" for v in literals(node.value))

    visit(document, Arguments())
    return found


@pytest.mark.parametrize("path", OPERATIONS, ids=[p.stem for p in OPERATIONS])
def test_operation_is_valid_against_the_schema(path: Path) -> None:
    assert not [d for d in parse(path.read_text()).definitions
                if isinstance(d, FragmentDefinitionNode)], "fragments live in graphql/fragments/"
    document = parse(DOCUMENTS[path.stem])
    errors = validate(build_schema()._schema, document)
    assert not errors, "\n".join(e.message for e in errors)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert [op.name.value for op in operations if op.name] == [path.stem], \
        "one named operation per file, named after the file"
    assert not argument_literals(document), "operations take variables, not literals"


def expand(selections: tuple[SelectionNode, ...], document: DocumentNode
           ) -> dict[str, FieldNode]:
    """The fields selected, by name, with the fragments' fields in place of their spreads."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    found: dict[str, FieldNode] = {}
    for selection in selections:
        if isinstance(selection, FragmentSpreadNode):
            found |= expand(fragments[selection.name.value].selection_set.selections, document)
        elif isinstance(selection, FieldNode):
            found[selection.name.value] = selection
    return found


@pytest.mark.parametrize("name", sorted(FRAGMENTS))
def test_fragment_file_holds_one_fragment_that_operations_spread(name: str) -> None:
    (fragment,) = parse(FRAGMENTS[name]).definitions
    assert isinstance(fragment, FragmentDefinitionNode), "one fragment per file"
    assert fragment.name.value == name, "named after its file"
    users = [op for op, text in DOCUMENTS.items() if name in spreads(text)]
    assert users, f"no operation spreads {name}: delete it"


@pytest.mark.parametrize("command", [c.name for c in MUTATIONS])
def test_mutation_file_takes_input_and_selects_the_receipt(command: str) -> None:
    name = pascal(command)
    document = parse(DOCUMENTS[name])
    (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert operation.operation.value == "mutation"
    (variable,) = operation.variable_definitions or ()
    assert variable.variable.name.value == "input"
    assert variable.type.to_dict()["type"]["name"]["value"] == f"{name}Input"
    (field,) = operation.selection_set.selections
    assert isinstance(field, FieldNode) and field.selection_set
    assert field.name.value == command
    selected = expand(field.selection_set.selections, document)
    assert set(RECEIPT) <= set(selected)
    receipt_errors = selected["userErrors"].selection_set
    assert receipt_errors
    errors = set(expand(receipt_errors.selections, document))
    assert errors == {"field", "code", "message", "article"}
