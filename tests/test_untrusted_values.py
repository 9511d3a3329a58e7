"""Values that come from the network or from a file, and could hurt if taken at their word:
a redirecting token endpoint, an absurd token lifetime, a token file pointing elsewhere, a lock
file planted by someone else, a refresh racing a login."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from lwa_loopback import ExchangeError, TokenFileUnusable, login, read_token_file, refresh
from lwa_loopback._token_file import lock_file_for, locked
from lwa_loopback.testing import FakeLWA

from ._token_files import EXPIRED_AGE, make_token_file
from ._waiting import wait_until


@pytest.fixture
async def redirecting_token_url() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    """A token endpoint that answers 307 towards a second server, which records what reaches
    it."""
    stolen: list[dict[str, str]] = []

    async def thief(request: web.Request) -> web.Response:
        stolen.append({k: str(v) for k, v in (await request.post()).items()})
        return web.json_response({"access_token": "Atza|stolen", "expires_in": 3600})

    thief_app = web.Application()
    thief_app.router.add_post("/steal", thief)
    thief_runner = web.AppRunner(thief_app)
    await thief_runner.setup()
    await web.TCPSite(thief_runner, "127.0.0.1", 0).start()
    thief_port = thief_runner.addresses[0][1]

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(f"http://127.0.0.1:{thief_port}/steal")

    app = web.Application()
    app.router.add_post("/auth/o2/token", redirect)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/auth/o2/token", stolen
    await runner.cleanup()
    await thief_runner.cleanup()


async def test_a_redirecting_token_endpoint_is_not_followed(
    options: dict[str, Any], redirecting_token_url: tuple[str, list[dict[str, str]]]
) -> None:
    token_url, stolen = redirecting_token_url
    with pytest.raises(ExchangeError, match="redirect"):
        await login(**{**options, "token_url": token_url})
    assert stolen == []  # neither the code nor the client secret went on


async def test_a_refresh_does_not_follow_a_redirect_either(
    fake_lwa: FakeLWA, token_file: Path, redirecting_token_url: tuple[str, list[dict[str, str]]]
) -> None:
    token_url, stolen = redirecting_token_url
    before = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE, token_url=token_url)
    with pytest.raises(ExchangeError, match="redirect"):
        await refresh(token_file, client_secret=fake_lwa.client_secret)
    assert stolen == []
    assert read_token_file(token_file) == before


async def test_a_token_file_pointing_at_plain_http_elsewhere_is_not_refreshed(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE, token_url="http://lwa.example/token")
    with pytest.raises(TokenFileUnusable, match="must be an https:// URL"):
        await refresh(token_file, client_secret=fake_lwa.client_secret)
    assert fake_lwa.requests == []


@pytest.mark.parametrize("expires_in", [10**12, -5, "soon"])
async def test_an_absurd_lifetime_from_lwa_loses_nothing(
    options: dict[str, Any], token_file: Path, expires_in: Any
) -> None:
    """The code is spent by then: whatever expires_in says, the tokens are kept."""
    async with FakeLWA(expires_in=expires_in) as fake_lwa:
        tokens = await login(**{**options, **fake_lwa.login_options()})
    assert tokens.expires_in == 3600  # LWA's documented hour
    assert read_token_file(token_file).access_token == tokens.access_token


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("expires_in", 10**20),
        ("expires_in", -1),
        ("obtained_at", "9999-12-31T23:59:59Z"),
    ],
)
def test_a_token_file_with_impossible_times_is_unusable(
    lwa_file: Path, field: str, value: Any
) -> None:
    data = json.loads(lwa_file.read_text())
    lwa_file.write_text(json.dumps({**data, field: value}))
    with pytest.raises(TokenFileUnusable, match="not a valid lwa-loopback token file"):
        read_token_file(lwa_file)


@pytest.fixture
def lwa_file(tmp_path: Path) -> Path:
    path = tmp_path / "tokens.json"
    path.write_text(
        json.dumps(
            {
                "access_token": "Atza|x",
                "expires_in": 3600,
                "obtained_at": "2026-01-01T00:00:00Z",
                "client_id": "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
                "token_url": "https://api.amazon.com/auth/o2/token",
            }
        )
    )
    return path


async def test_a_symbolic_link_in_place_of_the_lock_file_is_refused(
    fake_lwa: FakeLWA, token_file: Path, tmp_path: Path
) -> None:
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    elsewhere = tmp_path / "elsewhere"
    lock_file_for(token_file).symlink_to(elsewhere)
    with pytest.raises(TokenFileUnusable, match="lock file"):
        await refresh(token_file, client_secret=fake_lwa.client_secret)
    assert not elsewhere.exists()
    assert fake_lwa.requests == []


async def test_a_lock_file_that_is_not_a_plain_file_is_refused(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    before = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    os.mkfifo(lock_file_for(token_file))  # opens without blocking (O_RDWR), locks nothing
    with pytest.raises(TokenFileUnusable, match="is not a plain file of this user"):
        await refresh(token_file, client_secret=fake_lwa.client_secret)
    assert read_token_file(token_file) == before
    assert fake_lwa.requests == []


async def test_a_login_waits_for_a_refresh_in_progress_before_writing(
    options: dict[str, Any], fake_lwa: FakeLWA, token_file: Path
) -> None:
    """A refresh (another process's `lwa-loopback token`) holds the lock: the login's tokens
    land after it, never under it."""
    token_file.parent.mkdir(parents=True)
    async with locked(token_file):
        flow = asyncio.create_task(login(**options))
        lock_file = lock_file_for(token_file)
        # The login opens the lock file and tries the lock in one step, then waits for it:
        # once it holds the file open beside this test, it has met the lock.
        await wait_until(
            lambda: open_descriptors(lock_file) == 2 or flow.done(),
            "the login never reached the token file's lock",
        )
        assert not flow.done()
        assert fake_lwa.token_requests  # the code is spent; the tokens wait for the lock
        assert not token_file.exists()
    tokens = await flow
    assert read_token_file(token_file).access_token == tokens.access_token


def open_descriptors(path: Path) -> int:
    """How many of this process's file descriptors refer to ``path`` (by device and inode)."""
    wanted = path.stat()
    count = 0
    for name in os.listdir("/dev/fd"):
        try:
            status = os.fstat(int(name))
        except OSError:  # the descriptor listdir itself used, closed by now
            continue
        count += (status.st_dev, status.st_ino) == (wanted.st_dev, wanted.st_ino)
    return count
