"""A login's first half, with no event loop: check every option, bind the return URL, and make
the state, the PKCE pair and the consent URL.

Nothing here needs asyncio or aiohttp, so the command line can print the consent URL before
importing either (and the listener already queues an early redirect).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from yarl import URL

from ._consent import (
    Pkce,
    check_application_id,
    check_client_id,
    consent_url,
    encode_scope_data,
    new_state,
    normalize_scopes,
    seller_central_url,
)
from ._defaults import check_seconds, utcnow
from ._early_checks import (
    check_client_id_form,
    check_consent_page,
    check_text,
    warn_about_seller_return_url,
)
from ._endpoints import chosen_client_auth, is_amazon, resolve_endpoints
from ._grants import SECRET_IN_FORM, SELLING_PARTNER, ClientAuth
from ._listen import listener, say_where
from ._loopback import (
    Resolver,
    ReturnUrl,
    bind,
    check_redirect_uri,
    is_loopback,
    system_resolver,
)
from ._options import LoginOptions, remembered
from ._regions import Endpoints
from ._token_file import check_writable
from .errors import ConfigurationError, TokenFileUnusable

if TYPE_CHECKING:
    import ssl

    from ._exchange import Client
    from ._paste import Reader

log = logging.getLogger("lwa_loopback")


@dataclass(frozen=True)
class LoginPlan:
    """A login's options, checked before anything touches the network."""

    redirect_uri: str
    endpoints: Endpoints
    region: str
    client_id: str
    client_secret: str | None = field(repr=False)
    scopes: list[str]
    scope_data: str | None
    token_file: Path | None
    timeout: float
    request_timeout: float
    clock: Callable[[], datetime]
    #: Paste-back mode's reader; None: listen on the return URL.
    paste: Reader | None = None
    certfile: Path | None = None
    keyfile: Path | None = None
    #: A Selling Partner API sign-in: Seller Central's application id; None for LWA's page.
    application_id: str | None = None
    draft: bool = False
    #: Where the login listens: the return URL's own loopback addresses, or ``bind``'s; None in
    #: paste-back mode.
    return_url: ReturnUrl | None = None
    #: The options worth keeping in the token file (``_options.remembered``).
    sign_in: dict[str, str | bool] = field(default_factory=dict)
    #: How the client secret travels (``client_auth``).
    client_auth: ClientAuth = SECRET_IN_FORM

    @property
    def code_param(self) -> str:
        """The query parameter that carries the code back (LWA.md section 7)."""
        return "code" if self.application_id is None else "spapi_oauth_code"

    def client(self) -> Client:
        from ._exchange import Client

        return Client(
            token_url=self.endpoints.token_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            region=self.region,
            request_timeout=self.request_timeout,
            clock=self.clock,
            client_auth=self.client_auth,
        )


def prepare(
    options: LoginOptions,
    *,
    clock: Callable[[], datetime] = utcnow,
    resolve: Resolver = system_resolver,
) -> LoginPlan:
    """Check every option of ``login()``; ``ConfigurationError`` says what is wrong.
    ``resolve`` looks up the return URL's host name and ``bind``'s."""
    check_client_id(options.client_id)
    for name in ("client_id", "redirect_uri", "authorize_url", "token_url", "application_id"):
        check_text(name, getattr(options, name))
    check_text("client_secret", options.client_secret, secret=True)
    application_id = _seller_app(options)
    check_consent_page(options.authorize_url, sp_api=options.sp_api)
    endpoints = resolve_endpoints(
        options.region,
        options.authorize_url,
        options.token_url,
        sp_api=application_id is not None,
    )
    redirect_uri = _return_url(options.redirect_uri)
    if application_id is not None:
        warn_about_seller_return_url(redirect_uri, endpoints.authorize_url)
    _check_port(check_redirect_uri(redirect_uri), endpoints)
    return_url = listener(redirect_uri, options.paste, options.bind, resolve, endpoints)
    check_client_id_form(options.client_id, amazon=is_amazon(endpoints.token_url))
    return LoginPlan(
        redirect_uri=redirect_uri,
        endpoints=endpoints,
        region=options.region,
        client_id=options.client_id,
        client_secret=options.client_secret or None,
        scopes=[] if application_id else normalize_scopes(options.scope or ()),
        scope_data=None if application_id else encode_scope_data(options.scope_data),
        token_file=writable_token_file(options.token_file),
        timeout=check_seconds("timeout", options.timeout),
        request_timeout=check_seconds("request_timeout", options.request_timeout),
        clock=clock,
        paste=None if return_url else _reader(options.paste, redirect_uri, application_id),
        certfile=_path(options.certfile),
        keyfile=_path(options.keyfile),
        application_id=application_id,
        draft=options.draft,
        return_url=return_url,
        sign_in=remembered(options),
        client_auth=chosen_client_auth(options.client_auth, endpoints.token_url),
    )


def _seller_app(options: LoginOptions) -> str | None:
    """The SP-API application id when ``sp_api`` is asked for, after its own checks."""
    if not options.sp_api:
        if options.draft:
            raise ConfigurationError(
                "`draft` applies to a Selling Partner sign-in (`sp_api`).",
                parameter="draft",
                parameters=("sp_api",),
            )
        return None
    if SELLING_PARTNER.lacks_secret(options.client_secret):
        raise ConfigurationError(
            "A Selling Partner sign-in needs the client secret (`client_secret`, or "
            "LWA_CLIENT_SECRET): Seller Central's consent page has no PKCE, so the code is "
            "exchanged with the secret alone.",
            parameter="client_secret",
        )
    return check_application_id(options.application_id)


def _return_url(redirect_uri: str | None) -> str:
    if not redirect_uri:
        raise ConfigurationError(
            "No return URL: pass `redirect_uri`, exactly as registered for the client "
            "(for example http://127.0.0.1:8080/callback).",
            parameter="redirect_uri",
        )
    return redirect_uri


def _path(value: str | os.PathLike[str] | None) -> Path | None:
    return None if value is None else Path(value).expanduser()


def _check_port(url: URL, endpoints: Endpoints) -> None:
    """Port 0 (any free port) suits a fake LWA server on this machine only: LWA itself sends
    the browser back to the registered return URL, port included, and nowhere else."""
    if url.explicit_port == 0 and not is_loopback(URL(endpoints.authorize_url)):
        raise ConfigurationError(
            f"The redirect URI {url} has port 0, which picks a random free port: LWA would "
            "refuse it, as it matches no registered return URL. Give the port of the return "
            "URL registered in the LWA console, such as 8080."
        )


def writable_token_file(token_file: str | os.PathLike[str] | None) -> Path | None:
    """The token file's path, once it is known that a file can be written there.

    Checked before the browser opens: a code is spent once exchanged, so an unusable path
    found only afterwards would leave the tokens on the terminal alone.
    """
    if token_file is None:
        return None
    try:
        path = Path(token_file).expanduser()
        check_writable(path)
    except TokenFileUnusable as exc:  # no way to lock it here
        raise ConfigurationError(
            str(exc), parameter="token_file", parameters=exc.parameters
        ) from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: "~user" with no such user
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigurationError(
            f"Cannot write the token file {token_file}: {reason}. Choose another path "
            "(`token_file`).",
            parameter="token_file",
        ) from None
    return path


def _reader(paste: bool | Reader, redirect_uri: str, application_id: str | None) -> Reader:
    if callable(paste):
        return paste
    from ._paste import stdin_reader

    # Seller Central sends its code back as spapi_oauth_code: the question names what to copy.
    return stdin_reader(redirect_uri, "code" if application_id is None else "spapi_oauth_code")


@dataclass
class Started:
    """A login whose consent URL exists: what the redirect must match, and (unless in
    paste-back mode) the sockets already listening for it."""

    request: LoginPlan
    redirect_uri: str  # as sent to LWA: with port 0 replaced by the port bound
    consent_url: str
    state: str = field(repr=False)
    pkce: Pkce
    return_url: ReturnUrl | None = None  # None in paste-back mode
    sockets: list[socket.socket] = field(default_factory=list)
    ssl_context: ssl.SSLContext | None = None

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()


def start(request: LoginPlan) -> Started:
    """Bind the return URL (before any URL exists: the redirect cannot come first), then make
    the state, the PKCE pair and the consent URL."""
    from ._tls import note_unused, server_context

    return_url, sockets, ssl_context = None, [], None
    redirect_uri = request.redirect_uri
    if request.paste is not None:
        note_unused(request.certfile, request.keyfile, "paste-back mode serves nothing")
    else:
        return_url = request.return_url
        assert return_url is not None  # prepare() chose to listen
        # Checked before anything is bound: a certificate problem is a usage error.
        ssl_context = server_context(return_url, request.certfile, request.keyfile)
        sockets = bind(return_url)
        if return_url.port == 0:
            return_url = return_url.with_port(sockets[0].getsockname()[1])
        redirect_uri = str(return_url)
        say_where(return_url, sockets)
    state, pkce = new_state(), Pkce.new()
    started = Started(request, redirect_uri, "", state, pkce, return_url, sockets, ssl_context)
    try:
        started.consent_url = _consent_url(request, redirect_uri, state, pkce)
    except BaseException:
        started.close()
        raise
    return started


def _consent_url(request: LoginPlan, redirect_uri: str, state: str, pkce: Pkce) -> str:
    if request.application_id is not None:
        return seller_central_url(
            request.endpoints.authorize_url,
            application_id=request.application_id,
            redirect_uri=redirect_uri,
            state=state,
            draft=request.draft,
        )
    return consent_url(
        request.endpoints.authorize_url,
        client_id=request.client_id,
        scopes=request.scopes,
        redirect_uri=redirect_uri,
        state=state,
        pkce=pkce,
        scope_data=request.scope_data,
    )
