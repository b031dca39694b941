"""docker-compose.yml and the Dockerfile: valid, wired as documented, no secret committed.

No Docker engine runs here, but Debian's ``docker-compose`` (1.29) validates and
normalises the file offline (``docker-compose config``). The normalised YAML is read
with PyYAML, from this environment if installed, else from the interpreter that runs
``docker-compose`` (which needs PyYAML itself).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from agent_records.cli import parser
from agent_records.config import parse_store

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
PASSWORD = "only-for-this-test-7f3a"
MISSING = ("docker-compose is not installed: `make test` installs Debian's docker-compose "
           "(1.29) where it is missing (apt-get install -y --no-install-recommends "
           "docker-compose); install it, then run the tests again")


def compose(*args: str, password: str | None = PASSWORD) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail(MISSING)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("POSTGRES_", "AGENT_RECORDS_", "COMPOSE_"))}
    if password is not None:
        env["POSTGRES_PASSWORD"] = password
    return subprocess.run([binary, "--file", str(COMPOSE_FILE), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def load_yaml(text: str) -> dict[str, Any]:
    """YAML as data: PyYAML here, or docker-compose's own interpreter (it has PyYAML)."""
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        pass
    else:
        return yaml.safe_load(text)
    binary = Path(shutil.which("docker-compose") or "")
    shebang = binary.read_text(errors="replace").splitlines()[0] if binary.is_file() else ""
    if not shebang.startswith("#!") or "python" not in shebang:
        pytest.fail(f"cannot read YAML: PyYAML is not installed and {binary} is not a Python "
                    "script; `pip install pyyaml`")
    script = "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"
    done = subprocess.run([*shebang[2:].split(), "-c", script], input=text,
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    """The file as docker-compose understands it, variables interpolated."""
    done = compose("config")
    assert done.returncode == 0, done.stderr
    return load_yaml(done.stdout)


def test_docker_compose_validates_the_file_offline() -> None:
    done = compose("config", "-q")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


def test_the_database_password_must_come_from_the_environment() -> None:
    done = compose("config", "-q", password=None)
    assert done.returncode != 0
    assert "set POSTGRES_PASSWORD" in done.stderr
    text = COMPOSE_FILE.read_text()
    for line in text.splitlines():
        if re.search(r"password", line, re.IGNORECASE) and not line.lstrip().startswith("#"):
            assert "${POSTGRES_PASSWORD:?" in line, f"a password literal? {line.strip()}"
    assert PASSWORD not in text


def test_four_services_database_standby_api_and_projection_worker(config: dict[str, Any]
                                                                 ) -> None:
    services = config["services"]
    assert set(services) == {"db", "standby", "api", "worker"}
    db = services["db"]
    assert db["image"] == "postgres:15"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert db["environment"]["POSTGRES_PASSWORD"] == PASSWORD
    [volume] = db["volumes"]
    assert volume.split(":")[0] in config["volumes"], "the data lives in a named volume"
    assert volume.split(":")[1] == "/var/lib/postgresql/data"


def test_the_api_serves_port_8000_and_is_healthy_when_ready(config: dict[str, Any]) -> None:
    api = config["services"]["api"]
    assert api["build"]["context"] == str(ROOT)
    assert {"published": 8000, "target": 8000} in [
        {k: int(v) for k, v in p.items() if k in ("published", "target")} for p in api["ports"]]
    check = " ".join(api["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/readyz" in check
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    command = parser().parse_args(api["command"][1:])
    assert (api["command"][0], command.command, command.host, command.port) == (
        "agent-records", "serve", "0.0.0.0", 8000)
    env = api["environment"]
    assert env["AGENT_RECORDS_PROJECTIONS"] == "external"
    assert env["AGENT_RECORDS_MODE"] == "production", "the published port serves production"
    secret = env["AGENT_RECORDS_TOKENS"].removeprefix("/run/secrets/")
    assert secret in [s["source"] for s in api["secrets"]]
    assert secret in config["secrets"], "the token file is mounted as a secret"


def test_the_store_url_wires_api_and_worker_to_the_database(config: dict[str, Any]) -> None:
    services = config["services"]
    db_env = services["db"]["environment"]
    for name in ("api", "worker"):
        url = services[name]["environment"]["AGENT_RECORDS_STORE"]
        store = parse_store(url)
        assert (store.backend, store.env["POSTGRES_HOST"], store.env["POSTGRES_PORT"]) == (
            "postgres", "db,standby", "5432,5432"), url
        assert store.env["POSTGRES_TARGET_SESSION_ATTRS"] == "read-write", "the primary"
        assert store.env["POSTGRES_DBNAME"] == db_env["POSTGRES_DB"]
        assert store.env["POSTGRES_USER"] == db_env["POSTGRES_USER"]
        assert store.env["POSTGRES_PASSWORD"] == PASSWORD
        assert PASSWORD not in store.display
    worker = services["worker"]
    assert worker["command"] == ["agent-records", "projections", "run"]
    assert parser().parse_args(worker["command"][1:]).action == "run"
    assert "db" in worker["depends_on"]
    assert worker["image"] == services["api"]["image"], "the same image as the service"


def test_the_image_runs_the_service_as_a_non_root_user() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert lines[0] == "FROM python:3.11-slim"
    assert "RUN pip install --require-hashes -r requirements.lock \\" in lines, "locked versions"
    assert any(re.match(r"&& pip install --no-deps \.( |$)", line) for line in lines)
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0"), "the service must not run as root"
    [cmd] = [line for line in lines if line.startswith("CMD ")]
    assert json.loads(cmd[4:])[:4] == ["agent-records", "serve", "--host", "0.0.0.0"]
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "data"} <= ignored, "no local state or secrets in the image"


def test_the_standby_replicates_the_database_and_serves_the_reads(config: dict[str, Any]
                                                                  ) -> None:
    """README "Replication and failover": the standby is made by ``pg_basebackup -R`` from
    ``db``, which waits for it (synchronous); the service reads from it."""
    services = config["services"]
    standby, db = services["standby"], services["db"]
    script = " ".join(standby["entrypoint"])
    assert "pg_basebackup -h db -U records" in script and " -R " in script
    assert "cluster_name=standby" in script
    assert "synchronous_standby_names=standby" in " ".join(db["entrypoint"])
    assert "host replication records" in " ".join(db["entrypoint"])
    assert standby["depends_on"]["db"]["condition"] == "service_healthy"
    [volume] = standby["volumes"]
    assert volume.split(":")[0] in config["volumes"] and volume.split(":")[0] != "pgdata"
    read = parse_store(services["api"]["environment"]["AGENT_RECORDS_READ_STORE"])
    assert (read.env["POSTGRES_HOST"], read.env["POSTGRES_DBNAME"]) == ("standby", "records")
