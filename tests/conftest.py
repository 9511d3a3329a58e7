"""Shared fixtures: login options for the fake LWA server (``fake_lwa``, the pytest plugin's own
fixture: the one name for it, in sync and async tests alike), and a command-line harness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from lwa_loopback.testing import FakeLWA, HeadlessBrowser

from ._cli_process import Cli
from ._sockets import ANY_PORT_REDIRECT

if TYPE_CHECKING:
    from playwright.async_api import Browser


@pytest.fixture
def browser() -> HeadlessBrowser:
    return HeadlessBrowser()


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "lwa-loopback" / "tokens.json"


@pytest.fixture
def options(fake_lwa: FakeLWA, browser: HeadlessBrowser, token_file: Path) -> dict[str, Any]:
    """Keyword arguments for ``login()`` against the fake, with a short timeout."""
    return {
        **fake_lwa.login_options(),
        "redirect_uri": ANY_PORT_REDIRECT,
        "scope": "profile",
        "token_file": token_file,
        "open_browser": browser,
        "timeout": 10.0,
    }


@pytest.fixture
def cli(fake_lwa: FakeLWA, tmp_path: Path) -> Cli:
    """``python -m lwa_loopback`` set up for ``fake_lwa``, listening on port 0."""
    return Cli(tmp_path, fake_lwa)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def chromium() -> AsyncIterator[Browser]:
    """Headless Chromium, started once for the session's real-browser tests, which run in its
    event loop (``in_chromiums_loop``); each test opens its own context (``chromium_page``)."""
    from ._browsers import launched_chromium

    async with launched_chromium() as browser:
        yield browser
