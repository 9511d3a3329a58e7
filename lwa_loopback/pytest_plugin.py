"""Pytest fixtures for code that logs in with LWA (registered as the ``lwa_loopback`` plugin).

    def test_my_login(fake_lwa, lwa_headless_browser):
        tokens = lwa_loopback.login_sync(**fake_lwa.login_options(), scope="profile",
                                         redirect_uri="http://127.0.0.1:0/callback",
                                         open_browser=lwa_headless_browser)

pytest imports this module in every project where lwa-loopback is installed, so it imports
nothing heavy itself: the fake (and aiohttp) load when a test first uses a fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .testing import FakeLWA, HeadlessBrowser


@pytest.fixture
def fake_lwa() -> Iterator[FakeLWA]:
    """A running ``FakeLWA`` on 127.0.0.1 (served from its own thread, so it works in sync and
    async tests alike); closed after the test."""
    from .testing import FakeLWA

    with FakeLWA().in_background() as lwa:
        yield lwa


@pytest.fixture
def lwa_headless_browser() -> HeadlessBrowser:
    """A ``HeadlessBrowser`` to pass as ``open_browser``; its ``pages`` show where it landed."""
    from .testing import HeadlessBrowser

    return HeadlessBrowser()
