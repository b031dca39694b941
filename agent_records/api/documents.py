"""Trusted documents: the operations of ``graphql/operations/`` by id, and production mode.

Clients send ``{"extensions": {"documentId": "sha256:<hex>"}, "variables": ...}`` (the
GraphQL-over-HTTP persisted-documents convention); the id is the SHA-256 of the file.
In production mode, ad-hoc query text is refused except for the ``council`` role.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from strawberry.extensions import SchemaExtension

from agent_records.api.auth import Role
from agent_records.api.errors import PublicError

OPERATIONS = Path(os.environ.get(
    "AGENT_RECORDS_OPERATIONS", Path(__file__).resolve().parents[2] / "graphql" / "operations"))


def document_id(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def load_documents(folder: Path = OPERATIONS) -> dict[str, str]:
    """Every ``*.graphql`` file of ``folder`` by document id."""
    docs = {}
    for path in sorted(folder.glob("*.graphql")) if folder.is_dir() else []:
        text = path.read_text()
        docs[document_id(text)] = text
    return docs


def trusted_documents(documents: dict[str, str], production: bool) -> type[SchemaExtension]:
    """A schema extension resolving ``documentId`` and enforcing production mode."""

    class TrustedDocuments(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            ec = self.execution_context
            wanted = (ec.operation_extensions or {}).get("documentId")
            if wanted:
                if wanted not in documents:
                    raise PublicError("PERSISTED_DOCUMENT_NOT_FOUND",
                                      f"no trusted document {wanted}")
                ec.query = documents[wanted]
            elif production and ec.context.principal.role != Role.COUNCIL:
                raise PublicError("TRUSTED_DOCUMENTS_ONLY", "this service accepts only the "
                                  "trusted documents of graphql/operations/ (by documentId)")
            yield

    return TrustedDocuments
