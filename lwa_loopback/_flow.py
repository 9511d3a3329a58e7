"""``login()`` and ``login_sync()``: the pieces, in the order the protocol runs them.

bind the return URL -> consent URL to the browser -> wait for the redirect -> exchange the code
-> write the token file -> answer the browser -> free the port.

Paste-back mode (a return URL this machine cannot listen on, or ``paste=``) skips the listener:
consent URL to the browser -> the person pastes the address it ended on -> exchange -> file.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yarl import URL

from . import _pages
from ._browser import open_consent_page
from ._consent import (
    Pkce,
    check_client_id,
    consent_url,
    encode_scope_data,
    new_state,
    normalize_scopes,
)
from ._loopback import (
    LOOPBACK_HOSTS,
    ReturnUrl,
    bind,
    check_redirect_uri,
    is_loopback,
    parse_return_url,
)
from ._paste import Reader
from ._regions import DEFAULT_REGION, REGIONS, Endpoints
from ._sync import detached, synced
from ._tokens import Tokens, check_writable, write_token_file
from .errors import ConfigurationError, LoginTimeout, TokenFileError

if TYPE_CHECKING:
    from ._exchange import Client
    from ._receiver import Receiver
    from ._redirect import Authorized, Outcome

log = logging.getLogger("lwa_loopback")

#: Opens the consent URL. It may return an awaitable (run as a task beside the flow).
Opener = Callable[[str], object]
#: Gives the browser its page once the outcome is known (paste-back mode has no browser).
Answer = Callable[[_pages.Page], None]

DEFAULT_TIMEOUT = 300.0
_BROWSER_GRACE = 2.0  # seconds an async opener may take to read its last page


@dataclass(frozen=True)
class _Request:
    """A login's options, checked before anything touches the network."""

    redirect_uri: str
    endpoints: Endpoints
    region: str
    client_id: str
    client_secret: str | None = field(repr=False)
    scopes: list[str]
    scope_data: str | None
    token_file: Path | None
    request_timeout: float
    clock: Callable[[], datetime]
    certfile: Path | None = None
    keyfile: Path | None = None

    def consent_url(self, redirect_uri: str, state: str, pkce: Pkce) -> str:
        return consent_url(
            self.endpoints.authorize_url, client_id=self.client_id, scopes=self.scopes,
            redirect_uri=redirect_uri, state=state, pkce=pkce, scope_data=self.scope_data,
        )

    def client(self) -> Client:
        from ._exchange import Client

        return Client(
            token_url=self.endpoints.token_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            region=self.region,
            request_timeout=self.request_timeout,
            clock=self.clock,
        )


def resolve_endpoints(
    region: str, authorize_url: str | None = None, token_url: str | None = None
) -> Endpoints:
    """The region's endpoints, with either one overridden."""
    if region not in REGIONS:
        raise ConfigurationError(
            f"Unknown region {region!r}: use one of {', '.join(REGIONS)} "
            "(na North America, eu Europe, fe Far East)."
        )
    base = REGIONS[region]
    return Endpoints(
        _endpoint("--authorize-url", authorize_url) or base.authorize_url,
        _endpoint("--token-url", token_url) or base.token_url,
    )


def _endpoint(option: str, url: str | None) -> str | None:
    """An overriding endpoint must be https, or http on loopback (a fake LWA server): the token
    request carries the code and the client secret."""
    if not url:
        return None
    try:
        parsed = URL(url)
    except ValueError:
        parsed = URL()
    secure = parsed.scheme == "https" or (
        parsed.scheme == "http" and (parsed.host or "").lower() in LOOPBACK_HOSTS
    )
    if not parsed.host or not secure:
        raise ConfigurationError(
            f"{option} {url!r} must be an https:// URL (http:// only on 127.0.0.1, [::1] or "
            "localhost, such as a local fake LWA server)."
        )
    return url


async def login(
    *,
    client_id: str,
    redirect_uri: str,
    scope: str | Iterable[str],
    client_secret: str | None = None,
    scope_data: str | Mapping[str, Any] | None = None,
    region: str = DEFAULT_REGION,
    authorize_url: str | None = None,
    token_url: str | None = None,
    token_file: str | os.PathLike[str] | None = None,
    open_browser: Opener | None = open_consent_page,
    timeout: float = DEFAULT_TIMEOUT,
    request_timeout: float = 30.0,
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    paste: bool | Reader = False,
    certfile: str | os.PathLike[str] | None = None,
    keyfile: str | os.PathLike[str] | None = None,
) -> Tokens:
    """Sign in once through the browser and return the tokens (also written to ``token_file``).

    ``redirect_uri`` is the client's registered return URL on a loopback host; with port 0 a
    free port is chosen (for tests against ``lwa_loopback.testing.FakeLWA``). An https:// one
    is served over TLS with ``certfile`` (and ``keyfile``, unless the key is in ``certfile``).
    ``paste`` selects paste-back mode: no server; the person pastes the address the browser
    ended on. True reads it from stdin (asking on stderr); a callable returning the pasted
    text reads it that way. A redirect URI that is not loopback selects it by itself.
    ``open_browser`` receives the consent URL: a plain callable runs on a worker thread, an
    ``async def`` one (or an object with ``async def __call__``) as a task; None opens nothing.
    The default opens the system browser and, in a Jupyter notebook, also shows the URL as a
    link in the cell's output.
    Raises a ``LoginError`` subclass for every expected failure.
    """
    check_client_id(client_id)
    check_redirect_uri(redirect_uri)
    path = _writable(token_file)
    request = _Request(
        redirect_uri=redirect_uri,
        endpoints=resolve_endpoints(region, authorize_url, token_url),
        region=region,
        client_id=client_id,
        client_secret=client_secret or None,
        scopes=normalize_scopes(scope),
        scope_data=encode_scope_data(scope_data),
        token_file=path,
        request_timeout=request_timeout,
        clock=clock,
        certfile=None if certfile is None else Path(certfile).expanduser(),
        keyfile=None if keyfile is None else Path(keyfile).expanduser(),
    )
    if uses_paste(redirect_uri, paste):
        if not is_loopback(URL(redirect_uri)):
            log.info("The redirect URI %s is not on this machine, so nothing can listen for it: "
                     "paste-back mode.", redirect_uri)
        return await _run_paste(request, _reader(paste, redirect_uri), open_browser, timeout)
    return await _run(request, parse_return_url(redirect_uri), open_browser, timeout)


def _writable(token_file: str | os.PathLike[str] | None) -> Path | None:
    """The token file's path, once it is known that a file can be written there.

    Checked before the browser opens: a code is spent once exchanged, so an unusable path
    found only afterwards would leave the tokens on the terminal alone.
    """
    if token_file is None:
        return None
    try:
        path = Path(token_file).expanduser()
        check_writable(path)
    except (OSError, RuntimeError) as exc:  # RuntimeError: "~user" with no such user
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigurationError(
            f"Cannot write the token file {token_file}: {reason}. Choose another path (--out)."
        ) from None
    return path


def uses_paste(redirect_uri: str, paste: bool | Reader = False) -> bool:
    """Whether ``login()`` runs paste-back mode: asked for, or a return URL that is not loopback."""
    if paste is not False:
        return True
    try:
        return not is_loopback(check_redirect_uri(redirect_uri))
    except ConfigurationError:
        return False  # login() reports it


def _reader(paste: bool | Reader, redirect_uri: str) -> Reader:
    if callable(paste):
        return paste
    from ._paste import stdin_reader

    return stdin_reader(redirect_uri)


async def _run(
    request: _Request, return_url: ReturnUrl, opener: Opener | None, timeout: float
) -> Tokens:
    from ._tls import server_context

    # Checked before anything is bound: a certificate problem is a usage error.
    ssl_context = server_context(return_url, request.certfile, request.keyfile)
    sockets = bind(return_url)  # before any URL exists: the redirect cannot come first
    browser: asyncio.Future[object] | None = None
    try:
        if return_url.port == 0:
            return_url = return_url.with_port(sockets[0].getsockname()[1])
        state, pkce = new_state(), Pkce.new()
        url = request.consent_url(str(return_url), state, pkce)
        log.info("Listening on %s", return_url)
        # The sockets already listen, so the kernel queues an early redirect; opening the
        # browser before aiohttp is even imported lets the person read the consent page meanwhile.
        browser = _open(opener, url)
        await asyncio.sleep(0)  # an async opener's task runs (prints the URL) before the import
        from ._receiver import Receiver

        receiver = Receiver(return_url, state, sockets, ssl_context)
        try:
            await receiver.start()
            outcome = await _wait(receiver, return_url, timeout)
            return await _uninterrupted(
                _conclude(outcome, request, str(return_url), pkce, receiver.answer)
            )
        finally:
            await receiver.close()
    finally:
        for sock in sockets:
            sock.close()
        await _settle(browser)


async def _uninterrupted(work: Coroutine[Any, Any, Tokens]) -> Tokens:
    """Run ``work`` to its end even when the login is cancelled (Ctrl+C, SIGTERM) meanwhile.

    Once the redirect arrived the code is as good as spent: what the exchange returns must
    reach the token file (or the caller, as TokenFileError) before the cancellation goes on.
    """
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await task  # its own failure, if any, replaces the cancellation: it says more
        raise


async def _run_paste(
    request: _Request, reader: Reader, opener: Opener | None, timeout: float
) -> Tokens:
    from ._paste import parse_pasted, wait_for_paste
    from ._tls import note_unused

    note_unused(request.certfile, request.keyfile, "paste-back mode serves nothing")
    state, pkce = new_state(), Pkce.new()
    url = request.consent_url(request.redirect_uri, state, pkce)
    # Wait for the opener (it shows the address) so that the question comes after it.
    await _settle(_open(opener, url), grace=None)
    outcome = parse_pasted(await wait_for_paste(reader, timeout), state)
    return await _uninterrupted(_conclude(outcome, request, request.redirect_uri, pkce, _no_page))


def _no_page(page: _pages.Page) -> None:
    """Paste-back mode: the browser is not ours to answer."""


async def _wait(receiver: Receiver, return_url: ReturnUrl, timeout: float) -> Outcome:
    try:
        return await asyncio.wait_for(receiver.outcome(), timeout)
    except asyncio.TimeoutError:
        raise LoginTimeout(
            f"No redirect reached {return_url} within {timeout:g} seconds. Finish the sign-in "
            "in the browser sooner (or raise --timeout), and check that the LWA console lists "
            f"exactly {return_url} as an Allowed Return URL."
        ) from None


async def _conclude(
    outcome: Outcome, request: _Request, redirect_uri: str, pkce: Pkce, answer: Answer
) -> Tokens:
    """The redirect's outcome, from the listener or pasted: LWA's error, or the tokens."""
    from ._redirect import Refused, refused_error

    if isinstance(outcome, Refused):
        answer(_pages.consent_refused(outcome.error, outcome.description))
        raise refused_error(outcome)
    return await _finish(outcome, request, redirect_uri, pkce, answer)


async def _finish(
    outcome: Authorized, request: _Request, redirect_uri: str, pkce: Pkce, answer: Answer
) -> Tokens:
    """Exchange the code at once, keep the tokens whatever happens, then answer the browser."""
    from ._exchange import exchange_code
    from .errors import ExchangeError

    log.info("Got the code; exchanging it for tokens.")
    # LWA.md: the redirect's scope lists what was granted (Data Portability scopes are
    # voluntary, so it can be fewer than asked for).
    scope = outcome.scope or " ".join(request.scopes)
    try:
        tokens = await exchange_code(
            request.client(), code=outcome.code, redirect_uri=redirect_uri,
            code_verifier=pkce.code_verifier, scope=scope,
        )
    except ExchangeError as exc:
        answer(_pages.exchange_failed(str(exc)))
        raise
    token_file = request.token_file
    if token_file is not None:
        try:
            write_token_file(token_file, tokens)
        except OSError as exc:
            message = f"Could not write the token file {token_file}: {exc.strerror or exc}."
            answer(_pages.not_saved(message))
            raise TokenFileError(message, tokens=tokens) from None
    answer(_pages.signed_in(None if token_file is None else str(token_file)))
    return tokens


def _open(opener: Opener | None, url: str) -> asyncio.Future[object] | None:
    """Start the opener without waiting on it: the flow must listen while the browser works."""
    if opener is None:
        return None
    return asyncio.ensure_future(_browse(opener, url))


async def _browse(opener: Opener, url: str) -> object:
    call = getattr(opener, "__call__", None)  # noqa: B004 - an object with async __call__
    if inspect.iscoroutinefunction(opener) or inspect.iscoroutinefunction(call):
        started = opener(url)
    else:
        # A plain opener may block (webbrowser.open and a console browser): off the loop.
        started = await detached(opener, url)
    # A plain callable may still hand back a coroutine (a lambda around an async browser).
    return await started if inspect.isawaitable(started) else started


async def _settle(
    browser: asyncio.Future[object] | None, grace: float | None = _BROWSER_GRACE
) -> None:
    """Let the opener finish (for ``grace`` seconds; None: however long it takes)."""
    if browser is None:
        return
    done, _ = await asyncio.wait({browser}, timeout=grace)
    if not done:
        browser.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await browser
        return
    if not browser.cancelled() and browser.exception() is not None:
        log.warning("Could not open the browser (%s); open the URL above yourself.",
                    browser.exception())


login_sync = synced(
    login, "``login()`` for synchronous code; inside a running event loop (a notebook cell) it "
    "runs the flow on a worker thread. Takes the same keyword arguments.")
