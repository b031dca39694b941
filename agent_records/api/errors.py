"""Errors a client may see. Anything else is masked, with the request id to quote.

Each error is logged once (``log_errors``, strawberry's ``process_errors``): a refused
or invalid request as one line with its request id, the caller's role and the code; a
server error (``INTERNAL``) with its traceback and the request id the client quotes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from agent_records.domain.erased import Erased

log = logging.getLogger("agent_records.requests")


class PublicError(Exception):
    """An error whose message and code are meant for the client (GraphQL ``extensions``)."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.extensions = {"code": code, **extra}


def forbidden(what: str) -> PublicError:
    return PublicError("FORBIDDEN", f"your role may not read or do this: {what}")


def withheld(what: str, classes: Iterable[str]) -> PublicError:
    """A field (or filter, or ordering) showing data of a class the role may not read."""
    return PublicError("FORBIDDEN", f"your role may not read or do this: {what} "
                       f"({', '.join(sorted(classes))} data)")


def erased(what: str, value: Erased) -> PublicError:
    """A field whose personal data were erased (data protection): null, and this error,
    distinct from FORBIDDEN (the role may read it; there is nothing left to read)."""
    return PublicError("ERASED", f"{what}: {value.data_class} personal data erased under "
                       "the data-protection law (PersonalDataErased in the history)",
                       dataClass=value.data_class)


def is_public(error: GraphQLError) -> bool:
    """Validation errors (no original error) and PublicErrors are shown as they are."""
    original = error.original_error
    return original is None or isinstance(original, PublicError | GraphQLError)


class MaskInternalErrors(MaskErrors):
    """Masks unexpected errors: no stack trace, no SQL; the request id to report instead."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda e: not is_public(e))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", "unknown")
        return GraphQLError(f"internal error; quote request {request_id}", nodes=error.nodes,
                            source=error.source, positions=error.positions, path=error.path,
                            extensions={"code": "INTERNAL", "requestId": request_id})


def who(context: object) -> dict[str, str]:
    """The request id and the caller's role of a request context, for a log line. Read
    defensively: an error raised before the context was built comes with ``None``."""
    principal = getattr(context, "principal", None)
    role = getattr(getattr(principal, "role", None), "value", None)
    return {"request_id": getattr(context, "request_id", None) or "unknown",
            "role": role or "unknown"}


def error_code(error: GraphQLError) -> str:
    """A public error's code: its own, or what graphql-core's own errors are."""
    code = (error.extensions or {}).get("code")
    if code:
        return str(code)
    return "GRAPHQL_PARSE_FAILED" if error.message.startswith("Syntax Error") else \
        "GRAPHQL_VALIDATION_FAILED"


def log_errors(errors: Sequence[GraphQLError], context: object) -> None:
    """One line per refused or invalid request error; a traceback per internal one."""
    fields = who(context)
    for error in errors:
        if is_public(error):
            code = error_code(error)
            log.info("request %s refused (%s, role %s): %s", fields["request_id"], code,
                     fields["role"], error.message, extra=fields | {"code": code})
        else:
            log.error("internal error on request %s (role %s): %s", fields["request_id"],
                      fields["role"], error.message, exc_info=error.original_error,
                      extra=fields | {"code": "INTERNAL"})


def log_refusal(context: object, codes: Sequence[str], what: str) -> None:
    """A mutation the rules refused (its ``userErrors``): one line, nothing recorded."""
    fields = who(context)
    code = ",".join(codes)
    log.info("request %s refused (%s, role %s): %s recorded nothing", fields["request_id"],
             code, fields["role"], what, extra=fields | {"code": code})
