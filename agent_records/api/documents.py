"""Trusted documents: the operations of ``graphql/operations/`` by id, and production mode.

Each operation file holds one operation; selections that several operations share are
fragments, one per file in ``graphql/fragments/`` (the operations folder's sibling). A
trusted document is an operation's file followed by every fragment it spreads (directly
or through another fragment), each once, in name order, each after a newline
(``compose``); an operation that spreads none is its file as is.

Clients send ``{"extensions": {"documentId": "sha256:<hex>"}, "variables": ...}`` (the
GraphQL-over-HTTP persisted-documents convention); the id is the SHA-256 of the
document's text. In production mode, ad-hoc query text is refused except for the
``council`` role.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from pathlib import Path

from graphql import FragmentSpreadNode, Visitor, parse, visit
from strawberry.extensions import SchemaExtension

from agent_records.api.errors import PublicError
from agent_records.config import settings
from agent_records.domain.classification import Role


def document_id(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def spreads(text: str) -> set[str]:
    """The names of the fragments ``text`` spreads."""
    found: set[str] = set()

    class Spreads(Visitor):
        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
            found.add(node.name.value)

    visit(parse(text), Spreads())
    return found


def compose(text: str, fragments: Mapping[str, str]) -> str:
    """``text`` followed by the fragments it needs, from ``fragments`` (name -> file text)."""
    needed: set[str] = set()
    pending = spreads(text)
    while pending:
        name = pending.pop()
        if name not in fragments:
            raise ValueError(f"no fragment {name} in graphql/fragments/")
        needed.add(name)
        pending |= spreads(fragments[name]) - needed
    return text + "".join("\n" + fragments[name] for name in sorted(needed))


def graphql_files(folder: Path) -> dict[str, str]:
    """The text of every ``*.graphql`` file of ``folder`` by name (the file's stem)."""
    paths = sorted(folder.glob("*.graphql")) if folder.is_dir() else []
    return {path.stem: path.read_text() for path in paths}


def load_operations(folder: Path | None = None) -> dict[str, str]:
    """Every operation of ``folder`` (default ``AGENT_RECORDS_OPERATIONS``) by name, as the
    document that is sent: the file and the fragments it spreads."""
    folder = folder or settings().operations
    fragments = graphql_files(folder.parent / "fragments")
    documents = {}
    for name, text in graphql_files(folder).items():
        try:
            documents[name] = compose(text, fragments)
        except ValueError as exc:
            raise ValueError(f"{folder / name}.graphql: {exc}") from None
    return documents


def load_documents(folder: Path | None = None) -> dict[str, str]:
    """Every trusted document by its id."""
    return {document_id(text): text for text in load_operations(folder).values()}


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
