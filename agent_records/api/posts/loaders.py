"""The posts' batched read: their rows in the ``posts`` view, kept for the process."""

from __future__ import annotations

from agent_records.api.services import Services
from agent_records.api.threads import blocking
from projections.views.posts import PostRow


async def rows(services: Services, codes: list[str]) -> list[PostRow | None]:
    """The posts' rows (None: no such post)."""
    posts = services.posts
    # posts already read are kept for the process: then no thread and no database
    found = posts.by_code(codes) if posts.known(codes) else \
        await blocking(posts.by_code, codes)
    by_code = {r.post_code: r for r in found}
    return [by_code.get(c) for c in codes]
