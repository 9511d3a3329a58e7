"""``login --device`` / ``login_device()``: LWA's device flow against the fake, over real sockets,
from the library and from the command as a process."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from lwa_loopback import (
    ConsentError,
    ExchangeError,
    LoginTimeout,
    Pacing,
    login_device,
    read_token_file,
    refresh,
)
from lwa_loopback._device import code_lines
from lwa_loopback.testing import FakeLWA, HeadlessBrowser

from ._cli_process import Cli
from ._faulty_endpoints import FaultyEndpoint
from ._waiting import wait_until
from .test_server_answers import answer

FAST = 0.05  # seconds between polls: the fake's interval for these tests
STEP = 0.25  # seconds each slow_down adds, at the fake and in the client (RFC 8628: 5)
#: The client's pacing, shortened as the fake's (the command keeps its 1 s floor).
PACING = Pacing(floor=FAST, default_interval=FAST, slow_down_step=STEP)


@pytest.fixture
def device_lwa(fake_lwa: FakeLWA) -> FakeLWA:
    fake_lwa.device_interval = FAST
    return fake_lwa


def device_options(fake_lwa: FakeLWA, token_file: Path) -> dict[str, Any]:
    return {
        "client_id": fake_lwa.client_id,
        "scope": "profile",
        "token_url": fake_lwa.token_url,
        "codepair_url": fake_lwa.codepair_url,
        "token_file": token_file,
        "pacing": PACING,
    }


async def test_a_person_typing_the_code_signs_the_device_in(
    device_lwa: FakeLWA, token_file: Path
) -> None:
    browser = HeadlessBrowser()

    tokens = await login_device(
        **device_options(device_lwa, token_file), on_code=browser.enter_code
    )

    assert tokens.grant == "device_code" and tokens.refresh_token
    saved = json.loads(token_file.read_text())
    assert saved["grant"] == "device_code" and saved["scope"] == "profile"
    assert "client_secret" not in device_lwa.codepair_requests[0].params
    assert all("client_secret" not in poll.params for poll in device_lwa.device_polls)
    assert {"device_code", "user_code"} <= set(device_lwa.device_polls[-1].params)
    assert "return to your device" in browser.last_page.visible_text.lower()


async def test_its_tokens_refresh_without_a_client_secret(
    device_lwa: FakeLWA, token_file: Path
) -> None:
    first = await login_device(
        **device_options(device_lwa, token_file),
        on_code=lambda code, uri, lifetime: device_lwa.approve(code),
    )

    renewed = await refresh(token_file)  # no client_secret: the device tokens are public

    assert renewed.access_token != first.access_token
    assert read_token_file(token_file).grant == "device_code"


async def test_denied_on_the_page_is_a_consent_error(device_lwa: FakeLWA, token_file: Path) -> None:
    browser = HeadlessBrowser()

    with pytest.raises(ConsentError, match="access_denied") as caught:
        await login_device(**device_options(device_lwa, token_file), on_code=browser.deny_code)

    assert caught.value.exit_code == 3
    assert not token_file.exists()


async def test_a_code_nobody_enters_expires(device_lwa: FakeLWA, token_file: Path) -> None:
    device_lwa.device_code_lifetime = 0.2

    with pytest.raises(LoginTimeout, match="Run the command again") as caught:
        await login_device(**device_options(device_lwa, token_file), on_code=lambda *args: None)

    assert caught.value.exit_code == 4
    assert not token_file.exists()


async def test_the_servers_invalid_code_pair_ends_it_as_expired(
    device_lwa: FakeLWA, token_file: Path
) -> None:
    now = [0.0]
    device_lwa.clock = lambda: now[0]

    def on_code(*args: object) -> None:
        now[0] += 3600  # the pair expires at the fake before the client's own deadline

    with pytest.raises(LoginTimeout):
        await login_device(**device_options(device_lwa, token_file), on_code=on_code)
    assert len(device_lwa.device_polls) == 1


async def test_slow_down_adds_the_step_for_good(fake_lwa: FakeLWA, token_file: Path) -> None:
    """The fake's clock stands still for the second poll, so it looks too soon: slow_down,
    and the pair's interval grows by the step at the fake. From then on the clock runs again; a
    client that did not wait the step more would be told slow_down until the code expired."""
    fake_lwa.device_interval, fake_lwa.device_slow_down_step = FAST, STEP
    fake_lwa.device_code_lifetime = 30  # a client that never slows down fails, in bounded time
    frozen_at: list[float] = [0.0, 0.0]  # the fake's time, and the real time it was last asked for
    running = [False]

    def clock() -> float:
        if running[0]:
            return frozen_at[0] + (time.monotonic() - frozen_at[1])
        frozen_at[1] = time.monotonic()
        return frozen_at[0]

    fake_lwa.clock = clock

    async def on_code(user_code: str, *rest: object) -> None:
        await wait_until(lambda: len(fake_lwa.device_polls) >= 2, "a poll the fake finds too soon")
        running[0] = True  # first: approving reads the clock too
        fake_lwa.approve(user_code)

    tokens = await login_device(**device_options(fake_lwa, token_file), on_code=on_code)

    assert tokens.access_token
    assert len(fake_lwa.device_polls) == 3  # pending, slow_down, then the tokens


async def test_a_poll_that_fails_to_connect_is_tried_again(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    """A poll is idempotent: the first is cut off without an answer, the next one succeeds."""
    payload = {"access_token": "Atza|d", "token_type": "bearer", "expires_in": 3600}
    tokens_answer = answer(json.dumps(payload).encode())
    calls = [0]

    async def flaky(writer: asyncio.StreamWriter) -> None:
        calls[0] += 1
        if calls[0] > 1:
            await tokens_answer(writer)  # the first one: closed without a word

    endpoint = await FaultyEndpoint(flaky).start()
    try:
        options = {**device_options(fake_lwa, token_file), "token_url": endpoint.token_url}
        fake_lwa.device_interval = FAST
        tokens = await login_device(**options, on_code=lambda *args: None)
    finally:
        await endpoint.close()

    assert tokens.access_token == "Atza|d"
    assert endpoint.requests == 2


async def test_any_other_error_is_an_exchange_error(fake_lwa: FakeLWA, token_file: Path) -> None:
    fake_lwa.device_interval = FAST
    options = {
        **device_options(fake_lwa, token_file),
        "client_id": "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
    }

    with pytest.raises(ExchangeError, match="invalid_client") as caught:
        await login_device(**options, on_code=lambda *args: None)
    assert caught.value.exit_code == 5


def test_the_lines_a_person_reads() -> None:
    lines = code_lines("ABC123", "https://amazon.com/us/code", 600).splitlines()

    assert "https://amazon.com/us/code" in lines
    assert "Code: ABC123" in lines
    assert any("10 minutes" in line for line in lines)


# -- the command ------------------------------------------------------------------------------
async def _code_from(cli: Cli) -> tuple[str, str]:
    code_line = await cli.read_until(lambda line: line.startswith("Code: "))
    uri = cli.head[cli.head.index(code_line) - 1]
    return code_line.removeprefix("Code: "), uri


async def test_the_command_prints_the_page_and_the_code_on_lines_of_their_own(
    device_lwa: FakeLWA, tmp_path: Path
) -> None:
    cli = Cli(tmp_path, device_lwa)
    del cli.env["LWA_CLIENT_SECRET"]  # none needed
    cli.env["LWA_CODEPAIR_URL"] = device_lwa.codepair_url
    await cli.start("login", "--device", "--no-browser")
    user_code, uri = await _code_from(cli)
    await HeadlessBrowser().enter_code(user_code, uri)

    done = await cli.finish()

    assert done.exit_code == 0, done.stderr
    assert uri.startswith(device_lwa.url.human_repr())
    saved = read_token_file(cli.default_file)
    assert saved.grant == "device_code" and saved.refresh_token
    assert saved.access_token not in done.stderr


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
async def test_the_command_stops_on_a_signal_and_writes_nothing(
    device_lwa: FakeLWA, tmp_path: Path, signum: int, code: int
) -> None:
    cli = Cli(tmp_path, device_lwa)
    cli.env["LWA_CODEPAIR_URL"] = device_lwa.codepair_url
    await cli.start("login", "--device", "--no-browser")
    await _code_from(cli)
    await wait_until(lambda: bool(device_lwa.device_polls), "a first poll")

    cli.send_signal(signum)
    done = await cli.finish()

    assert done.exit_code == code, done.stderr
    assert not cli.default_file.exists()
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("region", "host"),
    [("na", "api.amazon.com"), ("eu", "api.amazon.co.uk"), ("fe", "api.amazon.co.jp")],
)
def test_the_code_pair_endpoint_is_on_the_regions_token_host(region: str, host: str) -> None:
    from lwa_loopback._endpoints import resolve_endpoints

    endpoints = resolve_endpoints(region)

    assert endpoints.codepair_url == f"https://{host}/auth/o2/create/codepair"
    assert endpoints.token_url == f"https://{host}/auth/o2/token"
    overridden = resolve_endpoints(region, token_url="http://127.0.0.1:9/auth/o2/token")
    assert overridden.codepair_url == "http://127.0.0.1:9/auth/o2/create/codepair"
