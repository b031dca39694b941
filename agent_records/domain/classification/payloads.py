"""What of an event's payload a reader may receive, at any depth.

One walk serves every interface: the history (which refuses a payload with hidden
fields), the exports and the CLI (which replace each hidden value by a marker). It
descends into value objects (an aptitude certificate's doctor) and into a correction's
``changes``, whose values have the class of the field they correct.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from agent_records.domain.classification.classes import DataClass, reads_all
from agent_records.domain.classification.events import (
    change_classes,
    field_class,
    value_class,
    value_type,
)
from agent_records.domain.erased import Erased
from agent_records.domain.events import EventCorrected

Readable = Callable[[frozenset[DataClass]], bool]
"""Whether the reader may receive data holding these classes."""
Mark = Callable[[frozenset[DataClass]], Any]
"""What stands in for a hidden value."""


@dataclass(frozen=True)
class Hidden:
    """A value withheld: its dotted path in the payload and its classes."""

    path: str
    classes: frozenset[DataClass]

    def __str__(self) -> str:
        return f"{self.path} ({', '.join(sorted(self.classes))})"


def for_role(role: str) -> Readable:
    """What a role reads (``READERS``)."""
    return lambda classes: reads_all(role, classes)


def redacted(event_cls: type | None, payload: Mapping[str, Any], readable: Readable,
             mark: Mark, corrected_cls: type | None = None
             ) -> tuple[dict[str, Any], list[Hidden]]:
    """A copy of ``payload`` with each value the reader may not receive replaced by
    ``mark(classes)``, and the list of those values. ``corrected_cls``: for a correction,
    the type of the event it corrects (None when unknown: the strictest reading)."""
    out: list[Hidden] = []

    def classes_of(name: str) -> frozenset[DataClass]:
        return field_class(event_cls, name)

    def value_of(name: str) -> type | None:
        return value_type(event_cls, name)

    copy = _walk(payload, classes_of, value_of, readable, mark, "", out)
    changes = payload.get("changes")
    if event_cls is EventCorrected and isinstance(changes, Mapping) and \
            "changes" not in {h.path for h in out}:
        copy["changes"] = _walk(changes, lambda n: change_classes(n, corrected_cls),
                                lambda n: value_type(corrected_cls, n), readable, mark,
                                "changes.", out)
    return copy, out


def hidden(event_cls: type | None, payload: Mapping[str, Any], readable: Readable,
           corrected_cls: type | None = None) -> list[Hidden]:
    """The values of ``payload`` the reader may not receive (see ``redacted``)."""
    return redacted(event_cls, payload, readable, lambda _: None, corrected_cls)[1]


def _walk(fields: Mapping[str, Any], classes_of: Callable[[str], frozenset[DataClass]],
          value_of: Callable[[str], type | None], readable: Readable, mark: Mark,
          prefix: str, out: list[Hidden]) -> dict[str, Any]:
    copy: dict[str, Any] = {}
    for name, value in fields.items():
        classes = classes_of(name)
        if value is not None and not readable(classes):
            out.append(Hidden(prefix + name, classes))
            copy[name] = mark(classes)
            continue
        kind = None if isinstance(value, Erased) else value_of(name)
        copy[name] = value if kind is None or value is None else \
            _value(value, kind, readable, mark, f"{prefix}{name}.", out)
    return copy


def _value(value: Any, kind: type, readable: Readable, mark: Mark, prefix: str,
           out: list[Hidden]) -> Any:
    """A value object (or a sequence of them), its own fields walked by their classes."""
    if isinstance(value, list | tuple):
        return [_value(v, kind, readable, mark, f"{prefix}{i}.", out)
                for i, v in enumerate(value)]
    fields = _fields(value)
    if fields is None:
        return value
    return _walk(fields, lambda n: value_class(kind, n), lambda _: None, readable, mark,
                 prefix, out)


def _fields(value: Any) -> Mapping[str, Any] | None:
    if isinstance(value, Mapping):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    return None
