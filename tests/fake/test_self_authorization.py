"""The fake's Seller Central self-authorization: a private app's developer gets a refresh token
on a page, which ``import`` then takes."""

from __future__ import annotations

import html
import re
from pathlib import Path

import aiohttp

from lwa_loopback import import_refresh_token
from lwa_loopback.testing import FAKE_SELLING_PARTNER_ID, FakeLWA, VisitedPage


def visible(page: str) -> str:
    return VisitedPage(200, "", page).visible_text


async def test_authorizing_shows_a_refresh_token_that_import_takes(tmp_path: Path) -> None:
    async with FakeLWA() as fake_lwa, aiohttp.ClientSession() as session:
        async with session.get(fake_lwa.self_authorization_url) as page:
            before = await page.text()
            csp = page.headers["Content-Security-Policy"]
        async with session.post(fake_lwa.self_authorization_url) as page:
            after = await page.text()
            cache = page.headers["Cache-Control"]
        [refresh_token] = re.findall(r"<p class=token id=refresh_token>([^<]+)</p>", after)
        tokens = await import_refresh_token(
            html.unescape(refresh_token),
            client_id=fake_lwa.client_id,
            client_secret=fake_lwa.client_secret,
            token_url=fake_lwa.token_url,
            token_file=tmp_path / "imported.json",
        )

    assert "Authorize app" in before and fake_lwa.application_id in visible(before)
    assert "form-action 'self'" in csp and cache == "no-store"
    assert FAKE_SELLING_PARTNER_ID in visible(after)
    assert tokens.refresh_token == refresh_token


async def test_its_refresh_token_needs_the_client_secret() -> None:
    async with FakeLWA() as fake_lwa, aiohttp.ClientSession() as session:
        async with session.post(fake_lwa.self_authorization_url) as page:
            [refresh_token] = re.findall(r"id=refresh_token>([^<]+)<", await page.text())
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        async with session.post(
            fake_lwa.token_url, data={**form, "client_id": fake_lwa.client_id}
        ) as no:
            refused = await no.json(content_type=None)

    assert refused["error"] == "invalid_client"
