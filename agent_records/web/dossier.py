"""What the dossier shows beyond identity, history and leave: the career timeline, the
record "as of" a date in force and an instant of knowledge, and the forms the role may
send. Each from a trusted operation run as the signed-in principal.

"As of" runs ``RecordAsOf`` twice, with the date and instant asked for and with neither
(the record as it stands), and lists each field of the snapshot with whether it has
changed since; the history table marks the events not yet in force on that date or not
yet recorded at that instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from agent_records.api.services import Services
from agent_records.domain.classification import DataClass
from agent_records.web import labels
from agent_records.web.languages import N_
from agent_records.web.operations import Operations
from agent_records.web.sessions import Session
from agent_records.web.timeline import Timeline, timeline

TIMELINE_PAGES = 10
"""Pages of 100 events read for the timeline: a record of more than 1,000 events is drawn
up to its 1,000th (no career comes near)."""
SNAPSHOT = {"fullName": N_("Name"), "grade": N_("Grade"), "status": N_("Status"),
            "postCode": N_("Post"), "headOfPost": N_("Head of post"),
            "renewals": N_("Renewals"), "eligibleForPromotion": N_("Eligible for promotion")}
"""The fields of ``RecordAsOf``'s snapshot and their labels, in the dossier's order."""


def shown(name: str, value: Any) -> str:
    """A snapshot value as the dossier writes it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "grade":
        return labels.grade(value)
    return labels.status(value) if name == "status" else str(value)


class BadAsOf(ValueError):
    """An "as of" control that is not a date or an instant."""


def parse_as_of(valid_at: str, known_at: str) -> tuple[date | None, datetime | None]:
    """The date in force (``YYYY-MM-DD``) and the instant of knowledge (a browser's
    ``YYYY-MM-DDTHH:MM[:SS]``, read as UTC, or with its own offset); empty: not asked."""
    valid = known = None
    try:
        if valid_at.strip():
            valid = date.fromisoformat(valid_at.strip())
    except ValueError:
        raise BadAsOf(f"the date in force {valid_at!r} is not a date (YYYY-MM-DD)") from None
    try:
        if known_at.strip():
            known = datetime.fromisoformat(known_at.strip())
            known = known if known.tzinfo else known.replace(tzinfo=UTC)
    except ValueError:
        raise BadAsOf(f"the instant {known_at!r} is not a date and time "
                      "(YYYY-MM-DDTHH:MM, UTC)") from None
    return valid, known


@dataclass(frozen=True)
class AsOf:
    """The record as of the controls' values, each field beside today's."""

    valid_at: date | None
    known_at: datetime | None
    then: dict[str, Any] | None
    now: dict[str, Any] | None
    later: frozenset[int]
    """Versions not in force on ``valid_at`` or not recorded at ``known_at``."""

    @property
    def rows(self) -> list[tuple[str, str, str, str, bool]]:
        """(field, label, then, now, changed since) for each field of the snapshot."""
        then, now = self.then or {}, self.now or {}
        return [(name, label, shown(name, then.get(name)), shown(name, now.get(name)),
                 then.get(name) != now.get(name)) for name, label in SNAPSHOT.items()]


async def timeline_of(agent_id: str, session: Session, services: Services,
                      operations: Operations) -> Timeline:
    """The career timeline from ``AgentTimeline`` (every page of it)."""
    events: list[dict[str, Any]] = []
    after = None
    for _ in range(TIMELINE_PAGES):
        answer = await operations.run("AgentTimeline", {"id": agent_id, "after": after},
                                      session.principal, services)
        history = (answer.data["agent"] or {}).get("history")
        if not history:
            break
        events += [edge["node"] for edge in history["edges"]]
        if not history["pageInfo"]["hasNextPage"]:
            break
        after = history["pageInfo"]["endCursor"]
    reads_marriage = session.principal.reads({DataClass.MARRIAGE})
    return timeline(events, reads_marriage, services.views.today())


async def as_of(agent_id: str, valid_at: date | None, known_at: datetime | None,
                events: list[dict[str, Any]], session: Session, services: Services,
                operations: Operations) -> AsOf:
    """The record as of the controls and as it stands; ``OperationFailed`` if refused."""
    async def snapshot(variables: dict[str, Any]) -> dict[str, Any] | None:
        answer = await operations.run("RecordAsOf", {"id": agent_id, **variables},
                                      session.principal, services)
        agent = answer.data["agent"] or {}
        found: dict[str, Any] | None = agent.get("asOf")
        return found

    then = await snapshot({"validAt": valid_at and valid_at.isoformat(),
                           "knownAt": known_at and known_at.isoformat()})
    now = await snapshot({})
    later = frozenset(
        e["version"] for e in events
        if (valid_at and date.fromisoformat(e["effectiveDate"]) > valid_at)
        or (known_at and datetime.fromisoformat(e["recordedAt"]) > known_at))
    return AsOf(valid_at, known_at, then, now, later)

