"""Shared fixtures: a fake LWA server in the test's own event loop, and login options for it."""

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
async def lwa() -> AsyncIterator[FakeLWA]:
    async with FakeLWA() as fake:
        yield fake


@pytest.fixture
def browser() -> HeadlessBrowser:
    return HeadlessBrowser()


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "lwa-loopback" / "tokens.json"


@pytest.fixture
def options(lwa: FakeLWA, browser: HeadlessBrowser, token_file: Path) -> dict[str, Any]:
    """Keyword arguments for ``login()`` against the fake, with a short timeout."""
    return {
        **lwa.login_options(),
        "redirect_uri": ANY_PORT_REDIRECT,
        "scope": "profile",
        "token_file": token_file,
        "open_browser": browser,
        "timeout": 10.0,
    }


@pytest.fixture
def cli(lwa: FakeLWA, tmp_path: Path) -> Cli:
    """``python -m lwa_loopback`` set up for ``lwa``, listening on port 0."""
    return Cli(tmp_path, lwa)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def chromium() -> AsyncIterator[Browser]:
    """Headless Chromium, started once for the session's real-browser tests, which run in its
    event loop (``in_chromiums_loop``); each test opens its own context (``chromium_page``)."""
    from ._browser_helpers import launched_chromium

    async with launched_chromium() as browser:
        yield browser
