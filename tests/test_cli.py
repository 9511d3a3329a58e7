"""``lwa-loopback login`` and ``demo`` as a user runs them: a real process, real sockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from lwa_loopback._cli._main import main
from lwa_loopback.testing import FakeLWA, HeadlessBrowser, TokenFailure

from ._sockets import free_port
from .test_login_library import sabotage_then

_PATIENCE = 30.0  # seconds a step may take before the test gives up (never asserted on)


@dataclass
class Finished:
    exit_code: int
    stdout: str
    stderr: str


class Cli:
    """``python -m lwa_loopback`` in a subprocess, its consent URL followed by a browser."""

    def __init__(self, lwa: FakeLWA, tmp_path: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LWA_")}
        self.env.update(
            {
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
                "LWA_CLIENT_ID": lwa.client_id,
                "LWA_CLIENT_SECRET": lwa.client_secret,
                "LWA_AUTHORIZE_URL": lwa.authorize_url,
                "LWA_TOKEN_URL": lwa.token_url,
                "LWA_SCOPE": "profile",
            }
        )
        self.port = free_port()
        self.env["LWA_REDIRECT_URI"] = f"http://127.0.0.1:{self.port}/callback"
        self.default_file = tmp_path / "config" / "lwa-loopback" / "tokens.json"
        self.process: asyncio.subprocess.Process | None = None
        self.head: list[str] = []

    async def start(self, *args: str) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "lwa_loopback",
            *args,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )

    async def consent_url(self) -> str:
        """Read stderr up to the consent URL, printed alone on its line."""
        assert self.process is not None and self.process.stderr is not None
        while True:
            line = await asyncio.wait_for(self.process.stderr.readline(), _PATIENCE)
            if not line:
                raise AssertionError(f"no consent URL; stderr so far: {self.head}")
            text = line.decode().rstrip("\n")
            self.head.append(text)
            if text.startswith(("http://", "https://")):
                return text

    async def finish(self) -> Finished:
        assert self.process is not None
        stdout, stderr = await asyncio.wait_for(self.process.communicate(), _PATIENCE)
        assert self.process.returncode is not None
        return Finished(
            self.process.returncode, stdout.decode(), "\n".join([*self.head, stderr.decode()])
        )

    async def login(self, *args: str, browse: bool = True) -> Finished:
        await self.start("login", "--no-browser", *args)
        if browse:
            await HeadlessBrowser()(await self.consent_url())
        return await self.finish()


@pytest.fixture
def cli(lwa: FakeLWA, tmp_path: Path) -> Cli:
    return Cli(lwa, tmp_path)


def assert_no_secrets(text: str, lwa: FakeLWA, path: Path | None = None) -> None:
    assert lwa.client_secret not in text
    for request in lwa.token_requests:
        assert request.params["code"] not in text
    if path is not None and path.exists():
        saved = json.loads(path.read_text())
        assert saved["access_token"] not in text
        assert saved.get("refresh_token", "-") not in text


async def test_login_writes_the_default_token_file(cli: Cli, lwa: FakeLWA) -> None:
    done = await cli.login()

    assert done.exit_code == 0, done.stderr
    assert done.stdout == ""  # tokens never go to stdout unless asked
    assert f"Tokens saved to {cli.default_file}" in done.stderr
    assert "refresh token saved" in done.stderr
    assert stat.S_IMODE(cli.default_file.stat().st_mode) == 0o600
    assert_no_secrets(done.stderr, lwa, cli.default_file)


async def test_login_options_on_the_command_line(cli: Cli, lwa: FakeLWA, tmp_path: Path) -> None:
    for name in ("LWA_CLIENT_ID", "LWA_REDIRECT_URI", "LWA_SCOPE"):
        del cli.env[name]
    out = tmp_path / "elsewhere" / "t.json"
    done = await cli.login(
        "--client-id",
        lwa.client_id,
        "--redirect-uri",
        f"http://127.0.0.1:{cli.port}/callback",
        "--scope",
        "profile postal_code",
        "--scope",
        "profile:user_id",
        "--out",
        str(out),
        "--json",
    )

    assert done.exit_code == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed == json.loads(out.read_text())
    assert printed["scope"] == "profile postal_code profile:user_id"
    assert lwa.consent_requests[0].params["scope"] == "profile postal_code profile:user_id"


async def test_without_a_secret_a_warning_comes_before_the_url(cli: Cli, lwa: FakeLWA) -> None:
    del cli.env["LWA_CLIENT_SECRET"]
    done = await cli.login()

    assert done.exit_code == 0, done.stderr
    warning = next(i for i, line in enumerate(cli.head) if "no client secret" in line)
    assert warning < len(cli.head) - 1  # before the consent URL, the last line read
    assert "no refresh token" in done.stderr


async def test_consent_refused_exits_3(cli: Cli, lwa: FakeLWA) -> None:
    lwa.consent_error = "access_denied"
    done = await cli.login()

    assert done.exit_code == 3
    assert "access_denied" in done.stderr and "choose Allow" in done.stderr
    assert not cli.default_file.exists()
    assert "Traceback" not in done.stderr


async def test_no_redirect_exits_4(cli: Cli) -> None:
    done = await cli.login("--timeout", "0.3", browse=False)

    assert done.exit_code == 4
    assert "No redirect reached" in done.stderr


async def test_a_refused_exchange_exits_5(cli: Cli, lwa: FakeLWA) -> None:
    lwa.token_failure = TokenFailure.INVALID_GRANT
    done = await cli.login()

    assert done.exit_code == 5
    assert "invalid_grant" in done.stderr
    assert not cli.default_file.exists()
    assert_no_secrets(done.stderr, lwa)


async def test_a_port_in_use_exits_6(cli: Cli) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", cli.port))
        busy.listen()
        done = await cli.login(browse=False)

    assert done.exit_code == 6
    assert f"port {cli.port}" in done.stderr
    assert "Traceback" not in done.stderr


async def test_a_token_file_that_cannot_be_written_exits_7_with_the_tokens_on_stdout(
    cli: Cli, lwa: FakeLWA
) -> None:
    await cli.start("login", "--no-browser")
    opener = sabotage_then(HeadlessBrowser(), cli.default_file.parent)
    await opener(await cli.consent_url())
    done = await cli.finish()

    assert done.exit_code == 7
    saved = json.loads(done.stdout)
    assert saved["access_token"].startswith("Atza|fake.")
    assert saved["refresh_token"].startswith("Atzr|fake.")
    assert "save them now" in done.stderr


async def test_an_unwritable_out_is_a_usage_error_before_the_browser(
    cli: Cli, lwa: FakeLWA, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("")
    done = await cli.login("--out", str(tmp_path / "a-file" / "tokens.json"), browse=False)

    assert done.exit_code == 2
    assert "Cannot write the token file" in done.stderr
    assert "Traceback" not in done.stderr
    assert lwa.requests == []


@pytest.mark.parametrize(("sent", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
async def test_interrupted_while_waiting(cli: Cli, sent: signal.Signals, code: int) -> None:
    await cli.start("login", "--no-browser")
    await cli.consent_url()
    assert cli.process is not None
    cli.process.send_signal(sent)
    done = await cli.finish()

    assert done.exit_code == code
    assert "Traceback" not in done.stderr
    assert not cli.default_file.exists()


async def test_demo_runs_the_whole_flow(tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "lwa_loopback",
        "demo",
        "--out",
        str(out),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), _PATIENCE)

    assert process.returncode == 0, stderr.decode()
    assert json.loads(out.read_text())["access_token"].startswith("Atza|fake.")
    assert f"Tokens saved to {out}" in stderr.decode()
    assert stdout == b""


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--redirect-uri", "ftp://127.0.0.1:8080/cb"], "must start with http:// or https://"),
        (["--scope-data", "{oops"], "not valid JSON"),
        (["--region", "mars"], "Invalid value for '--region'"),
        (["--timeout", "0"], "Invalid value for '--timeout'"),
        (["--redirect-uri", "http://127.0.0.1:0/callback"], "port 0"),
    ],
)
def test_usage_errors_exit_2(args: list[str], said: str) -> None:
    base = {
        "--client-id": "amzn1.application-oa2-client.x",
        "--scope": "profile",
        "--redirect-uri": "http://127.0.0.1:8080/callback",
    }
    for name, value in zip(args[::2], args[1::2], strict=True):
        base[name] = value
    result = CliRunner().invoke(
        main, ["login", *[x for kv in base.items() for x in kv]], env={"LWA_CLIENT_SECRET": None}
    )

    assert result.exit_code == 2, result.output
    assert said in result.output


def test_a_missing_client_id_is_a_usage_error() -> None:
    result = CliRunner().invoke(
        main,
        ["login", "--redirect-uri", "http://127.0.0.1:1/c", "--scope", "profile"],
        env={"LWA_CLIENT_ID": None},
    )
    assert result.exit_code == 2
    assert "--client-id" in result.output


def test_help_lists_every_login_option() -> None:
    result = CliRunner().invoke(main, ["login", "--help"])
    for option in (
        "--client-id",
        "--client-secret",
        "--redirect-uri",
        "--scope",
        "--scope-data",
        "--region",
        "--authorize-url",
        "--token-url",
        "--out",
        "--no-browser",
        "--timeout",
        "--json",
        "LWA_TOKEN_FILE",
    ):
        assert option in result.output


@pytest.mark.parametrize(
    ("region", "consent_page"),
    [
        ("na", "https://www.amazon.com/ap/oa?"),
        ("eu", "https://eu.account.amazon.com/ap/oa?"),
        ("fe", "https://apac.account.amazon.com/ap/oa?"),
    ],
)
async def test_the_region_picks_the_consent_page(cli: Cli, region: str, consent_page: str) -> None:
    del cli.env["LWA_AUTHORIZE_URL"]
    await cli.start("login", "--no-browser", "--region", region, "--timeout", "0.5")
    url = await cli.consent_url()  # never opened: nothing reaches Amazon
    done = await cli.finish()

    assert url.startswith(consent_page)
    assert done.exit_code == 4


@pytest.mark.parametrize("token_url", ["http://lwa.example/auth/o2/token", "not a url"])
def test_a_token_url_that_would_leak_the_secret_is_refused(token_url: str) -> None:
    result = CliRunner().invoke(
        main,
        [
            "login",
            "--client-id",
            "amzn1.application-oa2-client.x",
            "--scope",
            "profile",
            "--redirect-uri",
            "http://127.0.0.1:8080/callback",
            "--token-url",
            token_url,
        ],
    )
    assert result.exit_code == 2
    assert "must be an https:// URL" in result.output


async def test_a_browser_command_that_blocks_does_not_hold_the_login(
    cli: Cli, tmp_path: Path
) -> None:
    """$BROWSER (or a console browser) that never returns: the login ends anyway."""
    started = tmp_path / "browser-started"
    script = tmp_path / "stuck-browser"
    # its output goes elsewhere, so that only the login holds the test's pipes
    script.write_text(f"#!/bin/sh\necho $$ > {started}\nexec sleep 120 >/dev/null 2>&1\n")
    script.chmod(0o755)
    cli.env["BROWSER"] = str(script)
    await cli.start("login")
    url = await cli.consent_url()
    for _ in range(500):  # until the stuck browser runs (bounded)
        if started.exists():
            break
        await asyncio.sleep(0.02)
    try:
        await HeadlessBrowser()(url)
        done = await cli.finish()  # would sit out the 120 s sleep if the browser were waited on
    finally:
        if started.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(started.read_text()), signal.SIGKILL)

    assert done.exit_code == 0, done.stderr
