"""What the features' GraphQL types share: the domain's enumerations, pages and cursors,
``UserError``, and the look at a query's selection that spares a read it does not need."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import date

import strawberry
from strawberry.types.field import StrawberryField
from strawberry.types.nodes import Selection

from agent_records.api.errors import PublicError
from agent_records.domain import values

Grade = values.Grade
Status = values.Status
Category = values.Category
PositionKind = values.PositionKind
LeaveKind = values.LeaveKind
Authority = values.Authority
DiplomaKind = values.DiplomaKind
HonoraryKind = values.HonoraryKind
DisciplinaryBody = values.DisciplinaryBody
Outcome = values.Outcome
# strawberry.enum marks the domain's own classes (it returns the class it is given):
# the schema and the domain share one definition of each enumeration.
strawberry.enum(Grade, description="Diplomatic grades, lowest first.")
strawberry.enum(Status)
strawberry.enum(Category)
strawberry.enum(PositionKind, description="Art. 20 positions.")
strawberry.enum(LeaveKind)
strawberry.enum(Authority)
strawberry.enum(DiplomaKind)
strawberry.enum(HonoraryKind)
strawberry.enum(DisciplinaryBody)
strawberry.enum(Outcome)


MAX_PAGE = 100
"""The largest page (``first``) of any connection."""


def page_size(first: int) -> int:
    """``first`` itself when it is a valid page size; a clear client error otherwise."""
    if not 0 < first <= MAX_PAGE:
        raise PublicError("BAD_USER_INPUT", f"first must be between 1 and {MAX_PAGE}")
    return first


def cursor(kind: str, value: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode()


def decode_cursor(kind: str, text: str | None) -> int:
    """The integer in an opaque cursor; a bad cursor is a clear client error."""
    if not text:
        return 0
    try:
        prefix, value = base64.urlsafe_b64decode(text.encode()).decode().split(":")
        number = int(value)
    except Exception:
        prefix, number = "", -1
    if prefix != kind or number < 0:
        raise PublicError("BAD_USER_INPUT", f"invalid cursor {text!r}")
    return number


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class UserError:
    """Why a command was refused: the field, a stable code, a message, the article."""

    field: str | None
    code: str
    message: str
    article: str | None


def described(description: str) -> Callable[[Callable[..., object]], StrawberryField]:
    """``@strawberry.field(description=...)``, typed. strawberry types that form ``Any``
    (only a resolver passed in the same call has a typed overload), which ``mypy
    --strict`` refuses as a decorator; this makes the same field in that typed call."""
    def field(resolver: Callable[..., object]) -> StrawberryField:
        return strawberry.field(resolver, description=description)
    return field


def selects(selections: Sequence[Selection], names: frozenset[str]) -> bool:
    """Whether any field below ``selections`` (fragments included) is one of ``names``.

    Conservative: a field under ``@skip``/``@include`` counts as selected, so the rows
    are loaded whenever they might be shown (one more query at worst), never missed.
    """
    return any(getattr(s, "name", None) in names or selects(s.selections, names)
               for s in selections)


def optional_date(text: str | None) -> date | None:
    """The date of a view's ISO text column, None for NULL."""
    return date.fromisoformat(text) if text else None
