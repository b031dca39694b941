"""Answers of trusted queries, kept per process and keyed by the state they were read at.

A query's answer is determined by: the trusted document and the operation chosen in it,
the variables, the caller's role (fields refused by ``api.classified`` answer null with a
FORBIDDEN error), and what it reads: the event store (histories, records folded from
their events) and the read views (each at its position in the tracking table, with the
day its rows are as of, kept there too). ``State`` is all of that, read in two cheap
statements per request: the store's head and every tracking row. The key holds the
state, so a mutation (which moves the head) or a projection (which moves a position)
makes the next request miss: nothing is invalidated by message, and each worker of
``serve --workers N`` keeps its own answers, correct by their keys. An answer is put
under the state read before it was computed, so it is never older than its key.

Kept: an operation whose root fields read only the store and the views (``CACHEABLE``;
not ``projectionStatus`` or ``verification``, which read the stops and the clock), and an
answer whose errors are all the client's (``KEPT_ERRORS``: a refused field, an unknown
id, a bad argument), never an outage, an internal error or a time budget. A hit is
logged like the request it repeats (``errors.log_errors``), refusals included, and sends
the JSON text encoded when the answer was kept (``Encoded``); a missed answer that is
kept is sent with that text too (encoded once). The map is bounded by a count of answers
(``AGENT_RECORDS_ANSWER_CACHE``), not by their size.

Kept from a question's second time on. The first time a question is asked (no answer can
be kept for it: none was asked) it is answered without reading the state and nothing is
kept (``Answers.asked_before``): in the benchmark (``bench/graphql.py``) 74 to 90 % of
roster questions are never asked again, and the state read, the encoding of the kept
text and the entry cost such a question about 0.6 ms of server CPU for nothing. A
question's second time reads the state and keeps its answer, the third is served it.
This decides only whether to look, never what is served: an answer is still served only
under the state it was read at.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

from graphql import FieldNode, OperationDefinitionNode, OperationType
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.types import ExecutionResult

from agent_records.api.errors import error_code
from agent_records.domain.classification import Role
from projections.engine.store import ViewStore

CACHEABLE = frozenset({"agent", "agents", "post", "posts", "leaveBalance", "renewalsDue",
                       "auditTrail", "dueBetween", "__typename"})
"""Root fields whose answer depends only on the store, the views and their day."""
KEPT_ERRORS = frozenset({"FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT"})
"""Error codes that depend only on the request and the state, hence kept with an answer."""


@dataclass(frozen=True)
class State:
    """What every cacheable answer reads, as of one moment: the store's head, each
    tracking row (views, their days, the ledger's sealer) and the views' clock."""

    head: int
    positions: frozenset[tuple[str, int]]
    today: date


def read_state(views: ViewStore) -> State:
    """The current ``State`` (positions before the head: a view is never ahead of it)."""
    rows = views.rows(f"SELECT application_name, notification_id FROM {views.tracking_table}")
    positions = frozenset((r["application_name"], r["notification_id"]) for r in rows)
    return State(views.head(), positions, views.today())


def cacheable(operation: OperationDefinitionNode) -> bool:
    """A query whose root fields are all in ``CACHEABLE`` (no spread at the root)."""
    return operation.operation is OperationType.QUERY and all(
        isinstance(s, FieldNode) and s.name.value in CACHEABLE
        for s in operation.selection_set.selections)


def keepable(result: ExecutionResult) -> bool:
    """An answer with data whose errors, if any, are all the client's own."""
    return result.data is not None and all(
        error_code(e) in KEPT_ERRORS for e in result.errors or ())


AnswerKey = tuple[str, str | None, str, Role]
"""(document id, operation name, variables as canonical JSON, role)."""


def request_key(document: str, operation: str | None, variables: dict[str, Any] | None,
                role: Role) -> AnswerKey:
    return (document, operation,
            json.dumps(variables or {}, sort_keys=True, separators=(",", ":")), role)


class Encoded(dict[str, Any]):
    """An answer as the router sends it (``process_result``'s mapping) with its JSON text,
    encoded once when it is kept: a kept answer is neither formatted nor encoded again
    (``transport.RecordsRouter.encode_json``)."""

    def __init__(self, answer: GraphQLHTTPResponse) -> None:
        super().__init__(answer)
        self.text = json.dumps(answer, separators=(",", ":"))  # as strawberry encodes


class Kept(ExecutionResult):
    """A kept answer: the result (its errors are logged again on each hit) and its body."""

    body: Encoded


def kept(result: ExecutionResult) -> Kept:
    answer = Kept(data=result.data, errors=result.errors, extensions=result.extensions)
    answer.body = Encoded(process_result(result))
    return answer


ASKED_PER_ANSWER = 4
"""Questions remembered (asked once, ``Answers.asked``) per answer the map may keep."""


class Answers:
    """An LRU map of (request, state) to answer, used from the server's event loop only
    (no lock); ``size`` 0 keeps nothing."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[AnswerKey, State], Kept] = OrderedDict()
        self.asked: OrderedDict[AnswerKey, None] = OrderedDict()
        """The questions asked lately (LRU, ``ASKED_PER_ANSWER`` times ``size``)."""

    def asked_before(self, request: AnswerKey) -> bool:
        """Whether ``request`` was asked lately; remembers it. An answer is kept only for a
        question asked before (module doc), so a question not asked lately has none kept,
        or one about to be evicted: it is answered without a look (and without keeping)."""
        if request in self.asked:
            self.asked.move_to_end(request)
            return True
        self.asked[request] = None
        if len(self.asked) > ASKED_PER_ANSWER * self.size:
            self.asked.popitem(last=False)
        return False

    def get(self, request: AnswerKey, state: State) -> Kept | None:
        answer = self.entries.get((request, state))
        if answer is not None:
            self.entries.move_to_end((request, state))
        return answer

    def holds(self, request: AnswerKey, state: State) -> bool:
        """Whether an answer is kept for the request at ``state`` (safe from any thread:
        one lookup, nothing moved)."""
        return (request, state) in self.entries

    def put(self, request: AnswerKey, state: State, result: ExecutionResult
            ) -> ExecutionResult:
        """Keeps ``result`` if it may be kept; the answer to send (the ``Kept`` one, whose
        text is encoded already, or ``result``)."""
        if self.size <= 0 or not keepable(result):
            return result
        answer = self.entries[(request, state)] = kept(result)
        self.entries.move_to_end((request, state))  # kept again by a concurrent miss
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return answer
