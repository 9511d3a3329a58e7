"""One gate for every value from outside, whichever grant meets it: a hostile code pair or token
endpoint (or a redirect, or a hand-edited profile) cannot make the tool print a control
character, open an unsafe address, write a file its own reader refuses, poll faster than the
floor, or replay a setting that is never saved.

The hostile server is a small aiohttp app on 127.0.0.1 that answers what each test says.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from lwa_loopback import (
    ConfigurationError,
    ConsentError,
    ExchangeError,
    Pacing,
    TokenFileUnusable,
    Tokens,
    client_credentials,
    import_refresh_token,
    login,
    login_device,
    read_token_file,
    refresh,
    valid_access_token,
    write_token_file,
)
from lwa_loopback._grants import BY_STORED
from lwa_loopback.testing import FakeLWA

from ._cli_process import Cli
from ._token_files import EXPIRED_AGE, make_token_file

FAST = Pacing(floor=0.05, default_interval=0.05, slow_down_step=0.05)
ESCAPE = "\x1b]0;owned\x07\x1b[31m"  # a terminal title change, then red
BIDI = "\u202e"  # right-to-left override: makes shown text lie about its order
TOO_LONG = "A" * (17 * 1024)


class Hostile:
    """A code pair endpoint and a token endpoint whose answers the test sets. ``pending`` token
    answers say ``authorization_pending`` before ``token`` is answered; each request's time and
    form are kept."""

    def __init__(self) -> None:
        self.codepair: dict[str, Any] = {
            "user_code": "ABC123",
            "device_code": "dev-code",
            "verification_uri": "https://amazon.com/us/code",
            "expires_in": 600,
            "interval": 0.05,
        }
        self.token: dict[str, Any] = {
            "access_token": "Atza|hostile",
            "refresh_token": "Atzr|hostile",
            "token_type": "bearer",
            "expires_in": 3600,
        }
        self.pending = 0
        self.polls: list[float] = []
        self.forms: list[dict[str, str]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> Hostile:
        app = web.Application()
        app.router.add_post("/codepair", self._codepair)
        app.router.add_post("/token", self._token)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def token_url(self) -> str:
        return self.url + "/token"

    @property
    def codepair_url(self) -> str:
        return self.url + "/codepair"

    async def _codepair(self, request: web.Request) -> web.Response:
        return web.json_response(self.codepair)

    async def _token(self, request: web.Request) -> web.Response:
        self.polls.append(time.monotonic())
        self.forms.append(dict(await request.post()))  # type: ignore[arg-type]
        if self.pending > 0:
            self.pending -= 1
            return web.json_response({"error": "authorization_pending"}, status=400)
        return web.Response(body=json.dumps(self.token).encode(), content_type="application/json")


@pytest.fixture
async def hostile() -> AsyncIterator[Hostile]:
    server = await Hostile().start()
    try:
        yield server
    finally:
        await server.close()


def device_options(hostile: Hostile, token_file: Path, seen: list[Any]) -> dict[str, Any]:
    def on_code(user_code: str, verification_uri: str, expires_in: float) -> None:
        seen.append((user_code, verification_uri, expires_in))

    return {
        "client_id": "amzn1.application-oa2-client.test",
        "scope": "profile",
        "token_url": hostile.token_url,
        "codepair_url": hostile.codepair_url,
        "token_file": token_file,
        "on_code": on_code,
        "pacing": FAST,
    }


# -- the device flow: its code pair answer is shown and opened --------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("user_code", "AB" + ESCAPE),
        ("user_code", "AB" + BIDI + "C"),
        ("user_code", "AB\r\nC"),
        ("user_code", TOO_LONG),
        ("device_code", "dev\ncode"),
        ("verification_uri", "javascript:alert(1)"),
        ("verification_uri", "file:///etc/passwd"),
        ("verification_uri", "http://example.com/code"),  # plain http off this machine
        ("verification_uri", "https://user:pw@amazon.com/us/code"),
        ("verification_uri", "-u https://amazon.com/us/code"),
        ("verification_uri", "https://amazon.com/us/code\r\n$(calc)"),
    ],
)
async def test_a_code_pair_answer_that_is_unsafe_to_show_shows_nothing(
    hostile: Hostile, token_file: Path, field: str, value: str
) -> None:
    hostile.codepair[field] = value
    seen: list[Any] = []

    with pytest.raises(ExchangeError, match="no code was shown") as caught:
        await login_device(**device_options(hostile, token_file, seen))

    assert seen == [] and hostile.polls == []  # nothing shown, opened or polled
    assert all(c.isprintable() for c in str(caught.value))
    assert not token_file.exists()


async def test_a_verification_uri_reaches_the_person_with_nothing_a_shell_would_run(
    hostile: Hostile, token_file: Path
) -> None:
    hostile.codepair["verification_uri"] = "https://amazon.com/us/code?x=$(calc)&y=`id`"
    seen: list[Any] = []

    await login_device(**device_options(hostile, token_file, seen))

    (_, shown_uri, _) = seen[0]
    assert shown_uri.startswith("https://amazon.com/us/code?x=")
    assert not set("$`()") & set(shown_uri)


@pytest.mark.parametrize("interval", [0, -5, 1e-9, "nan", "soon", None, math.inf])
def test_a_server_cannot_set_the_interval_below_the_floor(interval: Any) -> None:
    chosen = Pacing().interval(interval)
    assert chosen >= 1.0
    if interval in (0, -5, "nan", "soon", None, math.inf):
        assert chosen == 5.0  # absent or unusable: RFC 8628's default


def test_a_huge_interval_is_bounded() -> None:
    assert Pacing().interval(10**9) == 300.0


async def test_the_polls_keep_the_floor_whatever_the_server_asks(
    hostile: Hostile, token_file: Path
) -> None:
    hostile.codepair["interval"] = 0.000001
    hostile.pending = 3
    pacing = Pacing(floor=0.1, default_interval=5.0, slow_down_step=0.1)
    options = {**device_options(hostile, token_file, []), "pacing": pacing}

    await login_device(**options)

    gaps = [
        later - earlier
        for earlier, later in zip(hostile.polls[:-1], hostile.polls[1:], strict=True)
    ]
    assert len(gaps) == 3 and min(gaps) >= 0.1 * 0.95  # asyncio may wake a hair early


async def test_a_code_lifetime_from_the_server_is_bounded(
    hostile: Hostile, token_file: Path
) -> None:
    hostile.codepair["expires_in"] = 10**12
    seen: list[Any] = []

    await login_device(**device_options(hostile, token_file, seen))

    assert seen[0][2] == 3600.0


# -- what is written is what the reader accepts, for every grant ------------------------------


async def test_a_selling_partner_id_the_file_could_not_keep_spends_no_code(
    fake_lwa: FakeLWA, options: dict[str, Any], token_file: Path
) -> None:
    fake_lwa.selling_partner_id = "A1" + ESCAPE
    sp_options = {
        **options,
        "scope": None,
        "sp_api": True,
        "application_id": fake_lwa.application_id,
        "authorize_url": fake_lwa.seller_central_url,
    }

    with pytest.raises(ConsentError, match="the code was not used") as caught:
        await login(**sp_options)

    assert fake_lwa.token_requests == [] and not token_file.exists()
    assert all(c.isprintable() for c in str(caught.value))


async def test_a_browser_sign_ins_token_answer_the_reader_would_refuse(
    fake_lwa: FakeLWA, hostile: Hostile, options: dict[str, Any], token_file: Path
) -> None:
    hostile.token["access_token"] = TOO_LONG

    with pytest.raises(ExchangeError, match="longer than 16 KiB"):
        await login(**{**options, "token_url": hostile.token_url})

    assert not token_file.exists()


@pytest.mark.parametrize(
    "answer",
    [{"access_token": TOO_LONG}, {"refresh_token": "Atzr|" + ESCAPE}, {"token_type": "mac"}],
)
@pytest.mark.parametrize("grant", ["device", "client credentials", "import", "refresh"])
async def test_the_other_grants_refuse_answers_the_reader_would_refuse(
    fake_lwa: FakeLWA, hostile: Hostile, tmp_path: Path, answer: dict[str, Any], grant: str
) -> None:
    hostile.token.update(answer)
    common: dict[str, Any] = {
        "client_id": "amzn1.application-oa2-client.test",
        "client_secret": "not-a-real-secret",
        "token_url": hostile.token_url,
    }
    written = tmp_path / "tokens.json"
    if grant == "refresh":
        make_token_file(fake_lwa, written, age=EXPIRED_AGE, token_url=hostile.token_url)
    before = written.read_text() if written.exists() else None
    attempt: Callable[[], Awaitable[object]] = {
        "device": lambda: login_device(**device_options(hostile, written, [])),
        "client credentials": lambda: client_credentials(
            **common, scope="x::y", token_file=written
        ),
        "import": lambda: import_refresh_token("Atzr|pasted", **common, token_file=written),
        "refresh": lambda: refresh(written, client_secret="not-a-real-secret"),
    }[grant]

    with pytest.raises(ExchangeError, match="cannot be used"):
        await attempt()

    assert (written.read_text() if written.exists() else None) == before


async def test_a_token_file_the_reader_would_refuse_is_never_written(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    good = make_token_file(fake_lwa, tmp_path / "good.json")

    for bad in (
        replace(good, scope="s" * (70 * 1024)),  # larger than the reader takes
        replace(good, selling_partner_id="A 1"),
        replace(good, access_token="Atza|\x07"),
    ):
        target = tmp_path / "bad.json"
        with pytest.raises(OSError, match=r"KiB|could not be read back"):
            write_token_file(target, bad)
        assert not target.exists()
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".bad")] == []


async def test_a_signed_in_answer_too_large_for_the_file_is_printed_not_lost(
    tmp_path: Path, hostile: Hostile
) -> None:
    """The answer fits the answer limit, but with the file's other fields the file would not
    fit the reader's: exit 7, the tokens on stdout, never "Got an access token"."""
    hostile.token = {
        "access_token": "Atza|big",
        "token_type": "bearer",
        "expires_in": 3600,
        "scope": "s" * (64 * 1024 - 200),
    }
    cli = Cli(tmp_path)
    cli.env.update(
        LWA_CLIENT_ID="amzn1.application-oa2-client.test",
        LWA_CLIENT_SECRET="not-a-real-secret",
        LWA_TOKEN_URL=hostile.token_url,
    )
    out = tmp_path / "c.json"
    await cli.start("client-credentials", "--scope", "x::y", "--out", str(out))
    done = await cli.finish()

    assert done.exit_code == 7, done.stderr
    assert json.loads(done.stdout)["access_token"] == "Atza|big"
    assert "Got an access token" not in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


# -- text shown: one sanitiser, whichever command prints ---------------------------------------


async def test_a_scope_from_the_server_is_shown_without_control_characters(
    tmp_path: Path, hostile: Hostile
) -> None:
    hostile.token = {
        "access_token": "Atza|x",
        "token_type": "bearer",
        "expires_in": 3600,
        "scope": "x::y" + ESCAPE + BIDI,
    }
    cli = Cli(tmp_path)
    cli.env.update(
        LWA_CLIENT_ID="amzn1.application-oa2-client.test",
        LWA_CLIENT_SECRET="not-a-real-secret",
        LWA_TOKEN_URL=hostile.token_url,
    )
    await cli.start("client-credentials", "--scope", "x::y", "--out", str(tmp_path / "c.json"))
    done = await cli.finish()

    assert done.exit_code == 0, done.stderr
    assert "Got an access token for scope x::y" in done.stderr
    assert "\x1b" not in done.stderr + done.stdout and BIDI not in done.stderr


# -- numbers: bounded, a usage error for a flag out of range -----------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("token", "--min-valid", "99999999999999999999"),
        ("token", "--min-valid", "-1"),
        ("login", "--timeout", "1e300"),
        ("login", "--request-timeout", "inf"),
        ("client-credentials", "--scope", "x::y", "--request-timeout", "100000"),
    ],
)
async def test_a_number_flag_out_of_range_is_a_usage_error(
    fake_lwa: FakeLWA, tmp_path: Path, args: tuple[str, ...]
) -> None:
    make_token_file(fake_lwa, tmp_path / "config" / "lwa-loopback" / "tokens.json")
    cli = Cli(tmp_path, fake_lwa)
    await cli.start(*args)
    done = await cli.finish()

    assert done.exit_code == 2, done.stderr
    assert "Traceback" not in done.stderr


async def test_library_numbers_out_of_range_are_configuration_errors(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    make_token_file(fake_lwa, token_file)
    with pytest.raises(ConfigurationError, match="min_valid"):
        await valid_access_token(token_file, min_valid=1e300)
    with pytest.raises(ConfigurationError, match="lock_timeout"):
        await refresh(token_file, lock_timeout=math.nan)


# -- a saved profile replays only what the options table remembers -----------------------------


async def test_a_profile_replays_only_the_remembered_settings(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    cli = Cli(tmp_path, fake_lwa)
    done = await cli.login("--profile", "p")
    assert done.exit_code == 0, done.stderr
    profile = tmp_path / "config" / "lwa-loopback" / "profiles" / "p.json"
    saved = json.loads(profile.read_text())
    # A hand-edited (or planted) file: settings the tool never saves.
    saved["sign_in"].update(
        client_secret="planted-secret",
        bind="0.0.0.0:0",
        timeout="0.001",
        token_file=str(tmp_path / "elsewhere.json"),
    )
    profile.write_text(json.dumps(saved))
    profile.chmod(0o600)

    again = Cli(tmp_path, fake_lwa)
    again.env.pop("LWA_CLIENT_SECRET")
    done = await again.login("--profile", "p")

    assert done.exit_code == 0, done.stderr  # the planted 1 ms timeout was not used
    assert "0.0.0.0" not in done.stderr  # nor the bind
    assert "client_secret" not in fake_lwa.token_requests[-1].params  # nor the secret
    assert not (tmp_path / "elsewhere.json").exists()
    assert read_token_file(profile).client_secret_sent is False


async def test_a_profile_flow_comes_from_the_grant_model(fake_lwa: FakeLWA, tmp_path: Path) -> None:
    """A client-credentials profile signs in again as client credentials, with no browser."""
    cli = Cli(tmp_path, fake_lwa)
    await cli.start("client-credentials", "--profile", "cc", "--scope", "x::y")
    assert (await cli.finish()).exit_code == 0

    again = Cli(tmp_path, fake_lwa)
    await again.start("login", "--profile", "cc", "--no-browser")
    done = await again.finish()

    assert done.exit_code == 0, done.stderr
    assert "Got an access token for scope x::y" in done.stderr
    assert fake_lwa.consent_requests == []


async def test_every_stored_grant_is_read_back(fake_lwa: FakeLWA, token_file: Path) -> None:
    data = make_token_file(fake_lwa, token_file).to_json()
    for stored, grant in BY_STORED.items():
        assert Tokens.from_json({**data, "grant": stored}).obtained_by is grant


async def test_an_unknown_grant_in_a_file_is_refused(fake_lwa: FakeLWA, token_file: Path) -> None:
    data = make_token_file(fake_lwa, token_file).to_json()
    token_file.write_text(json.dumps({**data, "grant": "password"}))

    with pytest.raises(TokenFileUnusable, match="password"):
        read_token_file(token_file)
