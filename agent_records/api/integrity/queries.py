"""``verification``: the hash chain recomputed now, with the signed checkpoints, for the
roles with the ``audit`` permission."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from agent_records.api.auth import Permission
from agent_records.api.context import ctx
from agent_records.api.integrity.types import Verification, verification_now
from agent_records.api.threads import blocking


async def verify(info: Info) -> Verification:
    ctx(info).require(Permission.AUDIT, "verification")
    services = ctx(info).services
    return await blocking(verification_now, services.records, services.views)


verification = strawberry.field(
    resolver=verify, description="The hash chain recomputed now, and the signed checkpoints.")
