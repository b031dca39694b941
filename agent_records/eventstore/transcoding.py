"""How our dates and value objects are stored in events (the library knows neither).

Registered on the application's transcoder (``factory``), beside the library's own
(UUIDs, decimals, datetimes). Changing a name or an encoding here changes the stored
bytes, which the integrity chain hashes: old events must keep loading.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from agent_records.domain.values import VALUE_TYPES


class DateAsISO(Transcoding):
    """Calendar dates (effective dates, birth dates) as ISO 8601 text."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ValueAsDict(Transcoding):
    """A frozen value object as a mapping of its fields, named by its class name."""

    def __init__(self, cls: type) -> None:
        self.type = cls
        self.name = cls.__name__
        self.fields = tuple(f.name for f in dataclasses.fields(cls))  # once, not per value

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self.fields}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)

    def read_back(self, obj: Any, read_back: Callable[[Any], Any]) -> Any:
        """``decode(encode(obj))`` as the transcoder reads it back without the text
        (``FastJSONTranscoder.read_back``): made again from its fields read back."""
        return self.type(**{name: read_back(getattr(obj, name)) for name in self.fields})


def register_transcodings(transcoder: JSONTranscoder) -> None:
    """Registers dates and the domain's value objects."""
    transcoder.register(DateAsISO())
    for cls in VALUE_TYPES:
        transcoder.register(ValueAsDict(cls))
