"""The fake's device flow (code-based linking) is as strict as LWA: driven by raw HTTP, as a
client with bugs would drive it, with the fake's own clock to make time pass."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from yarl import URL

from lwa_loopback._fake._rules import LWA_CONTENT_TYPE
from lwa_loopback.testing import FAKE_CLIENT_SECRET, FakeLWA, HeadlessBrowser

from .._browsers import read_consent_form


class Clock:
    """The fake's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake_lwa(clock: Clock) -> Iterator[FakeLWA]:
    """The plugin's ``fake_lwa``, on this module's clock (served from a thread of its own)."""
    with FakeLWA(clock=clock).in_background() as fake:
        yield fake


async def post(url: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.post(url, data=form) as response:
        return response.status, await response.json(content_type=None)


async def codepair(fake_lwa: FakeLWA, **changes: str | None) -> tuple[int, dict[str, Any]]:
    form = {"response_type": "device_code", "client_id": fake_lwa.client_id, "scope": "profile"}
    form.update(changes)  # type: ignore[arg-type]  # None: leave that field out
    return await post(fake_lwa.codepair_url, {k: v for k, v in form.items() if v is not None})


async def new_pair(fake_lwa: FakeLWA) -> dict[str, Any]:
    status, answer = await codepair(fake_lwa)
    assert status == 200, answer
    return answer


async def poll(fake_lwa: FakeLWA, pair: dict[str, Any], **changes: str | None) -> tuple[int, Any]:
    form = {
        "grant_type": "device_code",
        "device_code": pair["device_code"],
        "user_code": pair["user_code"],
        "client_id": fake_lwa.client_id,
        **changes,
    }
    return await post(fake_lwa.token_url, {k: v for k, v in form.items() if v is not None})


def error(answer: tuple[int, Any]) -> tuple[int, str]:
    status, body = answer
    return status, body.get("error", "")


# -- the code pair ------------------------------------------------------------------------------
async def test_a_code_pair_is_what_amazon_hands_out(fake_lwa: FakeLWA) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            fake_lwa.codepair_url,
            data={
                "response_type": "device_code",
                "client_id": fake_lwa.client_id,
                "scope": "profile",
            },
        ) as response,
    ):
        answer = await response.json(content_type=None)
        content_type = response.headers["Content-Type"]

    assert content_type == LWA_CONTENT_TYPE
    assert set(answer) == {"user_code", "device_code", "verification_uri", "expires_in", "interval"}
    assert re.fullmatch(r"[A-Z0-9]{6}", answer["user_code"])
    assert len(answer["device_code"]) >= 40
    assert answer["verification_uri"] == str(fake_lwa.url.with_path("/code"))
    assert (answer["expires_in"], answer["interval"]) == (600, 1.0)
    assert [r.params["scope"] for r in fake_lwa.codepair_requests] == ["profile"]


async def test_the_interval_and_lifetime_are_settings() -> None:
    async with FakeLWA(device_interval=0.05, device_code_lifetime=30) as fake_lwa:
        answer = await new_pair(fake_lwa)

    assert (answer["interval"], answer["expires_in"]) == (0.05, 30)


async def test_each_pair_is_new(fake_lwa: FakeLWA) -> None:
    first, second = await new_pair(fake_lwa), await new_pair(fake_lwa)

    assert first["user_code"] != second["user_code"]
    assert first["device_code"] != second["device_code"]


@pytest.mark.parametrize(
    "changes",
    [
        {"client_id": "amzn1.application-oa2-client.other"},
        {"client_id": None},
        {"client_secret": "wrong"},
    ],
)
async def test_a_code_pair_for_another_client_is_invalid_client(
    fake_lwa: FakeLWA, changes: dict[str, str | None]
) -> None:
    assert error(await codepair(fake_lwa, **changes)) == (401, "invalid_client")


@pytest.mark.parametrize(("secret", "status"), [(FAKE_CLIENT_SECRET, 200), ("wrong", 401)])
async def test_a_code_pair_takes_basic_credentials_and_checks_them(
    fake_lwa: FakeLWA, secret: str, status: int
) -> None:
    basic = base64.b64encode(f"{fake_lwa.client_id}:{secret}".encode()).decode()
    form = {"response_type": "device_code", "scope": "profile"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            fake_lwa.codepair_url, data=form, headers={"Authorization": f"Basic {basic}"}
        ) as r,
    ):
        assert r.status == status, await r.text()
    assert fake_lwa.codepair_requests[0].basic_auth == (fake_lwa.client_id, secret)


@pytest.mark.parametrize(
    "changes",
    [
        {"scope": None},
        {"scope": " "},
        {"response_type": "code"},
        {"response_type": None},
        {"scope_data": "not json"},
        {"scope_data": "[1]"},
    ],
)
async def test_a_malformed_code_pair_request_is_invalid_request(
    fake_lwa: FakeLWA, changes: dict[str, str | None]
) -> None:
    assert error(await codepair(fake_lwa, **changes)) == (400, "invalid_request")


async def test_scope_data_as_json_is_taken(fake_lwa: FakeLWA) -> None:
    status, _ = await codepair(fake_lwa, scope_data='{"profile":{"essential":false}}')

    assert status == 200


# -- polling ------------------------------------------------------------------------------------
async def test_until_approved_a_poll_is_pending(fake_lwa: FakeLWA) -> None:
    pair = await new_pair(fake_lwa)

    assert error(await poll(fake_lwa, pair)) == (400, "authorization_pending")
    assert [r.params["grant_type"] for r in fake_lwa.device_polls] == ["device_code"]


async def test_once_approved_a_poll_gets_tokens_once(fake_lwa: FakeLWA, clock: Clock) -> None:
    pair = await new_pair(fake_lwa)
    fake_lwa.approve(pair["user_code"])

    status, tokens = await poll(fake_lwa, pair)
    clock.now += 10
    again = await poll(fake_lwa, pair)

    assert status == 200, tokens
    assert tokens["token_type"] == "bearer" and tokens["refresh_token"].startswith("Atzr|")
    assert error(again) == (400, "invalid_grant")


async def test_its_refresh_token_is_refreshed_without_the_secret(fake_lwa: FakeLWA) -> None:
    pair = await new_pair(fake_lwa)
    fake_lwa.approve(pair["user_code"])
    _, tokens = await poll(fake_lwa, pair)

    status, answer = await post(
        fake_lwa.token_url,
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": fake_lwa.client_id,
        },
    )

    assert status == 200, answer


async def test_a_denied_pair_is_access_denied(fake_lwa: FakeLWA, clock: Clock) -> None:
    pair = await new_pair(fake_lwa)
    fake_lwa.deny(pair["user_code"])

    first = await poll(fake_lwa, pair)
    clock.now += 10
    second = await poll(fake_lwa, pair)

    assert error(first) == error(second) == (400, "access_denied")


async def test_polling_sooner_than_the_interval_is_slow_down_and_adds_5_seconds(
    fake_lwa: FakeLWA, clock: Clock
) -> None:
    pair = await new_pair(fake_lwa)
    assert error(await poll(fake_lwa, pair)) == (400, "authorization_pending")

    clock.now += 0.5  # the interval is 1 second
    assert error(await poll(fake_lwa, pair)) == (400, "slow_down")
    clock.now += 5.9  # now 6 seconds: still too soon, and 11 from here on
    assert error(await poll(fake_lwa, pair)) == (400, "slow_down")
    clock.now += 11
    assert error(await poll(fake_lwa, pair)) == (400, "authorization_pending")


async def test_the_slow_down_step_is_a_setting(fake_lwa: FakeLWA, clock: Clock) -> None:
    fake_lwa.device_slow_down_step = 0.25  # for a test whose client slows down as little
    pair = await new_pair(fake_lwa)
    await poll(fake_lwa, pair)

    clock.now += 0.5
    assert error(await poll(fake_lwa, pair)) == (400, "slow_down")
    clock.now += 1.2  # the interval is 1.25 seconds now, and 1.5 from here on
    assert error(await poll(fake_lwa, pair)) == (400, "slow_down")
    clock.now += 1.5
    assert error(await poll(fake_lwa, pair)) == (400, "authorization_pending")


async def test_polling_at_the_interval_is_fine(fake_lwa: FakeLWA, clock: Clock) -> None:
    pair = await new_pair(fake_lwa)
    await poll(fake_lwa, pair)
    clock.now += 1.0
    fake_lwa.approve(pair["user_code"])

    status, _ = await poll(fake_lwa, pair)

    assert status == 200


async def test_a_poll_with_a_wrong_code_is_not_one_of_the_pairs(fake_lwa: FakeLWA) -> None:
    pair = await new_pair(fake_lwa)
    fake_lwa.approve(pair["user_code"])
    assert error(await poll(fake_lwa, pair, user_code="ZZZZZZ")) == (400, "invalid_grant")

    status, _ = await poll(fake_lwa, pair)  # at once: the wrong poll did not start the interval

    assert status == 200


async def test_each_pair_keeps_its_own_interval(fake_lwa: FakeLWA, clock: Clock) -> None:
    first, second = await new_pair(fake_lwa), await new_pair(fake_lwa)
    await poll(fake_lwa, first)

    assert error(await poll(fake_lwa, second)) == (400, "authorization_pending")


async def test_an_expired_pair_is_invalid_code_pair(fake_lwa: FakeLWA, clock: Clock) -> None:
    pair = await new_pair(fake_lwa)
    clock.now += 600.5

    assert error(await poll(fake_lwa, pair)) == (400, "invalid_code_pair")
    with pytest.raises(KeyError, match="expired"):
        fake_lwa.approve(pair["user_code"])


async def test_approval_comes_too_late_once_the_pair_expired(
    fake_lwa: FakeLWA, clock: Clock
) -> None:
    pair = await new_pair(fake_lwa)
    fake_lwa.approve(pair["user_code"])
    clock.now += 601

    assert error(await poll(fake_lwa, pair)) == (400, "invalid_code_pair")


@pytest.mark.parametrize("missing", ["device_code", "user_code"])
async def test_a_poll_without_both_codes_is_invalid_request(
    fake_lwa: FakeLWA, missing: str
) -> None:
    pair = await new_pair(fake_lwa)

    assert error(await poll(fake_lwa, pair, **{missing: None})) == (400, "invalid_request")


async def test_codes_from_two_pairs_do_not_make_one(fake_lwa: FakeLWA) -> None:
    first, second = await new_pair(fake_lwa), await new_pair(fake_lwa)
    fake_lwa.approve(first["user_code"])
    fake_lwa.approve(second["user_code"])

    mixed = await poll(fake_lwa, first, user_code=second["user_code"])
    unknown = await poll(fake_lwa, first, device_code="fake-device-code.never-handed-out")

    assert error(mixed) == error(unknown) == (400, "invalid_grant")


@pytest.mark.parametrize(
    "changes",
    [
        {"client_secret": "wrong"},
        {"client_id": "amzn1.application-oa2-client.other"},
        {"client_id": None},
    ],
)
async def test_a_poll_by_another_client_is_invalid_client(
    fake_lwa: FakeLWA, changes: dict[str, str | None]
) -> None:
    pair = await new_pair(fake_lwa)
    fake_lwa.approve(pair["user_code"])

    assert error(await poll(fake_lwa, pair, **changes)) == (401, "invalid_client")


async def test_the_right_secret_is_taken_but_the_refresh_token_stays_public(
    fake_lwa: FakeLWA,
) -> None:
    pair = await new_pair(fake_lwa)
    fake_lwa.approve(pair["user_code"])

    status, tokens = await poll(fake_lwa, pair, client_secret=fake_lwa.client_secret)
    refreshed, _ = await post(
        fake_lwa.token_url,
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        | {"client_id": fake_lwa.client_id},
    )

    assert (status, refreshed) == (200, 200)


async def test_the_token_endpoint_takes_device_code_only_by_lwas_name(fake_lwa: FakeLWA) -> None:
    pair = await new_pair(fake_lwa)
    fake_lwa.approve(pair["user_code"])

    answer = await poll(fake_lwa, pair, grant_type="urn:ietf:params:oauth:grant-type:device_code")

    assert error(answer) == (400, "unsupported_grant_type")


# -- the person's decision ----------------------------------------------------------------------
async def test_approve_and_deny_name_a_code_that_is_not_pending(fake_lwa: FakeLWA) -> None:
    pair = await new_pair(fake_lwa)
    fake_lwa.approve(pair["user_code"])

    with pytest.raises(KeyError, match="already approved or denied"):
        fake_lwa.deny(pair["user_code"])
    with pytest.raises(KeyError, match="'NOPE00'"):
        fake_lwa.approve("NOPE00")


async def test_approve_takes_the_code_as_a_person_types_it(fake_lwa: FakeLWA) -> None:
    pair = await new_pair(fake_lwa)
    code = pair["user_code"]

    fake_lwa.approve(f" {code[:3].lower()}-{code[3:]} ")

    assert (await poll(fake_lwa, pair))[0] == 200


# -- the verification page ----------------------------------------------------------------------
async def get_page(url: str | URL) -> tuple[int, str, dict[str, str]]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text(), dict(response.headers)


async def submit(fake_lwa: FakeLWA, user_code: str, decision: str) -> tuple[int, str]:
    form = {"user_code": user_code, "decision": decision}
    async with (
        aiohttp.ClientSession() as session,
        session.post(fake_lwa.url.with_path("/code"), data=form) as response,
    ):
        return response.status, await response.text()


async def test_the_page_is_a_form_for_the_code_marked_as_a_fake(fake_lwa: FakeLWA) -> None:
    status, page, headers = await get_page(fake_lwa.url.with_path("/code"))
    action, _ = read_consent_form(page)

    assert status == 200
    assert action == "/code"
    assert 'name=user_code value=""' in page
    assert "This is not Amazon" in page
    assert "form-action 'self'" in headers["Content-Security-Policy"]
    assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'none'
    assert headers["X-Frame-Options"] == "DENY"
    assert [r.path for r in fake_lwa.requests] == ["/code"]


async def test_the_page_fills_in_the_code_it_is_given_escaped(fake_lwa: FakeLWA) -> None:
    hostile = '"><script>alert(1)</script>'
    url = fake_lwa.url.with_path("/code").with_query(user_code=hostile)

    _, page, _ = await get_page(url)

    assert "<script>alert" not in page
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page


@pytest.mark.parametrize(("decision", "poll_error"), [("allow", None), ("deny", "access_denied")])
async def test_the_page_records_the_decision(
    fake_lwa: FakeLWA, decision: str, poll_error: str | None
) -> None:
    pair = await new_pair(fake_lwa)

    status, page = await submit(fake_lwa, pair["user_code"].lower(), decision)
    answer = await poll(fake_lwa, pair)

    assert status == 200
    assert "You can return to your device" in page
    assert answer[1].get("error") == poll_error


@pytest.mark.parametrize("age", [0.0, 700.0])
async def test_a_code_that_is_not_pending_gets_an_error_page(
    fake_lwa: FakeLWA, clock: Clock, age: float
) -> None:
    pair = await new_pair(fake_lwa)
    code = pair["user_code"] if age else "<b>NOPE</b>"
    clock.now += age

    status, page = await submit(fake_lwa, code, "allow")

    assert status == 400
    assert "That code is not valid" in page
    assert "<b>NOPE" not in page and "&lt;b&gt;" not in page  # what was typed is not shown


async def test_the_page_wants_allow_or_deny(fake_lwa: FakeLWA) -> None:
    pair = await new_pair(fake_lwa)

    status, _ = await submit(fake_lwa, pair["user_code"], "maybe")

    assert status == 400
    assert error(await poll(fake_lwa, pair)) == (400, "authorization_pending")


# -- the headless browser -----------------------------------------------------------------------
async def test_the_headless_browser_types_the_code_and_allows(fake_lwa: FakeLWA) -> None:
    pair = await new_pair(fake_lwa)
    browser = HeadlessBrowser()

    await browser.enter_code(pair["user_code"], pair["verification_uri"], pair["expires_in"])

    assert [p.status for p in browser.pages] == [200, 200]
    assert "You can return to your device" in browser.last_page.visible_text
    assert (await poll(fake_lwa, pair))[0] == 200
    assert [r.params.get("decision") for r in fake_lwa.requests if r.path == "/code"] == [
        None,
        "allow",
    ]


async def test_the_headless_browser_can_deny(fake_lwa: FakeLWA) -> None:
    pair = await new_pair(fake_lwa)
    browser = HeadlessBrowser()

    await browser.deny_code(pair["user_code"], pair["verification_uri"])

    assert "You denied access" in browser.last_page.visible_text
    assert error(await poll(fake_lwa, pair)) == (400, "access_denied")


async def test_the_headless_browser_says_when_there_is_no_form(fake_lwa: FakeLWA) -> None:
    with pytest.raises(AssertionError, match="no code box"):
        await HeadlessBrowser().enter_code("ABCDEF", fake_lwa.token_url)


def test_the_background_fake_serves_the_device_flow(
    fake_lwa: FakeLWA, lwa_headless_browser: HeadlessBrowser
) -> None:
    import asyncio

    async def flow() -> tuple[int, Any]:
        fake_lwa.device_interval = 0.05
        pair = await new_pair(fake_lwa)
        await lwa_headless_browser.enter_code(pair["user_code"], pair["verification_uri"])
        return await poll(fake_lwa, pair)

    status, tokens = asyncio.run(flow())

    assert status == 200 and "refresh_token" in tokens
