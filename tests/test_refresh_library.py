"""``refresh()`` and ``valid_access_token()`` over real loopback sockets against the fake LWA."""

from __future__ import annotations

import asyncio
import json
import logging
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest

from lwa_loopback import (
    ExchangeError,
    NetworkError,
    TokenFileUnusable,
    Tokens,
    read_token_file,
    refresh,
    refresh_sync,
    valid_access_token,
    valid_access_token_sync,
)
from lwa_loopback._token_file import locked
from lwa_loopback.testing import FakeLWA, TokenFailure

from ._token_files import EXPIRED_AGE, make_token_file, refused_token_url


def assert_rewritten(token_file: Path, old: Tokens, new: Tokens) -> None:
    """The file holds ``new`` (a fresh access token, the same refresh token), mode 0600."""
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert read_token_file(token_file) == new
    saved = json.loads(token_file.read_text())
    assert saved["access_token"] == new.access_token != old.access_token
    assert saved["refresh_token"] == old.refresh_token
    assert (saved["client_id"], saved["region"], saved["scope"], saved["token_url"]) == (
        old.client_id,
        old.region,
        old.scope,
        old.token_url,
    )
    obtained_at = datetime.fromisoformat(saved["obtained_at"].replace("Z", "+00:00"))
    expires_at = datetime.fromisoformat(saved["expires_at"].replace("Z", "+00:00"))
    assert old.obtained_at <= obtained_at <= datetime.now(timezone.utc)  # whole seconds
    assert expires_at - obtained_at == timedelta(seconds=3600)


async def test_refresh_rewrites_the_file_each_time(fake_lwa: FakeLWA, token_file: Path) -> None:
    old = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    token_file.chmod(0o644)  # a rewrite puts 0600 back, whatever the file had

    first = await refresh(token_file, client_secret=fake_lwa.client_secret)
    assert_rewritten(token_file, old, first)
    assert first.obtained_at - old.obtained_at >= EXPIRED_AGE
    second = await refresh(token_file, client_secret=fake_lwa.client_secret)
    assert_rewritten(token_file, first, second)

    assert [r.params for r in fake_lwa.token_requests] == 2 * [
        {
            "grant_type": "refresh_token",
            "refresh_token": old.refresh_token,
            "client_id": fake_lwa.client_id,
            "client_secret": fake_lwa.client_secret,
        }
    ]


async def test_refresh_keeps_the_refresh_token_when_lwa_sends_none(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    old = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    fake_lwa.refresh_returns_refresh_token = False

    new = await refresh(token_file, client_secret=fake_lwa.client_secret)

    assert new.refresh_token == old.refresh_token
    assert_rewritten(token_file, old, new)


async def test_a_valid_token_costs_no_request(fake_lwa: FakeLWA, token_file: Path) -> None:
    old = make_token_file(fake_lwa, token_file)

    assert await valid_access_token(token_file) == old.access_token
    assert fake_lwa.requests == []


async def test_an_expired_token_is_refreshed_once(fake_lwa: FakeLWA, token_file: Path) -> None:
    old = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)

    access_token = await valid_access_token(token_file, client_secret=fake_lwa.client_secret)

    assert access_token == read_token_file(token_file).access_token != old.access_token
    assert len(fake_lwa.token_requests) == 1
    assert await valid_access_token(token_file) == access_token  # now valid: no new request
    assert len(fake_lwa.token_requests) == 1


async def test_min_valid_refreshes_a_token_about_to_expire(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    old = make_token_file(fake_lwa, token_file)  # 50 minutes left

    assert await valid_access_token(token_file, min_valid=2400) == old.access_token
    refreshed = await valid_access_token(
        token_file, min_valid=3300, client_secret=fake_lwa.client_secret
    )

    assert refreshed != old.access_token
    assert len(fake_lwa.token_requests) == 1


async def test_callers_at_once_make_one_request(fake_lwa: FakeLWA, token_file: Path) -> None:
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    fake_lwa.token_failure, fake_lwa.slow_seconds = (
        TokenFailure.SLOW,
        0.3,
    )  # the others queue meanwhile

    secret = fake_lwa.client_secret
    tokens = await asyncio.gather(
        *(valid_access_token(token_file, client_secret=secret) for _ in range(8))
    )
    refreshed = await asyncio.gather(*(refresh(token_file, client_secret=secret) for _ in range(4)))

    assert len(set(tokens)) == 1
    assert len({t.access_token for t in refreshed} - set(tokens)) == 1
    assert len(fake_lwa.token_requests) == 2


async def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TokenFileUnusable, match=r"No token file .*lwa-loopback login"):
        await valid_access_token(tmp_path / "nothing.json")


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe", b'{"access_token": "x"}', b"[]"])
async def test_corrupt_file_is_left_alone(tmp_path: Path, content: bytes) -> None:
    token_file = tmp_path / "tokens.json"
    token_file.write_bytes(content)

    for call in (refresh, valid_access_token):
        with pytest.raises(TokenFileUnusable, match="lwa-loopback login"):
            await call(token_file)
    assert token_file.read_bytes() == content


async def test_expired_without_refresh_token(fake_lwa: FakeLWA, token_file: Path) -> None:
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE, with_refresh_token=False)
    before = token_file.read_bytes()

    for call in (refresh, valid_access_token):
        with pytest.raises(TokenFileUnusable, match=r"no refresh token.*lwa-loopback login"):
            await call(token_file)
    assert fake_lwa.requests == []
    assert token_file.read_bytes() == before


async def test_soon_expiring_without_refresh_token_is_still_handed_out(
    fake_lwa: FakeLWA, token_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    old = make_token_file(fake_lwa, token_file, with_refresh_token=False)

    with caplog.at_level(logging.WARNING, logger="lwa_loopback"):
        assert await valid_access_token(token_file, min_valid=3500) == old.access_token
    assert "no refresh token" in caplog.text
    assert fake_lwa.requests == []


async def test_revoked_refresh_token_says_log_in_again(fake_lwa: FakeLWA, token_file: Path) -> None:
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    fake_lwa.revoke_refresh_tokens()
    before = token_file.read_bytes()

    with pytest.raises(ExchangeError, match="lwa-loopback login") as caught:
        await valid_access_token(token_file)
    assert caught.value.error == "invalid_grant"
    assert token_file.read_bytes() == before


async def test_server_error_leaves_the_file(fake_lwa: FakeLWA, token_file: Path) -> None:
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    fake_lwa.token_failure = TokenFailure.SERVER_ERROR
    before = token_file.read_bytes()

    with pytest.raises(ExchangeError, match="HTTP 500") as caught:
        await refresh(token_file)
    assert caught.value.status == 500
    assert "a new code" not in str(caught.value)  # the advice is about refreshing, not login
    assert token_file.read_bytes() == before


async def test_network_failure_leaves_the_file(fake_lwa: FakeLWA, token_file: Path) -> None:
    with refused_token_url() as token_url:
        make_token_file(fake_lwa, token_file, age=EXPIRED_AGE, token_url=token_url)
        before = token_file.read_bytes()
        with pytest.raises(ExchangeError, match="could not connect") as caught:
            await valid_access_token(token_file)
    # Not the server's answer: a type of its own, an OSError as the refused connection under it.
    assert isinstance(caught.value, NetworkError) and isinstance(caught.value, OSError)
    assert caught.value.error is None
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)
    assert token_file.read_bytes() == before


async def test_a_held_lock_times_out(fake_lwa: FakeLWA, token_file: Path) -> None:
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)

    async with locked(token_file):
        with pytest.raises(TokenFileUnusable, match="Another process has held"):
            await refresh(token_file, lock_timeout=0.2)
    assert fake_lwa.requests == []
    assert stat.S_IMODE((token_file.parent / "tokens.json.lock").stat().st_mode) == 0o600


async def test_sync_helpers_work_inside_a_running_loop(fake_lwa: FakeLWA, token_file: Path) -> None:
    old = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    asyncio.get_running_loop()  # as in a notebook cell

    access_token = valid_access_token_sync(token_file, client_secret=fake_lwa.client_secret)
    refreshed = refresh_sync(token_file, client_secret=fake_lwa.client_secret)

    assert access_token != old.access_token
    assert refreshed.access_token not in (old.access_token, access_token)
    assert read_token_file(token_file) == refreshed
    assert len(fake_lwa.token_requests) == 2


def test_sync_helpers_work_without_a_loop(fake_lwa: FakeLWA, token_file: Path) -> None:
    old = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)

    assert valid_access_token_sync(token_file, client_secret=fake_lwa.client_secret) != (
        old.access_token
    )
    assert len(fake_lwa.token_requests) == 1
