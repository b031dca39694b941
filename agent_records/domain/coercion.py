"""Turns plain values (from JSON, a form, a correction) into the types an event declares.

Used for corrections, whose new values arrive untyped, and by adapters that receive
JSON. A value that does not fit is an ``InvalidInput`` naming the field. Types only:
the bounds of each field (``bounds``) are checked on the coerced value.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Any

from agent_records.domain import bounds
from agent_records.domain.bounds import shown
from agent_records.domain.errors import InvalidInput

Typer = Callable[[Any, date], Any]
"""A field's value coerced to its type and within its bounds on a recording day."""


def _fail(field: str, expected: str, value: Any) -> InvalidInput:
    return InvalidInput(f"{field}: expected {expected}, got {shown(value)}", field=field)


def _scalar(tp: type, value: Any, field: str) -> Any:
    if tp is date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise _fail(field, "a date YYYY-MM-DD", value) from None
    if issubclass(tp, Enum):
        try:
            return tp(value)
        except ValueError:
            raise _fail(field, "one of " + ", ".join(str(m.value) for m in tp), value) from None
    if (tp is int and isinstance(value, bool)) or not isinstance(value, tp):
        raise _fail(field, tp.__name__, value)
    return value


def coerce(tp: Any, value: Any, field: str) -> Any:
    """``value`` as type ``tp`` (dates, enums, optionals, tuples, dataclasses)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return coerce(args[0], value, field)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise _fail(field, "a list", value)
        inner = typing.get_args(tp)[0]
        return tuple(coerce(inner, v, f"{field}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise _fail(field, "an object", value)
        return value
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if isinstance(value, tp):
            return value
        if not isinstance(value, dict):
            raise _fail(field, "an object", value)
        hints = typing.get_type_hints(tp)
        known = {f.name for f in dataclasses.fields(tp)}
        unknown = set(value) - known
        if unknown:
            raise _fail(field, f"fields {sorted(known)}", sorted(unknown))
        return tp(**{k: coerce(hints[k], v, f"{field}.{k}") for k, v in value.items()})
    return _scalar(tp, value, field)


@functools.cache
def field_types(cls: type) -> dict[str, Any]:
    """The declared type of every field of an event or value class (computed once: it
    is asked on every command; callers must not modify it)."""
    return typing.get_type_hints(cls)


@functools.cache
def typers(cls: type) -> dict[str, Typer]:
    """``typer`` of every field of an event class (made once per class: every command
    asks them; callers must not modify the dict)."""
    return {name: typer(name, tp) for name, tp in field_types(cls).items()}


def typer(field: str, tp: Any) -> Typer:
    """``bounds.bounded(field, coerce(tp, value, field), today)`` as a function of the
    value and the day, made once per field: a value already of the declared type (a
    command's date, text, number, enum member), ``None`` for an optional, or an enum's
    text goes straight to its bound, as ``coerce`` would pass it on unchanged (or as the
    enum's member); anything else takes the general path, with its errors
    (``tests/unit/test_coercion.py`` compares the two)."""
    def general(value: Any, today: date) -> Any:
        return bounds.bounded(field, coerce(tp, value, field), today)

    union = typing.get_origin(tp) in (typing.Union, types.UnionType)
    inner = next(a for a in typing.get_args(tp) if a is not type(None)) if union else tp
    exact: type = inner
    check: Callable[..., Any] | None = None  # the bound; None: the value as it is
    dated = inner is date  # the bound takes the recording day
    members: dict[str, Any] = {}
    if inner is date:
        check = functools.partial(bounds.day, field)
    elif inner is str:
        check = functools.partial(bounds.text, field)
    elif inner is int:
        check = functools.partial(bounds.integer, field)
    elif isinstance(inner, type) and issubclass(inner, Enum):
        members = {m.value: m for m in inner}  # ``inner(text)``: the member of that value
    elif inner is not bool:
        return general

    def fast(value: Any, today: date) -> Any:
        if type(value) is exact:
            if check is None:
                return value
            return check(value, today) if dated else check(value)
        if value is None and union:
            return None
        if members and type(value) is str and value in members:
            return members[value]
        return general(value, today)
    return fast
