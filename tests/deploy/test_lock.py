"""The lock files agree with pyproject.toml and with each other (``make lock`` writes them).

``make venv`` installs ``requirements-dev.lock`` and the image ``requirements.lock``, both
with ``--require-hashes``: a dependency added to pyproject.toml without ``make lock`` would
be missing there (``pip check`` catches it at install time; this catches it before).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ ;\\]+)", re.MULTILINE)


def pins(name: str) -> dict[str, str]:
    """The ``name==version`` lines of a lock file, by canonical name."""
    text = (ROOT / name).read_text()
    assert "--hash=sha256:" in text, f"{name} must carry hashes (pip --require-hashes)"
    return {canonicalize_name(n): v for n, v in PIN.findall(text)}


@pytest.mark.parametrize(("lock", "requirements"), [
    ("requirements.lock", PROJECT["dependencies"]),
    ("requirements-dev.lock",
     PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]),
])
def test_every_requirement_is_locked_within_its_range(lock: str, requirements: list[str]
                                                      ) -> None:
    locked = pins(lock)
    for line in requirements:
        wanted = Requirement(line)
        name = canonicalize_name(wanted.name)
        assert name in locked, f"{lock} lacks {wanted.name}: run `make lock`"
        assert wanted.specifier.contains(locked[name], prereleases=True), \
            f"{lock} pins {wanted.name}=={locked[name]}, outside {wanted.specifier}: `make lock`"


def test_the_dev_lock_keeps_the_service_versions() -> None:
    service, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {n: dev.get(n) for n in service} == service
