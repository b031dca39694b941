"""``/graphql`` over HTTP as the GraphQL-over-HTTP specification has it, with the limits.

strawberry's ``GraphQLRouter`` answers ``application/json`` with 200 for every GraphQL
error and plain text for its HTTP errors. ``RecordsRouter`` adds what the specification
(draft, with its SHOULDs; the ``graphql-http`` project's server audits) asks:

- the answer is ``application/graphql-response+json`` when the client's ``Accept`` names
  it (at least as high as ``application/json``), ``application/json`` otherwise and when
  ``Accept`` is absent or a wildcard; 406 when the client accepts neither;
- in ``application/graphql-response+json``, a request error (parse, validation, cost,
  variable coercion, operation selection: no ``data``) is 400 without a ``data`` entry;
  in ``application/json`` every GraphQL answer stays 200, for legacy clients;
- 415 for a POST that is not ``application/json``; 405 (``Allow: POST``) for a mutation
  sent by GET; 400 for a non-string ``operationName``; HTTP errors as JSON error documents.

Before strawberry runs the operation, the query text (or the trusted document a
``documentId`` names) is checked against ``MAX_QUERY_CHARS``, parsed in a thread (cached
by text, ``api.execution``), and a document of several operations without an
``operationName`` is refused. A query then runs within ``query_time_budget()``, on one
of the execution loops (``api.loops``), never on the server's own event loop; a trusted
query (by ``documentId``) answered before at the same state is answered from the kept
answers instead (``api.answers``; kept from a question's second time on), and a
documented query with a plan is answered by it in one thread whenever its answer has
no error (``api.plans``). Such a request, sent by POST as a trusted document, is taken
before FastAPI's routing and strawberry's view (``QuickPlans``, ``RecordsRouter.quick``:
the same checks and the same answer, status and headers; anything else is handed on).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Coroutine
from functools import cache, partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError, OperationDefinitionNode, OperationType
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry import Schema
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.http.parse_content_type import parse_content_type
from strawberry.types import ExecutionResult

from agent_records.api.access import PAGE_ONLY, UNAUTHENTICATED, Unauthenticated
from agent_records.api.answers import (
    AnswerKey,
    Answers,
    Encoded,
    Kept,
    State,
    cacheable,
    read_state,
    request_key,
)
from agent_records.api.consistency import consistent
from agent_records.api.context import Context
from agent_records.api.dependencies import bearer_token
from agent_records.api.errors import PublicError, log_errors
from agent_records.api.execution import parsed
from agent_records.api.limits import MAX_QUERY_CHARS, error_body, replay
from agent_records.api.loops import ExecutionLoops
from agent_records.api.plans import Plan, plans
from agent_records.api.schema import PARSE_OPTIONS
from agent_records.api.services import Services
from agent_records.api.threads import blocking

GRAPHIQL_PAGE = Path(__file__).resolve().parents[1] / "web" / "static" / "graphiql.html"
"""strawberry's GraphiQL page with its assets at ``/web/static/vendor/`` (web serves them)."""
"""Where the service serves GraphiQL's files (``web.app``, from ``agent_records/web/static``)."""
GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
CODES = {400: "BAD_REQUEST", 401: "UNAUTHENTICATED", 404: "NOT_FOUND",
         405: "METHOD_NOT_ALLOWED", 406: "NOT_ACCEPTABLE", 415: "UNSUPPORTED_MEDIA_TYPE"}
STATUS = {"INTERNAL": 500, "STORE_UNAVAILABLE": 503, "TIME_BUDGET_EXCEEDED": 503}
"""The status of a request error in graphql-response+json, when not 400."""


class Refused(Exception):
    """An HTTP-level refusal, answered as a GraphQL error document."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None
                 ) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}

    def response(self, media: str) -> Response:
        code = CODES.get(self.status, "BAD_REQUEST")
        return Response(error_body(code, self.message), self.status, self.headers,
                        media_type=media)


def negotiate(accept: str | None) -> str | None:
    """The answer's media type for this ``Accept`` header; None if neither is acceptable."""
    if not accept or not accept.strip():
        return JSON
    quality = {GRAPHQL_RESPONSE: (-1, 0.0), JSON: (-1, 0.0)}  # (specificity, q)
    for part in accept.split(","):
        media, *params = (p.strip().lower() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        for candidate, (specificity, _) in quality.items():
            rank = {candidate: 2, "application/*": 1, "*/*": 0}.get(media, -1)
            if rank > specificity:
                quality[candidate] = (rank, q)
    (g_rank, g_q), (_, j_q) = quality[GRAPHQL_RESPONSE], quality[JSON]
    if g_rank == 2 and g_q > 0 and g_q >= j_q:
        return GRAPHQL_RESPONSE
    return JSON if j_q > 0 else None


def request_failed(result: ExecutionResult) -> bool:
    """No ``data``: errors raised before execution (no error has a path)."""
    return result.data is None and bool(result.errors) and all(
        e.path is None for e in result.errors or ())


def failure(code: str, message: str, **extensions: Any) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[GraphQLError(
        message, extensions={"code": code, **extensions})])


class RecordsRouter(GraphQLRouter[Context, None]):
    """strawberry's router with the HTTP semantics and limits of the module doc."""

    def __init__(self, *args: Any, documents: dict[str, str], time_budget: float,
                 answer_cache: int = 0, planned: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.documents = documents
        self.time_budget = time_budget
        self.loops = ExecutionLoops()
        self.answers = Answers(answer_cache)
        self.plans = plans(cast(Schema, self.schema), documents) if planned else {}

    @property
    def graphql_ide_html(self) -> str:
        """GraphiQL's page as the package ships it (``web/static/graphiql.html``): its
        scripts and styles are the vendored files the service serves, so it loads on a
        network without internet access."""
        return graphiql_page()

    def should_render_graphql_ide(self, request: Any) -> bool:
        """strawberry's rule (a GET without a query, accepting HTML), and no ``documentId``:
        a GET of a trusted document by a client that accepts ``*/*`` runs it."""
        return "extensions" not in request.query_params and \
            super().should_render_graphql_ide(request)

    def renders_page(self, connection: HTTPConnection) -> bool:
        """This request loads GraphiQL's page (served without a token; nothing runs)."""
        if self.graphql_ide is None or connection.scope["type"] != "http":
            return False
        return self.should_render_graphql_ide(SimpleNamespace(
            method=connection.scope["method"], query_params=connection.query_params,
            headers=connection.headers))

    # Untyped on purpose: strawberry overloads `run` per kind of request (HTTP answers a
    # Response, a websocket its own connection) and this one override serves both.
    async def run(self, request: Any, context: Any = None, root_value: Any = None) -> Any:
        if self.is_websocket_request(request):
            return await super().run(request, context, root_value)
        if context.principal is PAGE_ONLY and not self.renders_page(request):
            raise Unauthenticated(UNAUTHENTICATED)  # before anything else is checked
        media = negotiate(request.headers.get("accept"))
        request.state.media = media or JSON
        try:
            if media is None and not self.should_render_graphql_ide(request):
                raise Refused(406, f"this endpoint answers {GRAPHQL_RESPONSE} or {JSON}; "
                              f"the Accept header allows neither")
            response = await super().run(request, context, root_value)
        except Refused as refused:
            return refused.response(media or JSON)
        except HTTPException as error:
            return Refused(error.status_code, error.reason).response(media or JSON)
        if isinstance(response, Response) and response.media_type == JSON:
            response.status_code = getattr(request.state, "status", response.status_code)
            response.headers["content-type"] = request.state.media
        return response

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        if request.method == "POST":
            content_type, _ = parse_content_type(request.content_type or "")
            if content_type != JSON:
                raise Refused(415, f"send the request as {JSON} (Content-Type: "
                              f"{content_type or 'none'})")
        data = await super().parse_http_body(request)
        if not isinstance(data, GraphQLRequestData):
            raise Refused(400, "batched requests are not supported")
        if not isinstance(data.operation_name, str | None):
            raise Refused(400, "operationName must be a string or null")
        return data

    def encode_json(self, data: object) -> str | bytes:
        return data.text if isinstance(data, Encoded) else super().encode_json(data)

    async def process_result(self, request: Request, result: ExecutionResult
                             ) -> GraphQLHTTPResponse:
        if isinstance(result, Kept):  # it has data: no request error to answer 400
            return cast(GraphQLHTTPResponse, result.body)
        answer = process_result(result)
        if request.state.media == GRAPHQL_RESPONSE and request_failed(result):
            answer.pop("data", None)
            codes = [(e.extensions or {}).get("code") for e in result.errors or ()]
            request.state.status = max(STATUS.get(str(c), 400) for c in codes)
        return answer

    async def execute_single(self, request: Request, request_adapter: AsyncHTTPRequestAdapter,
                             sub_response: Response, context: Context, root_value: None,
                             request_data: GraphQLRequestData) -> ExecutionResult:
        if context.principal is PAGE_ONLY:
            raise Refused(401, "a valid bearer token is required",
                          {"WWW-Authenticate": "Bearer"})
        operation = await self.operation(request_data, request_adapter.method)
        if isinstance(operation, ExecutionResult):
            return operation
        mutation = operation is not None and operation.operation is OperationType.MUTATION
        replica = context.services.replica
        if replica is None or operation is None:
            return await self.execute(request, request_adapter, sub_response, context,
                                      request_data, operation)
        return await consistent(replica, context, sub_response, request_data, mutation,
                                lambda: self.execute(request, request_adapter, sub_response,
                                                     context, request_data, operation))

    async def execute(self, request: Request, request_adapter: AsyncHTTPRequestAdapter,
                      sub_response: Response, context: Context,
                      request_data: GraphQLRequestData,
                      operation: OperationDefinitionNode | None) -> ExecutionResult:
        """Runs the operation on an execution loop; a query within its time budget, its
        answer kept for the same question at the same state (``api.answers``)."""

        def normally() -> Coroutine[Any, Any, ExecutionResult]:
            return self.loops.run(super(RecordsRouter, self).execute_single(
                request, request_adapter, sub_response, context, None, request_data))

        if operation is not None and operation.operation is OperationType.MUTATION:
            return await normally()
        if operation is None:
            return await self.within_budget(normally())
        document = self.trusted_id(request_data)
        plan = self.plans.get(document) if document is not None else None
        if plan is not None and (operation.name is None or operation.name.value != plan.name):
            plan = None
        return await self.answer(request, context, request_data, operation, document, plan,
                                 normally)

    async def answer(self, request: Request, context: Context,
                     request_data: GraphQLRequestData, operation: OperationDefinitionNode,
                     document: str | None, plan: Plan | None,
                     normally: Callable[[], Coroutine[Any, Any, ExecutionResult]]
                     ) -> ExecutionResult:
        """A query's answer: kept (``api.answers``), the ``plan``'s, else ``normally``'s.
        Whether the question was asked before is decided once per request (kept on
        ``request.state``): a request the quick path hands on is not counted twice."""
        if plan is None:
            run = normally
        else:
            def run() -> Coroutine[Any, Any, ExecutionResult]:
                return planned(plan, context, request_data, normally)
        if document is None or not self.answers.size or not cacheable(operation):
            return await self.within_budget(run())
        key = request_key(document, request_data.operation_name, request_data.variables,
                          context.principal.role)
        asked: bool | None = getattr(request.state, "asked", None)
        if asked is None:
            asked = request.state.asked = self.answers.asked_before(key)
        if not asked:  # none kept: no state to read
            return await self.within_budget(run())
        return await self.kept(key, context, run, None if plan is None else partial(
            plan.answer, context.services, context.principal, request_data.variables))

    async def quick(self, request: Request, body: bytes) -> Response | None:
        """The answer to a POST by ``documentId`` that a plan (or a kept answer) answers,
        made without FastAPI's routing and dependencies or strawberry's view
        (``QuickPlans``); None hands the request on to them, unchanged. It answers only
        what they would answer alike, with the same checks in the same order as they
        make them: a valid token (no ``PAGE_ONLY``), an acceptable ``Accept`` that asks
        for no streaming, ``Content-Type: application/json``, one JSON object without
        query text whose ``variables``, ``operationName`` and ``extensions`` strawberry
        takes, a trusted document with a plan named as its operation, within
        ``MAX_QUERY_CHARS``, and no standby (whose answers carry a consistency token).
        A plan that gives up hands the request on (``Slow``); an answer (kept, planned,
        or a time budget exceeded) is sent as ``run`` sends it: same status, headers
        and text."""
        headers = request.headers
        media = negotiate(headers.get("accept"))
        if media is None or parse_content_type(headers.get("content-type") or "")[0] != JSON \
                or self._get_stream_transport_from_headers(headers) is not None:
            return None
        state = request.app.state
        services: Services | None = getattr(state, "services", None)
        token = bearer_token(request)
        caller = state.tokens.authenticate(token) if token and services else None
        if caller is None or services is None or services.replica is not None:
            return None
        try:
            data = json.loads(body)
        except ValueError:
            return None
        if type(data) is not dict or data.get("query") is not None:
            return None
        variables, name, extensions = (data.get("variables"), data.get("operationName"),
                                       data.get("extensions"))
        document = extensions.get("documentId") if isinstance(extensions, dict) else None
        if not isinstance(document, str) or document not in self.plans:
            return None
        plan = self.plans[document]
        if not isinstance(variables, dict | None) or not isinstance(name, str | None) or \
                name not in (None, plan.name) or len(self.documents[document]) > MAX_QUERY_CHARS:
            return None
        context = Context(services, caller,
                          headers.get("x-request-id") or uuid.uuid4().hex)
        request_data = GraphQLRequestData(query=None, variables=variables, operation_name=name,
                                          extensions=extensions, protocol="http")
        request.state.media = media
        try:
            result = await self.answer(request, context, request_data, plan.operation,
                                       document, plan, slow)
        except Slow:
            return None
        answer = await self.process_result(request, result)
        return Response(self.encode_json(answer), getattr(request.state, "status", 200),
                        media_type=media)

    def trusted_id(self, data: GraphQLRequestData) -> str | None:
        """The id of the trusted document the request names by ``documentId`` (and no
        query text). Query text, even a trusted document's, is neither kept nor planned:
        the TrustedDocuments extension decides on it (production mode refuses it to every
        role but the council; a kept answer served it before)."""
        wanted = (data.extensions or {}).get("documentId")
        if data.query is None and isinstance(wanted, str) and wanted in self.documents:
            return wanted
        return None

    async def kept(self, key: AnswerKey, context: Context,
                   run: Callable[[], Coroutine[Any, Any, ExecutionResult]],
                   plan: Callable[[], dict[str, Any]] | None = None) -> ExecutionResult:
        """The answer kept for ``key`` at the current state (``api.answers``), else ``run``'s,
        kept for the next request at the same state. The state is read on the side the
        query reads (a standby's own positions when it is served there). With a ``plan``
        (``api.plans``), the plan answers in the thread that reads the state, unless an
        answer is kept at that state: one thread hop instead of two."""
        made: ExecutionResult | None = None
        try:
            async with asyncio.timeout(self.time_budget) as budget:
                if plan is None:
                    state = await blocking(read_state, context.services.views)
                else:
                    state, made = await blocking(self.state_and_answer, key, context, plan)
        except PublicError:  # the store is out of reach: the query reports it its way
            return await self.within_budget(run())
        except TimeoutError:
            if not budget.expired():
                raise
            return self.over_budget()
        answer = self.answers.get(key, state)
        if answer is not None:
            if answer.errors:
                log_errors(answer.errors, context)
            return answer
        result = made if made is not None else await self.within_budget(run())
        return self.answers.put(key, state, result)

    def state_and_answer(self, key: AnswerKey, context: Context,
                         plan: Callable[[], dict[str, Any]]
                         ) -> tuple[State, ExecutionResult | None]:
        """In a thread: the state, and the plan's answer (None: one is kept at that state,
        or the plan gave up and the request runs the normal way)."""
        state = read_state(context.services.views)
        if self.answers.holds(key, state):
            return state, None
        try:
            return state, ExecutionResult(data=plan(), errors=None)
        except Exception:  # Fallback, or anything the normal way answers its own way
            return state, None

    async def within_budget(self, run: Coroutine[Any, Any, ExecutionResult]
                            ) -> ExecutionResult:
        """``run``'s answer, or TIME_BUDGET_EXCEEDED when it takes longer than the budget."""
        budget = asyncio.timeout(self.time_budget)
        try:
            async with budget:
                return await run
        except TimeoutError:
            if not budget.expired():
                raise
            return self.over_budget()

    def over_budget(self) -> ExecutionResult:
        return failure("TIME_BUDGET_EXCEEDED", f"the query took longer than its time "
                       f"budget of {self.time_budget:g} s; ask for less (smaller pages, "
                       "fewer fields)", limit=self.time_budget)

    async def operation(self, data: GraphQLRequestData, method: str
                        ) -> OperationDefinitionNode | ExecutionResult | None:
        """The operation to run, or the request error that refuses it (None: strawberry's)."""
        text = data.query
        wanted = (data.extensions or {}).get("documentId")
        if text is None and isinstance(wanted, str):
            text = self.documents.get(wanted)
        if text is None:
            return None
        if len(text) > MAX_QUERY_CHARS:
            return failure("QUERY_TOO_LARGE", f"the query text has {len(text)} characters; "
                           f"the limit is {MAX_QUERY_CHARS}", limit=MAX_QUERY_CHARS)
        document = await parsed(text, PARSE_OPTIONS)
        if isinstance(document, GraphQLError):
            return ExecutionResult(data=None, errors=[document])
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) > 1 and data.operation_name is None:
            names = ", ".join(o.name.value if o.name else "(anonymous)" for o in operations)
            return failure("OPERATION_NAME_REQUIRED", f"the document has {len(operations)} "
                           f"operations ({names}); name the one to run in operationName")
        operation = next((o for o in operations if data.operation_name is None
                          or (o.name and o.name.value == data.operation_name)), None)
        if operation and operation.operation is OperationType.MUTATION and method == "GET":
            raise Refused(405, "a mutation cannot be sent by GET; send it by POST",
                          {"Allow": "POST"})
        return operation


class Slow(Exception):
    """The quick path gives the request up to FastAPI and strawberry (``RecordsRouter.quick``)."""


async def slow() -> ExecutionResult:
    """The quick path's "normal way": hands the request on."""
    raise Slow


class QuickPlans:
    """ASGI middleware: a POST to ``path`` that ``RecordsRouter.quick`` answers (a
    documented query by ``documentId`` whose plan or kept answer has no error) is answered
    there, without FastAPI's routing and dependencies and strawberry's view, which cost
    about 1 ms of a whole roster's 4.6 of server CPU (BENCHMARKS.md); every other request
    goes on as it came, its body replayed."""

    def __init__(self, app: ASGIApp, router: RecordsRouter, path: str = "/graphql") -> None:
        self.app, self.router, self.path = app, router, path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or \
                scope["path"] != self.path or scope.get("root_path") or not self.router.plans:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        body = await request.body()
        try:
            response = await self.router.quick(request, body)
        except Exception:  # whatever it is, the view answers it its own way, as before
            response = None
        if response is None:
            await self.app(scope, replay(body, receive), send)
        else:
            await response(scope, receive, send)


async def planned(plan: Plan, context: Context, request_data: GraphQLRequestData,
                  normally: Callable[[], Coroutine[Any, Any, ExecutionResult]]
                  ) -> ExecutionResult:
    """The plan's answer (``api.plans``), made in one thread; the normal way's when the
    plan gives up (an answer that might hold an error is the normal way's, as it was)."""
    try:
        data = await asyncio.to_thread(plan.answer, context.services, context.principal,
                                       request_data.variables)
    except Exception:  # Fallback, or anything the normal way answers its own way
        return await normally()
    return ExecutionResult(data=data, errors=None)


@cache
def graphiql_page() -> str:
    """The GraphiQL page, read once."""
    return GRAPHIQL_PAGE.read_text()
