"""The shipped fake is as strict as LWA, never laxer: a client that passes against it must not
fail against Amazon. Driven by raw HTTP, as a client with bugs would send it."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

import aiohttp
import pytest
from yarl import URL

from lwa_loopback.testing import FakeLWA

REDIRECT_URI = "http://127.0.0.1:8080/callback"
VERIFIER = secrets.token_urlsafe(32)
S256 = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


async def consent(fake_lwa: FakeLWA, **params: str) -> dict[str, str]:
    """Ask the fake's consent page; the query it redirects back with."""
    query = {"client_id": fake_lwa.client_id, "scope": "profile", "response_type": "code"}
    query.update(redirect_uri=REDIRECT_URI, state="s", **params)
    async with (
        aiohttp.ClientSession() as session,
        session.get(fake_lwa.authorize_url, params=query, allow_redirects=False) as response,
    ):
        assert response.status == 302, await response.text()
        return dict(URL(response.headers["Location"]).query)


async def token(fake_lwa: FakeLWA, **form: str) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            fake_lwa.token_url, data={"client_id": fake_lwa.client_id, **form}
        ) as response,
    ):
        return response.status, await response.json(content_type=None)


async def code_for(fake_lwa: FakeLWA, **params: str) -> str:
    return (await consent(fake_lwa, **params))["code"]


def redeem(code: str, **form: str) -> dict[str, str]:
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, **form}


async def test_a_code_with_neither_secret_nor_pkce_is_refused(fake_lwa: FakeLWA) -> None:
    code = await code_for(fake_lwa)

    status, answer = await token(fake_lwa, **redeem(code))

    assert (status, answer["error"]) == (401, "invalid_client")


async def test_a_code_with_pkce_and_no_secret_is_redeemed_without_a_refresh_token(
    fake_lwa: FakeLWA,
) -> None:
    code = await code_for(fake_lwa, code_challenge=S256, code_challenge_method="S256")

    status, answer = await token(fake_lwa, **redeem(code, code_verifier=VERIFIER))

    assert status == 200, answer
    assert "refresh_token" not in answer


async def test_a_challenge_makes_the_verifier_required_even_with_the_secret(
    fake_lwa: FakeLWA,
) -> None:
    code = await code_for(fake_lwa, code_challenge=S256, code_challenge_method="S256")

    status, answer = await token(fake_lwa, **redeem(code, client_secret=fake_lwa.client_secret))

    assert (status, answer["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    "challenge",
    ["", "short", "x" * 129, "has space" + "x" * 40, "not/base64url+" + "x" * 29],
)
@pytest.mark.parametrize("method", ["plain", "S256"])
async def test_a_malformed_challenge_is_refused_at_consent(
    fake_lwa: FakeLWA, challenge: str, method: str
) -> None:
    back = await consent(fake_lwa, code_challenge=challenge, code_challenge_method=method)

    assert back["error"] == "invalid_request"
    assert "code" not in back


@pytest.mark.parametrize("verifier", ["", "x" * 42, "x" * 129, "é" * 43])
async def test_a_malformed_verifier_is_refused(fake_lwa: FakeLWA, verifier: str) -> None:
    # A plain challenge equal to the (malformed) verifier would otherwise match it.
    good = "v" * 43
    code = await code_for(fake_lwa, code_challenge=good, code_challenge_method="plain")

    status, answer = await token(fake_lwa, **redeem(code, code_verifier=verifier))

    assert (status, answer["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize("grant", ["authorization_code", "refresh_token"])
@pytest.mark.parametrize(
    "secret", ["wrong", "fake-client-secret-not-a-real-on\u00e9", "\U0001f511"]
)
async def test_a_wrong_secret_is_invalid_client_on_every_grant(
    fake_lwa: FakeLWA, grant: str, secret: str
) -> None:
    if grant == "authorization_code":
        form = redeem(await code_for(fake_lwa), client_secret=secret)
    else:
        form = {"grant_type": grant, "refresh_token": fake_lwa.issue_refresh_token()}
        form["client_secret"] = secret

    status, answer = await token(fake_lwa, **form)

    assert (status, answer["error"]) == (401, "invalid_client")


async def test_a_refresh_token_from_a_confidential_login_needs_the_secret(
    fake_lwa: FakeLWA,
) -> None:
    code = await code_for(fake_lwa)
    _, tokens = await token(fake_lwa, **redeem(code, client_secret=fake_lwa.client_secret))
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}

    without = await token(fake_lwa, **refresh)
    with_secret = await token(fake_lwa, **refresh, client_secret=fake_lwa.client_secret)

    assert (without[0], without[1]["error"]) == (401, "invalid_client")
    assert with_secret[0] == 200, with_secret


async def test_rotation_revokes_the_refresh_token_used(fake_lwa: FakeLWA) -> None:
    fake_lwa.rotate_refresh_tokens = True
    first = fake_lwa.issue_refresh_token()
    form = {"grant_type": "refresh_token", "client_secret": fake_lwa.client_secret}

    status, answer = await token(fake_lwa, **form, refresh_token=first)
    again = await token(fake_lwa, **form, refresh_token=first)

    assert status == 200 and answer["refresh_token"] != first
    assert (again[0], again[1]["error"]) == (400, "invalid_grant")
