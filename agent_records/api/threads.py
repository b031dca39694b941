"""Database work off the event loop: every read of the store or the views runs in a thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar, TypeVarTuple

from agent_records.api.errors import PublicError
from agent_records.eventstore.errors import StoreUnavailable

T = TypeVar("T")
Args = TypeVarTuple("Args")


async def blocking(fn: Callable[[*Args], T], *args: *Args) -> T:
    """Runs database work in a thread: it must not block the event loop. A store that
    cannot be reached is the client's ``STORE_UNAVAILABLE`` error."""
    try:
        return await asyncio.to_thread(fn, *args)
    except StoreUnavailable as exc:
        raise PublicError("STORE_UNAVAILABLE", exc.message) from exc
