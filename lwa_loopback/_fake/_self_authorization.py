"""The fake's Seller Central self-authorization: the developer of a private Selling Partner API
app authorizes it for their own selling account, and Seller Central shows the refresh token on
the page (no consent page, no return URL). What ``lwa-loopback import`` then takes.

    GET  /apps/self-authorize    the app, and an "Authorize app" button
    POST /apps/self-authorize    the refresh token, shown once

The refresh token is refreshed with the client secret, as a website authorization's is.
"""

from __future__ import annotations

import html
from typing import Protocol

from aiohttp import web

from . import _consent_page

SELF_AUTHORIZATION_PATH = "/apps/self-authorize"

# A form that posts back here and answers with a page: it may post nowhere else.
HEADERS = {
    **_consent_page.HEADERS,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}

_STYLE = """
.token{font:.9rem/1.5 ui-monospace,Menlo,Consolas,monospace;background:#f3f4f6;border-radius:6px;
padding:.5rem .75rem;overflow-wrap:anywhere;user-select:all}
.note{color:#565959;font-size:.85rem}
"""
_TITLE = "Seller Central: authorize your app"


class _Fake(Protocol):
    application_id: str
    selling_partner_id: str

    def issue_refresh_token(self, *, confidential: bool = True) -> str: ...


class SelfAuthorization:
    """The self-authorization page of one FakeLWA."""

    def __init__(self, fake: _Fake) -> None:
        self._fake = fake

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(SELF_AUTHORIZATION_PATH, self._page)
        app.router.add_post(SELF_AUTHORIZATION_PATH, self._authorize)

    async def _page(self, request: web.Request) -> web.Response:
        application_id = _consent_page.identifier(self._fake.application_id, bold=True)
        return _answer(
            "<h1>Authorize your app</h1>"
            f"<p class=scope>Application {application_id}</p>"
            "<p>Authorizing an app you develop for your own selling account shows its refresh "
            "token here, with no consent page and no return URL.</p>"
            f'<form method=post action="{SELF_AUTHORIZATION_PATH}"><div class=buttons>'
            "<button type=submit class=allow autofocus>Authorize app</button></div></form>"
        )

    async def _authorize(self, request: web.Request) -> web.Response:
        token = self._fake.issue_refresh_token(confidential=True)
        partner = _consent_page.identifier(self._fake.selling_partner_id, bold=True)
        return _answer(
            "<h1>Your app is authorized</h1>"
            "<p>Copy the refresh token now: it is shown only once.</p>"
            "<p><b>Refresh token</b></p>"
            f"<p class=token id=refresh_token>{html.escape(token)}</p>"
            f"<p>Selling partner ID {partner}</p>"
            "<p class=note>It is refreshed with your app's client id and client secret.</p>"
        )


def _answer(main: str) -> web.Response:
    return web.Response(
        text=_consent_page.document(_TITLE, main, brand="seller central", style=_STYLE),
        content_type="text/html",
        headers=HEADERS,
    )
