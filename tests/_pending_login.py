"""Helpers for the hardening tests: a login left waiting for its redirect, and raw HTTP over
sockets.

``PendingLogin`` runs ``login()`` with ``FakeLWA`` on an event loop thread of its own, so that
synchronous tests (hypothesis drives those) can throw requests at the listener with plain
sockets while the flow waits, and then finish it with the real redirect.
"""

from __future__ import annotations

import concurrent.futures
import socket
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lwa_loopback import Tokens, login
from lwa_loopback._asyncio_helpers import LoopThread
from lwa_loopback.testing import FakeLWA, HeadlessBrowser

from ._sockets import ANY_PORT_REDIRECT

WAIT = 20.0  # seconds: a bound on waits that only a hang would reach, never a measured time


class PendingLogin:
    """A ``login()`` waiting for its redirect; ``finish()`` sends the real one."""

    def __init__(self, token_file: Path, **options: Any) -> None:
        self.lwa = FakeLWA()
        self.browser = HeadlessBrowser()
        self.token_file = token_file
        self._options = options
        self._worker = LoopThread("pending-login")
        self._consent: concurrent.futures.Future[str] = concurrent.futures.Future()
        self.flow: concurrent.futures.Future[Tokens] | None = None

    def __enter__(self) -> PendingLogin:
        self._worker.__enter__()
        self._worker.run(self.lwa.start())
        options = {
            **self.lwa.login_options(),
            "redirect_uri": ANY_PORT_REDIRECT,
            "scope": "profile",
            "token_file": self.token_file,
            "timeout": 60.0,
            "open_browser": self._capture,
            **self._options,
        }
        self.flow = self._worker.submit(login(**options))
        self.consent_url = self._consent.result(WAIT)
        query = parse_qs(urlsplit(self.consent_url).query)
        self.redirect_uri = query["redirect_uri"][0]
        self.state = query["state"][0]
        redirect = urlsplit(self.redirect_uri)
        assert redirect.port is not None
        self.port, self.path = redirect.port, redirect.path
        self.host_header = f"127.0.0.1:{self.port}"
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.flow is not None and not self.flow.done():
            self.flow.cancel()
        self._worker.run(self.lwa.close())
        self._worker.__exit__(*exc_info)

    async def _capture(self, url: str) -> None:
        self._consent.set_result(url)

    def run(self, coro: Any) -> Any:
        """Run a coroutine on the flow's own loop (aiohttp clients, for instance)."""
        return self._worker.run(coro)

    @property
    def waiting(self) -> bool:
        assert self.flow is not None
        return not self.flow.done()

    def finish(self) -> Tokens:
        """The real redirect: the browser follows the consent URL; the flow's tokens."""
        assert self.flow is not None
        self._worker.run(self.browser(self.consent_url))
        return self.flow.result(WAIT)


def raw_request(port: int, data: bytes, *, host: str = "127.0.0.1") -> bytes:
    """Send ``data`` as it is and read whatever comes back until the server closes.

    No half-close: asyncio closes a connection at once when its peer half-closes, before the
    answer is written. Requests must therefore end the connection themselves (HTTP/1.0,
    ``Connection: close``, or malformed)."""
    with socket.create_connection((host, port), timeout=WAIT) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def status_of(response: bytes) -> int | None:
    """The status code of a raw HTTP response, or None when nothing came back."""
    if not response:
        return None
    assert response.startswith(b"HTTP/1."), response[:80]
    return int(response.split(b" ", 2)[1])


def closed_by_peer(sock: socket.socket) -> bool:
    """Whether the server closed this connection (EOF or reset), waiting at most ``WAIT``."""
    sock.settimeout(WAIT)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True
