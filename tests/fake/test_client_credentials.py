"""The fake's client credentials grant (grantless operations) is as strict as LWA: the secret
and a scope, always; an access token and the scope granted, never a refresh token."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import aiohttp
import pytest

from lwa_loopback._fake._rules import LWA_CONTENT_TYPE
from lwa_loopback.testing import FakeLWA, TokenFailure

SCOPE = "sellingpartnerapi::notifications"


async def client_credentials(
    fake_lwa: FakeLWA, changes: Mapping[str, str | None] = MappingProxyType({}), **headers: str
) -> tuple[int, dict[str, Any], str]:
    """The token request, with ``changes`` to the form (None leaves a field out)."""
    form = {
        "grant_type": "client_credentials",
        "scope": SCOPE,
        "client_id": fake_lwa.client_id,
        "client_secret": fake_lwa.client_secret,
        **changes,
    }
    sent = {k: v for k, v in form.items() if v is not None}
    async with (
        aiohttp.ClientSession() as session,
        session.post(fake_lwa.token_url, data=sent, headers=headers) as response,
    ):
        body = await response.json(content_type=None)
        return response.status, body, response.headers["Content-Type"]


async def test_the_secret_and_a_scope_get_an_access_token_and_no_refresh_token(
    fake_lwa: FakeLWA,
) -> None:
    status, answer, content_type = await client_credentials(fake_lwa)

    assert status == 200, answer
    assert set(answer) == {"access_token", "token_type", "expires_in", "scope"}
    assert (answer["token_type"], answer["expires_in"], answer["scope"]) == ("bearer", 3600, SCOPE)
    assert content_type == LWA_CONTENT_TYPE
    assert [r.params["grant_type"] for r in fake_lwa.token_requests] == ["client_credentials"]


async def test_the_scope_granted_is_every_scope_asked_for(fake_lwa: FakeLWA) -> None:
    asked = "  sellingpartnerapi::notifications   sellingpartnerapi::client_credential:rotation "

    _, answer, _ = await client_credentials(fake_lwa, {"scope": asked})

    assert answer["scope"] == " ".join(asked.split())


async def test_basic_credentials_are_taken(fake_lwa: FakeLWA) -> None:
    basic = base64.b64encode(f"{fake_lwa.client_id}:{fake_lwa.client_secret}".encode()).decode()

    status, _, _ = await client_credentials(
        fake_lwa, {"client_id": None, "client_secret": None}, Authorization=f"Basic {basic}"
    )

    assert status == 200


@pytest.mark.parametrize(
    "changes",
    [
        {"client_secret": None},  # a public client has no grantless operations
        {"client_secret": "wrong"},
        {"client_secret": ""},
        {"client_id": "amzn1.application-oa2-client.other"},
        {"client_id": None},
    ],
)
async def test_without_this_clients_secret_it_is_invalid_client(
    fake_lwa: FakeLWA, changes: dict[str, str | None]
) -> None:
    status, answer, _ = await client_credentials(fake_lwa, changes)

    assert (status, answer["error"]) == (401, "invalid_client")
    assert "access_token" not in answer


@pytest.mark.parametrize("scope", [None, "", "   "])
async def test_without_a_scope_it_is_invalid_request(fake_lwa: FakeLWA, scope: str | None) -> None:
    status, answer, _ = await client_credentials(fake_lwa, {"scope": scope})

    assert (status, answer["error"]) == (400, "invalid_request")


async def test_the_token_failure_switch_applies(fake_lwa: FakeLWA) -> None:
    fake_lwa.token_failure = TokenFailure.INVALID_GRANT

    status, answer, _ = await client_credentials(fake_lwa)

    assert (status, answer["error"]) == (400, "invalid_grant")


async def test_expires_in_can_be_the_string_lwa_once_documented(fake_lwa: FakeLWA) -> None:
    fake_lwa.expires_in_as_string = True

    _, answer, _ = await client_credentials(fake_lwa)

    assert answer["expires_in"] == "3600"
