"""``login --device`` against a standard server: RFC 8628 beside LWA's code-based linking,
chosen from the endpoints before any code is shown (``FakeLWA(dialect="rfc8628")``)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from lwa_loopback import (
    ConfigurationError,
    ConsentError,
    ExchangeError,
    LoginTimeout,
    Pacing,
    UnusableAnswer,
    login_device,
    read_token_file,
    refresh,
)
from lwa_loopback._endpoints import device_dialect
from lwa_loopback._grants import DEVICE_AUTHORIZATION, LWA_DEVICE, RFC8628_DEVICE
from lwa_loopback.testing import FakeLWA, HeadlessBrowser

from ._cli_process import Cli
from ._waiting import wait_until
from .test_gate import Hostile
from .test_gate import device_options as gate_options

URN = "urn:ietf:params:oauth:grant-type:device_code"
FAST = 0.05
PACING = Pacing(floor=0.01, default_interval=FAST, slow_down_step=FAST)


@pytest.fixture
async def standard() -> AsyncIterator[FakeLWA]:
    async with FakeLWA(dialect="rfc8628", device_interval=FAST) as fake:
        yield fake


def options(fake_lwa: FakeLWA, token_file: Path, **more: Any) -> dict[str, Any]:
    return {
        "client_id": fake_lwa.client_id,
        "scope": "profile",
        "token_url": fake_lwa.token_url,
        "codepair_url": fake_lwa.codepair_url,
        "token_file": token_file,
        "pacing": PACING,
        **more,
    }


class Shown:
    """An ``on_code`` that records what it was given, then lets a headless browser type it."""

    def __init__(self, decision: str = "allow") -> None:
        self.calls: list[tuple[str, str]] = []
        self.decision = decision

    async def __call__(self, user_code: str, verification_uri: str, expires_in: float) -> None:
        self.calls.append((user_code, verification_uri))
        browser = HeadlessBrowser()
        decide = browser.enter_code if self.decision == "allow" else browser.deny_code
        await decide(user_code, verification_uri)


async def test_a_standard_server_signs_the_device_in(standard: FakeLWA, token_file: Path) -> None:
    shown = Shown()

    tokens = await login_device(**options(standard, token_file), on_code=shown)

    assert tokens.refresh_token and tokens.grant == "device_code"
    # RFC 8628 section 3.1: the client id and the scope, nothing of LWA's.
    assert set(standard.codepair_requests[0].params) == {"client_id", "scope"}
    # Section 3.4: the URN, the device code and the client id; no user code.
    polls = standard.device_polls
    assert polls and {poll.params["grant_type"] for poll in polls} == {URN}
    assert set(polls[-1].params) == {"grant_type", "device_code", "client_id"}
    # The page that carries the code was the one shown (and opened).
    [(user_code, page)] = shown.calls
    assert page.endswith(f"/code?user_code={user_code}")
    saved = json.loads(token_file.read_text())
    assert saved["grant"] == "device_code"
    assert (await refresh(token_file)).access_token != tokens.access_token


async def test_lwas_dialect_is_kept_for_lwa(tmp_path: Path) -> None:
    async with FakeLWA(device_interval=FAST) as fake_lwa:
        tokens = await login_device(**options(fake_lwa, tmp_path / "t.json"), on_code=Shown())

    assert tokens.refresh_token
    assert fake_lwa.codepair_requests[0].params["response_type"] == "device_code"
    assert {"device_code", "user_code"} <= set(fake_lwa.device_polls[-1].params)
    assert fake_lwa.device_polls[-1].params["grant_type"] == "device_code"


@pytest.mark.parametrize(
    ("token_url", "codepair_url", "dialect"),
    [
        (
            "https://api.amazon.com/auth/o2/token",
            "https://api.amazon.com/auth/o2/create/codepair",
            LWA_DEVICE,
        ),
        (
            "https://api.amazon.co.uk/auth/o2/token",
            "https://api.amazon.co.uk/auth/O2/create/codepair",
            LWA_DEVICE,
        ),
        (
            "http://127.0.0.1:9/auth/o2/token",
            "http://127.0.0.1:9/auth/o2/create/codepair",
            LWA_DEVICE,
        ),
        ("https://id.example/token", "https://id.example/device/auth", RFC8628_DEVICE),
        ("https://gw.example/token", "https://api.amazon.com/auth/o2/create/codepair", LWA_DEVICE),
    ],
)
def test_the_dialect_comes_from_the_endpoints(
    token_url: str, codepair_url: str, dialect: object
) -> None:
    assert device_dialect(token_url, codepair_url, None) is dialect


async def test_lwas_token_endpoint_with_another_code_pair_endpoint_shows_no_code(
    standard: FakeLWA, token_file: Path
) -> None:
    shown = Shown()

    with pytest.raises(ConfigurationError) as caught:
        await login_device(
            **{
                **options(standard, token_file, token_url="https://api.amazon.com/auth/o2/token"),
                # LWA's form: Amazon's endpoints check it first.
                "client_id": "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
            },
            on_code=shown,
        )

    assert caught.value.parameter == "codepair_url"
    assert "redeems no other server's device codes" in str(caught.value)
    assert shown.calls == [] and standard.requests == []


async def test_scope_data_is_lwas_own(standard: FakeLWA, token_file: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        await login_device(
            **options(standard, token_file, scope_data={"profile": {"essential": False}}),
            on_code=Shown(),
        )

    assert caught.value.parameter == "scope_data"
    assert standard.requests == []


async def test_without_the_device_authorization_endpoint_the_404_names_it(
    standard: FakeLWA, token_file: Path
) -> None:
    shown = Shown()
    given = options(standard, token_file)
    del given["codepair_url"]

    with pytest.raises(UnusableAnswer) as caught:
        await login_device(**given, on_code=shown)

    message = str(caught.value)
    default = str(standard.url.with_path("/auth/o2/create/codepair"))
    assert f"The code pair endpoint {default} answered HTTP 404" in message
    assert "`codepair_url`" in message and "device authorization endpoint" in message
    assert "try again in a minute" not in message and caught.value.status == 404
    assert shown.calls == []  # no code the tool could not redeem


async def test_the_404_names_the_flag_on_the_command_line(
    standard: FakeLWA, tmp_path: Path
) -> None:
    cli = Cli(tmp_path, standard)

    await cli.start("login", "--device", "--no-browser")
    done = await cli.finish()

    assert done.exit_code == 5, done.stderr
    assert "answered HTTP 404" in done.stderr and "--codepair-url" in done.stderr
    assert "Code:" not in done.stderr


async def test_denied_is_a_consent_error(standard: FakeLWA, token_file: Path) -> None:
    with pytest.raises(ConsentError, match="access_denied"):
        await login_device(**options(standard, token_file), on_code=Shown("deny"))
    assert not token_file.exists()


async def test_expired_token_ends_it_as_expired(standard: FakeLWA, token_file: Path) -> None:
    now = [0.0]
    standard.clock = lambda: now[0]

    def on_code(*args: object) -> None:
        now[0] += 3600  # the code expires at the server before the client's own deadline

    with pytest.raises(LoginTimeout):
        await login_device(**options(standard, token_file), on_code=on_code)
    assert len(standard.device_polls) == 1  # one expired_token, and no more polls


async def test_slow_down_waits_longer_for_good(tmp_path: Path) -> None:
    """The server's clock stands still for the second poll, which it finds too soon: slow_down.
    Then its clock jumps ahead and the person approves; the third poll must come the interval
    plus the step after the second."""
    polled_at: list[float] = []
    now = [0.0]
    step = 0.1

    def log_line(line: str) -> None:
        if "/auth/o2/token" in line:
            polled_at.append(time.monotonic())

    async def on_code(user_code: str, *rest: object) -> None:
        await wait_until(
            lambda: len(fake_lwa.device_polls) >= 2, "a poll the server finds too soon"
        )
        now[0] = 100.0  # past the interval and its 5 seconds more, within the code's life
        fake_lwa.approve(user_code)

    async with FakeLWA(dialect="rfc8628", device_interval=FAST, request_log=log_line) as fake_lwa:
        fake_lwa.clock = lambda: now[0]
        pacing = Pacing(floor=0.01, default_interval=FAST, slow_down_step=step)
        tokens = await login_device(
            **{**options(fake_lwa, tmp_path / "t.json"), "pacing": pacing}, on_code=on_code
        )

    assert tokens.access_token
    assert len(fake_lwa.device_polls) == 3  # pending, slow_down, then the tokens
    assert polled_at[2] - polled_at[1] >= FAST + step - 0.01


async def test_a_confidential_device_client_is_told_the_flow_sends_no_secret(
    standard: FakeLWA, tmp_path: Path
) -> None:
    standard.device_client_public = False
    cli = Cli(tmp_path, standard)  # LWA_CLIENT_SECRET is set: the device flow sends none
    cli.env["LWA_CODEPAIR_URL"] = standard.codepair_url

    await cli.start("login", "--device", "--no-browser")
    done = await cli.finish()

    assert done.exit_code == 5, done.stderr
    assert "invalid_client" in done.stderr
    assert "the device flow sends no client secret" in done.stderr
    assert "public one" in done.stderr and "LWA_CLIENT_SECRET" not in done.stderr
    assert "Code:" not in done.stderr
    assert all("client_secret" not in r.params and r.basic_auth is None for r in standard.requests)


async def test_a_confidential_device_client_in_the_library(
    standard: FakeLWA, token_file: Path
) -> None:
    standard.device_client_public = False

    with pytest.raises(ExchangeError) as caught:
        await login_device(**options(standard, token_file), on_code=Shown())

    assert caught.value.error == "invalid_client" and caught.value.status == 401
    assert DEVICE_AUTHORIZATION.advice.invalid_client.split("{")[0] in str(caught.value)


@pytest.mark.parametrize("dialect", ["lwa", "rfc8628"])
async def test_the_command_signs_in_both_ways(dialect: str, tmp_path: Path) -> None:
    async with FakeLWA(dialect=dialect, device_interval=FAST) as fake_lwa:
        cli = Cli(tmp_path, fake_lwa)
        cli.env["LWA_CODEPAIR_URL"] = fake_lwa.codepair_url
        await cli.start("login", "--device", "--no-browser")
        code_line = await cli.read_until(lambda line: line.startswith("Code: "))
        page = cli.head[cli.head.index(code_line) - 1]
        await HeadlessBrowser().enter_code(code_line.removeprefix("Code: "), page)
        done = await cli.finish()

        assert done.exit_code == 0, done.stderr
        saved = read_token_file(cli.default_file)
        assert saved.grant == "device_code" and saved.refresh_token
        assert ("user_code=" in page) is (dialect == "rfc8628")
        wanted = URN if dialect == "rfc8628" else "device_code"
        assert fake_lwa.device_polls[-1].params["grant_type"] == wanted


@pytest.fixture
async def hostile() -> AsyncIterator[Hostile]:
    """A device authorization endpoint whose answer the test sets (``tests/test_gate.py``)."""
    server = await Hostile().start()
    try:
        yield server
    finally:
        await server.close()


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "http://example.com/code?user_code=ABC123",  # plain http off this machine
        "https://user:pw@id.example/code",
        "https://id.example/code?user_code=ABC123\r\n$(calc)",
        "https://id.example/code?user_code=" + "\x1b[31m",
    ],
)
async def test_an_unsafe_verification_uri_complete_shows_nothing(
    hostile: Hostile, token_file: Path, value: str
) -> None:
    hostile.codepair["verification_uri_complete"] = value
    seen: list[Any] = []

    with pytest.raises(UnusableAnswer, match="verification_uri_complete") as caught:
        await login_device(**gate_options(hostile, token_file, seen))

    assert seen == [] and hostile.polls == []  # nothing shown, opened or polled
    assert all(c.isprintable() for c in str(caught.value))


async def test_a_verification_uri_complete_is_the_page_shown(
    hostile: Hostile, token_file: Path
) -> None:
    complete = "https://id.example/code?user_code=ABC123"
    hostile.codepair["verification_uri_complete"] = complete
    seen: list[Any] = []

    await login_device(**gate_options(hostile, token_file, seen))

    assert seen == [("ABC123", complete, 600.0)]
