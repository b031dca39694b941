"""uvicorn's HTTP protocol with ``TCP_NODELAY`` on every connection.

With ``--workers N`` uvicorn binds the listening socket itself as ``socket(AF_INET)``,
protocol 0; asyncio sets ``TCP_NODELAY`` only on sockets whose protocol is
``IPPROTO_TCP``, so the accepted connections kept Nagle's algorithm: a response written
in two parts (headers, then body) waited for the client's delayed ACK, about 40 ms per
request on a keep-alive connection (``/healthz``: 0.7 ms with one worker, 44 ms with
two). ``agent-records serve`` and the benchmarks select this class (``http=``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # uvicorn picks its class at import time and types the choice as a variable, which
    # no type checker accepts as a base; both candidates share h11's `connection_made`.
    from uvicorn.protocols.http.h11_impl import H11Protocol as AutoHTTPProtocol
else:
    from uvicorn.protocols.http.auto import AutoHTTPProtocol


class NoDelayHTTPProtocol(AutoHTTPProtocol):
    """uvicorn's default HTTP protocol (httptools if installed, else h11), no Nagle."""

    # asyncio's stub takes any BaseTransport; uvicorn's protocols narrow it to Transport
    # (with the same ignore), and the listening side only ever hands a Transport here.
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):  # a connection already closed by the client
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


HTTP_PROTOCOL = f"{__name__}:{NoDelayHTTPProtocol.__name__}"
"""The import string uvicorn's ``--http`` option and ``uvicorn.run(http=...)`` take."""
