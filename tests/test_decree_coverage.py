"""``docs/decree.md`` covers the decree: one row per article 1 to 28, each citing tests
that exist and codes the service uses; the code cites no article the table lacks, and
every refusal or breach code the code ties to an article is listed in that article's row.

A citation of another text names it ("Art. 32 of the law of 8 May 1872", "law of 8 May
1872, Art. 32") and is not the decree's.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "docs" / "decree.md"
CODE = [p for package in ("agent_records", "projections")
        for p in sorted((ROOT / package).rglob("*.py"))]
KINDS = {"rule", "fact", "breach", "n/a"}
ARTICLES = range(1, 29)
OTHER_TEXT = re.compile(r"Art\. \d+ of the law|law of [^,;)]*, Art\. \d+")
CITED = re.compile(r"Art\. (\d+)")
PAIR = re.compile(r'"Art\. (\d+)"[^"]*?(?:,\s*|\n\s*)"([a-z0-9_]+)"', re.S)
"""An article and the code a refusal or breach gives with it: ``"Art. 14", "code"``."""


@cache
def rows() -> dict[int, dict[str, str]]:
    """The table's rows by article number, each cell by its column's name."""
    lines = [ln for ln in TABLE.read_text().splitlines() if ln.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    out: dict[int, dict[str, str]] = {}
    for line in lines[1:]:
        cells = dict(zip(header, (c.strip() for c in line.strip("|").split("|")), strict=True))
        number = int(cells["Article"].removeprefix("Art. "))
        assert number not in out, f"Art. {number} has two rows"
        out[number] = cells
    return out


def items(cell: str) -> list[str]:
    return [x.strip() for x in cell.split(",") if x.strip()]


@cache
def defined_tests(path: str) -> frozenset[str]:
    """The test functions a test file defines (parsed, not imported)."""
    tree = ast.parse((ROOT / path).read_text())
    return frozenset(n.name for n in ast.walk(tree)
                     if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                     and n.name.startswith("test_"))


def sources() -> dict[Path, str]:
    return {p: p.read_text() for p in CODE}


def test_every_article_has_one_row_in_order() -> None:
    assert list(rows()) == list(ARTICLES)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda n: f"Art. {n}")
def test_the_row_says_what_the_service_does_with_the_article(article: int) -> None:
    row = rows()[article]
    kinds = set(items(row["Kind"]))
    assert kinds and kinds <= KINDS, f"kinds are {sorted(KINDS)}, not {row['Kind']!r}"
    assert row["What the service does"], "say what the service does, or why not"
    if "n/a" in kinds:
        assert kinds == {"n/a"} and not row["Codes"] and not row["Tests"]
    else:
        assert row["Tests"], "a covered article names the tests that prove it"
    if "rule" in kinds or "breach" in kinds:
        assert row["Codes"], "a rule or a breach has its codes"


@pytest.mark.parametrize("article", ARTICLES, ids=lambda n: f"Art. {n}")
def test_the_tests_listed_exist(article: int) -> None:
    for test in items(rows()[article]["Tests"]):
        path, _, name = test.partition("::")
        assert (ROOT / path).is_file(), f"{path} does not exist"
        assert name in defined_tests(path), f"{path} has no test {name}"


@pytest.mark.parametrize("article", ARTICLES, ids=lambda n: f"Art. {n}")
def test_the_codes_listed_are_the_services(article: int) -> None:
    text = "\n".join(sources().values())
    for code in items(rows()[article]["Codes"]):
        assert code.startswith("`") and code.endswith("`"), code
        assert f'"{code.strip("`")}"' in text, f"no code {code} in agent_records/, projections/"


def test_every_article_the_code_cites_has_a_row() -> None:
    cited: dict[int, set[str]] = {}
    for path, text in sources().items():
        for number in CITED.findall(OTHER_TEXT.sub("", text)):
            cited.setdefault(int(number), set()).add(str(path.relative_to(ROOT)))
    missing = {n: sorted(files) for n, files in cited.items() if n not in rows()}
    assert not missing, f"articles cited in the code but not in docs/decree.md: {missing}"


def test_every_code_the_code_ties_to_an_article_is_in_its_row() -> None:
    missing = set()
    for text in sources().values():
        for number, code in PAIR.findall(text):
            row = rows().get(int(number))
            if row is None or f"`{code}`" not in items(row["Codes"]):
                missing.add((f"Art. {number}", code))
    assert not missing, f"codes not listed in their article's row: {sorted(missing)}"
