"""GraphQL execution on event loops of its own, so the server's loop stays free.

uvicorn serves every request on one event loop. Resolvers already run database work in
threads, but assembling an answer (resolving fields, building the result) is Python
work on the loop that awaits it: a large, costly query held the loop for its whole
duration, and ``/healthz`` waited behind it. Each operation now runs on one of a few
execution loops, each in a thread of its own; the server's loop only awaits the result
and keeps answering. The GIL still shares one core between them, but the server's loop
gets its turn every switch interval (5 ms) instead of after the whole answer.

A cancelled wait (the time budget, a client gone) cancels the operation on its loop.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

LOOPS = 4
"""Execution loops: a slow operation holds up the others of its own loop only."""


class ExecutionLoops:
    """A few event loops, each running forever in a daemon thread; round robin."""

    def __init__(self, count: int = LOOPS) -> None:
        self.loops = [asyncio.new_event_loop() for _ in range(count)]
        for number, loop in enumerate(self.loops):
            threading.Thread(target=loop.run_forever, name=f"graphql-{number}",
                             daemon=True).start()
        self.turn = itertools.cycle(self.loops)

    async def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Runs ``coroutine`` on the next execution loop and waits for it here."""
        future = asyncio.run_coroutine_threadsafe(coroutine, next(self.turn))
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        """Stops the loops (operations still running on them are abandoned)."""
        for loop in self.loops:
            loop.call_soon_threadsafe(loop.stop)
