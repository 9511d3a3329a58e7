"""The one-shot callback server: serve the return URL's one path until a real redirect arrives.

Only a GET on the exact path, with the right Host and exactly one matching ``state`` and either
a ``code`` or an ``error``, ends the wait. Anything else (a favicon, a browser's pre-connect,
a forged callback from another local process) gets its own answer and changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from . import _pages
from ._consent import state_matches
from ._loopback import ReturnUrl

if TYPE_CHECKING:
    from multidict import MultiMapping  # aiohttp's own dependency: for the type only

# A redirect is a short GET: refuse anything large before it is read (LWA's codes and states
# are well under 1 KiB).
_MAX_LINE = 8190
_MAX_BODY = 4096
_SHUTDOWN_GRACE = 2.0  # seconds a connection may take to receive its last page
_KEEPALIVE = 5.0


@dataclass(frozen=True)
class Authorized:
    code: str = field(repr=False)
    scope: str | None


@dataclass(frozen=True)
class Refused:
    error: str
    description: str | None


Outcome = Authorized | Refused


class Receiver:
    """Serve ``return_url`` on the already-bound ``sockets`` until one valid redirect arrives.

    ``outcome()`` waits for it; ``answer(page)`` gives that redirect's browser its page;
    ``close()`` shuts everything down, freeing the port before it returns.
    """

    def __init__(self, return_url: ReturnUrl, state: str, sockets: list[socket.socket]):
        self._return_url = return_url
        self._state = state
        self._sockets = sockets
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
            shutdown_timeout=_SHUTDOWN_GRACE,
            keepalive_timeout=_KEEPALIVE,
            max_line_size=_MAX_LINE,
            max_field_size=_MAX_LINE,
        )
        await self._runner.setup()
        for sock in self._sockets:
            await web.SockSite(self._runner, sock).start()

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
        try:
            if self._runner is not None:
                await self._runner.cleanup()
        finally:
            for sock in self._sockets:
                sock.close()

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        if request.host.lower() not in self._return_url.host_headers:
            # DNS rebinding: a page on another name must not be able to drive the callback.
            return _respond(_pages.bad_callback("The request was not addressed to this address."))
        if self._outcome.done():
            return _respond(_pages.already_done())
        outcome = _read_redirect(request.query, self._state)
        if isinstance(outcome, str):
            return _respond(_pages.bad_callback(outcome))
        self._outcome.set_result(outcome)
        response = _respond(await self._answer)
        await response.prepare(request)
        await response.write_eof()
        self._delivered.set()
        return response


def _read_redirect(query: MultiMapping[str], expected_state: str) -> Outcome | str:
    """The redirect's outcome, or why the request is not a valid redirect for this login."""
    values = {name: query.getall(name, []) for name in ("state", "code", "error")}
    states = values["state"]
    if len(states) != 1 or not state_matches(states[0], expected_state):
        return "Its state does not match the sign-in this program started."
    if len(values["error"]) == 1:
        return Refused(values["error"][0], query.get("error_description"))
    if len(values["code"]) == 1 and values["code"][0] and not values["error"]:
        return Authorized(values["code"][0], query.get("scope"))
    return "It carries neither one authorization code nor one error."


def _respond(page: _pages.Page) -> web.Response:
    return web.Response(
        status=page.status,
        text=page.render(),
        content_type="text/html",
        headers=_pages.HEADERS,
    )
