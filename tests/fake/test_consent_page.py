"""The fake LWA server's interactive consent page, driven without a real browser."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from lwa_loopback import ConsentError, Tokens, login
from lwa_loopback.testing import FakeLWA

from .._browsers import read_consent_form
from .._sockets import ANY_PORT_REDIRECT


async def _decide(consent_url: str, decision: str) -> str:
    """What a person does on the page: read it, press a button; returns the final page."""
    async with aiohttp.ClientSession() as session:
        async with session.get(consent_url) as response:
            assert response.status == 200
            action, fields = read_consent_form(await response.text())
        target = URL(consent_url).join(URL(action))
        async with session.post(target, data={**fields, "decision": decision}) as response:
            return await response.text()


async def _login_and_decide(
    fake_lwa: FakeLWA, token_file: Path, decision: str
) -> tuple[str, Tokens]:
    urls: asyncio.Queue[str] = asyncio.Queue()
    flow = asyncio.ensure_future(
        login(
            **fake_lwa.login_options(),
            redirect_uri=ANY_PORT_REDIRECT,
            scope="profile",
            token_file=token_file,
            open_browser=urls.put,
            timeout=10.0,
        )
    )
    page = await _decide(await urls.get(), decision)
    return page, await flow


async def test_allow_completes_the_login(token_file: Path) -> None:
    async with FakeLWA(interactive=True) as fake_lwa:
        page, tokens = await _login_and_decide(fake_lwa, token_file, "allow")

    assert "Signed in" in page
    assert tokens.scope == "profile"
    assert token_file.exists()
    assert [(r.method, r.params.get("decision")) for r in fake_lwa.consent_requests] == [
        ("GET", None),
        ("POST", "allow"),
    ]


async def test_deny_ends_in_access_denied(token_file: Path) -> None:
    async with FakeLWA(interactive=True) as fake_lwa:
        with pytest.raises(ConsentError) as caught:
            await _login_and_decide(fake_lwa, token_file, "deny")

    assert caught.value.error == "access_denied"
    assert not token_file.exists()
    assert fake_lwa.token_requests == []


async def test_the_page_escapes_what_it_reflects() -> None:
    hostile = "amzn1.<script>alert(1)</script>&\"'"
    async with (
        FakeLWA(client_id=hostile, interactive=True) as fake_lwa,
        aiohttp.ClientSession() as s,
    ):
        url = URL(fake_lwa.authorize_url).with_query(
            client_id=hostile,
            scope="profile <b>bold</b>",
            response_type="code",
            redirect_uri='http://127.0.0.1:9/cb?x="><img src=x>',
            state='s"><i>',
        )
        async with s.get(url) as response:
            text = await response.text()

    assert "<script>" not in text and "<b>" not in text and "<img" not in text and "<i>" not in text
    assert "amzn1.&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#x27;" in text
    # The form carries every parameter back exactly, as the browser would read it.
    _, fields = read_consent_form(text)
    assert fields["client_id"] == hostile
    assert fields["state"] == 's"><i>'
