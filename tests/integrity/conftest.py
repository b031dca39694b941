"""Every integrity test signs with a key of its own and publishes into its own folder."""

from __future__ import annotations

from tests.signing import signing_env

__all__ = ["signing_env"]
