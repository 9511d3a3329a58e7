"""Token endpoints that fail in the ways a network does, each counting what reached it."""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
from collections.abc import Awaitable, Callable

Behaviour = Callable[[asyncio.StreamWriter], Awaitable[None]]


class FaultyEndpoint:
    """A token endpoint on 127.0.0.1 that reads each request whole, counts it, then misbehaves.

    ``connections`` counts TCP connections accepted, ``requests`` the HTTP requests read whole.
    """

    def __init__(
        self, behaviour: Behaviour, tls: ssl.SSLContext | None = None, *, speaks_http: bool = True
    ) -> None:
        self._behaviour = behaviour
        self._tls = tls
        self._speaks_http = speaks_http
        self.connections = 0
        self.requests = 0
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    async def start(self) -> FaultyEndpoint:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self._tls)
        return self

    @property
    def token_url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{port}/auth/o2/token"

    async def close(self) -> None:
        for writer in self._open:
            writer.transport.abort()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._open.add(writer)
        try:
            if not self._speaks_http:  # answer whatever the first bytes are
                await reader.read(65536)
                await self._behaviour(writer)
                return
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            await reader.readexactly(length)
            self.requests += 1
            await self._behaviour(writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._open.discard(writer)
            writer.transport.abort()


async def reset_mid_response(writer: asyncio.StreamWriter) -> None:
    """Half a token response, then a TCP reset (SO_LINGER 0) instead of the rest."""
    writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n{"access_token": "Atza|')
    await writer.drain()
    sock: socket.socket = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


async def never_answer(writer: asyncio.StreamWriter) -> None:
    """Hold the connection open and say nothing, until the client gives up."""
    await asyncio.Event().wait()


async def bad_request(writer: asyncio.StreamWriter) -> None:
    """What a plain HTTP server says to bytes it cannot read (a TLS handshake, say)."""
    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    await writer.drain()


async def tls_only(writer: asyncio.StreamWriter) -> None:
    """Unreachable when the handshake fails: nothing after it happens."""


def refused_port() -> socket.socket:
    """A socket bound to a free port but not listening: connecting to it is refused. Keep it
    open for the test, so that no other program takes the port meanwhile."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock
