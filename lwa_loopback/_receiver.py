"""The one-shot callback server: serve the return URL's one path until a real redirect arrives.

Only a GET on the exact path, with the right Host and exactly one matching ``state`` and either
a ``code`` or an ``error``, ends the wait. Anything else (a favicon, a browser's pre-connect,
a forged callback from another local process) gets its own answer and changes nothing.

An https:// return URL is served over TLS. On a plain listener, a connection that opens with a
TLS handshake (a browser that upgraded the address by itself) is closed and explained once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import socket
import ssl
from collections.abc import Callable

from aiohttp import hdrs, web
from aiohttp.http_exceptions import HttpProcessingError

from . import _pages
from ._loopback import BACKLOG, ReturnUrl
from ._redirect import Outcome, read_redirect
from ._tls import TLS_HINT_PARAMETERS, looks_like_tls, tls_on_plain_hint

log = logging.getLogger("lwa_loopback")

# A redirect is a short GET: refuse anything large before it is read (LWA's codes and states
# are well under 1 KiB).
_MAX_LINE = 8190
_MAX_BODY = 4096
_SHUTDOWN_GRACE = 2.0  # seconds a connection may take to receive its last page
#: Seconds a connection may stay open without a whole request (a slowloris is closed then).
KEEPALIVE = 5.0


class _DropMalformed(logging.Filter):
    """aiohttp logs each malformed request with a traceback. Any local process can send them;
    they are answered 400 already, and a traceback on the terminal would only alarm."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, HttpProcessingError)


_server_log = logging.getLogger("lwa_loopback.server")
_server_log.addFilter(_DropMalformed())


class Receiver:
    """Serve ``return_url`` on the already-bound ``sockets`` until one valid redirect arrives.

    ``outcome()`` waits for it; ``answer(page)`` gives that redirect's browser its page;
    ``close()`` stops serving and ends open connections. A connection that has sent no whole
    request within ``keepalive`` seconds is closed.
    """

    def __init__(
        self,
        return_url: ReturnUrl,
        state: str,
        sockets: list[socket.socket],
        ssl_context: ssl.SSLContext | None = None,
        code_param: str = "code",
        keepalive: float = KEEPALIVE,
    ):
        self._return_url = return_url
        self._keepalive = keepalive
        self._state = state
        self._code_param = code_param
        self._sockets = sockets
        self._ssl_context = ssl_context
        self._servers: list[asyncio.Server] = []
        self._told_about_tls = False
        self._outcome: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._answer: asyncio.Future[_pages.Page] = asyncio.get_running_loop().create_future()
        self._delivered = asyncio.Event()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=_MAX_BODY)
        # A plain resource: a return path such as "/cb{x}" is matched as written, never read as
        # one of aiohttp's route patterns.
        callback = web.PlainResource(self._return_url.path)
        app.router.register_resource(callback)
        callback.add_route("GET", self._callback)
        self._runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,  # the access log would print the code in the query string
            logger=_server_log,
            shutdown_timeout=_SHUTDOWN_GRACE,
            keepalive_timeout=self._keepalive,
            max_line_size=_MAX_LINE,
            max_field_size=_MAX_LINE,
        )
        await self._runner.setup()
        # Served through asyncio rather than web.SockSite so that a plain listener can look at
        # each connection's first bytes; aiohttp's web.Server is the documented protocol factory.
        handler = self._runner.server
        assert handler is not None
        factory: Callable[[], asyncio.Protocol] = handler
        if self._ssl_context is None:
            factory = functools.partial(_TlsSniffer, handler, self._tls_on_plain)
        loop = asyncio.get_running_loop()
        for sock in self._sockets:
            self._servers.append(
                await loop.create_server(factory, sock=sock, ssl=self._ssl_context, backlog=BACKLOG)
            )

    async def outcome(self) -> Outcome:
        return await asyncio.shield(self._outcome)

    def answer(self, page: _pages.Page) -> None:
        if not self._answer.done():
            self._answer.set_result(page)

    async def close(self) -> None:
        if self._outcome.done():
            self.answer(_pages.exchange_failed("The login was stopped before it finished."))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._delivered.wait(), _SHUTDOWN_GRACE)
        # The sockets themselves are closed by their owner (``_request.Started.close``).
        for server in self._servers:
            server.close()  # stops accepting at once; the runner ends open connections
        if self._runner is not None:
            await self._runner.cleanup()

    def _tls_on_plain(self) -> None:
        # Said once: a browser retrying the https address must not flood the terminal.
        if not self._told_about_tls:
            self._told_about_tls = True
            log.warning(tls_on_plain_hint(str(self._return_url)), extra=TLS_HINT_PARAMETERS)

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        # DNS rebinding: a page on another name must not be able to drive the callback. The
        # header itself, not request.host: without one, aiohttp falls back to our own address.
        if request.headers.get(hdrs.HOST, "").lower() not in self._return_url.host_headers:
            return _respond(_pages.bad_callback("The request was not addressed to this address."))
        if self._outcome.done():
            return _respond(_pages.already_done())
        outcome = read_redirect(request.query, self._state, self._code_param)
        if isinstance(outcome, str):
            return _respond(_pages.bad_callback(outcome))
        self._outcome.set_result(outcome)
        response = _respond(await self._answer)
        await response.prepare(request)
        await response.write_eof()
        self._delivered.set()
        return response


class _TlsSniffer(asyncio.Protocol):
    """aiohttp's protocol for one connection, behind a look at its first bytes.

    A browser that upgraded the http:// return URL (HSTS, a proxy) sends a TLS handshake here;
    that connection is closed at once and reported, instead of failing in silence.
    """

    def __init__(self, factory: Callable[[], asyncio.Protocol], on_tls: Callable[[], None]):
        self._inner = factory()
        self._on_tls = on_tls
        self._first = True
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._first:
            self._first = False
            if looks_like_tls(data) and self._transport is not None:
                self._on_tls()
                self._transport.close()
                return
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


def _respond(page: _pages.Page) -> web.Response:
    return web.Response(
        status=page.status,
        text=page.render(),
        content_type="text/html",
        headers=_pages.HEADERS,
    )
