"""Every setting is declared once, in ``agent_records/config.py``, read there alone, and
listed in README's "Settings" table; a value that cannot be used names its variable."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from agent_records.config import ConfigurationError, Settings, declared, settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("agent_records", "projections")
COMPOSE_ONLY = {"AGENT_RECORDS_TOKENS_FILE", "AGENT_RECORDS_WORKERS"}
"""Read by docker-compose on the host, never by the service (README says so)."""


def readme_table() -> list[str]:
    """The rows of README's "Settings" table, as written."""
    section = (ROOT / "README.md").read_text().split("\n## Settings\n", 1)[1].split("\n## ")[0]
    return [line for line in section.splitlines() if line.startswith("| `")]


def test_the_readme_table_lists_the_settings_of_the_code() -> None:
    expected = [f"| `{s.name}` | `{s.default}` | {s.description} |" for s in declared()]
    assert readme_table() == expected, ("README's Settings table differs from "
                                        "agent_records/config.py; its rows should be:\n"
                                        + "\n".join(expected))


def environment_reads(path: Path) -> list[str]:
    """Where a module touches the environment (``os.environ``, ``getenv``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        name = (node.attr if isinstance(node, ast.Attribute) else
                node.id if isinstance(node, ast.Name) else
                " ".join(a.name for a in node.names) if isinstance(node, ast.ImportFrom) else "")
        if re.search(r"\b(environ|getenv|environb)\b", name):
            found.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}")
    return found


def test_no_other_module_reads_the_environment() -> None:
    modules = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    reads = [where for path in modules if path != ROOT / "agent_records" / "config.py"
             for where in environment_reads(path)]
    assert not reads, "read settings through agent_records.config.settings(): " + str(reads)


def test_every_variable_named_in_the_code_and_deployment_is_a_setting() -> None:
    names = {s.name for s in declared()}
    files = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    files += [ROOT / "Dockerfile", ROOT / "docker-compose.yml", ROOT / "README.md"]
    named = {n for p in files for n in re.findall(r"AGENT_RECORDS_[A-Z_]*[A-Z]", p.read_text())}
    assert named - COMPOSE_ONLY == names
    compose = (ROOT / "docker-compose.yml").read_text()
    assert set(re.findall(r"\$\{(AGENT_RECORDS_[A-Z_]+)", compose)) == COMPOSE_ONLY


def test_defaults_follow_the_data_folder_and_empty_means_unset() -> None:
    given = Settings.from_env({"AGENT_RECORDS_DATA": "/srv/records", "AGENT_RECORDS_MODE": "",
                               "AGENT_RECORDS_TOKENS": "/run/secrets/tokens"})
    assert given.store == "sqlite:////srv/records/agent-records.sqlite3"
    assert given.signing_key == Path("/srv/records/signing-key.pem")
    assert given.checkpoints == Path("/srv/records/checkpoints")
    assert given.tokens == Path("/run/secrets/tokens")
    assert not given.production and given.inline_projections
    assert given.operations == ROOT / "graphql" / "operations"
    assert Settings.from_env({}).store == "sqlite:///data/agent-records.sqlite3"


def test_settings_are_read_at_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_RECORDS_QUERY_BUDGET", "2.5")
    monkeypatch.setenv("AGENT_RECORDS_MODE", "production")
    assert settings().query_budget == 2.5 and settings().production
    monkeypatch.setenv("AGENT_RECORDS_PROJECTIONS", "external")
    assert not settings().inline_projections


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("AGENT_RECORDS_MODE", "prod", "expected one of development, production"),
    ("AGENT_RECORDS_PROJECTIONS", "worker", "expected one of inline, external"),
    ("AGENT_RECORDS_QUERY_BUDGET", "ten", "expected a number of seconds > 0"),
    ("AGENT_RECORDS_QUERY_BUDGET", "0", "expected a number of seconds > 0"),
    ("AGENT_RECORDS_QUERY_BUDGET", "inf", "expected a number of seconds > 0"),
    ("AGENT_RECORDS_REBUILD_PROCESSES", "-2", "expected a whole number ≥ 0"),
    ("AGENT_RECORDS_REBUILD_PROCESSES", "1.5", "expected a whole number ≥ 0"),
])
def test_a_value_that_cannot_be_used_names_its_variable(name: str, value: str,
                                                        expected: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env({name: value})
    assert str(refused.value) == f"{name}: {expected}, got {value!r}"
