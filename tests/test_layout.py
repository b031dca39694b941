"""The package layout's dependency rules (shared architecture, "Layout"), read from the code.

Every ``import`` of ``agent_records`` and ``projections`` is parsed with ``ast``, at module
level and inside functions alike (a deferred import is still a dependency), and mapped to
its unit of the layout: a sub-package or a top-level module (``agent_records.integrity``,
``agent_records.application``, ``projections.engine``...). The rules are about those units.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("agent_records", "projections")


def module_name(path: Path) -> str:
    """``agent_records/api/app.py`` -> ``agent_records.api.app``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """The modules ``tree`` imports, relative imports resolved against ``module``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[:len(base) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target
            yield from (f"{target}.{alias.name}" for alias in node.names)


def unit(module: str) -> str | None:
    """The layout unit of one of our modules (None for any other module, and for the
    packages' own ``__init__``, which hold only their docstrings)."""
    parts = module.split(".")
    if parts[0] not in PACKAGES or len(parts) < 2:
        return None
    return ".".join(parts[:2])


@cache
def modules() -> dict[str, set[str]]:
    """Each of our modules and every module it imports."""
    out: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = module_name(path)
            tree = ast.parse(path.read_text(), str(path))
            out[name] = set(imported(tree, name, path.name == "__init__.py"))
    return out


@cache
def graph() -> dict[str, set[str]]:
    """Layout units and the units each imports (itself left out)."""
    edges: dict[str, set[str]] = {}
    units = {unit(m) for m in modules()}
    for module, targets in modules().items():
        source = unit(module)
        if source is None:
            continue
        found = edges.setdefault(source, set())
        for target in targets:
            other = unit(target)
            if other and other != source and other in units:
                found.add(other)
    return edges


def imports_of(prefix: str) -> dict[str, set[str]]:
    """Modules under ``prefix`` (a unit) and the imports they make of ours."""
    return {m: {t for t in targets if unit(t)} for m, targets in modules().items()
            if m == prefix or m.startswith(prefix + ".")}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def offenders(prefix: str, forbidden: tuple[str, ...]) -> list[str]:
    """``module -> import`` lines of modules under ``prefix`` importing a forbidden unit."""
    return sorted(f"{m} -> {t}" for m, targets in imports_of(prefix).items() for t in targets
                  if unit(t) in forbidden)


def test_the_graph_is_read() -> None:
    """The parse finds the units and the imports the layout is about (a sanity check)."""
    edges = graph()
    assert {"agent_records.domain", "agent_records.integrity", "agent_records.api",
            "projections.engine", "projections.views"} <= set(edges)
    assert "projections.engine" in edges["projections.views"]
    assert "projections.engine" in edges["agent_records.integrity"]


def test_no_package_imports_one_that_imports_it_back() -> None:
    assert cycles(graph()) == []


def test_projections_serve_the_application_and_never_import_its_entry_points() -> None:
    """The engine and the views know neither integrity (the sealer is listed with the
    views by ``agent_records.readside``) nor any entry point."""
    assert offenders("projections", ("agent_records.integrity", "agent_records.api",
                                     "agent_records.archive", "agent_records.cli",
                                     "agent_records.web", "agent_records.readside")) == []


def test_the_engine_knows_no_view() -> None:
    assert offenders("projections.engine", ("projections.views",)) == []


def test_integrity_never_imports_the_api() -> None:
    assert offenders("agent_records.integrity", ("agent_records.api", "agent_records.web",
                                                 "agent_records.cli")) == []


def test_the_domain_imports_only_the_standard_library_and_eventsourcing() -> None:
    allowed = set(sys.stdlib_module_names) | {"eventsourcing", "agent_records"}
    foreign = sorted(f"{m} -> {t}" for m, targets in modules().items()
                     if m.startswith("agent_records.domain")
                     for t in targets
                     if t.split(".")[0] not in allowed
                     or (unit(t) and unit(t) != "agent_records.domain"))
    assert foreign == []


def test_a_cycle_is_found() -> None:
    """The cycle check fails on the shape it forbids (a made-up graph)."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_imports_inside_functions_and_relative_ones_count() -> None:
    tree = ast.parse("def f():\n    from agent_records.integrity.sealer import Sealer\n"
                     "from .base import View\n")
    found = set(imported(tree, "projections.engine.runner", False))
    assert {"agent_records.integrity.sealer", "projections.engine.base"} <= found
    assert unit("agent_records.integrity.sealer.Sealer") == "agent_records.integrity"
