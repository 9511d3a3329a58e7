"""``login()`` and ``login_sync()``: the pieces, in the order the protocol runs them.

bind the return URL -> consent URL to the browser -> wait for the redirect -> exchange the code
-> write the token file -> answer the browser -> free the port.
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
from ._loopback import LOOPBACK_HOSTS, ReturnUrl, bind, parse_return_url
from ._regions import DEFAULT_REGION, REGIONS, Endpoints
from ._sync import detached, synced
from ._tokens import Tokens, check_writable, write_token_file
from .errors import ConfigurationError, ConsentError, LoginTimeout, TokenFileError

if TYPE_CHECKING:
    from ._exchange import Client
    from ._receiver import Authorized, Receiver

log = logging.getLogger("lwa_loopback")

#: Opens the consent URL. It may return an awaitable (run as a task beside the flow).
Opener = Callable[[str], object]

DEFAULT_TIMEOUT = 300.0
_BROWSER_GRACE = 2.0  # seconds an async opener may take to read its last page


@dataclass(frozen=True)
class _Request:
    """A login's options, checked before anything touches the network."""

    return_url: ReturnUrl
    endpoints: Endpoints
    region: str
    client_id: str
    client_secret: str | None = field(repr=False)
    scopes: list[str]
    scope_data: str | None
    token_file: Path | None
    request_timeout: float
    clock: Callable[[], datetime]

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
) -> Tokens:
    """Sign in once through the browser and return the tokens (also written to ``token_file``).

    ``redirect_uri`` is the client's registered return URL on a loopback host; with port 0 a
    free port is chosen (for tests against ``lwa_loopback.testing.FakeLWA``).
    ``open_browser`` receives the consent URL: a plain callable runs on a worker thread, an
    ``async def`` one (or an object with ``async def __call__``) as a task; None opens nothing.
    The default opens the system browser and, in a Jupyter notebook, also shows the URL as a
    link in the cell's output.
    Raises a ``LoginError`` subclass for every expected failure.
    """
    check_client_id(client_id)
    path = _writable(token_file)
    request = _Request(
        return_url=parse_return_url(redirect_uri),
        endpoints=resolve_endpoints(region, authorize_url, token_url),
        region=region,
        client_id=client_id,
        client_secret=client_secret or None,
        scopes=normalize_scopes(scope),
        scope_data=encode_scope_data(scope_data),
        token_file=path,
        request_timeout=request_timeout,
        clock=clock,
    )
    return await _run(request, open_browser, timeout)


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


async def _run(request: _Request, opener: Opener | None, timeout: float) -> Tokens:
    sockets = bind(request.return_url)  # before any URL exists: the redirect cannot come first
    browser: asyncio.Future[object] | None = None
    try:
        return_url = request.return_url
        if return_url.port == 0:
            return_url = return_url.with_port(sockets[0].getsockname()[1])
        state, pkce = new_state(), Pkce.new()
        url = consent_url(
            request.endpoints.authorize_url, client_id=request.client_id, scopes=request.scopes,
            redirect_uri=str(return_url), state=state, pkce=pkce, scope_data=request.scope_data,
        )
        log.info("Listening on %s", return_url)
        # The sockets already listen, so the kernel queues an early redirect; opening the
        # browser before aiohttp is even imported lets the person read the consent page meanwhile.
        browser = _open(opener, url)
        from ._receiver import Receiver

        receiver = Receiver(return_url, state, sockets)
        try:
            await receiver.start()
            outcome = await _wait(receiver, return_url, timeout)
            return await _uninterrupted(
                _finish(receiver, outcome, request, str(return_url), pkce)
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


async def _wait(receiver: Receiver, return_url: ReturnUrl, timeout: float) -> Authorized:
    from ._receiver import Refused

    try:
        outcome = await asyncio.wait_for(receiver.outcome(), timeout)
    except asyncio.TimeoutError:
        raise LoginTimeout(
            f"No redirect reached {return_url} within {timeout:g} seconds. Finish the sign-in "
            "in the browser sooner (or raise --timeout), and check that the LWA console lists "
            f"exactly {return_url} as an Allowed Return URL."
        ) from None
    if isinstance(outcome, Refused):
        receiver.answer(_pages.consent_refused(outcome.error, outcome.description))
        said = f": {outcome.description}" if outcome.description else ""
        raise ConsentError(
            f"Login with Amazon did not grant access ({outcome.error}{said}). "
            + _CONSENT_ADVICE.get(outcome.error, "Check the client's settings in the LWA console."),
            error=outcome.error,
            description=outcome.description,
        )
    return outcome


_CONSENT_ADVICE = {
    "access_denied": "The sign-in was cancelled or refused: run the command again, choose Allow.",
    "invalid_scope": "A scope is unknown or not enabled for this client: check --scope.",
    "unauthorized_client": "This client may not ask for a code: check it in the LWA console.",
    "invalid_request": "Check --client-id and --redirect-uri against the LWA console.",
    "server_error": "LWA had an internal error: try again in a minute.",
    "temporarily_unavailable": "LWA is busy: try again in a minute.",
}


async def _finish(
    receiver: Receiver, outcome: Authorized, request: _Request, redirect_uri: str, pkce: Pkce
) -> Tokens:
    """Exchange the code at once, keep the tokens whatever happens, then answer the browser."""
    from ._exchange import exchange_code
    from .errors import ExchangeError

    log.info("Received the redirect; exchanging the code for tokens.")
    # LWA.md: the redirect's scope lists what was granted (Data Portability scopes are
    # voluntary, so it can be fewer than asked for).
    scope = outcome.scope or " ".join(request.scopes)
    try:
        tokens = await exchange_code(
            request.client(), code=outcome.code, redirect_uri=redirect_uri,
            code_verifier=pkce.code_verifier, scope=scope,
        )
    except ExchangeError as exc:
        receiver.answer(_pages.exchange_failed(str(exc)))
        raise
    token_file = request.token_file
    if token_file is not None:
        try:
            write_token_file(token_file, tokens)
        except OSError as exc:
            message = f"Could not write the token file {token_file}: {exc.strerror or exc}."
            receiver.answer(_pages.not_saved(message))
            raise TokenFileError(message, tokens=tokens) from None
    receiver.answer(_pages.signed_in(None if token_file is None else str(token_file)))
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


async def _settle(browser: asyncio.Future[object] | None) -> None:
    if browser is None:
        return
    done, _ = await asyncio.wait({browser}, timeout=_BROWSER_GRACE)
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
