"""The reference audit itself: ``graphql-http``'s ``auditServer`` (Node) against the live
service, a council token added to every request. Expected: every audit ``ok`` (the
issue saw 8 warnings before). ``test_http_spec.py`` checks the same audits in Python;
this one guards against a drift between that copy and the reference.

npm installs the package into a temporary folder (2 packages, a few seconds; from the
npm cache when it has them); without node/npm, or when the install fails (offline), the
test is skipped with the reason on a developer's machine and fails in CI
(``tests/prerequisites.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.live import Live
from tests.prerequisites import missing

PACKAGES = ["graphql-http@1.23.1", "graphql@16"]
SCRIPT = """
const { auditServer } = require('graphql-http');
const token = process.env.AUDIT_TOKEN;
const fetchFn = (url, init = {}) => fetch(url, {
  ...init, headers: { ...(init.headers || {}), authorization: `Bearer ${token}` } });
auditServer({ url: process.env.AUDIT_URL, fetchFn }).then((results) => {
  console.log(JSON.stringify(results.map((r) => ({ id: r.id, name: r.name,
    status: r.status, reason: r.reason }))));
});
"""


@pytest.fixture(scope="module", params=[pytest.param("sqlite", id="sqlite")])
def backend_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite only: HTTP semantics do not depend on the store."""
    yield f"sqlite:///{tmp_path_factory.mktemp('store')}/store.sqlite3"


@pytest.fixture(scope="module")
def auditor(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with graphql-http installed and the audit script."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        missing("node and npm are not installed")
    folder = tmp_path_factory.mktemp("graphql-http")
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefer-offline",
                           *PACKAGES], cwd=folder, capture_output=True, text=True,
                          timeout=180, check=False)
    if done.returncode != 0:
        missing(f"npm could not install {PACKAGES}: {done.stderr.strip()[-300:]}")
    (folder / "audit.js").write_text(SCRIPT)
    return folder


def test_the_reference_audit_reports_no_warning_and_no_error(live: Live, auditor: Path
                                                              ) -> None:
    done = subprocess.run(
        ["node", "audit.js"], cwd=auditor, capture_output=True, text=True, timeout=120,
        check=True, env={"PATH": os.environ["PATH"], "AUDIT_URL": live.url + "/graphql",
                         "AUDIT_TOKEN": live.tokens["council"]})
    results = json.loads(done.stdout)
    assert len(results) >= 61
    failed = [r for r in results if r["status"] != "ok"]
    assert not failed, json.dumps(failed, indent=1)
