"""``lwa-loopback login`` and ``demo`` as a user runs them: a real process, real sockets."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import stat
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from lwa_loopback._cli._login import login
from lwa_loopback._cli._main import main
from lwa_loopback.testing import FakeLWA, HeadlessBrowser, TokenFailure

from ._cli_process import Cli, assert_no_secrets
from ._sockets import ANY_PORT_REDIRECT
from ._waiting import wait_until


async def test_login_writes_the_default_token_file(cli: Cli, fake_lwa: FakeLWA) -> None:
    done = await cli.login()

    assert done.exit_code == 0, done.stderr
    assert done.stdout == ""  # tokens never go to stdout unless asked
    assert f"Tokens saved to {cli.default_file}" in done.stderr
    assert "refresh token saved" in done.stderr
    assert stat.S_IMODE(cli.default_file.stat().st_mode) == 0o600
    assert_no_secrets(done.stderr, fake_lwa, cli.default_file)


async def test_login_options_on_the_command_line(
    cli: Cli, fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    for name in ("LWA_CLIENT_ID", "LWA_REDIRECT_URI", "LWA_SCOPE"):
        del cli.env[name]
    out = tmp_path / "elsewhere" / "t.json"
    done = await cli.login(
        "--client-id",
        fake_lwa.client_id,
        "--redirect-uri",
        ANY_PORT_REDIRECT,
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
    assert fake_lwa.consent_requests[0].params["scope"] == "profile postal_code profile:user_id"


async def test_without_a_secret_a_warning_comes_before_the_url(cli: Cli, fake_lwa: FakeLWA) -> None:
    del cli.env["LWA_CLIENT_SECRET"]
    done = await cli.login()

    assert done.exit_code == 0, done.stderr
    warning = next(i for i, line in enumerate(cli.head) if "no client secret" in line)
    assert warning < len(cli.head) - 1  # before the consent URL, the last line read
    assert "no refresh token" in done.stderr


async def test_consent_refused_exits_3(cli: Cli, fake_lwa: FakeLWA) -> None:
    fake_lwa.consent_error = "access_denied"
    done = await cli.login()

    assert done.exit_code == 3
    assert "access_denied" in done.stderr and "choose Allow" in done.stderr
    assert not cli.default_file.exists()
    assert "Traceback" not in done.stderr


async def test_no_redirect_exits_4(cli: Cli) -> None:
    done = await cli.login("--timeout", "0.3", browse=False)

    assert done.exit_code == 4
    assert "No redirect reached" in done.stderr


async def test_a_refused_exchange_exits_5(cli: Cli, fake_lwa: FakeLWA) -> None:
    fake_lwa.token_failure = TokenFailure.INVALID_GRANT
    done = await cli.login()

    assert done.exit_code == 5
    assert "invalid_grant" in done.stderr
    assert not cli.default_file.exists()
    assert_no_secrets(done.stderr, fake_lwa)


async def test_a_port_in_use_exits_6(cli: Cli, fake_lwa: FakeLWA) -> None:
    with socket.socket() as busy:  # held by the test until the command has exited
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        cli.env["LWA_REDIRECT_URI"] = f"http://127.0.0.1:{port}/callback"
        done = await cli.login(browse=False)

    assert done.exit_code == 6
    assert f"port {port}" in done.stderr
    assert "Traceback" not in done.stderr
    assert fake_lwa.requests == []


async def test_demo_runs_the_whole_flow(tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    demo = Cli(tmp_path)  # the demo brings its own fake LWA server
    await demo.start("demo", "--out", str(out))
    done = await demo.finish()

    assert done.exit_code == 0, done.stderr
    assert json.loads(out.read_text())["access_token"].startswith("Atza|fake.")
    assert f"Tokens saved to {out}" in done.stderr
    assert done.stdout == ""


async def test_a_reader_gone_before_the_output_exits_1_without_a_traceback(
    tmp_path: Path,
) -> None:
    """`lwa-loopback --help | head -0`: the pipe's reader has closed before anything is written,
    so the output cannot be delivered; the command says nothing more and exits 1."""
    reader, writer = os.pipe()
    os.close(reader)
    command = Cli(tmp_path)
    try:
        await command.start("--help", stdout=writer)
    finally:
        os.close(writer)  # the command holds its own copy
    done = await command.finish()

    assert done.exit_code == 1
    assert done.stderr == ""


async def test_no_standard_output_at_all_exits_1_without_a_traceback(tmp_path: Path) -> None:
    """`lwa-loopback --help >&-`: Python starts with no sys.stdout; the help goes nowhere, and
    the exit status says so."""
    command = Cli(tmp_path)
    await command.start("--help", preexec_fn=lambda: os.close(1))
    done = await command.finish()

    assert done.exit_code == 1
    assert done.stderr == ""


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
        "--client-id": "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
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

    assert result.exit_code == 0, result.output
    shown = " ".join(result.output.split())  # as one line: click wraps the help
    assert login.params  # each option of the command itself, so that none can be forgotten
    for param in login.params:
        assert isinstance(param, click.Option), param
        for flag in (*param.opts, *param.secondary_opts):
            assert flag in shown, flag
        assert param.help and " ".join(param.help.split()) in shown, param.name
        if param.envvar is not None:
            assert f"env var: {param.envvar}" in shown, param.name


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
    # Against Amazon, port 0 is refused; with --paste nothing listens, so any port will do.
    cli.env["LWA_REDIRECT_URI"] = "http://127.0.0.1:8080/callback"
    await cli.start("login", "--no-browser", "--paste", "--region", region)
    url = await cli.consent_url()  # never opened: nothing reaches Amazon
    done = await cli.finish()  # standard input is empty: nothing to paste

    assert url.startswith(consent_page)
    assert done.exit_code == 2
    assert "Nothing was pasted" in done.stderr or "standard input ended" in done.stderr


@pytest.mark.parametrize("token_url", ["http://lwa.example/auth/o2/token", "not-a-url"])
def test_a_token_url_that_would_leak_the_secret_is_refused(token_url: str) -> None:
    result = CliRunner().invoke(
        main,
        [
            "login",
            "--client-id",
            "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
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


async def test_with_no_browser_to_open_it_says_so_and_waits(cli: Cli) -> None:
    # Only $BROWSER is tried: no display for graphical browsers, no terminal for console ones.
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "TERM"):
        cli.env.pop(name, None)
    cli.env["BROWSER"] = "false"  # a browser command that fails
    await cli.start("login")
    url = await cli.consent_url()
    await cli.read_until(lambda line: "No browser could be opened here" in line)
    await HeadlessBrowser()(url)  # the person opens the address themselves
    done = await cli.finish()

    assert done.exit_code == 0, done.stderr
    assert cli.default_file.exists()


async def test_a_browser_command_that_blocks_does_not_hold_the_login(
    cli: Cli, tmp_path: Path
) -> None:
    """$BROWSER (or a console browser) that never returns: the login ends anyway."""
    started = tmp_path / "browser-started"
    script = tmp_path / "stuck-browser"
    # It writes its process id and the URL it was given, then never returns; its output goes
    # elsewhere, so that only the login holds the test's pipes.
    script.write_text(
        f'#!/bin/sh\necho "$$ $1" > {started}.part && mv {started}.part {started}\n'
        "exec sleep 120 >/dev/null 2>&1\n"
    )
    script.chmod(0o755)
    cli.env["BROWSER"] = str(script)
    await cli.start("login")
    url = await cli.consent_url()
    try:
        await wait_until(started.exists, "the BROWSER command was never started")
        pid, opened = started.read_text().split()
        assert opened == url
        await HeadlessBrowser()(url)
        done = await cli.finish()  # would sit out the 120 s sleep if the browser were waited on
        os.kill(int(pid), 0)  # still running, stuck: the login ended without it
    finally:
        if started.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(started.read_text().split()[0]), signal.SIGKILL)

    assert done.exit_code == 0, done.stderr
