"""The fake's Seller Central consent page and the exchange of its spapi_oauth_code (the Selling
Partner API's website authorization workflow) are as strict as Amazon: raw HTTP, as a client
with bugs would send it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from lwa_loopback.testing import (
    FAKE_APPLICATION_ID,
    FAKE_SELLING_PARTNER_ID,
    FakeLWA,
    HeadlessBrowser,
)

from .._browsers import read_consent_form

RETURN_URL = "http://127.0.0.1:8080/callback"  # never listened on: the tests read the redirect


@asynccontextmanager
async def app_listener() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    """The app's return URL on 127.0.0.1 and a free port, and the queries it received."""
    received: list[dict[str, str]] = []

    async def callback(request: web.Request) -> web.Response:
        received.append(dict(request.query))
        return web.Response(text="<h1>Back at the app</h1>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/callback", callback)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/callback", received
    finally:
        await runner.cleanup()


def consent_url(fake_lwa: FakeLWA, **changes: str | None) -> URL:
    query = {
        "application_id": fake_lwa.application_id,
        "state": "a-state",
        "redirect_uri": RETURN_URL,
        **changes,
    }
    return URL(fake_lwa.seller_central_url).with_query({k: v for k, v in query.items() if v})


async def consent(fake_lwa: FakeLWA, **changes: str | None) -> tuple[int, str, dict[str, str]]:
    """The consent request: its status, its page, and the query it redirects back with."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(consent_url(fake_lwa, **changes), allow_redirects=False) as response,
    ):
        back = URL(response.headers.get("Location", ""))
        return response.status, await response.text(), dict(back.query)


async def code_for(fake_lwa: FakeLWA, **changes: str | None) -> str:
    status, page, back = await consent(fake_lwa, **changes)
    assert status == 302, page
    return back["spapi_oauth_code"]


async def token(fake_lwa: FakeLWA, **form: str | None) -> tuple[int, dict[str, Any]]:
    sent = {k: v for k, v in form.items() if v is not None}
    async with aiohttp.ClientSession() as session, session.post(fake_lwa.token_url, data=sent) as r:
        return r.status, await r.json(content_type=None)


def redeem(fake_lwa: FakeLWA, code: str, **changes: str | None) -> dict[str, str | None]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": RETURN_URL,
        "client_id": fake_lwa.client_id,
        "client_secret": fake_lwa.client_secret,
        **changes,
    }


def error(answer: tuple[int, dict[str, Any]]) -> tuple[int, str]:
    return answer[0], answer[1].get("error", "")


# -- the redirect back --------------------------------------------------------------------------
async def test_consent_redirects_back_at_once_with_the_code(fake_lwa: FakeLWA) -> None:
    status, _, back = await consent(fake_lwa)

    assert status == 302
    assert set(back) == {"state", "selling_partner_id", "spapi_oauth_code"}
    assert (back["state"], back["selling_partner_id"]) == ("a-state", FAKE_SELLING_PARTNER_ID)
    assert fake_lwa.application_id == FAKE_APPLICATION_ID
    assert FAKE_APPLICATION_ID.startswith("amzn1.sp.solution.")
    assert [r.params["state"] for r in fake_lwa.seller_central_requests] == ["a-state"]


async def test_a_hybrid_app_gets_an_mws_auth_token_too(fake_lwa: FakeLWA) -> None:
    fake_lwa.hybrid_app = True
    fake_lwa.selling_partner_id = "A2OTHERSELLER"

    _, _, back = await consent(fake_lwa)

    assert back["mws_auth_token"].startswith("amzn.mws.")
    assert back["selling_partner_id"] == "A2OTHERSELLER"


@pytest.mark.parametrize("error_code", ["access_denied", "server_error"])
async def test_consent_error_sends_it_back_with_no_code(fake_lwa: FakeLWA, error_code: str) -> None:
    fake_lwa.consent_error = error_code

    status, _, back = await consent(fake_lwa)

    assert (status, back) == (302, {"error": error_code, "state": "a-state"})


# -- what Seller Central refuses ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"application_id": "amzn1.sp.solution.other"}, "Unknown application_id"),
        ({"application_id": None}, "Unknown application_id"),
        ({"state": None}, "state parameter is required"),
        ({"version": "beta"}, "MD1000"),  # the app is published
        ({"redirect_uri": "http://example.com/callback"}, "MD5101"),
        ({"redirect_uri": "https://sp-dev.example:8443/cb"}, "MD5101"),  # not registered
        ({"redirect_uri": "http://127.0.0.1:8080/cb#frag"}, "MD5110"),
        ({"redirect_uri": "not a url"}, "MD5101"),
        ({"redirect_uri": None}, "MD5101"),  # none given, none registered
    ],
)
async def test_a_request_it_refuses_gets_an_error_page_and_no_redirect(
    fake_lwa: FakeLWA, changes: dict[str, str | None], words: str
) -> None:
    status, page, _ = await consent(fake_lwa, **changes)

    assert status == 400
    assert words in page


async def test_a_draft_app_needs_version_beta(fake_lwa: FakeLWA) -> None:
    fake_lwa.application_draft = True

    without = await consent(fake_lwa)
    with_beta = await consent(fake_lwa, version="beta")

    assert without[0] == 400 and "MD1000" in without[1]
    assert with_beta[0] == 302 and "spapi_oauth_code" in with_beta[2]


async def test_https_loopback_return_urls_are_taken(fake_lwa: FakeLWA) -> None:
    status, _, back = await consent(fake_lwa, redirect_uri="https://localhost:8443/cb")

    assert status == 302 and "spapi_oauth_code" in back


async def test_registered_return_urls_are_compared_exactly() -> None:
    registered = "https://sp-dev.example:8443/cb"
    async with FakeLWA(redirect_uris=[registered]) as fake_lwa:
        taken = await consent(fake_lwa, redirect_uri=registered)
        loopback = await consent(fake_lwa, redirect_uri=RETURN_URL)
        slash = await consent(fake_lwa, redirect_uri=registered + "/")

    assert taken[0] == 302
    assert (loopback[0], slash[0]) == (400, 400)


async def test_without_a_return_url_the_first_registered_one_is_used() -> None:
    first, second = "https://sp-dev.example:8443/first", "https://sp-dev.example:8443/second"
    async with FakeLWA(redirect_uris=iter([first, second])) as fake_lwa:
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                consent_url(fake_lwa, redirect_uri=None), allow_redirects=False
            ) as response,
        ):
            location = URL(response.headers["Location"])
        code = location.query["spapi_oauth_code"]
        wrong = await token(
            fake_lwa, **redeem(fake_lwa, await code_for(fake_lwa, redirect_uri=None))
        )
        right = await token(fake_lwa, **redeem(fake_lwa, code, redirect_uri=first))

    assert str(location.with_query(None)) == first
    assert error(wrong) == (400, "invalid_grant")  # RETURN_URL is not where the code went
    assert right[0] == 200


# -- the exchange -------------------------------------------------------------------------------
async def test_the_code_with_the_secret_gets_a_confidential_refresh_token(
    fake_lwa: FakeLWA,
) -> None:
    code = await code_for(fake_lwa)

    status, tokens = await token(fake_lwa, **redeem(fake_lwa, code))
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    without_secret = await token(fake_lwa, **refresh, client_id=fake_lwa.client_id)

    assert status == 200, tokens
    assert tokens["token_type"] == "bearer" and "scope" not in tokens
    assert error(without_secret) == (401, "invalid_client")


@pytest.mark.parametrize(
    "changes",
    [
        {"client_secret": None},
        {"client_secret": None, "code_verifier": "v" * 43},  # no PKCE on this page
        {"client_secret": "wrong"},
        {"client_id": "amzn1.application-oa2-client.other"},
    ],
)
async def test_the_code_needs_this_clients_secret(
    fake_lwa: FakeLWA, changes: dict[str, str | None]
) -> None:
    code = await code_for(fake_lwa)

    assert error(await token(fake_lwa, **redeem(fake_lwa, code, **changes))) == (
        401,
        "invalid_client",
    )


async def test_the_code_is_single_use_even_when_redeeming_fails(fake_lwa: FakeLWA) -> None:
    code = await code_for(fake_lwa)

    failed = await token(
        fake_lwa, **redeem(fake_lwa, code, redirect_uri="http://127.0.0.1:9/other")
    )
    again = await token(fake_lwa, **redeem(fake_lwa, code))

    assert error(failed) == error(again) == (400, "invalid_grant")


async def test_a_redeemed_code_cannot_be_redeemed_again(fake_lwa: FakeLWA) -> None:
    code = await code_for(fake_lwa)

    first = await token(fake_lwa, **redeem(fake_lwa, code))
    second = await token(fake_lwa, **redeem(fake_lwa, code))

    assert first[0] == 200
    assert error(second) == (400, "invalid_grant")


async def test_the_code_expires_after_the_code_lifetime() -> None:
    now = [1000.0]
    async with FakeLWA(clock=lambda: now[0]) as fake_lwa:
        code = await code_for(fake_lwa)
        now[0] += 300.5
        answer = await token(fake_lwa, **redeem(fake_lwa, code))

    assert error(answer) == (400, "invalid_grant")
    assert "expired" in answer[1]["error_description"]


@pytest.mark.parametrize("redirect_uri", [None, "http://127.0.0.1:8080/callback/"])
async def test_the_exchange_names_the_same_return_url(
    fake_lwa: FakeLWA, redirect_uri: str | None
) -> None:
    code = await code_for(fake_lwa)

    answer = await token(fake_lwa, **redeem(fake_lwa, code, redirect_uri=redirect_uri))

    assert error(answer) == (400, "invalid_grant")


# -- the interactive page -----------------------------------------------------------------------
async def decide(fake_lwa: FakeLWA, decision: str, **changes: str | None) -> tuple[int, str, URL]:
    """What a person does on the page: read it, press a button; returns the redirect."""
    async with aiohttp.ClientSession() as session:
        async with session.get(consent_url(fake_lwa, **changes)) as response:
            assert response.status == 200
            action, fields = read_consent_form(await response.text())
        target = response.url.join(URL(action))
        data = {**fields, "decision": decision}
        async with session.post(target, data=data, allow_redirects=False) as response:
            where = URL(response.headers.get("Location", ""))
            return response.status, await response.text(), where


async def test_the_interactive_page_names_the_app_and_the_seller() -> None:
    async with (
        FakeLWA(interactive=True) as fake_lwa,
        aiohttp.ClientSession() as session,
        session.get(consent_url(fake_lwa)) as response,
    ):
        page, headers = await response.text(), response.headers

    assert FAKE_APPLICATION_ID in page and FAKE_SELLING_PARTNER_ID in page
    assert "This is not Amazon" in page and "127.0.0.1:8080" in page
    assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'none'
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("redirect_uri", [RETURN_URL, None])
async def test_allow_redirects_with_a_code_that_redeems(redirect_uri: str | None) -> None:
    async with FakeLWA(interactive=True, redirect_uris=[RETURN_URL]) as fake_lwa:
        status, _, where = await decide(fake_lwa, "allow", redirect_uri=redirect_uri)
        answer = await token(fake_lwa, **redeem(fake_lwa, where.query["spapi_oauth_code"]))

    assert status == 302
    assert str(where.with_query(None)) == RETURN_URL
    assert where.query["state"] == "a-state"
    assert answer[0] == 200
    assert [(r.method, r.params.get("decision")) for r in fake_lwa.seller_central_requests] == [
        ("GET", None),
        ("POST", "allow"),
    ]


async def test_deny_redirects_with_access_denied() -> None:
    async with FakeLWA(interactive=True) as fake_lwa:
        status, _, where = await decide(fake_lwa, "deny")

    assert status == 302
    assert dict(where.query) == {"error": "access_denied", "state": "a-state"}


async def test_a_forged_decision_is_checked_as_the_request_was() -> None:
    async with FakeLWA(interactive=True) as fake_lwa, aiohttp.ClientSession() as session:
        form = {"application_id": "amzn1.sp.solution.other", "state": "s", "decision": "allow"}
        form["redirect_uri"] = RETURN_URL
        async with session.post(fake_lwa.seller_central_url, data=form) as response:
            status, page = response.status, await response.text()

    assert status == 400 and "Unknown application_id" in page


async def test_the_page_escapes_what_it_reflects() -> None:
    hostile = 'x"><script>alert(1)</script>'
    async with FakeLWA(interactive=True, application_id=hostile) as fake_lwa:
        fake_lwa.selling_partner_id = "<b>seller</b>"
        async with aiohttp.ClientSession() as session:
            url = consent_url(fake_lwa, state=hostile, redirect_uri="http://127.0.0.1:9/cb?<i>=1")
            async with session.get(url) as response:
                page = await response.text()

    assert "<script>" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;seller" in page


# -- the headless browser -----------------------------------------------------------------------
async def test_the_headless_browser_follows_seller_central_back_to_the_app(
    fake_lwa: FakeLWA,
) -> None:
    browser = HeadlessBrowser()
    async with app_listener() as (return_url, received):
        await browser(str(consent_url(fake_lwa, redirect_uri=return_url)))

    assert browser.last_page.visible_text == "Back at the app"
    assert browser.last_page.url == return_url  # the code is kept out of what it records
    [back] = received
    assert back["selling_partner_id"] == FAKE_SELLING_PARTNER_ID
    status, _ = await token(
        fake_lwa, **redeem(fake_lwa, back["spapi_oauth_code"], redirect_uri=return_url)
    )
    assert status == 200
