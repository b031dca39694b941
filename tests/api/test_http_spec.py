"""``/graphql`` against the GraphQL-over-HTTP specification, SHOULDs included.

The audits are those of the reference ``graphql-http`` project (``serverAudits`` in
``src/audits/server.ts``: same ids, same requests, same expectations), run against the
live server with a council token added to each request (the service runs nothing
without one). Then what the audits leave out: 401 without a token, 405 for a mutation
by GET, 406, 415, several operations without ``operationName``. HTTP semantics do not
depend on the store: these run on SQLite only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from agent_records.api.documents import document_id
from tests.api.http_client import Answer, bearer, send
from tests.api.live import Live, operation

GQL = "application/graphql-response+json"
JSON = "application/json"
TYPENAME = json.dumps({"query": "{ __typename }"}).encode()
PARSE_FAILURE = json.dumps({"query": "{"}).encode()
VALIDATION_FAILURE = json.dumps({"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"}).encode()
COERCION_FAILURE = json.dumps({"query": "query CoerceFailure($id: ID!){ __typename }",
                               "variables": {"id": None}}).encode()
TYPE_QUERY = "query Type($name: String!) { __type(name: $name) { name } }"


@pytest.fixture(scope="module", params=[pytest.param("sqlite", id="sqlite")])
def backend_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This module's store: SQLite only (overrides the conftest's two backends)."""
    yield f"sqlite:///{tmp_path_factory.mktemp('store')}/store.sqlite3"


@dataclass
class Audit:
    """One audit: a request (the token added) and what the answer must be."""

    id: str
    title: str
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    params: dict[str, str] | None = None
    status: tuple[int, int] = (200, 200)
    content_type: str | None = None
    no_errors: bool = False
    no_data: bool = False

    def check(self, live: Live) -> Answer:
        answer = send(live.url, self.method, body=self.body, params=self.params,
                      headers=bearer(live.tokens["council"], **self.headers))
        low, high = self.status
        assert low <= answer.status <= high, (self.id, answer.status, answer.body)
        if self.content_type:
            assert self.content_type in answer.content_type, (self.id, answer.content_type)
        answer.body.decode("utf-8")  # 82A3: the answer is UTF-8
        if self.no_errors:
            assert "errors" not in answer.json, (self.id, answer.body)
        if self.no_data:
            assert "data" not in answer.json, (self.id, answer.body)
        return answer


def post(accept: str | None = None, body: bytes | None = TYPENAME,
         content_type: str | None = JSON) -> dict[str, Any]:
    headers = {k: v for k, v in (("Content-Type", content_type), ("Accept", accept)) if v}
    return {"headers": headers, "body": body}


def with_(accept: str | None, **payload: Any) -> dict[str, Any]:
    return post(accept, json.dumps(payload).encode())


INVALID = [("object", {"obj": "ect"}), ("number", 0), ("boolean", False),
           ("array", ["array"])]
BAD = (400, 400)
AUDITS = [
    Audit("22EB", "SHOULD accept graphql-response+json and match the content-type",
          **post(GQL), content_type=GQL),
    Audit("4655", "MUST accept application/json and match the content-type",
          **post(JSON), content_type=JSON),
    Audit("47DE", "SHOULD accept */* and use application/json", **post("*/*"),
          content_type=JSON),
    Audit("80D8", "SHOULD assume application/json when accept is missing", **post(),
          content_type=JSON),
    Audit("82A3", "MUST use utf-8 encoding when responding", **post()),
    Audit("BF61", "MUST accept utf-8 encoded request", **post(
        None, json.dumps({"query": '{ __type(name: "Run🏃Swim🏊") { name } }'}).encode(),
        "application/json; charset=utf-8")),
    Audit("78D5", "MUST assume utf-8 in request if encoding is unspecified", **post()),
    Audit("2C94", "MUST accept POST requests", **post()),
    Audit("5A70", "MAY accept application/x-www-form-urlencoded formatted GET requests",
          method="GET", params={"query": "{ __typename }"}),
    Audit("9C48", "MAY NOT allow executing mutations on GET requests", method="GET",
          params={"query": "mutation { __typename }"}, headers={"Accept": GQL},
          status=(400, 499)),
    Audit("9ABE", "SHOULD respond with 4xx if content-type is not supplied on POST",
          **post(content_type=None), status=(400, 499)),
    Audit("03D4", "MUST accept application/json POST requests", **post()),
    Audit("A5BF", "MAY use 400 when request body is missing on POST", **post(body=None),
          status=BAD),
    Audit("423L", "MAY use 400 on missing {query} parameter",
          **with_(GQL, notquery="{ __typename }"), status=BAD),
    *[Audit(f"LKJ{i}", f"MAY use 400 on {kind} {{query}} parameter",
            **with_(None, query=value), status=BAD) for i, (kind, value) in enumerate(INVALID)],
    Audit("34A2", "SHOULD allow string {query} when accepting graphql-response+json",
          **post(GQL)),
    Audit("13EE", "MUST allow string {query} when accepting application/json",
          **post(JSON), no_errors=True),
    *[Audit(f"6C0{i}", f"MAY use 400 on {kind} {{operationName}} parameter",
            **with_(None, operationName=value, query="{ __typename }"), status=BAD)
      for i, (kind, value) in enumerate(INVALID)],
    Audit("8161", "SHOULD allow string {operationName} with graphql-response+json",
          **with_(GQL, operationName="Query", query="query Query { __typename }")),
    Audit("B8B3", "MUST allow string {operationName} with application/json",
          **with_(JSON, operationName="Query", query="query Query { __typename }"),
          no_errors=True),
    *[Audit(f"94B{i}", f"SHOULD allow null {{{name}}} with graphql-response+json",
            **with_(GQL, query="{ __typename }", **{name: None}), no_errors=True)
      for i, name in enumerate(["variables", "operationName", "extensions"])],
    *[Audit(f"022{i}", f"MUST allow null {{{name}}} with application/json",
            **with_(JSON, query="{ __typename }", **{name: None}), no_errors=True)
      for i, name in enumerate(["variables", "operationName", "extensions"])],
    *[Audit(f"476{i}", f"MAY use 400 on {kind} {{variables}} parameter",
            **with_(None, query="{ __typename }", variables=value), status=BAD)
      for i, (kind, value) in enumerate([("string", "string"), *INVALID[1:]])],
    Audit("2EA1", "SHOULD allow map {variables} with graphql-response+json",
          **with_(GQL, query=TYPE_QUERY, variables={"name": "sometype"})),
    Audit("28B9", "MUST allow map {variables} with application/json",
          **with_(JSON, query=TYPE_QUERY, variables={"name": "sometype"}), no_errors=True),
    Audit("D6D5", "MAY allow URL-encoded JSON {variables} in GETs (graphql-response+json)",
          method="GET", params={"query": TYPE_QUERY, "variables": '{"name":"sometype"}'},
          headers={"Accept": GQL}, no_errors=True),
    Audit("6A70", "MAY allow URL-encoded JSON {variables} in GETs (application/json)",
          method="GET", params={"query": TYPE_QUERY, "variables": '{"name":"sometype"}'},
          headers={"Accept": JSON}, no_errors=True),
    *[Audit(f"58B{i}", f"MAY use 400 on {kind} {{extensions}} parameter",
            **with_(None, query="{ __typename }", extensions=value), status=BAD)
      for i, (kind, value) in enumerate([("string", "string"), *INVALID[1:]])],
    Audit("428F", "SHOULD allow map {extensions} with graphql-response+json",
          **with_(GQL, query="{ __typename }", extensions={"some": "value"})),
    Audit("1B7A", "MUST allow map {extensions} with application/json",
          **with_(JSON, query="{ __typename }", extensions={"some": "value"}),
          no_errors=True),
    Audit("B6DC", "MAY use 2xx, 4xx or 5xx on JSON parsing failure (application/json)",
          **post(JSON, b'{ "not a JSON'), status=(200, 599)),
    Audit("BCF8", "SHOULD use 400 on JSON parsing failure (application/json)",
          **post(JSON, b'{ "not a JSON'), status=BAD),
    Audit("B7N8", "SHOULD use 400 on JSON parsing failure (graphql-response+json)",
          **post(GQL, b'{ "not a JSON'), status=BAD),
    Audit("8764", "MAY use 4xx or 5xx if parameters are invalid",
          **with_(None, qeury="{ __typename }"), status=(400, 599)),
    Audit("3E3A", "MAY use 400 if parameters are invalid",
          **with_(None, qeury="{ __typename }"), status=BAD),
    Audit("572B", "SHOULD use 200 on document parsing failure (application/json)",
          **post(JSON, PARSE_FAILURE)),
    Audit("FDE2", "SHOULD use 200 on document validation failure (application/json)",
          **post(JSON, VALIDATION_FAILURE)),
    Audit("7B9B", "SHOULD use 200 on variable coercion failure (application/json)",
          **post(JSON, COERCION_FAILURE)),
    Audit("865D", "SHOULD use 4xx or 5xx on document parsing failure (graphql-response+json)",
          **post(GQL, PARSE_FAILURE), status=(400, 599)),
    Audit("556A", "SHOULD use 400 on document parsing failure (graphql-response+json)",
          **post(GQL, PARSE_FAILURE), status=BAD),
    Audit("D586", "SHOULD not contain data on document parsing failure (graphql-response+json)",
          **post(GQL, PARSE_FAILURE), status=BAD, no_data=True),
    Audit("51FE", "SHOULD use 4xx or 5xx on document validation failure (graphql-response)",
          **post(GQL, VALIDATION_FAILURE), status=(400, 599)),
    Audit("74FF", "SHOULD use 400 on document validation failure (graphql-response+json)",
          **post(GQL, VALIDATION_FAILURE), status=BAD),
    Audit("5E5B", "SHOULD not contain data on validation failure (graphql-response+json)",
          **post(GQL, VALIDATION_FAILURE), status=BAD, no_data=True),
    Audit("86EE", "SHOULD use 400 on variable coercion failure (graphql-response+json)",
          **post(GQL, COERCION_FAILURE), status=BAD, no_data=True),
]


@pytest.mark.parametrize("audit", AUDITS, ids=[a.id for a in AUDITS])
def test_graphql_http_server_audit(live: Live, audit: Audit) -> None:
    audit.check(live)


def test_the_audit_list_is_complete() -> None:
    """Every audit of ``serverAudits`` (39 single ones and 5 lists: 61 in all)."""
    assert len(AUDITS) == len({a.id for a in AUDITS}) == 61


@pytest.mark.parametrize(("method", "params", "body"), [
    ("POST", None, {"query": "{ posts { code } }"}),
    ("GET", {"query": "{ posts { code } }"}, None),
    ("POST", None, {"extensions": {"documentId": document_id(operation("Posts"))}}),
    ("GET", {"extensions": json.dumps({"documentId": document_id(operation("Posts"))})},
     None),
])
@pytest.mark.parametrize("accept", [JSON, GQL, "*/*", "text/html"])
def test_nothing_runs_without_a_token(live: Live, method: str, params: dict[str, str] | None,
                                      body: dict[str, Any] | None, accept: str) -> None:
    headers = {"Accept": accept, **({"Content-Type": JSON} if body else {})}
    answer = send(live.url, method, params=params, headers=headers,
                  body=json.dumps(body).encode() if body else None)
    assert answer.status == 401, answer.body
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.codes() == ["UNAUTHENTICATED"] and b"posts" not in answer.body


def test_graphiql_page_loads_without_a_token(live: Live) -> None:
    page = send(live.url, "GET", headers={"Accept": "text/html"})
    assert page.status == 200 and b"graphiql" in page.body.lower()


def test_a_trusted_document_by_get_runs_with_a_token(live: Live) -> None:
    params = {"extensions": json.dumps({"documentId": document_id(operation("Posts"))})}
    for accept in ("*/*", JSON, GQL):
        answer = send(live.url, "GET", params=params,
                      headers=bearer(live.tokens["auditor"], Accept=accept))
        assert (answer.status, answer.json) == (200, {"data": {"posts": []}}), accept


@pytest.mark.parametrize("accept", [JSON, GQL])
def test_mutation_by_get_is_405(live: Live, accept: str) -> None:
    text = operation("RegisterAgent")
    for params in ({"query": text}, {"extensions": json.dumps({
            "documentId": document_id(text)})}):
        answer = send(live.url, "GET", params=params,
                      headers=bearer(live.tokens["hr_clerk"], Accept=accept))
        assert answer.status == 405 and answer.headers["allow"] == "POST"
        assert answer.codes() == ["METHOD_NOT_ALLOWED"]
        assert accept in answer.content_type


def test_several_operations_need_an_operation_name(live: Live) -> None:
    text = "query A { posts { code } } query B { projectionStatus { name } }"
    refused = send(live.url, "POST", body=json.dumps({"query": text}).encode(),
                   headers=bearer(live.tokens["council"], Accept=GQL,
                                  Content_Type=JSON))
    assert refused.status == 400 and "data" not in refused.json
    [error] = refused.json["errors"]
    assert error["extensions"]["code"] == "OPERATION_NAME_REQUIRED"
    assert "2 operations (A, B)" in error["message"]
    legacy = send(live.url, "POST", body=json.dumps({"query": text}).encode(),
                  headers=bearer(live.tokens["council"], Content_Type=JSON))
    assert legacy.status == 200 and legacy.json["data"] is None
    assert legacy.codes() == ["OPERATION_NAME_REQUIRED"]
    named = send(live.url, "POST", headers=bearer(live.tokens["council"], Accept=GQL,
                                                  Content_Type=JSON),
                 body=json.dumps({"query": text, "operationName": "A"}).encode())
    assert (named.status, named.json) == (200, {"data": {"posts": []}})


@pytest.mark.parametrize("accept", ["text/html", "application/xml", f"{GQL};q=0, {JSON};q=0"])
def test_406_when_neither_media_type_is_acceptable(live: Live, accept: str) -> None:
    answer = send(live.url, "POST", body=TYPENAME,
                  headers=bearer(live.tokens["council"], Accept=accept, Content_Type=JSON))
    assert answer.status == 406 and answer.codes() == ["NOT_ACCEPTABLE"]


@pytest.mark.parametrize(("accept", "expected"), [
    (f"{GQL}, {JSON};q=0.9", GQL), (f"{GQL};q=0.5, {JSON}", JSON),
    ("application/*", JSON), (f"{JSON}, */*;q=0.1", JSON), (f"{GQL}, text/html", GQL),
])
def test_content_negotiation(live: Live, accept: str, expected: str) -> None:
    answer = send(live.url, "POST", body=TYPENAME,
                  headers=bearer(live.tokens["council"], Accept=accept, Content_Type=JSON))
    assert answer.status == 200 and expected in answer.content_type


@pytest.mark.parametrize("content_type", ["text/plain", "application/graphql",
                                          "application/x-www-form-urlencoded"])
def test_415_for_other_request_media_types(live: Live, content_type: str) -> None:
    answer = send(live.url, "POST", body=TYPENAME,
                  headers=bearer(live.tokens["council"], Content_Type=content_type))
    assert answer.status == 415 and answer.codes() == ["UNSUPPORTED_MEDIA_TYPE"]


def test_field_errors_keep_200_and_data(live: Live) -> None:
    """An error during execution leaves a ``data`` entry (here null: the field is
    non-null): 200 in graphql-response+json too."""
    answer = send(live.url, "POST", headers=bearer(live.tokens["hr_clerk"], Accept=GQL,
                                                   Content_Type=JSON),
                  body=json.dumps({"query": "{ posts { code } verification { ok } }"}).encode())
    assert answer.status == 200 and "data" in answer.json and answer.json["data"] is None
    assert answer.codes() == ["FORBIDDEN"]
