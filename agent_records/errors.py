"""The two families of errors: refusals and infrastructure.

A refusal (``agent_records.domain.errors.DomainError``: a rule of the decree, malformed
input, an unknown record) is the caller's to fix and is answered as such; nothing was
recorded. An infrastructure error (here) is no one's fault in the request: the store
cannot be reached, a setting cannot be used. Callers map the two separately (the API
answers a refusal in the payload and an outage as ``STORE_UNAVAILABLE``; a follower waits
out an outage but stops on a refusal), so neither is a subclass of the other, and
settings (``agent_records.config``) need not import the domain to refuse a bad value.
"""

from __future__ import annotations


class InfrastructureError(Exception):
    """Base of the errors of the machinery around the record (store, settings).

    Like a refusal, it carries a stable ``code`` and a sentence for people (``message``),
    so that an entry point can print or answer it in one line."""

    code = "infrastructure_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(InfrastructureError):
    """The store URL (or another setting) cannot be used as given."""

    code = "configuration_error"
