"""Abusive requests against the live service: each is refused (413/414/400) or answered
within bounds, never a 500, while ``/healthz`` keeps answering within 1 s and the
server's memory returns to its level.

The shapes are those of issue 10 (a 40-level fragment chain, a 10 MB argument, 20
distinct large queries, 29 aliases of ``renewalsDue`` over 2,000 attachés, four of them
in parallel, deep nesting, many aliases). A second client polls ``/healthz`` during
each; the server's RSS is read from ``/proc/<pid>/status``. Each answer time is printed
(``-s``) and summed up at the end of the module: the figures of the closing note.
Requests are answered as ``application/graphql-response+json`` (request errors: 400).
HTTP limits do not depend on the store: SQLite only.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from agent_records.api.cost import MAX_COST
from agent_records.api.limits import MAX_BODY_BYTES, MAX_QUERY_CHARS
from agent_records.bootstrap import open_records
from agent_records.demo import Career, on
from agent_records.domain.commands import AppointAttache, RenewAppointment
from agent_records.domain.values import (
    AptitudeCertificate,
    ConductAttestation,
    Diploma,
    DiplomaKind,
)
from tests.api.http_client import Answer, bearer, send
from tests.api.live import Live, serve

GQL = "application/graphql-response+json"
ATTACHES = 2_000
RENEWALS = 4
"""Renewals decided with each appointment: the terms run past the views' day (1952)."""
HEALTH_LIMIT = 1.0
"""Seconds ``/healthz`` may take while an abusive request runs (issue 10)."""
RSS_MARGIN_MB = 80
"""How far above its level before the abuse the server's memory may stay afterwards."""
FIGURES: list[tuple[str, int, float, str]] = []


@pytest.fixture(scope="module", params=[pytest.param("sqlite", id="sqlite")])
def backend_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This module's store: SQLite, with ``ATTACHES`` attachés whose renewal falls due."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store')}/store.sqlite3"
    app = open_records(url)
    try:
        rng = random.Random(10)
        for i in range(ATTACHES):
            career = Career(app, rng, i)
            career.register()
            day = career.start
            app.handle(AppointAttache(
                career.agent_id, on(day, f"AGD {day.year}/{i + 1}"),
                aptitude_certificate=AptitudeCertificate("Dr Faber", True, day),
                conduct_attestation=ConductAttestation("Parquet général", day),
                diplomas=(Diploma(DiplomaKind.DOCTORATE_IN_LAW, "LU", "Docteur"),)))
            for _ in range(RENEWALS):  # still in their terms on the views' day (Art. 7)
                app.handle(RenewAppointment(career.agent_id, on(day, f"AGD {day.year}/R")))
    finally:
        app.close()
    yield url


@pytest.fixture(scope="module", autouse=True)
def figures() -> Iterator[None]:
    """Prints the table of answer times once the module is done."""
    yield
    print("\n| abusive request | status | answer time (s) | answer |\n|---|---|---|---|")
    for name, status, seconds, answer in FIGURES:
        print(f"| {name} | {status} | {seconds:.3f} | {answer} |")


@dataclass
class Health:
    """A second client polling ``/healthz`` while the abuse runs."""

    url: str
    times: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def poll(self) -> None:
        while not self.stop.is_set():
            try:
                answer = send(self.url, "GET", "/healthz", timeout=10)
                self.times.append(answer.seconds)
                if answer.status != 200:
                    self.failures.append(f"{answer.status}")
            except OSError as error:
                self.failures.append(repr(error))
            self.stop.wait(0.05)


def rss_mb(live: Live) -> float:
    assert live.process is not None
    status = Path(f"/proc/{live.process.pid}/status").read_text()
    [line] = [x for x in status.splitlines() if x.startswith("VmRSS:")]
    return int(line.split()[1]) / 1024


def abuse(live: Live, name: str, attack: Callable[[], list[Answer]]) -> list[Answer]:
    """Runs ``attack`` while ``/healthz`` is polled; checks health and records figures."""
    health = Health(live.url)
    poller = threading.Thread(target=health.poll)
    poller.start()
    start = time.monotonic()
    try:
        answers = attack()
    finally:
        time.sleep(0.2)
        health.stop.set()
        poller.join()
    elapsed = time.monotonic() - start
    slowest = max(health.times, default=0.0)
    for answer in answers:
        assert answer.status < 500 or answer.codes() == ["TIME_BUDGET_EXCEEDED"], (
            name, answer.status, answer.body[:300])
    summary = ", ".join(sorted({_codes(a) for a in answers}))
    FIGURES.append((name, answers[0].status, max(a.seconds for a in answers), summary))
    print(f"{name}: {[a.status for a in answers][:4]} in {elapsed:.3f} s; /healthz "
          f"{len(health.times)} polls, slowest {slowest:.3f} s")
    assert not health.failures, health.failures
    assert health.times and slowest < HEALTH_LIMIT, (name, slowest)
    return answers


def _codes(answer: Answer) -> str:
    try:
        codes = answer.codes()
    except ValueError:
        return answer.body[:40].decode(errors="replace")
    return ",".join(str(c) for c in codes) or "data"


def graphql(live: Live, payload: dict | bytes, role: str = "council") -> Answer:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return send(live.url, "POST", body=body,
                headers=bearer(live.tokens[role], Accept=GQL, Content_Type="application/json"))


def fragment_chain(levels: int, leaf: str = "posts { code }") -> str:
    parts = ["query Chain { ...F0 }"]
    parts += [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    parts.append(f"fragment F{levels} on Query {{ {leaf} }}")
    return "\n".join(parts)


def renewals(aliases: int, first: int | None = None) -> str:
    page = f", first: {first}" if first else ""
    fields = "totalCount edges { node { id fullName grade status nextRenewalDue } }"
    return "{ " + " ".join(f'r{i}: renewalsDue(before: "2100-01-01"{page}) {{ {fields} }}'
                           for i in range(aliases)) + " }"


@pytest.fixture(scope="module")
def level(live: Live) -> float:
    """The server's RSS after a warm-up of ordinary queries (MB)."""
    for _ in range(3):
        assert graphql(live, {"query": renewals(2)}).status == 200
    return rss_mb(live)


def test_fragment_chain_of_40_levels(live: Live) -> None:
    text = fragment_chain(40)
    assert len(text) < 2_000
    [answer] = abuse(live, "fragment chain, 40 levels (1.5 KB)",
                     lambda: [graphql(live, {"query": text})])
    assert answer.status == 400 and answer.codes() == ["QUERY_TOO_COSTLY"]
    assert f"the limit is {MAX_COST}" in answer.json["errors"][0]["message"]
    assert "data" not in answer.json


def test_fragment_chains_within_the_limit_validate_quickly(live: Live) -> None:
    """12 levels: 4,096 expanded fields, under the cost limit (20 levels took 4 s)."""
    answers = abuse(live, "fragment chain, 12 levels (4,096 fields, within the limit)",
                    lambda: [graphql(live, {"query": fragment_chain(12, "__typename")})])
    assert answers[0].status == 200, answers[0].body[:300]


def test_a_10_mb_argument(live: Live) -> None:
    big = "x" * 10_000_000
    payload = {"query": "query($n: String!) { post(code: $n) { code } }",
               "variables": {"n": big}}
    [answer] = abuse(live, "10 MB string argument (variables)", lambda: [graphql(live, payload)])
    assert answer.status == 413 and answer.codes() == ["REQUEST_TOO_LARGE"]
    assert str(MAX_BODY_BYTES) in answer.json["errors"][0]["message"]
    inline = {"query": '{ post(code: "' + big + '") { code } }'}
    [answer] = abuse(live, "10 MB string argument (query text)", lambda: [graphql(live, inline)])
    assert answer.status == 413


def test_a_long_query_by_get(live: Live) -> None:
    """Over ``MAX_QUERY_STRING_BYTES``: 414 (above ~128 KB uvicorn drops the request
    itself: "Invalid HTTP request received", connection closed)."""
    params = {"query": '{ post(code: "' + "x" * 100_000 + '") { code } }'}
    [answer] = abuse(live, "100 KB query by GET", lambda: [send(
        live.url, "GET", params=params, headers=bearer(live.tokens["council"], Accept=GQL))])
    assert answer.status == 414 and answer.codes() == ["URL_TOO_LONG"]


def test_query_text_over_the_limit(live: Live) -> None:
    text = '{ post(code: "' + "x" * MAX_QUERY_CHARS + '") { code } }'
    [answer] = abuse(live, "query text of 16 KB and more", lambda: [graphql(live, {"query": text})])
    assert answer.status == 400 and answer.codes() == ["QUERY_TOO_LARGE"]


def test_20_distinct_large_queries_leave_memory_at_its_level(live: Live, level: float) -> None:
    def attack() -> list[Answer]:
        answers = []
        for i in range(20):
            big = f'{{ post(code: "{i}{"x" * 10_000_000}") {{ code }} }}'
            answers.append(graphql(live, {"query": big}))
            just_under = f'{{ post(code: "{i}{"y" * (MAX_BODY_BYTES - 200)}") {{ code }} }}'
            answers.append(graphql(live, {"query": just_under}))
        return answers

    answers = abuse(live, "20 distinct 10 MB queries (+ 20 of 256 KB)", attack)
    assert {a.status for a in answers} == {413, 400}
    after = rss_mb(live)
    print(f"RSS: {level:.0f} MB before, {after:.0f} MB after")
    FIGURES.append(("RSS before / after the large queries (MB)", 0, 0.0,
                    f"{level:.0f} / {after:.0f}"))
    assert after < level + RSS_MARGIN_MB


def test_29_aliases_of_renewals_due(live: Live, level: float) -> None:
    [costly] = abuse(live, "29 aliases of renewalsDue(first: 100), 2,000 attachés",
                     lambda: [graphql(live, {"query": renewals(29, first=100)})])
    assert costly.status == 400 and costly.codes() == ["QUERY_TOO_COSTLY"]
    [paged] = abuse(live, "29 aliases of renewalsDue (default page of 20)",
                    lambda: [graphql(live, {"query": renewals(29)})])
    assert paged.status == 200, paged.body[:300]
    data = paged.json["data"]
    assert {len(v["edges"]) for v in data.values()} == {20}
    assert {v["totalCount"] for v in data.values()} == {ATTACHES}
    assert len(paged.body) < 1_000_000


def test_four_in_parallel(live: Live, level: float) -> None:
    def attack() -> list[Answer]:
        with ThreadPoolExecutor(4) as pool:
            return list(pool.map(lambda _: graphql(live, {"query": renewals(29)}), range(4)))

    answers = abuse(live, "4 × 29 aliases of renewalsDue in parallel", attack)
    assert [a.status for a in answers] == [200] * 4
    assert rss_mb(live) < level + RSS_MARGIN_MB


def test_deep_nesting(live: Live) -> None:
    brackets = "{ " + "a { " * 600 + "b" + " }" * 600 + " }"
    [parse] = abuse(live, "600 nested selections", lambda: [graphql(live, {"query": brackets})])
    assert parse.status == 400 and "nested too deeply" in parse.json["errors"][0]["message"]
    body = "code"
    for i in range(14):
        body = ['headOfPost(on: "1950-01-01")', "agent", "post"][i % 3] + " { " + body + " }"
    fields = '{ post(code: "BRU") { ' + body + " } }"
    [deep] = abuse(live, "15 levels of fields", lambda: [graphql(live, {"query": fields})])
    assert deep.status == 400 and deep.codes() == ["QUERY_TOO_DEEP"]
    assert "maximum operation depth of 10" in deep.json["errors"][0]["message"]


def test_many_aliases(live: Live) -> None:
    text = "{ " + " ".join(f"p{i}: posts {{ code name }}" for i in range(1_000)) + " }"
    [answer] = abuse(live, "1,000 aliases", lambda: [graphql(live, {"query": text})])
    assert answer.status == 400 and "data" not in answer.json
    fields = "{ posts { " + " ".join(["code"] * 1_900) + " } }"
    [answer] = abuse(live, "1,900 repeated fields", lambda: [graphql(live, {"query": fields})])
    assert answer.status == 400 and answer.codes() == ["QUERY_TOO_COSTLY"]


@pytest.fixture(scope="module")
def hurried(backend_store: str, token_file: tuple[Path, dict[str, str]],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The service with a query time budget of 1 ms."""
    path, tokens = token_file
    with serve(backend_store, tmp_path_factory.mktemp("hurried"), path, tokens,
               AGENT_RECORDS_QUERY_BUDGET="0.001") as server:
        yield server


def test_a_query_over_its_time_budget(hurried: Live) -> None:
    [answer] = abuse(hurried, "a query over its time budget (1 ms)",
                     lambda: [graphql(hurried, {"query": renewals(29)})])
    assert answer.status == 503 and answer.codes() == ["TIME_BUDGET_EXCEEDED"]
    assert "time budget of 0.001 s" in answer.json["errors"][0]["message"]
    assert hurried.request("GET", "/healthz").status == 200
