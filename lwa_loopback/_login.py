"""``login()`` and ``login_sync()``: the pieces, in the order the protocol runs them.

bind the return URL -> consent URL to the browser -> wait for the redirect -> exchange the code
-> write the token file -> answer the browser -> free the port.

Paste-back mode (a return URL this machine cannot listen on, or ``paste=``) skips the listener:
consent URL to the browser -> the person pastes the address it ended on -> exchange -> file.
The first steps, up to the consent URL, run without the event loop (``_login_start.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import _pages
from ._asyncio_helpers import call_back, synced, unstoppable
from ._browser import open_consent_page
from ._defaults import LOGIN_TIMEOUT, REGION, REQUEST_TIMEOUT, utcnow
from ._login_start import LoginPlan, Started, prepare, start
from ._options import LoginOptions
from ._tokens import Tokens
from .errors import ConsentError, LoginTimeout, TokenFileError, seconds

if TYPE_CHECKING:
    from ._consent import Pkce
    from ._loopback import ReturnUrl
    from ._paste import Reader
    from ._receiver import Receiver
    from ._redirect import Authorized, Outcome

log = logging.getLogger("lwa_loopback")

#: Opens the consent URL. It may return an awaitable (run as a task beside the flow).
Opener = Callable[[str], object]
#: Gives the browser its page once the outcome is known (paste-back mode has no browser).
Answer = Callable[[_pages.Page], None]

_BROWSER_GRACE = 2.0  # seconds an async opener may take to read its last page


async def login(
    *,
    client_id: str,
    redirect_uri: str | None = None,
    bind: str | None = None,
    scope: str | Iterable[str] | None = None,
    client_secret: str | None = None,
    client_auth: str | None = None,
    scope_data: str | Mapping[str, Any] | None = None,
    region: str = REGION,
    authorize_url: str | None = None,
    token_url: str | None = None,
    sp_api: bool = False,
    application_id: str | None = None,
    draft: bool = False,
    token_file: str | os.PathLike[str] | None = None,
    open_browser: Opener | None = open_consent_page,
    timeout: float = LOGIN_TIMEOUT,
    request_timeout: float = REQUEST_TIMEOUT,
    clock: Callable[[], datetime] = utcnow,
    paste: bool | Reader = False,
    certfile: str | os.PathLike[str] | None = None,
    keyfile: str | os.PathLike[str] | None = None,
) -> Tokens:
    """Sign in once through the browser and return the tokens (also written to ``token_file``).

    ``redirect_uri`` (required) and ``scope`` (required, except with ``sp_api``) as registered.
    ``sp_api`` signs in through Seller Central instead (Selling Partner API website
    authorization): ``application_id`` is required, and so is ``client_secret``; ``scope`` is
    not used; ``draft`` for an application not yet published. The tokens then carry the
    ``selling_partner_id`` (and, for hybrid apps, ``mws_auth_token``).
    ``client_auth`` ``"basic"`` sends the client secret in an HTTP Basic header to a token
    endpoint that is not LWA's (``"post"``, the default: in the form, as LWA takes it).

    ``redirect_uri`` is the client's registered return URL on a loopback host (or a name whose
    every address is loopback, as a hosts-file line makes it); with port 0 a free port is
    chosen (for tests against ``lwa_loopback.testing.FakeLWA``). An https:// one is served over
    TLS with ``certfile`` (and ``keyfile``, unless the key is in ``certfile``).
    ``bind`` (``"HOST[:PORT]"``, IPv6 in brackets) listens there instead of on the return URL's
    host, and port unless it names one: ``"0.0.0.0"`` in a container whose port is published.
    The return URL sent is unchanged, and requests must still address it (Host header). A
    ``bind`` host that is not loopback is warned about (``log.warning``).
    ``paste`` selects paste-back mode: no server; the person pastes the address the browser
    ended on. True reads it from stdin (asking on stderr); a callable returning the pasted
    text reads it that way. A redirect URI that is not loopback selects it by itself.
    ``open_browser`` receives the consent URL: a plain callable runs on a worker thread, an
    ``async def`` one (or an object with ``async def __call__``) as a task; None opens nothing.
    The default opens the system browser and, in a Jupyter notebook, also shows the URL as a
    link in the cell's output.
    Raises a ``LoginError`` subclass for every expected failure.
    """
    options = LoginOptions(
        client_id=client_id,
        redirect_uri=redirect_uri,
        bind=bind,
        scope=scope,
        client_secret=client_secret,
        client_auth=client_auth,
        scope_data=scope_data,
        region=region,
        authorize_url=authorize_url,
        token_url=token_url,
        sp_api=sp_api,
        application_id=application_id,
        draft=draft,
        token_file=token_file,
        timeout=timeout,
        request_timeout=request_timeout,
        paste=paste,
        certfile=certfile,
        keyfile=keyfile,
    )
    return await complete(start(prepare(options, clock=clock)), open_browser)


async def complete(started: Started, opener: Opener | None) -> Tokens:
    """Open the consent URL, wait for the outcome and finish: ``login()`` after ``start()``.

    Closes the listener whatever happens.
    """
    timeout = started.request.timeout
    try:
        if started.request.paste is not None:
            return await _through_paste(started, started.request.paste, opener, timeout)
        return await _through_listener(started, opener, timeout)
    finally:
        started.close()


async def _through_listener(started: Started, opener: Opener | None, timeout: float) -> Tokens:
    return_url = started.return_url
    assert return_url is not None
    # The sockets already listen, so the kernel queues an early redirect; opening the browser
    # before aiohttp is even imported lets the person read the consent page meanwhile.
    browser = _open(opener, started.consent_url)
    try:
        await asyncio.sleep(0)  # an async opener's task runs (prints the URL) before the import
        from ._receiver import Receiver

        receiver = Receiver(
            return_url,
            started.state,
            started.sockets,
            started.ssl_context,
            code_param=started.request.code_param,
        )
        try:
            await receiver.start()
            sp_api = started.request.application_id is not None
            outcome = await _wait(receiver, return_url, timeout, sp_api=sp_api)
            return await unstoppable(_tokens_from_outcome(outcome, started, receiver.answer))
        finally:
            await receiver.close()
    finally:
        await _let_opener_finish(browser)


async def _through_paste(
    started: Started, reader: Reader, opener: Opener | None, timeout: float
) -> Tokens:
    from ._paste import parse_pasted, wait_for_paste

    # Wait for the opener (it shows the address) so that the question comes after it.
    await _let_opener_finish(_open(opener, started.consent_url), grace=None)
    pasted = await wait_for_paste(reader, timeout)
    outcome = parse_pasted(pasted, started.state, started.request.code_param)
    return await unstoppable(_tokens_from_outcome(outcome, started, _no_page))


def _no_page(page: _pages.Page) -> None:
    """Paste-back mode: the browser is not ours to answer."""


async def _wait(
    receiver: Receiver, return_url: ReturnUrl, timeout: float, *, sp_api: bool
) -> Outcome:
    try:
        return await asyncio.wait_for(receiver.outcome(), timeout)
    except asyncio.TimeoutError:
        # Seller Central sends nothing back on Deny (LWA.md section 8), and its return URLs
        # are registered on the app in Developer Central, not in the LWA console.
        where = (
            f"that the app's OAuth Redirect URI in Developer Central is exactly {return_url} "
            "(a Deny on Seller Central's page does not come back here)"
            if sp_api
            else f"that the LWA console lists exactly {return_url} as an Allowed Return URL"
        )
        raise LoginTimeout(
            f"No redirect reached {return_url} within {seconds(timeout)}. Finish the sign-in "
            f"in the browser sooner (or raise `timeout`), and check {where}.",
            parameters=("timeout",),
        ) from None


async def _tokens_from_outcome(outcome: Outcome, started: Started, answer: Answer) -> Tokens:
    """The redirect's outcome, from the listener or pasted: LWA's error, or the tokens."""
    from ._endpoints import server_name
    from ._redirect import Refused, refused_error, unkeepable

    server = server_name(started.request.endpoints.authorize_url)
    if isinstance(outcome, Refused):
        answer(_pages.consent_refused(outcome.error, outcome.description, server))
        raise refused_error(outcome, server)
    problem = unkeepable(outcome)
    if problem is not None:
        message = (
            f"{server} sent the browser back with a code, but its {problem}, so the token file "
            "could not keep it: the code was not used. Run the command again; if this comes "
            "back, the address was altered on the way."
        )
        answer(_pages.exchange_failed(message, server))
        raise ConsentError(message, error="invalid_request")
    return await _exchange_and_save(
        outcome, started.request, started.redirect_uri, started.pkce, answer
    )


async def _exchange_and_save(
    outcome: Authorized, request: LoginPlan, redirect_uri: str, pkce: Pkce, answer: Answer
) -> Tokens:
    """Exchange the code at once, keep the tokens whatever happens, then answer the browser."""
    from ._endpoints import server_name
    from ._exchange import exchange_code
    from .errors import ExchangeError

    log.info("Got the code; exchanging it for tokens.")
    # LWA.md: the redirect's scope lists what was granted (Data Portability scopes are
    # voluntary, so it can be fewer than asked for).
    scope = outcome.scope or " ".join(request.scopes)
    try:
        tokens = await exchange_code(
            request.client(),
            code=outcome.code,
            redirect_uri=redirect_uri,
            # Seller Central's consent page takes no PKCE: its code comes with the secret alone.
            code_verifier=None if request.application_id else pkce.code_verifier,
            scope=scope,
            **outcome.kept,
        )
    except ExchangeError as exc:
        answer(_pages.exchange_failed(str(exc), server_name(request.endpoints.authorize_url)))
        raise
    tokens = replace(tokens, sign_in=request.sign_in or None)
    token_file = request.token_file
    if token_file is not None:
        from ._token_file import save_tokens

        try:
            await save_tokens(token_file, tokens)
        except TokenFileError as exc:
            answer(_pages.not_saved(str(exc)))
            raise
    answer(_pages.signed_in(None if token_file is None else str(token_file)))
    return tokens


def _open(opener: Opener | None, url: str) -> asyncio.Future[object] | None:
    """Start the opener without waiting on it: the flow must listen while the browser works."""
    if opener is None:
        return None
    return asyncio.ensure_future(call_back(opener, url))


async def _let_opener_finish(
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
        log.warning(
            "Could not open the browser (%s); open the URL above yourself.", browser.exception()
        )


login_sync = synced(
    login,
    "``login()`` for synchronous code; inside a running event loop (a notebook cell) it "
    "runs the flow on a worker thread. Takes the same keyword arguments.",
)
