"""Pytest fixtures for code that logs in with LWA (registered as the ``lwa_loopback`` plugin).

    def test_my_login(fake_lwa, lwa_headless_browser):
        tokens = lwa_loopback.login_sync(**fake_lwa.login_options(), scope="profile",
                                         redirect_uri="http://127.0.0.1:0/callback",
                                         open_browser=lwa_headless_browser)

``fake_lwa`` serves every grant LWA offers, so the same two fixtures test a device-flow client
(``on_code=lwa_headless_browser.enter_code`` types the code on the fake's verification page and
allows it), a Selling Partner API login (``fake_lwa.seller_central_url``), and client
credentials (``fake_lwa.token_url``). ``fake_lwa.device_interval = 0.05`` makes device polls quick.

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
    """A ``HeadlessBrowser`` to pass as ``open_browser`` (or its ``enter_code`` as a device
    flow's ``on_code``); its ``pages`` show where it landed."""
    from .testing import HeadlessBrowser

    return HeadlessBrowser()
