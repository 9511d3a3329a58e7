"""``FakeLWA``: the fake Login with Amazon server itself (how to use it: ``lwa_loopback.testing``).

It serves LWA's consent page (``_authorize.py``), the token endpoint for every grant (here),
the device flow (``_device.py``), and Seller Central's consent page (``_seller_central.py``)
and self-authorization (``_self_authorization.py``), checking what LWA.md says LWA checks,
never less. Two switches make it a standard server instead, as strict as the software people
run (Authlib, node-oidc-provider): ``dialect="rfc8628"`` (the device flow of RFC 8628) and
``client_auth="basic"`` (a client registered for HTTP Basic).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from aiohttp import web
from yarl import URL

from .._asyncio_helpers import LoopThread
from .._grants import (
    AUTHORIZATION_CODE,
    CLIENT_CREDENTIALS,
    DEVICE_AUTHORIZATION,
    DEVICE_CODE,
    REFRESH_TOKEN,
)
from ._authorize import AUTHORIZE_PATH, ConsentPage
from ._device import DIALECTS, LWA_DIALECT, SLOW_DOWN_STEP, DeviceFlow
from ._request_log import request_logger
from ._rules import (
    CLIENT_AUTH_METHODS,
    Grant,
    SeenRequest,
    TokenFailure,
    basic_auth,
    client_authentication_failed,
    code_problem,
    failure_answer,
    form_fields,
    json_response,
    token_error,
    with_basic_auth,
    wrong_client,
    wrong_client_auth,
)
from ._self_authorization import SELF_AUTHORIZATION_PATH, SelfAuthorization
from ._seller_central import SELLER_CENTRAL_PATH, SellerCentral

FAKE_CLIENT_ID = "amzn1.application-oa2-client.fake0000000000000000000000000000"
FAKE_CLIENT_SECRET = "fake-client-secret-not-a-real-one"
#: The Selling Partner API application the fake's Seller Central knows (``application_id``).
FAKE_APPLICATION_ID = "amzn1.sp.solution.fake0000-0000-0000-0000-000000000000"
#: The selling account that authorizes it (``selling_partner_id`` in the redirect).
FAKE_SELLING_PARTNER_ID = "A1FAKESELLER0000"
TOKEN_PATH = "/auth/o2/token"


class FakeLWA:
    """A Login with Amazon authorization server on 127.0.0.1, on a free port."""

    __test__ = False

    def __init__(
        self,
        *,
        client_id: str = FAKE_CLIENT_ID,
        client_secret: str = FAKE_CLIENT_SECRET,
        redirect_uris: Iterable[str] | None = None,
        code_lifetime: float = 300.0,
        expires_in: int = 3600,
        clock: Callable[[], float] = time.monotonic,
        interactive: bool = False,
        application_id: str = FAKE_APPLICATION_ID,
        device_interval: float = 1.0,
        device_slow_down_step: float = SLOW_DOWN_STEP,
        device_code_lifetime: float = 600,
        port: int = 0,
        request_log: Callable[[str], None] | None = None,
        dialect: str = LWA_DIALECT,
        client_auth: str = "post",
    ) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"dialect must be one of {', '.join(DIALECTS)}, not {dialect!r}")
        if client_auth not in CLIENT_AUTH_METHODS:
            raise ValueError(f"client_auth must be basic or post, not {client_auth!r}")
        #: The device flow spoken: "lwa" (code-based linking) or "rfc8628" (a standard server's).
        self.dialect = dialect
        #: How the client is registered to send its secret: "post" (LWA: the form, or an HTTP
        #: Basic header) or "basic" (HTTP Basic only; a secret in the form is refused with 401
        #: invalid_client, as Authlib refuses it).
        self.client_auth = client_auth
        #: With ``dialect="rfc8628"``: False registers the device client as confidential, so
        #: both its requests must carry the client secret (401 invalid_client without).
        self.device_client_public = True
        self.client_id = client_id
        self.client_secret = client_secret
        #: Allowed return URLs; None accepts any http:// loopback URL (handy with port 0).
        registered = None if redirect_uris is None else list(redirect_uris)
        self.redirect_uris = None if registered is None else set(registered)
        #: Where Seller Central sends a consent request that names no return URL: the first
        #: registered one (None: such a request gets an error page).
        self.default_redirect_uri = registered[0] if registered else None
        self.code_lifetime = code_lifetime
        self.expires_in = expires_in
        self.clock = clock
        #: Show a consent page with Allow / Deny buttons (for a person or a real browser)
        #: instead of redirecting back at once (for headless tests).
        self.interactive = interactive
        #: Set to an LWA error code (``"access_denied"``) to redirect back with it.
        self.consent_error: str | None = None
        #: The scopes the "customer" grants; None grants all that were asked for.
        self.granted_scopes: set[str] | None = None
        self.token_failure: TokenFailure | None = None
        self.slow_seconds = 60.0
        # Set: token answers go out; None: not held (``hold_token_answers``).
        self._released: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        #: Send ``expires_in`` as the string "3600", as one of LWA's examples does.
        self.expires_in_as_string = False
        #: Send the refresh token back on a refresh grant; False sends an access token only.
        self.refresh_returns_refresh_token = True
        self.requests: list[SeenRequest] = []
        self._grants: dict[str, Grant] = {}
        self._consent = ConsentPage(self, self._grants)
        #: Answer as many standard servers do rather than as LWA: the granted scope in the
        #: token response (RFC 6749 section 5.1) and none in the redirect.
        self.scope_in_token_response = False
        #: Rotate refresh tokens: each refresh answers a new one and revokes the one used.
        self.rotate_refresh_tokens = False
        # refresh token -> (client id, whether a client secret must come with it)
        self._refresh_tokens: dict[str, tuple[str, bool]] = {}
        #: The device flow: seconds a client must wait between polls (JSON sends the number
        #: as it is, 0.05 for a quick test), what each slow_down adds to them (RFC 8628's 5 s;
        #: a test shortens it with its client's ``Pacing``), and how long a code pair lives.
        self.device_interval = device_interval
        self.device_slow_down_step = device_slow_down_step
        self.device_code_lifetime = device_code_lifetime
        self._device = DeviceFlow(self)
        #: Seller Central: the Selling Partner API app it knows, whether that app is still a
        #: draft (then only ``version=beta`` consent requests are taken), the selling account
        #: that authorizes it, and whether it is a hybrid app (an ``mws_auth_token`` too).
        self.application_id = application_id
        self.application_draft = False
        self.selling_partner_id = FAKE_SELLING_PARTNER_ID
        self.hybrid_app = False
        self._seller_central = SellerCentral(self, self._grants)
        self._self_authorization = SelfAuthorization(self)
        #: The port to listen on; 0 picks a free one (``url`` says which, once started).
        self.port = port
        #: Called with one short line for each request answered (``_request_log``).
        self.request_log = request_log
        self._runner: web.AppRunner | None = None
        self._url: URL | None = None

    # -- addresses ---------------------------------------------------------------------------
    @property
    def url(self) -> URL:
        if self._url is None:
            raise RuntimeError("FakeLWA is not started: use `async with FakeLWA()` or start().")
        return self._url

    @property
    def authorize_url(self) -> str:
        return str(self.url.with_path(AUTHORIZE_PATH))

    @property
    def token_url(self) -> str:
        return str(self.url.with_path(TOKEN_PATH))

    @property
    def codepair_url(self) -> str:
        """Where the device flow starts: LWA's code pair endpoint, or with
        ``dialect="rfc8628"`` the device authorization endpoint."""
        return str(self.url.with_path(self._device.path))

    @property
    def seller_central_url(self) -> str:
        return str(self.url.with_path(SELLER_CENTRAL_PATH))

    @property
    def self_authorization_url(self) -> str:
        """Seller Central's page where a private app's developer gets a refresh token."""
        return str(self.url.with_path(SELF_AUTHORIZATION_PATH))

    def login_options(self) -> dict[str, Any]:
        """Keyword arguments for ``login()`` that point it at this fake."""
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "authorize_url": self.authorize_url,
            "token_url": self.token_url,
        }

    @property
    def token_requests(self) -> list[SeenRequest]:
        return [r for r in self.requests if r.path == TOKEN_PATH]

    @property
    def consent_requests(self) -> list[SeenRequest]:
        return [r for r in self.requests if r.path == AUTHORIZE_PATH]

    @property
    def codepair_requests(self) -> list[SeenRequest]:
        """The requests for a code pair (or, RFC 8628, to the device authorization endpoint)."""
        return [r for r in self.requests if r.path == self._device.path]

    @property
    def device_polls(self) -> list[SeenRequest]:
        """Token requests of the device flow (``grant_type=device_code``, or RFC 8628's URN)."""
        polls = (DEVICE_CODE.grant_type, DEVICE_AUTHORIZATION.grant_type)
        return [r for r in self.token_requests if r.params.get("grant_type") in polls]

    @property
    def seller_central_requests(self) -> list[SeenRequest]:
        return [r for r in self.requests if r.path == SELLER_CENTRAL_PATH]

    # -- life cycle --------------------------------------------------------------------------
    async def start(self) -> FakeLWA:
        """Listen on 127.0.0.1 and ``port``; ``OSError`` when that port cannot be had."""
        middlewares = [] if self.request_log is None else [request_logger(self.request_log)]
        app = web.Application(middlewares=middlewares)
        app.router.add_post(TOKEN_PATH, self._token)
        self._consent.add_routes(app)
        self._device.add_routes(app)
        self._seller_central.add_routes(app)
        self._self_authorization.add_routes(app)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner, self._loop = runner, asyncio.get_running_loop()
        host, port = runner.addresses[0][:2]
        self._url = URL.build(scheme="http", host=host, port=port)
        return self

    async def close(self) -> None:
        """Stop serving; safe to call more than once."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeLWA:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @contextmanager
    def in_background(self) -> Iterator[FakeLWA]:
        """Serve from an event loop on a daemon thread, for synchronous tests and other loops."""
        with LoopThread("fake-lwa") as worker:
            worker.run(self.start())
            try:
                yield self
            finally:
                worker.run(self.close())

    # -- a refresh token without a browser, for tests that start from a token file ------------
    def issue_refresh_token(self, *, confidential: bool = True) -> str:
        """A refresh token, as a login with the client secret (``confidential``) would get;
        refreshing it then needs the secret too, as with LWA."""
        token = "Atzr|fake." + secrets.token_urlsafe(24)
        self._refresh_tokens[token] = (self.client_id, confidential)
        return token

    def revoke_refresh_tokens(self) -> None:
        self._refresh_tokens.clear()

    # -- the device flow's person, for tests that do not drive the verification page ----------
    def approve(self, user_code: str) -> None:
        """Allow the pending code pair with this user code, as a person on the verification
        page would; KeyError if none is pending (unknown, expired or already decided)."""
        self._device.decide(user_code, "allow")

    def deny(self, user_code: str) -> None:
        """Deny the pending code pair with this user code; KeyError as for ``approve``."""
        self._device.decide(user_code, "deny")

    # -- a token request kept at the server, for tests that act while it is there -------------
    def hold_token_answers(self) -> None:
        """From now on the token endpoint takes each request (``token_requests`` shows it at
        once) and answers it only after ``release_token_answers()``: a test sends its signals,
        or cancels, while the request is at the server, then lets the answer go."""
        if self._released is None:
            self._released = asyncio.Event()

    def release_token_answers(self) -> None:
        """Answer the held token requests, and every later one, at once; from any thread."""
        released, self._released = self._released, None
        if released is not None and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(released.set)

    # -- the token endpoint ------------------------------------------------------------------
    async def _token(self, request: web.Request) -> web.StreamResponse:
        form = await form_fields(request)
        basic = basic_auth(request.headers.get("Authorization"))
        self.requests.append(SeenRequest(request.method, request.path, form, basic))
        if self._released is not None:
            await self._released.wait()
        failure = await failure_answer(self.token_failure, self.slow_seconds)
        if failure is not None:
            return failure
        refused = wrong_client_auth(form, self.client_auth)
        if refused is not None:
            return refused
        form = with_basic_auth(form, basic)
        if wrong_client(form, self.client_id, self.client_secret):
            return client_authentication_failed()
        return self._grant(form, confidential="client_secret" in form)

    def _grant(self, form: Mapping[str, str], *, confidential: bool) -> web.Response:
        grant_type = form.get("grant_type")
        # The grant model's wire names (LWA's dialect): one answer per grant_type.
        if grant_type == AUTHORIZATION_CODE.grant_type:
            return self._code_grant(form, confidential=confidential)
        if grant_type == REFRESH_TOKEN.grant_type:
            return self._refresh_grant(form, confidential=confidential)
        device_grant = DEVICE_CODE if self.dialect == LWA_DIALECT else DEVICE_AUTHORIZATION
        if grant_type == device_grant.grant_type:
            return self._device_grant(form)
        if grant_type == CLIENT_CREDENTIALS.grant_type:
            return self._client_credentials_grant(form, confidential=confidential)
        return token_error(400, "unsupported_grant_type", f"Unsupported grant: {grant_type}")

    def _code_grant(self, form: Mapping[str, str], *, confidential: bool) -> web.Response:
        grant = self._grants.get(form.get("code", ""))
        problem = code_problem(grant, form, self.clock() - self.code_lifetime)
        if grant is not None:
            grant.used = True  # single use, even when this attempt fails
        if problem is not None:
            return token_error(400, "invalid_grant", problem)
        assert grant is not None
        # A code proves nothing by itself: the client proves it is the one that asked, with
        # its secret or with the PKCE verifier (checked above whenever a challenge was sent).
        if not confidential and grant.code_challenge is None:
            return client_authentication_failed()
        refresh_token = self.issue_refresh_token() if confidential else None
        return self._tokens(refresh_token, scope=grant.scope or None)  # Seller Central: none

    def _refresh_grant(self, form: Mapping[str, str], *, confidential: bool) -> web.Response:
        token = form.get("refresh_token", "")
        issued = self._refresh_tokens.get(token)
        if issued is None or issued[0] != form.get("client_id"):
            return token_error(
                400, "invalid_grant", "The request has an invalid grant parameter : refresh_token"
            )
        if issued[1] and not confidential:  # issued with the secret: refreshed with it only
            return client_authentication_failed()
        if self.rotate_refresh_tokens:
            del self._refresh_tokens[token]
            token = self.issue_refresh_token(confidential=issued[1])
        return self._tokens(token if self.refresh_returns_refresh_token else None, scope=None)

    def _device_grant(self, form: Mapping[str, str]) -> web.Response:
        if not self._device.client_proved(form):
            return client_authentication_failed()
        pair = self._device.redeem(form)
        if isinstance(pair, web.Response):
            return pair
        # Code-based linking's refresh tokens are refreshed with the client id alone (LWA.md),
        # even when a secret came; a confidential device client's (RFC 8628 only) with it.
        confidential = self._device.standard and not self.device_client_public
        return self._tokens(self.issue_refresh_token(confidential=confidential), scope=pair.scope)

    def _client_credentials_grant(
        self, form: Mapping[str, str], *, confidential: bool
    ) -> web.Response:
        if not confidential:  # LWA.md: this grant proves who asks with the secret, always
            return client_authentication_failed()
        scope = " ".join(form.get("scope", "").split())
        if not scope:
            return token_error(400, "invalid_request", "scope is required")
        return json_response(200, {**self._access_token(), "scope": scope})  # no refresh token

    def _access_token(self) -> dict[str, Any]:
        return {
            "access_token": "Atza|fake." + secrets.token_urlsafe(32),
            "token_type": "bearer",
            "expires_in": str(self.expires_in) if self.expires_in_as_string else self.expires_in,
        }

    def _tokens(self, refresh_token: str | None, *, scope: str | None) -> web.Response:
        payload = self._access_token()
        if refresh_token is not None:
            payload["refresh_token"] = refresh_token
        if self.scope_in_token_response and scope is not None:
            payload["scope"] = scope
        return json_response(200, payload)
