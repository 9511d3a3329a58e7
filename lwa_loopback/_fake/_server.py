"""A fake Login with Amazon server and a headless "browser", for tests (ours and yours).

    async with FakeLWA() as lwa:                      # in the running event loop
        tokens = await login(client_id=lwa.client_id, client_secret=lwa.client_secret,
                             redirect_uri="http://127.0.0.1:0/callback", scope="profile",
                             authorize_url=lwa.authorize_url, token_url=lwa.token_url,
                             open_browser=HeadlessBrowser())

    with FakeLWA().in_background() as lwa:            # from synchronous code, any loop
        ...

The fake speaks the protocol in LWA.md: it checks client id, return URL, scope and PKCE, issues
single-use codes that live five minutes, sends no refresh token when no client secret came,
and answers with LWA's exact (malformed) content type. Its failures are switches
(``consent_error``, ``token_failure``), and it records every request in ``requests``.

By default the consent page redirects back at once, as if the person chose Allow. With
``FakeLWA(interactive=True)`` it shows a page with Allow and Deny buttons instead (for a person,
or a real browser driven by a test); the buttons post the request back to the same path.
"""

from __future__ import annotations

import asyncio
import enum
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from yarl import URL

from .._loopback import is_loopback
from .._sync import LoopThread
from . import _consent_page
from ._rules import (
    Grant,
    basic_auth,
    client_authentication_failed,
    code_problem,
    consent_problem,
    error_page,
    json_response,
    redirect,
    same_secret,
    token_error,
)

FAKE_CLIENT_ID = "amzn1.application-oa2-client.fake0000000000000000000000000000"
FAKE_CLIENT_SECRET = "fake-client-secret-not-a-real-one"
AUTHORIZE_PATH = "/ap/oa"
TOKEN_PATH = "/auth/o2/token"


class TokenFailure(enum.Enum):
    """How the fake's token endpoint misbehaves when ``FakeLWA.token_failure`` is set."""

    SERVER_ERROR = "500 with an HTML body"
    NOT_JSON = "200 with a body that is not JSON"
    SLOW = "answers after FakeLWA.slow_seconds"
    INVALID_GRANT = "400 invalid_grant, whatever was sent"


@dataclass(frozen=True)
class SeenRequest:
    """A request the fake received: the query (consent) or form (token) parameters."""

    method: str
    path: str
    params: dict[str, str]
    basic_auth: tuple[str, str] | None = None


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
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        #: Allowed return URLs; None accepts any http:// loopback URL (handy with port 0).
        self.redirect_uris = None if redirect_uris is None else set(redirect_uris)
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
        #: Send ``expires_in`` as the string "3600", as one of LWA's examples does.
        self.expires_in_as_string = False
        #: Send the refresh token back on a refresh grant; False sends an access token only.
        self.refresh_returns_refresh_token = True
        self.requests: list[SeenRequest] = []
        self._grants: dict[str, Grant] = {}
        #: Answer as many standard servers do rather than as LWA: the granted scope in the
        #: token response (RFC 6749 section 5.1) and none in the redirect.
        self.scope_in_token_response = False
        #: Rotate refresh tokens: each refresh answers a new one and revokes the one used.
        self.rotate_refresh_tokens = False
        # refresh token -> (client id, whether a client secret must come with it)
        self._refresh_tokens: dict[str, tuple[str, bool]] = {}
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

    # -- life cycle --------------------------------------------------------------------------
    async def start(self) -> FakeLWA:
        app = web.Application()
        app.router.add_get(AUTHORIZE_PATH, self._consent)
        app.router.add_post(AUTHORIZE_PATH, self._decision)
        app.router.add_post(TOKEN_PATH, self._token)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
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

    # -- the consent page --------------------------------------------------------------------
    async def _consent(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        self.requests.append(SeenRequest(request.method, request.path, query))
        return self._consent_answer(query, decision=None if self.interactive else "allow")

    async def _decision(self, request: web.Request) -> web.StreamResponse:
        """The interactive page's form: the consent parameters again, plus the decision."""
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        self.requests.append(SeenRequest(request.method, request.path, form))
        query = {k: v for k, v in form.items() if k != "decision"}
        return self._consent_answer(query, decision=form.get("decision", ""))

    def _consent_answer(self, query: dict[str, str], decision: str | None) -> web.Response:
        """Check the request as LWA does; then show the page (no decision yet) or redirect."""
        turned_away = self._turned_away(query, refused=decision not in (None, "allow"))
        if turned_away is not None:
            return turned_away
        if decision is None:
            return web.Response(
                text=_consent_page.render(query, action=AUTHORIZE_PATH),
                content_type="text/html",
                headers=_consent_page.HEADERS,
            )
        return self._grant_code(query)

    def _turned_away(self, query: Mapping[str, str], *, refused: bool) -> web.Response | None:
        """LWA's answer when this request gets no code: an error page or an error redirect."""
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id:
            return error_page("Unknown client_id: check the client id you passed.")
        if not self._redirect_allowed(redirect_uri):
            return error_page("The redirect URI you provided has not been whitelisted.")
        state = query.get("state")
        if self.consent_error is not None or refused:
            return redirect(
                redirect_uri,
                error=self.consent_error or "access_denied",
                state=state,
                error_description="The user denied the request.",
            )
        problem = consent_problem(query)
        if problem is None:
            return None
        return redirect(
            redirect_uri, error="invalid_request", state=state, error_description=problem
        )

    def _grant_code(self, query: Mapping[str, str]) -> web.Response:
        redirect_uri = query["redirect_uri"]
        scope = self._granted(query["scope"])
        code = "ANfake" + secrets.token_urlsafe(18)
        self._grants[code] = Grant(
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            scope=scope,
            code_challenge=query.get("code_challenge"),
            code_challenge_method=query.get("code_challenge_method", "plain"),
            issued_at=self.clock(),
        )
        shown_scope = None if self.scope_in_token_response else scope  # LWA sends it here
        return redirect(redirect_uri, code=code, scope=shown_scope, state=query.get("state"))

    def _redirect_allowed(self, redirect_uri: str) -> bool:
        if self.redirect_uris is not None:
            return redirect_uri in self.redirect_uris
        try:
            url = URL(redirect_uri)
        except ValueError:
            return False
        return url.scheme == "http" and is_loopback(url)

    def _granted(self, requested: str) -> str:
        scopes = requested.split()
        if self.granted_scopes is not None:
            scopes = [s for s in scopes if s in self.granted_scopes]
        return " ".join(scopes)

    # -- the token endpoint ------------------------------------------------------------------
    async def _token(self, request: web.Request) -> web.StreamResponse:
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        basic = basic_auth(request.headers.get("Authorization"))
        self.requests.append(SeenRequest(request.method, request.path, form, basic))
        failure = await self._failure()
        if failure is not None:
            return failure
        if basic is not None:
            form.setdefault("client_id", basic[0])
            form.setdefault("client_secret", basic[1])
        secret = form.get("client_secret")
        if form.get("client_id") != self.client_id or (
            secret is not None and not same_secret(secret, self.client_secret)
        ):
            return client_authentication_failed()
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._code_grant(form, confidential=secret is not None)
        if grant_type == "refresh_token":
            return self._refresh_grant(form, confidential=secret is not None)
        return token_error(400, "unsupported_grant_type", f"Unsupported grant: {grant_type}")

    async def _failure(self) -> web.Response | None:
        failure = self.token_failure
        if failure is TokenFailure.SLOW:
            await asyncio.sleep(self.slow_seconds)
        elif failure is TokenFailure.SERVER_ERROR:
            return web.Response(
                status=500, text="<html>Internal Server Error</html>", content_type="text/html"
            )
        elif failure is TokenFailure.NOT_JSON:
            return web.Response(status=200, text="<html>Hello</html>", content_type="text/html")
        elif failure is TokenFailure.INVALID_GRANT:
            return token_error(400, "invalid_grant", "The request has an invalid grant parameter")
        return None

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
        return self._tokens(refresh_token, scope=grant.scope)

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

    def _tokens(self, refresh_token: str | None, *, scope: str | None) -> web.Response:
        payload: dict[str, Any] = {
            "access_token": "Atza|fake." + secrets.token_urlsafe(32),
            "token_type": "bearer",
            "expires_in": str(self.expires_in) if self.expires_in_as_string else self.expires_in,
        }
        if refresh_token is not None:
            payload["refresh_token"] = refresh_token
        if self.scope_in_token_response and scope is not None:
            payload["scope"] = scope
        return json_response(200, payload)
