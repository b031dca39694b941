"""The views the projection worker runs: the ledger's sealer and the read views.

The projection engine (``projections``) knows neither: the sealer belongs to integrity,
which builds on the engine, so the two lists are joined here, where both are known.
The sealer runs first: an export or a verification waits for its seals, not the views'.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent_records.integrity.sealer import Sealer
from projections.engine.base import View
from projections.views import READ_VIEWS

_ALL: tuple[type[View], ...] = (Sealer, *READ_VIEWS)
VIEWS: dict[str, type[View]] = {v.name: v for v in _ALL}
"""Every view by name (``agent-records projections ... NAME``)."""


def named(names: Sequence[str] | None = None) -> list[type[View]]:
    """The views called ``names`` (every view when None), in the order given."""
    return [VIEWS[n] for n in names] if names else list(VIEWS.values())

