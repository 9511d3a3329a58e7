"""The fake's Seller Central consent page: the Selling Partner API's website authorization
workflow (LWA.md section 7).

    GET /apps/authorize/consent?application_id=...&state=...[&redirect_uri=...][&version=beta]

redirects back with ``state``, ``selling_partner_id``, ``spapi_oauth_code`` (and
``mws_auth_token`` for a hybrid app); the code is redeemed at the token endpoint as an
authorization code, with the client secret (this page takes no PKCE challenge).

What Seller Central refuses gets an error page naming its error code: MD1000 (a draft app
without ``version=beta``), MD5101 (a return URL the app did not register), MD5110 (a return URL
with a fragment).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Protocol

from aiohttp import web

from . import _consent_page
from ._rules import Grant, SeenRequest, error_page, form_fields, redirect, return_url_allowed

SELLER_CENTRAL_PATH = "/apps/authorize/consent"
# Selling Partner API return URLs are https (LWA.md); loopback http is taken too, as LWA does.
_SCHEMES = ("http", "https")


class _Fake(Protocol):
    """What the consent page reads from the FakeLWA it serves (its settings may change live)."""

    client_id: str
    application_id: str
    application_draft: bool
    selling_partner_id: str
    hybrid_app: bool
    interactive: bool
    consent_error: str | None
    redirect_uris: set[str] | None
    default_redirect_uri: str | None
    clock: Callable[[], float]
    requests: list[SeenRequest]


class SellerCentral:
    """The consent page of one FakeLWA; its codes go to the fake's ``grants``."""

    def __init__(self, fake: _Fake, grants: dict[str, Grant]) -> None:
        self._fake = fake
        self._grants = grants

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(SELLER_CENTRAL_PATH, self._consent)
        app.router.add_post(SELLER_CENTRAL_PATH, self._decision)

    async def _consent(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self._fake.requests.append(SeenRequest(request.method, request.path, query))
        return self._answer(query, decision=None if self._fake.interactive else "allow")

    async def _decision(self, request: web.Request) -> web.Response:
        """The interactive page's form: the consent parameters again, plus the decision."""
        form = await form_fields(request)
        self._fake.requests.append(SeenRequest(request.method, request.path, form))
        query = {k: v for k, v in form.items() if k != "decision"}
        return self._answer(query, decision=form.get("decision", ""))

    def _answer(self, query: Mapping[str, str], decision: str | None) -> web.Response:
        """Refuse as Seller Central does; then show the page (no decision yet) or redirect."""
        problem = self._problem(query)
        if problem is not None:
            return error_page(problem)
        redirect_uri = self._return_url(query)
        assert redirect_uri is not None  # _problem refused a request without one
        if self._fake.consent_error is not None or decision not in (None, "allow"):
            error = self._fake.consent_error or "access_denied"
            return redirect(redirect_uri, error=error, state=query["state"])
        if decision is None:
            return self._page(query, redirect_uri)
        return self._grant_code(redirect_uri, query["state"])

    def _problem(self, query: Mapping[str, str]) -> str | None:
        """Why this request gets an error page, if it does (constant words: nothing reflected)."""
        fake = self._fake
        if query.get("application_id") != fake.application_id:
            return "Unknown application_id: check the application ID of your app."
        beta = query.get("version") == "beta"
        if fake.application_draft and not beta:
            return "MD1000: this application is a draft: add version=beta to authorize it."
        if beta and not fake.application_draft:
            return "MD1000: version=beta is only for an application in draft."
        if not query.get("state"):
            return "The state parameter is required."
        redirect_uri = self._return_url(query)
        if redirect_uri is None:
            return "MD5101: no redirect_uri was given and the app has none registered."
        if "#" in redirect_uri:
            return "MD5110: the redirect URI must not contain a fragment."
        if not return_url_allowed(redirect_uri, self._fake.redirect_uris, _SCHEMES):
            return "MD5101: the redirect URI is not one of the app's OAuth redirect URIs."
        return None

    def _return_url(self, query: Mapping[str, str]) -> str | None:
        """The request's return URL; omitted, the app's first registered one (LWA.md)."""
        return query.get("redirect_uri", self._fake.default_redirect_uri)

    def _page(self, query: Mapping[str, str], redirect_uri: str) -> web.Response:
        text = _consent_page.render_seller_central(
            query,
            action=SELLER_CENTRAL_PATH,
            return_to=redirect_uri,
            selling_partner_id=self._fake.selling_partner_id,
        )
        return web.Response(text=text, content_type="text/html", headers=_consent_page.HEADERS)

    def _grant_code(self, redirect_uri: str, state: str) -> web.Response:
        code = "ANfakeSP" + secrets.token_urlsafe(18)
        self._grants[code] = Grant(
            client_id=self._fake.client_id,
            redirect_uri=redirect_uri,
            scope="",
            code_challenge=None,  # none can be sent: the secret is the only proof
            code_challenge_method="plain",
            issued_at=self._fake.clock(),
        )
        mws_auth_token = "amzn.mws.fake-" + secrets.token_hex(16) if self._fake.hybrid_app else None
        return redirect(
            redirect_uri,
            state=state,
            selling_partner_id=self._fake.selling_partner_id,
            spapi_oauth_code=code,
            mws_auth_token=mws_auth_token,
        )
