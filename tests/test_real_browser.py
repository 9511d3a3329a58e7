"""Headless Chromium through the whole login: the fake's consent page, a click, our pages.

Screenshots of the pages a person sees are saved to ``test-artifacts/`` to be looked at.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from lwa_loopback import ConsentError, ExchangeError, Tokens, login
from lwa_loopback.testing import FakeLWA, TokenFailure

from ._browsers import (
    CALLBACK_URL,
    chromium_page,
    in_chromiums_loop,
    needs_chromium,
    screenshot,
)
from ._cli_process import Cli
from ._sockets import ANY_PORT_REDIRECT

pytestmark = [needs_chromium, in_chromiums_loop]


async def _login_clicking(page: Page, fake_lwa: FakeLWA, token_file: Path, button: str) -> Tokens:
    """Run ``login()`` with Chromium as the browser, pressing ``button`` on the consent page."""
    urls: asyncio.Queue[str] = asyncio.Queue()
    flow = asyncio.ensure_future(
        login(
            **fake_lwa.login_options(),
            redirect_uri=ANY_PORT_REDIRECT,
            scope="profile",
            token_file=token_file,
            open_browser=urls.put,
            timeout=30.0,
        )
    )
    try:
        await page.goto(await urls.get())
        await screenshot(page, "consent-page")
        await page.get_by_role("button", name=button).click()
        await page.wait_for_url(CALLBACK_URL)
        return await flow
    finally:
        if not flow.done():  # the test failed before the redirect: stop the flow, free its port
            flow.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flow


async def test_allow_lands_on_the_success_page(token_file: Path, chromium: Browser) -> None:
    async with chromium_page(chromium) as page, FakeLWA(interactive=True) as fake_lwa:
        tokens = await _login_clicking(page, fake_lwa, token_file, "Allow")
        await screenshot(page, "success-page")
        title, text, html = await page.title(), await page.inner_text("main"), await page.content()

    assert title == "Signed in · lwa-loopback"
    assert f"The tokens were saved to {token_file}." in text
    assert "You can close this tab" in text
    assert json.loads(token_file.read_text())["access_token"] == tokens.access_token
    assert tokens.access_token not in html


async def test_deny_lands_on_the_refusal_page(token_file: Path, chromium: Browser) -> None:
    async with chromium_page(chromium) as page, FakeLWA(interactive=True) as fake_lwa:
        with pytest.raises(ConsentError) as caught:
            await _login_clicking(page, fake_lwa, token_file, "Deny")
        await screenshot(page, "refused-page")
        text = await page.inner_text("main")

    assert caught.value.error == "access_denied"
    assert "Sign-in not completed" in text
    assert "access_denied" in text
    assert "Nothing was saved." in text
    assert not token_file.exists()


async def test_a_failed_exchange_lands_on_the_error_page(
    token_file: Path, chromium: Browser
) -> None:
    async with chromium_page(chromium) as page, FakeLWA(interactive=True) as fake_lwa:
        fake_lwa.token_failure = TokenFailure.INVALID_GRANT
        with pytest.raises(ExchangeError):
            await _login_clicking(page, fake_lwa, token_file, "Allow")
        await screenshot(page, "exchange-failed-page")
        text = await page.inner_text("main")

    assert "Sign-in failed" in text
    assert "invalid_grant" in text
    assert "run the login again" in text
    assert not token_file.exists()


@pytest.mark.parametrize(
    ("button", "exit_code", "title"),
    [
        ("Allow", 0, "Signed in"),
        ("Deny", 3, "Sign-in not completed"),
    ],
)
async def test_demo_browser_waits_for_the_person_to_choose(
    tmp_path: Path,
    button: str,
    exit_code: int,
    title: str,
    chromium: Browser,
) -> None:
    token_file = tmp_path / "demo-tokens.json"
    demo = Cli(tmp_path)
    # BROWSER=true: webbrowser.open succeeds and shows nothing; Chromium plays the person.
    demo.env["BROWSER"] = "true"
    await demo.start("demo", "--browser", "--out", str(token_file), "--timeout", "30")
    async with chromium_page(chromium) as page:
        await page.goto(await demo.consent_url())
        await page.get_by_role("button", name=button).click()
        await page.wait_for_url(CALLBACK_URL)
        text = await page.inner_text("main")
    done = await demo.finish()

    assert done.exit_code == exit_code, done.stderr
    assert title in text
    assert "choose Allow" in done.stderr
    assert token_file.exists() == (exit_code == 0)
