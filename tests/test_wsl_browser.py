"""Under WSL the consent page opens in the Windows browser, through ``wslview`` or PowerShell.

No Windows here: the launchers are stub programs on PATH (tests/_windows_launchers.py) that read
their arguments as wslview and powershell.exe would, record the URL they would open and anything
else that would run, and (when asked) follow the URL as a browser would.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from lwa_loopback import LoginError, Pacing, login, login_device, read_token_file
from lwa_loopback._browser import (
    open_system_browser,
    openable_url,
    powershell_literal,
    running_in_wsl,
)
from lwa_loopback.testing import FakeLWA

from ._browsers import subprocess_env
from ._cli_process import Cli
from ._waiting import wait_until
from ._windows_launchers import Launchers, write_stub
from .test_bind import kept_logs

# Every character that a careless hand-off to Windows breaks: `&` (cmd.exe and PowerShell
# operators), `'` (PowerShell's string quote, also its typographic forms), `%` (cmd.exe's
# variables), `$` and a backtick (PowerShell's expansion), encoded spaces and UTF-8.
HOSTILE_URL = (
    "http://127.0.0.1:9/ap/oa?client_id=amzn1.x&scope=profile%20postal_code+x"
    "&state=it's&note=%E2%9C%93&path=%PATH%&v=$env:USERNAME&t=`n&q=\u2019';Start-Process('calc');'"
)
#: As every launcher is handed it.
GATED_URL = openable_url(HOSTILE_URL)


@pytest.fixture
def launchers(tmp_path: Path) -> Launchers:
    return Launchers(tmp_path / "bin")


@pytest.fixture
def plain_linux(tmp_path: Path) -> Path:
    """An osrelease file that names no WSL kernel: WSL is told by the environment alone."""
    path = tmp_path / "osrelease"
    path.write_text("6.8.0-45-generic\n")
    return path


@pytest.mark.parametrize(
    ("environ", "osrelease", "wsl"),
    [
        ({"WSL_DISTRO_NAME": "Ubuntu"}, "6.8.0-45-generic", True),
        ({"WSL_INTEROP": "/run/WSL/8_interop"}, "6.8.0-45-generic", True),
        ({}, "5.15.153.1-microsoft-standard-WSL2", True),
        ({}, "4.4.0-19041-Microsoft", True),  # WSL 1
        ({"WSL_DISTRO_NAME": ""}, "6.8.0-45-generic", False),
        ({}, "6.8.0-45-generic", False),
        ({}, None, False),  # no such file: not Linux
    ],
)
def test_wsl_is_told_by_its_variables_or_its_kernel(
    tmp_path: Path, environ: dict[str, str], osrelease: str | None, wsl: bool
) -> None:
    path = tmp_path / "osrelease"
    if osrelease is not None:
        path.write_text(osrelease + "\n")
    assert running_in_wsl(environ, path) is wsl


async def test_wslview_gets_the_gated_url_and_runs_nothing_else(
    launchers: Launchers, plain_linux: Path
) -> None:
    launchers.add("wslview")

    opened = await open_system_browser(
        HOSTILE_URL, environ=launchers.environ(), osrelease=plain_linux
    )

    assert opened
    assert launchers.launched == [
        {"launcher": "wslview", "args": [GATED_URL], "url": GATED_URL, "code": []}
    ]


async def test_powershell_gets_the_gated_url_as_one_literal(
    launchers: Launchers, plain_linux: Path
) -> None:
    launchers.add("powershell.exe")

    opened = await open_system_browser(
        HOSTILE_URL, environ=launchers.environ(), osrelease=plain_linux
    )

    assert opened
    (launch,) = launchers.launched
    assert launch["args"] == [
        "-NoProfile",
        "-NonInteractive",
        "-Command",
        "Start-Process",
        powershell_literal(GATED_URL),
    ]
    assert launch["url"] == GATED_URL  # one literal, the whole script: nothing else runs
    assert launch["code"] == []


def test_what_the_windows_command_line_would_parse_is_percent_encoded() -> None:
    # Never valid in a URL as sent; on the Windows command line a quote would be stripped and a
    # space would split the argument.
    assert powershell_literal('http://h/?a=b c"d\te') == "'http://h/?a=b%20c%22d%09e'"
    assert powershell_literal("http://h/?a='\u2018") == "'http://h/?a=''\u2018\u2018'"


async def test_wslview_comes_before_powershell(launchers: Launchers, plain_linux: Path) -> None:
    launchers.add("wslview")
    launchers.add("powershell.exe")

    assert await open_system_browser(
        HOSTILE_URL, environ=launchers.environ(), osrelease=plain_linux
    )

    assert [launch["launcher"] for launch in launchers.launched] == ["wslview"]


async def test_a_failing_wslview_falls_back_to_powershell(
    launchers: Launchers, plain_linux: Path
) -> None:
    launchers.add("wslview", exit_code=1)
    launchers.add("powershell.exe")

    assert await open_system_browser(
        HOSTILE_URL, environ=launchers.environ(), osrelease=plain_linux
    )

    assert [launch["launcher"] for launch in launchers.launched] == ["wslview", "powershell.exe"]
    assert [launch["url"] for launch in launchers.launched] == [GATED_URL] * 2
    assert launchers.code_run == []


async def test_a_launcher_that_cannot_start_hands_over_to_the_next(
    launchers: Launchers, plain_linux: Path
) -> None:
    # As with WSL's interop switched off: the Windows program is there, but cannot be run.
    unrunnable = launchers.folder / "wslview"
    unrunnable.write_bytes(b"MZ\x90\x00 not a Linux program")
    unrunnable.chmod(0o755)
    launchers.add("powershell.exe")

    assert await open_system_browser(
        HOSTILE_URL, environ=launchers.environ(), osrelease=plain_linux
    )

    assert [launch["launcher"] for launch in launchers.launched] == ["powershell.exe"]


async def test_with_every_launcher_failing_or_missing_nothing_is_opened(
    launchers: Launchers, plain_linux: Path
) -> None:
    assert not await open_system_browser(
        HOSTILE_URL, environ=launchers.environ(), osrelease=plain_linux
    )
    launchers.add("wslview", exit_code=1)
    launchers.add("powershell.exe", exit_code=1)
    assert not await open_system_browser(
        HOSTILE_URL, environ=launchers.environ(), osrelease=plain_linux
    )
    assert [launch["launcher"] for launch in launchers.launched] == ["wslview", "powershell.exe"]


async def test_a_login_completes_through_powershell(
    launchers: Launchers, plain_linux: Path, options: dict[str, Any], token_file: Path
) -> None:
    launchers.add("powershell.exe", follow=True)
    opened: list[bool] = []

    async def windows_browser(url: str) -> None:
        opened.append(
            await open_system_browser(url, environ=launchers.environ(), osrelease=plain_linux)
        )

    tokens = await login(**{**options, "open_browser": windows_browser})

    assert opened == [True]
    assert read_token_file(token_file).access_token == tokens.access_token


async def test_the_command_signs_in_through_wslview(
    cli: Cli, launchers: Launchers, fake_lwa: FakeLWA
) -> None:
    launchers.add("wslview", follow=True)
    launchers.add("powershell.exe")
    cli.env.pop("BROWSER", None)
    # scope_data: JSON, so the URL holds percent-escapes
    cli.env.update(launchers.environ(LWA_SCOPE_DATA='{"profile": {"essential": false}}'))

    await cli.start("login")
    url = await cli.consent_url()
    done = await cli.finish()

    assert done.exit_code == 0, done.stderr
    assert "No browser could be opened" not in done.stderr
    assert launchers.launched == [{"launcher": "wslview", "args": [url], "url": url, "code": []}]
    assert "&" in url and "%" in url
    assert openable_url(url) == url  # the consent URL as built needs nothing encoded
    assert read_token_file(cli.default_file).client_id == fake_lwa.client_id


async def test_browser_wins_under_wsl_too(cli: Cli, launchers: Launchers, tmp_path: Path) -> None:
    launchers.add("wslview")
    launchers.add("powershell.exe")
    browser = tmp_path / "my-browser"
    write_stub(browser, tmp_path / "browser.jsonl", follow=True)
    cli.env.update(launchers.environ(BROWSER=str(browser)))

    await cli.start("login")
    url = await cli.consent_url()
    done = await cli.finish()

    assert done.exit_code == 0, done.stderr
    assert launchers.launched == []
    assert json.loads((tmp_path / "browser.jsonl").read_text())["url"] == url


# -- URLs from the network: a hostile code pair answer, or a consent URL gone wrong -------------
VERIFICATION = "https://amazon.com/us/code"
# Opened, percent-encoded: what each would do on Windows if handed over as it came.
ENCODED = [
    pytest.param(VERIFICATION + "?x=$(calc)", id="subexpression"),
    pytest.param(VERIFICATION + "?x=$env:USERPROFILE", id="variable"),
    pytest.param(VERIFICATION + "?x=`$(calc)`u{22}", id="backtick"),
    pytest.param(VERIFICATION + '?x=";calc;"', id="double-quote"),
    pytest.param(VERIFICATION + "?x=\u201d;calc;\u201c", id="typographic-double-quotes"),
    pytest.param(VERIFICATION + "?x=';calc;'", id="single-quote"),
    pytest.param(VERIFICATION + "?x=\u2019;calc;\u2018", id="typographic-single-quotes"),
    pytest.param(VERIFICATION + "?x=1;calc", id="semicolon"),
    pytest.param(VERIFICATION + "?x=(calc)|{calc}<a>^!\\", id="other-operators"),
]
# Refused, with the reason the warning gives.
REFUSED = [
    pytest.param(VERIFICATION + "\r\ncalc", "control characters", id="crlf"),
    pytest.param(VERIFICATION + '?x="\ncalc\n"', "control characters", id="quote-newline"),
    pytest.param("-u", "not https", id="wslview-option"),
    pytest.param("--help", "not https", id="wslview-help"),
    pytest.param("-o/tmp/x" + VERIFICATION, "not https", id="curl-option"),
    pytest.param("javascript:alert(1)", "not https", id="javascript"),
    pytest.param("file:///etc/passwd", "not https", id="file"),
    pytest.param("http://amazon.com.example/us/code", "not https", id="http-elsewhere"),
    pytest.param("https://user:pw@amazon.com/us/code", "user name or password", id="userinfo"),
    pytest.param(VERIFICATION + "\u202e/edoc", "formatting characters", id="bidi"),
    pytest.param(VERIFICATION + "\u0085calc", "control characters", id="c1-next-line"),
    pytest.param(VERIFICATION + "\u009b2J", "control characters", id="c1-csi"),
]


@pytest.mark.parametrize("url", ENCODED)
async def test_every_launcher_gets_the_gated_url_and_nothing_runs(
    launchers: Launchers, plain_linux: Path, url: str
) -> None:
    launchers.add("wslview", exit_code=1)  # so that PowerShell is handed it too
    launchers.add("powershell.exe")

    assert await open_system_browser(url, environ=launchers.environ(), osrelease=plain_linux)

    assert launchers.code_run == []
    gated = openable_url(url)
    assert [launch["url"] for launch in launchers.launched] == [gated, gated]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
async def test_a_refused_url_reaches_no_launcher_and_the_warning_says_why(
    launchers: Launchers, plain_linux: Path, url: str, reason: str
) -> None:
    launchers.add("wslview")
    launchers.add("powershell.exe")

    with kept_logs() as said:
        opened = await open_system_browser(url, environ=launchers.environ(), osrelease=plain_linux)

    assert not opened
    assert launchers.launched == []
    (warning,) = [record.getMessage() for record in said if record.levelno == logging.WARNING]
    assert warning.startswith("Not opening ") and reason in warning
    assert warning.isprintable()  # the URL shown with its control characters replaced


def test_a_browser_command_gets_the_gated_url_too(tmp_path: Path) -> None:
    # A fresh process: webbrowser reads BROWSER once.
    browser = tmp_path / "my-browser"
    write_stub(browser, tmp_path / "browser.jsonl")
    script = (
        "import asyncio, sys; from lwa_loopback._browser import open_system_browser; "
        "print([asyncio.run(open_system_browser(url)) for url in sys.argv[1:]])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, HOSTILE_URL, "-u"],
        capture_output=True,
        text=True,
        env=subprocess_env(BROWSER=str(browser)),
        timeout=60,
        check=True,
    )

    assert result.stdout.strip() == "[True, False]"
    assert "Not opening -u in a browser: it is not https." in result.stderr
    (launch,) = [json.loads(line) for line in (tmp_path / "browser.jsonl").read_text().splitlines()]
    assert launch["args"] == [GATED_URL]


# -- the device flow's verification_uri, from a hostile code pair endpoint ---------------------
@asynccontextmanager
async def hostile_codepair(
    fake_lwa: FakeLWA, verification_uri: str
) -> AsyncIterator[dict[str, str]]:
    """A code pair endpoint that asks the fake for a pair and hands it on with
    ``verification_uri`` in place of the fake's. Yields ``{"url": ..., "user_code": ...}``."""
    seen: dict[str, str] = {}

    async def codepair(request: web.Request) -> web.Response:
        form = await request.post()
        async with (
            aiohttp.ClientSession() as session,
            session.post(fake_lwa.codepair_url, data=dict(form)) as answer,
        ):
            pair = await answer.json()
        seen["user_code"] = pair["user_code"]
        return web.json_response({**pair, "verification_uri": verification_uri})

    app = web.Application()
    app.router.add_post("/auth/o2/create/codepair", codepair)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        seen["url"] = f"http://127.0.0.1:{port}/auth/o2/create/codepair"
        yield seen
    finally:
        await runner.cleanup()


@pytest.fixture
def windows_only(launchers: Launchers, monkeypatch: pytest.MonkeyPatch) -> Iterator[Launchers]:
    """This process under WSL, as far as the default ``on_code`` can tell: the launcher stubs
    alone on PATH, and no BROWSER."""
    launchers.add("wslview", exit_code=1)
    launchers.add("powershell.exe")
    monkeypatch.delenv("BROWSER", raising=False)
    for name, value in launchers.environ().items():
        monkeypatch.setenv(name, value)
    yield launchers


@pytest.mark.parametrize(
    "verification_uri",
    [VERIFICATION + "?x=$(calc)", VERIFICATION + '?x=";calc;"', "-u", "javascript:alert(1)"],
)
async def test_a_hostile_verification_uri_runs_nothing_on_windows(
    fake_lwa: FakeLWA, windows_only: Launchers, token_file: Path, verification_uri: str
) -> None:
    fake_lwa.device_interval = 0.05
    with kept_logs() as said:
        async with hostile_codepair(fake_lwa, verification_uri) as codepair:
            # Approves once the default on_code has handed the page to a launcher or refused it.
            approver = asyncio.ensure_future(
                _approve_when_shown(fake_lwa, codepair, windows_only, said)
            )
            try:
                await login_device(
                    client_id=fake_lwa.client_id,
                    scope="profile",
                    token_url=fake_lwa.token_url,
                    codepair_url=codepair["url"],
                    token_file=token_file,
                    pacing=Pacing(floor=0.05),  # the fake's interval, not the 1 s floor
                )
            except LoginError:
                pass  # the flow may refuse such a verification_uri before showing the code
            finally:
                approver.cancel()

    assert windows_only.code_run == []
    assert {launch["url"] for launch in windows_only.launched} <= {_gated_or_none(verification_uri)}


async def _approve_when_shown(
    fake_lwa: FakeLWA, codepair: dict[str, str], stubs: Launchers, said: list[logging.LogRecord]
) -> None:
    def shown() -> bool:
        refused = any(record.getMessage().startswith("Not opening") for record in said)
        return len(stubs.launched) == 2 or refused  # wslview fails: PowerShell is next

    await wait_until(shown, "the verification page handed to a launcher, or refused")
    fake_lwa.approve(codepair["user_code"])


def _gated_or_none(url: str) -> str | None:
    try:
        return openable_url(url)
    except ValueError:
        return None
