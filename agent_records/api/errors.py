"""Errors a client may see. Anything else is masked, with the request id to quote."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.extensions import MaskErrors


class PublicError(Exception):
    """An error whose message and code are meant for the client (GraphQL ``extensions``)."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.extensions = {"code": code, **extra}


def forbidden(what: str) -> PublicError:
    return PublicError("FORBIDDEN", f"your role may not read or do this: {what}")


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
