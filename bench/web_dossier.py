"""The server time of the dossier page (``/web/agents/<id>``) for an agent with 80 events.

    python bench/web_dossier.py [--full] [--requests N] [--backends sqlite,postgres]

One agent's career recorded through the mutations (registration, appointment as attaché,
pledge, oath, functions, posting, renewals, promotion, a marriage authorised, then yearly
leaves until the record holds 80 events), on a fresh store of each backend (PostgreSQL:
a temporary schema of the test server; SQLite: a temporary file). The whole service
(API and pages) runs in this process, requests go through Starlette's test client (no
network, no other process): the time of a request is the server's, rendering included.
Cases, each ``--requests`` times (QUICK 30, FULL 200) after 3 warm-up requests:
- dossier: the page as HR opens it (identity, timeline of all 80 events, history's first
  50 rows, leave account), signed in as hr_officer (who reads marriage data);
- dossier + as of: the same with a date in force (two more ``RecordAsOf`` runs);
- AgentCareer, AgentTimeline: the page's two largest operations alone, over /graphql, to
  see what the page adds to its queries.
The machine is shared: the load average is printed with the figures; compare the rows of
one run with each other.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# run as a script, this file's folder comes first on sys.path, where ``bench/graphql.py``
# would hide the ``graphql`` package (graphql-core) that strawberry imports: take it out
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import warnings  # noqa: E402

warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
from starlette.testclient import TestClient  # noqa: E402

from agent_records.api.auth import Principal, TokenStore, ensure_demo_tokens  # noqa: E402
from agent_records.api.services import ServiceSettings  # noqa: E402
from agent_records.domain.classification import Role  # noqa: E402
from agent_records.web.app import create_app  # noqa: E402
from agent_records.web.sessions import COOKIE, Sessions  # noqa: E402
from bench.common import (  # noqa: E402
    checked_argv,
    full_size,
    log,
    median,
    option,
    percentile,
    save_result,
    store_url,
    table,
    temp_schema,
)
from tests.api.live import operation  # noqa: E402

EVENTS = 80
SIZES = {"quick": 30, "full": 200}
WARM_UP = 3
TODAY = "1990-01-01"


class Service:
    """The service in this process, with a token per role for the API."""

    def __init__(self, store: str, folder: Path) -> None:
        plain = ensure_demo_tokens(folder / "tokens.json")
        self.tokens = {tid[5:].replace("-", "_"): tok for tid, tok in plain.items()}
        os.environ["AGENT_RECORDS_TODAY"] = TODAY
        self.app = create_app(ServiceSettings.from_env(store),
                              TokenStore.load(folder / "tokens.json"))
        self.client = TestClient(self.app)

    def graphql(self, name: str, variables: dict[str, Any], role: str) -> dict[str, Any]:
        reply = self.client.post("/graphql", json={"query": operation(name),
                                                   "operationName": name,
                                                   "variables": variables},
                                 headers={"Authorization": f"Bearer {self.tokens[role]}"})
        body: dict[str, Any] = reply.json()
        assert not body.get("errors"), body
        return body["data"]

    def record(self, op: str, role: str = "hr_officer", /, **input: Any) -> dict[str, Any]:
        data = self.graphql(op, {"input": input}, role)
        receipt: dict[str, Any] = next(iter(data.values()))
        assert not receipt["userErrors"], (op, receipt["userErrors"])
        return receipt


def career(service: Service) -> str:
    """An agent with ``EVENTS`` events; returns the agent's id."""
    rec = service.record
    rec("OpenPost", effectiveDate="1945-01-01", code="BRU", name="Légation à Bruxelles",
        city="Bruxelles", country="BE", kind="legation")
    agent = rec("RegisterAgent", effectiveDate="1948-06-01", fullName="Jean Schmit",
                birthDate="1920-03-01", nationality="LU", category="DIPLOMATIC",
                civilPoliticalRights=True, stateOfficial=True, priorPublicServiceDays=0,
                domicileCountry="LU")["id"]

    def on(op: str, day: str, /, **kw: Any) -> dict[str, Any]:
        return rec(op, agentId=agent, effectiveDate=day, **kw)

    on("AppointAttache", "1948-07-01", appointingAuthority="SOVEREIGN",
       aptitudeCertificate={"doctor": "Dr Weber", "doctorDesignatedByMinister": True,
                            "issuedOn": "1948-06-15"},
       conductAttestation={"issuedBy": "Parquet général", "issuedOn": "1948-06-15"},
       diplomas=[{"kind": "DOCTORATE_IN_LAW", "country": "LU", "title": "Docteur en droit"}])
    on("PledgeHonour", "1948-07-01")
    on("SwearOath", "1948-07-01", alreadySwornAsStateOfficial=False)
    on("EnterFunctions", "1948-07-01")
    on("PostAgent", "1948-07-01", kind="ABROAD", postCode="BRU")
    for year in (1949, 1950, 1951):
        on("RenewAppointment", f"{year}-07-01")
    on("Promote", "1951-08-01", toGrade="SECRETAIRE", appointingAuthority="SOVEREIGN")
    asked = on("RequestMarriageAuthorisation", "1951-09-01", spouseName="Anne Muller",
               spouseNationality="LU")
    last = on("AuthoriseMarriage", "1951-09-15", requestVersion=asked["version"])
    year = 1952
    while last["version"] < EVENTS:
        month = 3 + 3 * (last["version"] % 3)  # three short leaves a year
        last = on("GrantLeave", f"{year}-{month:02}-01", kind="ANNUAL",
                  endDate=f"{year}-{month:02}-06", travelDays=0, grantedBy="MINISTER")
        year += month == 9
    assert last["version"] == EVENTS
    return str(agent)


def timed(get: Any, count: int) -> tuple[list[float], float]:
    """Milliseconds of each of ``count`` calls (after the warm-up), and the process's CPU
    milliseconds per call (every thread: the server's loops run in this process; hardly
    affected by the rest of the machine's load, unlike the wall times)."""
    for _ in range(WARM_UP):
        get()
    samples = []
    cpu = time.process_time()
    for _ in range(count):
        started = time.perf_counter()
        get()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, (time.process_time() - cpu) * 1000 / count


def measure(service: Service, agent: str, count: int
            ) -> list[tuple[str, tuple[list[float], float]]]:
    sessions: Sessions = service.app.state.web_sessions
    session_id, _ = sessions.open(service.app.state.services.views,
                                  Principal("demo-hr-officer", Role.HR_OFFICER))
    service.client.cookies.set(COOKIE, session_id, path="/web")

    def page(params: dict[str, str]) -> Any:
        def get() -> None:
            reply = service.client.get(f"/web/agents/{agent}", params=params)
            assert reply.status_code == 200 and 'id="timeline"' in reply.text, reply.text
        return get

    def op(name: str) -> Any:
        return lambda: service.graphql(name, {"id": agent}, "hr_officer")

    return [("dossier", timed(page({}), count)),
            ("dossier + as of", timed(page({"valid_at": "1951-01-01"}), count)),
            ("AgentCareer (first 50)", timed(op("AgentCareer"), count)),
            ("AgentTimeline (80 events)", timed(op("AgentTimeline"), count))]


@contextlib.contextmanager
def store(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder}/store.sqlite3"
    else:
        with temp_schema("web") as schema:
            yield store_url(schema)


def main(argv: list[str] | None = None) -> None:
    argv = checked_argv(argv, __doc__)
    size = "full" if full_size(argv) else "quick"
    count = int(option(argv, "--requests") or SIZES[size])
    backends = (option(argv, "--backends") or "sqlite,postgres").split(",")
    rows, data = [], {}
    for backend in backends:
        with tempfile.TemporaryDirectory() as tmp, store(backend, Path(tmp)) as url:
            service = Service(url, Path(tmp))
            with service.client:
                agent = career(service)
                log(f"{backend}: {EVENTS} events recorded; measuring")
                for case, (samples, cpu) in measure(service, agent, count):
                    load = os.getloadavg()[0]
                    rows.append((backend, case, count, median(samples),
                                 percentile(samples, 90), cpu, load))
                    data[f"{backend}/{case}"] = samples
    save_result("web_dossier", size, [table(
        f"The dossier page's server time, one agent with {EVENTS} events ({size}: {count} "
        "requests a case, in-process, one at a time)",
        ["backend", "case", "requests", "median ms", "p90 ms", "CPU ms/req", "load (1 min)"],
        rows)], data)


if __name__ == "__main__":
    main()
