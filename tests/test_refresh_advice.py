"""What a failed refresh advises is true for every server: whether the refresh token can be used
again depends on whether the server rotates them, which the token file learns from the answers
(``refresh_token_rotated``); and ``refresh`` is only told to check what it has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lwa_loopback import NetworkError, client_credentials, read_token_file, refresh
from lwa_loopback.testing import FakeLWA, TokenFailure

from ._cli_process import Cli
from ._token_files import EXPIRED_AGE, make_token_file, refused_token_url

QUICK = 0.2  # seconds: a request timeout the fake's slow answer always outlasts


async def _timed_out(fake_lwa: FakeLWA, path: Path) -> str:
    """The message of a refresh that gets no answer in time (it may have reached the server)."""
    fake_lwa.token_failure = TokenFailure.SLOW
    with pytest.raises(NetworkError) as caught:
        await refresh(path, client_secret=fake_lwa.client_secret, request_timeout=QUICK)
    fake_lwa.token_failure = None
    return str(caught.value)


def _expire(path: Path) -> None:
    saved = json.loads(path.read_text())
    path.write_text(json.dumps({**saved, "expires_at": "2000-01-01T00:00:00Z"}))


async def test_a_rotating_server_is_not_promised_a_reusable_refresh_token(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    fake_lwa.rotate_refresh_tokens = True
    first = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE, with_refresh_token=True)
    await refresh(
        token_file, client_secret=fake_lwa.client_secret
    )  # the server answers a new refresh token: it rotates them
    assert read_token_file(token_file).refresh_token_rotated is True
    assert read_token_file(token_file).refresh_token != first.refresh_token

    message = await _timed_out(fake_lwa, token_file)

    assert "can be used again" not in message
    assert "has rotated the file's refresh token before" in message
    assert "only a new sign-in helps" in message
    # And it was right: the slow request spent the refresh token at the server.
    assert read_token_file(token_file).refresh_token_rotated is True


async def test_a_server_that_kept_the_refresh_token_is_said_to_keep_it(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    await refresh(
        token_file, client_secret=fake_lwa.client_secret
    )  # the same refresh token comes back: kept
    assert read_token_file(token_file).refresh_token_rotated is False
    _expire(token_file)

    message = await _timed_out(fake_lwa, token_file)

    assert "has kept the file's refresh token on every refresh so far" in message
    assert (
        await refresh(token_file, client_secret=fake_lwa.client_secret)
    ).access_token  # and it could be used again


async def test_before_any_refresh_the_message_says_may(fake_lwa: FakeLWA, token_file: Path) -> None:
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    assert read_token_file(token_file).refresh_token_rotated is None

    message = await _timed_out(fake_lwa, token_file)

    assert "If the server rotates refresh tokens" in message and "may be spent" in message
    assert "can be used again" not in message


async def test_a_refresh_that_drops_the_refresh_token_counts_as_kept(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    fake_lwa.refresh_returns_refresh_token = False  # LWA's way: the old one stays valid
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)

    await refresh(token_file, client_secret=fake_lwa.client_secret)

    assert read_token_file(token_file).refresh_token_rotated is False


async def test_a_client_credentials_renewal_names_only_the_token_files_settings(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    path = tmp_path / "tokens.json"
    await client_credentials(
        client_id=fake_lwa.client_id,
        client_secret=fake_lwa.client_secret,
        scope="sellingpartnerapi::notifications",
        token_url=fake_lwa.token_url,
        token_file=path,
    )
    with refused_token_url() as down:
        saved = json.loads(path.read_text())
        path.write_text(json.dumps({**saved, "token_url": down}))
        _expire(path)
        with pytest.raises(NetworkError) as caught:
            await refresh(path, client_secret=fake_lwa.client_secret)
        cli = Cli(tmp_path, fake_lwa)
        await cli.start("refresh", "--file", str(path))
        finished = await cli.finish()

    message = str(caught.value)
    assert "the token file's token_url" in message
    assert "`region`" not in message and "`token_url`" not in message
    assert caught.value.parameters == ()
    assert finished.exit_code == 5
    assert "--region" not in finished.stderr and "--token-url" not in finished.stderr
    assert "region" not in finished.stderr
