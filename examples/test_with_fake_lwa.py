"""Testing code that logs in with LWA, without Amazon: the ``fake_lwa`` pytest fixture.

lwa-loopback registers a pytest plugin, so once it is installed these fixtures need no import:
``fake_lwa`` (a running ``FakeLWA`` on 127.0.0.1) and ``lwa_headless_browser`` (an
``open_browser`` that signs in without a screen).

    pytest examples/test_with_fake_lwa.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lwa_loopback import ConsentError, Tokens, login_sync, read_token_file
from lwa_loopback.testing import FakeLWA, HeadlessBrowser


def sign_in(token_file: Path, **lwa_options: Any) -> Tokens:
    """The code under test: your application's own login step."""
    return login_sync(
        **lwa_options,
        redirect_uri="http://127.0.0.1:0/callback",
        scope="profile",
        token_file=token_file,
        timeout=30.0,
    )


def test_sign_in_saves_a_refresh_token(
    fake_lwa: FakeLWA, lwa_headless_browser: HeadlessBrowser, tmp_path: Path
) -> None:
    tokens = sign_in(
        tmp_path / "tokens.json", **fake_lwa.login_options(), open_browser=lwa_headless_browser
    )

    assert read_token_file(tmp_path / "tokens.json").access_token == tokens.access_token
    assert tokens.refresh_token is not None
    assert "Signed in" in lwa_headless_browser.last_page.text
    assert fake_lwa.consent_requests[0].params["code_challenge_method"] == "S256"


def test_sign_in_reports_a_refusal(
    fake_lwa: FakeLWA, lwa_headless_browser: HeadlessBrowser, tmp_path: Path
) -> None:
    fake_lwa.consent_error = "access_denied"

    with pytest.raises(ConsentError) as caught:
        sign_in(
            tmp_path / "tokens.json", **fake_lwa.login_options(), open_browser=lwa_headless_browser
        )

    assert caught.value.error == "access_denied"
    assert not (tmp_path / "tokens.json").exists()
