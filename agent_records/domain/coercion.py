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
from datetime import date
from enum import Enum
from typing import Any

from agent_records.domain.bounds import shown
from agent_records.domain.errors import InvalidInput


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
