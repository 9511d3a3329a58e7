"""The fake LWA server turns away what LWA turns away (LWA.md), over real HTTP on 127.0.0.1:
users' tests rely on it to fail the way Amazon would."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from yarl import URL

from lwa_loopback.testing import FakeLWA, HeadlessBrowser

from .._waiting import wait_until

RETURN_URL = "http://127.0.0.1:8080/callback"  # never listened on: the tests read the redirect
VERIFIER = "a-code-verifier-long-enough-to-be-a-real-one-0123456789"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def consent_query(fake_lwa: FakeLWA, **changes: str | None) -> dict[str, str]:
    query = {
        "client_id": fake_lwa.client_id,
        "redirect_uri": RETURN_URL,
        "response_type": "code",
        "scope": "profile",
        "state": "a-state",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
        **changes,
    }
    return {k: v for k, v in query.items() if v is not None}


async def consent(
    session: aiohttp.ClientSession, fake_lwa: FakeLWA, **changes: str | None
) -> tuple[int, str, dict[str, str]]:
    """The consent request: its status, its page, and the query it redirects back with."""
    url = URL(fake_lwa.authorize_url).with_query(consent_query(fake_lwa, **changes))
    async with session.get(url, allow_redirects=False) as response:
        back = URL(response.headers.get("Location", RETURN_URL))
        return response.status, await response.text(), dict(back.query)


async def code_for(session: aiohttp.ClientSession, fake_lwa: FakeLWA, **changes: str | None) -> str:
    status, _, back = await consent(session, fake_lwa, **changes)
    assert status == 302 and "code" in back, back
    return back["code"]


async def token_request(
    session: aiohttp.ClientSession, fake_lwa: FakeLWA, *, auth: str | None = None, **form: str
) -> tuple[int, dict[str, Any]]:
    headers = {} if auth is None else {"Authorization": auth}
    async with session.post(fake_lwa.token_url, data=form, headers=headers) as response:
        return response.status, await response.json(content_type=None)


def code_form(fake_lwa: FakeLWA, code: str, **changes: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": RETURN_URL,
        "client_id": fake_lwa.client_id,
        "client_secret": fake_lwa.client_secret,
        "code_verifier": VERIFIER,
        **changes,
    }


# -- the consent page --------------------------------------------------------------------------
async def test_an_unknown_client_gets_an_error_page_and_no_redirect(
    fake_lwa: FakeLWA, session: aiohttp.ClientSession
) -> None:
    status, page, _ = await consent(
        session, fake_lwa, client_id="amzn1.application-oa2-client.other"
    )
    assert status == 400
    assert "Unknown client_id" in page


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://127.0.0.1:8443/callback",  # only http:// loopback unless registered
        "http://example.com/callback",
        "http://[::1/callback",  # not even a URL
    ],
)
async def test_a_return_url_it_does_not_accept_gets_an_error_page(
    fake_lwa: FakeLWA, session: aiohttp.ClientSession, redirect_uri: str
) -> None:
    status, page, _ = await consent(session, fake_lwa, redirect_uri=redirect_uri)
    assert status == 400
    assert "has not been whitelisted" in page


async def test_registered_return_urls_are_compared_exactly(
    session: aiohttp.ClientSession,
) -> None:
    async with FakeLWA(redirect_uris=[RETURN_URL]) as fake_lwa:
        status, page, _ = await consent(session, fake_lwa, redirect_uri=RETURN_URL + "/")
        assert (status, "has not been whitelisted" in page) == (400, True)
        assert (await consent(session, fake_lwa))[0] == 302


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"response_type": "token"}, "response_type must be code"),
        ({"scope": " "}, "scope is required"),
        ({"code_challenge_method": "S512"}, "code_challenge_method must be S256 or plain"),
    ],
)
async def test_a_malformed_request_is_sent_back_with_invalid_request(
    fake_lwa: FakeLWA, session: aiohttp.ClientSession, changes: dict[str, str], problem: str
) -> None:
    status, _, back = await consent(session, fake_lwa, **changes)
    assert status == 302
    assert back == {
        "error": "invalid_request",
        "state": "a-state",
        "error_description": problem,
    }


async def test_the_interactive_page_names_data_portability_scopes(
    session: aiohttp.ClientSession,
) -> None:
    async with FakeLWA(interactive=True) as fake_lwa:
        status, page, _ = await consent(session, fake_lwa, scope="portability::orders profile")
    assert status == 200
    assert "Amazon Data Portability: orders" in page
    assert "127.0.0.1:8080" in page  # where the browser will be sent


# -- the token endpoint ------------------------------------------------------------------------
async def test_a_code_works_once(fake_lwa: FakeLWA, session: aiohttp.ClientSession) -> None:
    form = code_form(fake_lwa, await code_for(session, fake_lwa))
    assert (await token_request(session, fake_lwa, **form))[0] == 200

    status, answer = await token_request(session, fake_lwa, **form)

    assert status == 400
    assert answer == {
        "error_description": "The request has an invalid grant parameter : code",
        "error": "invalid_grant",
    }


async def test_a_code_expires(session: aiohttp.ClientSession) -> None:
    now = [1000.0]
    async with FakeLWA(clock=lambda: now[0], code_lifetime=300.0) as fake_lwa:
        code = await code_for(session, fake_lwa)
        now[0] += 301.0
        status, answer = await token_request(session, fake_lwa, **code_form(fake_lwa, code))
    assert status == 400
    assert answer["error_description"] == "The authorization code has expired"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            {"redirect_uri": "http://127.0.0.1:8081/callback"},
            "The redirect_uri does not match the one of the authorization request",
        ),
        ({"code_verifier": "b" * 43}, "The code_verifier does not match the code_challenge"),
    ],
)
async def test_a_code_needs_its_return_url_and_verifier(
    fake_lwa: FakeLWA, session: aiohttp.ClientSession, changes: dict[str, str], problem: str
) -> None:
    form = code_form(fake_lwa, await code_for(session, fake_lwa), **changes)

    status, answer = await token_request(session, fake_lwa, **form)

    assert status == 400
    assert answer == {"error_description": problem, "error": "invalid_grant"}


async def test_a_plain_challenge_is_the_verifier_itself(
    fake_lwa: FakeLWA, session: aiohttp.ClientSession
) -> None:
    code = await code_for(session, fake_lwa, code_challenge=VERIFIER, code_challenge_method="plain")
    form = code_form(fake_lwa, code)
    del form["client_secret"]  # a public client: the verifier is its proof

    status, answer = await token_request(session, fake_lwa, **form)

    assert status == 200
    assert answer["access_token"].startswith("Atza|fake.")
    assert "refresh_token" not in answer  # no secret, no refresh token


async def test_client_credentials_in_http_basic(
    fake_lwa: FakeLWA, session: aiohttp.ClientSession
) -> None:
    form = code_form(fake_lwa, await code_for(session, fake_lwa))
    del form["client_id"], form["client_secret"]
    basic = base64.b64encode(f"{fake_lwa.client_id}:{fake_lwa.client_secret}".encode()).decode()

    status, answer = await token_request(session, fake_lwa, auth=f"Basic {basic}", **form)

    assert status == 200
    assert answer["refresh_token"].startswith("Atzr|fake.")
    assert fake_lwa.token_requests[0].basic_auth == (fake_lwa.client_id, fake_lwa.client_secret)


async def test_a_malformed_basic_header_authenticates_no_one(
    fake_lwa: FakeLWA, session: aiohttp.ClientSession
) -> None:
    form = code_form(fake_lwa, await code_for(session, fake_lwa))
    del form["client_id"], form["client_secret"]

    status, answer = await token_request(session, fake_lwa, auth="Basic %%%not-base64", **form)

    assert status != 200
    assert "access_token" not in answer
    assert fake_lwa.token_requests[0].basic_auth is None


async def test_an_unknown_grant_type_is_refused(
    fake_lwa: FakeLWA, session: aiohttp.ClientSession
) -> None:
    status, answer = await token_request(
        session,
        fake_lwa,
        grant_type="password",
        client_id=fake_lwa.client_id,
        client_secret=fake_lwa.client_secret,
    )
    assert status == 400
    assert answer["error"] == "unsupported_grant_type"


async def test_the_granted_scope_in_the_token_response_as_standard_servers_do(
    fake_lwa: FakeLWA, session: aiohttp.ClientSession
) -> None:
    fake_lwa.scope_in_token_response = True
    status, _, back = await consent(session, fake_lwa, scope="profile postal_code")
    assert status == 302 and "scope" not in back

    _, answer = await token_request(session, fake_lwa, **code_form(fake_lwa, back["code"]))

    assert answer["scope"] == "profile postal_code"


# -- holding the token endpoint's answers ------------------------------------------------------
@pytest.mark.parametrize("served", ["in this loop", "from its own thread"])
async def test_held_token_answers_go_out_when_released(
    session: aiohttp.ClientSession, served: str
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        if served == "in this loop":
            fake_lwa = await stack.enter_async_context(FakeLWA())
        else:  # released from this thread, answered from the fake's
            fake_lwa = stack.enter_context(FakeLWA().in_background())
        fake_lwa.hold_token_answers()
        held = asyncio.ensure_future(token_request(session, fake_lwa, **code_form(fake_lwa, "x")))
        await wait_until(
            lambda: bool(fake_lwa.token_requests), "the token request reaching the fake"
        )

        status, _, _ = await consent(session, fake_lwa)  # the other endpoints answer meanwhile
        assert status == 302 and not held.done()
        fake_lwa.release_token_answers()
        status, answer = await held

    assert (status, answer["error"]) == (400, "invalid_grant")


# -- misuse, said plainly ----------------------------------------------------------------------
def test_a_fake_that_was_never_started_says_so() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        FakeLWA().authorize_url  # noqa: B018


def test_a_browser_that_visited_nothing_has_no_last_page() -> None:
    with pytest.raises(AssertionError, match="has not finished any visit"):
        HeadlessBrowser().last_page  # noqa: B018
