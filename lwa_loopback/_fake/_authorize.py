"""The fake's consent page, LWA's authorization endpoint (LWA.md sections 1 and 2): the checks
LWA makes before it shows the page, the page itself or a redirect straight back, and the
single-use code it sends back.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Protocol

from aiohttp import web

from . import _consent_page
from ._rules import (
    Grant,
    SeenRequest,
    consent_problem,
    error_page,
    form_fields,
    redirect,
    return_url_allowed,
)

AUTHORIZE_PATH = "/ap/oa"


class _Fake(Protocol):
    """What the consent page reads from the FakeLWA it serves (its settings may change live)."""

    client_id: str
    redirect_uris: set[str] | None
    interactive: bool
    consent_error: str | None
    granted_scopes: set[str] | None
    scope_in_token_response: bool
    clock: Callable[[], float]
    requests: list[SeenRequest]


class ConsentPage:
    """The consent page of one FakeLWA; its codes go to the fake's ``grants``."""

    def __init__(self, fake: _Fake, grants: dict[str, Grant]) -> None:
        self._fake = fake
        self._grants = grants

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(AUTHORIZE_PATH, self._consent)
        app.router.add_post(AUTHORIZE_PATH, self._decision)

    async def _consent(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        self._fake.requests.append(SeenRequest(request.method, request.path, query))
        return self._answer(query, decision=None if self._fake.interactive else "allow")

    async def _decision(self, request: web.Request) -> web.StreamResponse:
        """The interactive page's form: the consent parameters again, plus the decision."""
        form = await form_fields(request)
        self._fake.requests.append(SeenRequest(request.method, request.path, form))
        query = {k: v for k, v in form.items() if k != "decision"}
        return self._answer(query, decision=form.get("decision", ""))

    def _answer(self, query: dict[str, str], decision: str | None) -> web.Response:
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
        if query.get("client_id") != self._fake.client_id:
            return error_page("Unknown client_id: check the client id you passed.")
        if not self._redirect_allowed(redirect_uri):
            return error_page("The redirect URI you provided has not been whitelisted.")
        state = query.get("state")
        if self._fake.consent_error is not None or refused:
            return redirect(
                redirect_uri,
                error=self._fake.consent_error or "access_denied",
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
            client_id=self._fake.client_id,
            redirect_uri=redirect_uri,
            scope=scope,
            code_challenge=query.get("code_challenge"),
            code_challenge_method=query.get("code_challenge_method", "plain"),
            issued_at=self._fake.clock(),
        )
        shown_scope = None if self._fake.scope_in_token_response else scope  # LWA sends it here
        return redirect(redirect_uri, code=code, scope=shown_scope, state=query.get("state"))

    def _redirect_allowed(self, redirect_uri: str) -> bool:
        return return_url_allowed(redirect_uri, self._fake.redirect_uris, ("http",))

    def _granted(self, requested: str) -> str:
        scopes = requested.split()
        if self._fake.granted_scopes is not None:
            scopes = [s for s in scopes if s in self._fake.granted_scopes]
        return " ".join(scopes)
