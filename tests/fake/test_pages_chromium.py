"""Headless Chromium on the fake's own pages for LWA's other grants: the device flow's
verification page (type the code, Allow or Deny) and Seller Central's consent page (Allow or
Deny, back to the app); and every page of the fake laid out with no word split across lines.
Screenshots go to ``test-artifacts/`` to be looked at."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
from playwright.async_api import Browser, Page
from yarl import URL

from lwa_loopback.testing import FAKE_SELLING_PARTNER_ID, FakeLWA

from .._browsers import chromium_page, in_chromiums_loop, needs_chromium, screenshot
from .._layout_checks import split_words
from .test_sp_api import app_listener

pytestmark = [needs_chromium, in_chromiums_loop]


async def post(url: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.post(url, data=form) as response:
        return response.status, await response.json(content_type=None)


async def new_pair(fake_lwa: FakeLWA) -> dict[str, Any]:
    form = {"response_type": "device_code", "client_id": fake_lwa.client_id, "scope": "profile"}
    status, pair = await post(fake_lwa.codepair_url, form)
    assert status == 200, pair
    return pair


async def poll(fake_lwa: FakeLWA, pair: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    form = {"grant_type": "device_code", "client_id": fake_lwa.client_id}
    form.update(device_code=pair["device_code"], user_code=pair["user_code"])
    return await post(fake_lwa.token_url, form)


async def type_code(page: Page, code: str, button: str, shot: str) -> None:
    """What a person does on the verification page: type the code, press ``button``."""
    await page.get_by_label("Code").fill(code)
    await screenshot(page, shot)
    await page.get_by_role("button", name=button).click()
    await page.get_by_role("heading").wait_for()


# -- the device flow's verification page --------------------------------------------------------
async def test_typing_the_code_and_allowing_approves_the_device(chromium: Browser) -> None:
    async with chromium_page(chromium) as page, FakeLWA(device_interval=0.05) as fake_lwa:
        pair = await new_pair(fake_lwa)
        await page.goto(pair["verification_uri"])
        assert await page.title() == "Register your device (fake)"
        await type_code(page, pair["user_code"].lower(), "Allow", "device-code-page")
        await screenshot(page, "device-code-allowed")
        text = await page.inner_text("main")
        status, tokens = await poll(fake_lwa, pair)

    assert "Your device is registered" in text and "You can return to your device" in text
    assert status == 200 and "refresh_token" in tokens


async def test_denying_refuses_the_device(chromium: Browser) -> None:
    async with chromium_page(chromium) as page, FakeLWA() as fake_lwa:
        pair = await new_pair(fake_lwa)
        await page.goto(f"{pair['verification_uri']}?user_code={pair['user_code']}")
        assert await page.get_by_label("Code").input_value() == pair["user_code"]
        await page.get_by_role("button", name="Deny").click()
        await page.get_by_text("You denied access").wait_for()
        await screenshot(page, "device-code-denied")
        status, answer = await poll(fake_lwa, pair)

    assert (status, answer["error"]) == (400, "access_denied")


async def test_a_wrong_code_shows_the_form_again_with_the_problem(chromium: Browser) -> None:
    async with chromium_page(chromium) as page, FakeLWA() as fake_lwa:
        pair = await new_pair(fake_lwa)
        await page.goto(pair["verification_uri"])
        await type_code(page, "WRONG1", "Allow", "device-code-typed-wrong")
        await screenshot(page, "device-code-unknown")
        alert = await page.get_by_role("alert").inner_text()
        emptied = await page.get_by_label("Code").input_value()
        status, answer = await poll(fake_lwa, pair)

    assert "That code is not valid" in alert
    assert emptied == ""
    assert (status, answer["error"]) == (400, "authorization_pending")


# -- Seller Central's consent page --------------------------------------------------------------
async def consent_in_chromium(page: Page, fake_lwa: FakeLWA, button: str) -> dict[str, str]:
    """Open Seller Central's consent page, press ``button``; the query the app got back."""
    async with app_listener() as (return_url, received):
        url = URL(fake_lwa.seller_central_url).with_query(
            application_id=fake_lwa.application_id, state="st-123", redirect_uri=return_url
        )
        await page.goto(str(url))
        await screenshot(page, "seller-central-consent")
        await page.get_by_role("button", name=button).click()
        await page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/callback\?"))
        await page.get_by_text("Back at the app").wait_for()
    [back] = received
    back["return_url"] = return_url
    return back


async def test_allow_on_seller_central_returns_a_code_to_the_app(chromium: Browser) -> None:
    async with chromium_page(chromium) as page, FakeLWA(interactive=True) as fake_lwa:
        back = await consent_in_chromium(page, fake_lwa, "Allow")
        status, tokens = await post(
            fake_lwa.token_url,
            {
                "grant_type": "authorization_code",
                "code": back["spapi_oauth_code"],
                "redirect_uri": back["return_url"],
                "client_id": fake_lwa.client_id,
                "client_secret": fake_lwa.client_secret,
            },
        )

    assert back["state"] == "st-123"
    assert back["selling_partner_id"] == FAKE_SELLING_PARTNER_ID
    assert status == 200 and "refresh_token" in tokens


async def test_deny_on_seller_central_returns_access_denied_to_the_app(chromium: Browser) -> None:
    async with chromium_page(chromium) as page, FakeLWA(interactive=True) as fake_lwa:
        back = await consent_in_chromium(page, fake_lwa, "Deny")

    assert (back["error"], back["state"]) == ("access_denied", "st-123")
    assert "spapi_oauth_code" not in back


# -- every page a person sees on the fake: words and ids wrap between their parts --------------
def fake_pages(fake_lwa: FakeLWA) -> dict[str, str]:
    consent = {
        "client_id": fake_lwa.client_id,
        "response_type": "code",
        "redirect_uri": "http://127.0.0.1:8080/callback",
        "state": "st-123",
        "scope": "profile portability::orders.read_all_the_things sellingpartnerapi::notifications",
    }
    seller = {"application_id": fake_lwa.application_id, "state": "st-123"}
    seller["redirect_uri"] = consent["redirect_uri"]
    return {
        "consent": str(URL(fake_lwa.authorize_url).with_query(consent)),
        "seller-central": str(URL(fake_lwa.seller_central_url).with_query(seller)),
        "self-authorization": fake_lwa.self_authorization_url,
        "device": str(URL(fake_lwa.url).with_path("/code")),
    }


async def test_no_word_or_part_of_an_id_is_split_across_lines(chromium: Browser) -> None:
    split: dict[str, list[str]] = {}
    async with chromium_page(chromium) as page, FakeLWA(interactive=True) as fake_lwa:
        for width in (360, 960):
            await page.set_viewport_size({"width": width, "height": 800})
            for name, address in fake_pages(fake_lwa).items():
                await page.goto(address)
                await screenshot(page, f"fake-{name}-{width}")
                split[f"{name}-{width}"] = await split_words(page)
            await page.goto(fake_lwa.self_authorization_url)
            await page.get_by_role("button", name="Authorize app").click()
            await page.locator("#refresh_token").wait_for()
            await screenshot(page, f"fake-refresh-token-{width}")
            # A token is one opaque value: it may wrap anywhere, the words around it may not.
            split[f"refresh-token-{width}"] = await split_words(page, skip=".token")

    assert {name: words for name, words in split.items() if words} == {}
