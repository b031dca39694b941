"""A raw HTTP client for the transport tests: exactly the headers given, nothing added.

``Live.request`` always sends ``Content-Type`` and ``Accept``; the GraphQL-over-HTTP
audits need requests without them, with odd ones, or with a body that is not JSON.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

TIMEOUT = 60.0


@dataclass
class Answer:
    """Status, headers (lower-case names), body, and the seconds it took."""

    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def codes(self) -> list[str | None]:
        return [(e.get("extensions") or {}).get("code") for e in self.json.get("errors", [])]


def send(url: str, method: str, path: str = "/graphql", body: bytes | None = None,
         headers: dict[str, str] | None = None, params: dict[str, str] | None = None,
         timeout: float = TIMEOUT) -> Answer:
    """One request on a fresh connection."""
    parsed = urllib.parse.urlsplit(url)
    target = path + ("?" + urllib.parse.urlencode(params) if params else "")
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    start = time.monotonic()
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      data, time.monotonic() - start)
    finally:
        connection.close()


def bearer(token: str, **headers: str) -> dict[str, str]:
    """``Authorization: Bearer token`` and the given headers (``_`` in names as ``-``)."""
    return {"Authorization": f"Bearer {token}",
            **{k.replace("_", "-"): v for k, v in headers.items()}}
