"""``login()`` end to end over real loopback sockets against the fake LWA server."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from lwa_loopback import Tokens, login
from lwa_loopback.testing import FakeLWA, HeadlessBrowser


async def test_login_returns_tokens_and_writes_the_file(
    options: dict[str, Any], lwa: FakeLWA, browser: HeadlessBrowser, token_file: Path
) -> None:
    tokens = await login(**options)

    assert isinstance(tokens, Tokens)
    assert tokens.access_token.startswith("Atza|fake.")
    assert tokens.refresh_token is not None
    saved = json.loads(token_file.read_text())
    assert saved["access_token"] == tokens.access_token
    assert saved["refresh_token"] == tokens.refresh_token
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    assert browser.last_page.status == 200
    assert "Signed in" in browser.last_page.text
    assert len(lwa.token_requests) == 1
