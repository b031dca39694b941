"""The value of a personal field whose key was destroyed: erased, and which class it was.

Personal fields are stored encrypted with a key per agent and class
(``agent_records.keys``); erasure destroys the key, and the store then hands the domain
this marker instead of the value. The domain knows no more of encryption than this: the
rules tolerate it in past facts (they were checked when recorded), and every interface
shows it as erased, which is not the same as withheld from a role.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Erased:
    """A personal value erased under the data-protection rules; only its class remains."""

    data_class: str

    def __str__(self) -> str:
        return f"[erased: {self.data_class} personal data]"

    def json(self) -> dict[str, str]:
        """How interfaces write it in JSON payloads: ``{"erased": "<class>"}``."""
        return {"erased": self.data_class}


def is_erased(value: object) -> bool:
    """Whether ``value`` is an erased personal value."""
    return isinstance(value, Erased)
