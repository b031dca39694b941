"""The posts' queries: one post by its code, every post."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from agent_records.api.context import ctx
from agent_records.api.posts.types import Post
from agent_records.api.threads import blocking


async def find_post(info: Info, code: str) -> Post | None:
    row = await ctx(info).posts.load(code.strip().upper())
    return Post(row=row) if row else None


async def list_posts(info: Info) -> list[Post]:
    return [Post(row=r) for r in await blocking(ctx(info).services.posts.all)]


post = strawberry.field(resolver=find_post)
posts = strawberry.field(resolver=list_posts)
