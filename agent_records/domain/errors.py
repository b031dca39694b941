"""Typed errors of the domain.

A refused command never changes a record: the aggregate checks every rule before it
emits an event, and raises one of these instead. Each carries the decree's article
(``Art. N``) where the rule comes from the decree, a stable machine-readable code for
clients, the input field at fault when there is one, and a sentence for people.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    """One broken rule: the article, a stable code, a human message and the field."""

    article: str | None
    code: str
    message: str
    field: str | None = None


class DomainError(Exception):
    """Base of every refusal raised by the domain or the application."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.article: str | None = None


class RuleViolation(DomainError):
    """A rule of the decree (or of record integrity) refuses the command."""

    def __init__(self, violation: Violation) -> None:
        super().__init__(violation.message, field=violation.field)
        self.violation = violation
        self.code = violation.code
        self.article = violation.article

    def __str__(self) -> str:
        where = f"{self.article}: " if self.article else ""
        return f"{where}{self.message} [{self.code}]"


class InvalidInput(DomainError):
    """A value is malformed (wrong type, empty, out of range) before any rule applies."""

    code = "invalid_input"


class NotFound(DomainError):
    """The named agent, post or event does not exist in the record."""

    code = "not_found"
