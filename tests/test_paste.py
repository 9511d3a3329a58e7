"""Paste-back mode: no listener; the address the browser ended on comes back through a reader
(the library) or stdin (the CLI, as a real subprocess)."""

from __future__ import annotations

import json
import signal
import socket
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from yarl import URL

from lwa_loopback import ConsentError, LoginTimeout, PasteError, login
from lwa_loopback._cli._main import main
from lwa_loopback.testing import FakeLWA

from ._certificates import PASTE_REDIRECT, LocationCatcher, consent_location
from ._cli_process import Cli, Finished, assert_no_secrets


@pytest.fixture
async def paste_lwa() -> Any:
    async with FakeLWA(redirect_uris=[PASTE_REDIRECT]) as fake:
        yield fake


@pytest.fixture
def paste_options(paste_lwa: FakeLWA, token_file: Path) -> dict[str, Any]:
    return {
        **paste_lwa.login_options(),
        "redirect_uri": PASTE_REDIRECT,
        "scope": "profile",
        "token_file": token_file,
        "timeout": 10.0,
    }


def _with_state(location: str, state: str) -> str:
    return str(URL(location).update_query(state=state))


# -- the library, with a reader ------------------------------------------------------------------
async def test_a_return_url_that_is_not_loopback_selects_paste_back(
    paste_options: dict[str, Any],
    paste_lwa: FakeLWA,
    token_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    catcher = LocationCatcher()
    caplog.set_level("INFO", logger="lwa_loopback")

    tokens = await login(**paste_options, open_browser=catcher, paste=catcher.paste)

    assert json.loads(token_file.read_text())["access_token"] == tokens.access_token
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    [exchange] = paste_lwa.token_requests
    assert exchange.params["redirect_uri"] == PASTE_REDIRECT
    assert exchange.params["code"] == URL(catcher.paste()).query["code"]
    assert "paste-back mode" in caplog.text
    assert exchange.params["code"] not in caplog.text


async def test_paste_uses_the_granted_scope_of_the_pasted_address(
    paste_options: dict[str, Any], paste_lwa: FakeLWA
) -> None:
    paste_lwa.granted_scopes = {"profile"}
    catcher = LocationCatcher()

    tokens = await login(
        **{**paste_options, "scope": "profile postal_code"},
        open_browser=catcher,
        paste=catcher.paste,
    )

    assert tokens.scope == "profile"


async def test_a_pasted_address_from_another_sign_in_is_refused_unused(
    paste_options: dict[str, Any], paste_lwa: FakeLWA
) -> None:
    catcher = LocationCatcher()

    with pytest.raises(ConsentError, match="state does not match") as caught:
        await login(
            **paste_options,
            open_browser=catcher,
            paste=lambda: _with_state(catcher.paste(), "someone-elses-state"),
        )

    assert caught.value.error is None
    assert paste_lwa.token_requests == []


async def test_a_pasted_refusal_is_a_consent_error(
    paste_options: dict[str, Any], paste_lwa: FakeLWA
) -> None:
    paste_lwa.consent_error = "access_denied"
    catcher = LocationCatcher()

    with pytest.raises(ConsentError, match="access_denied") as caught:
        await login(**paste_options, open_browser=catcher, paste=catcher.paste)

    assert caught.value.error == "access_denied"
    assert paste_lwa.token_requests == []


async def test_a_refusal_from_amazon_is_named_login_with_amazon(token_file: Path) -> None:
    """With Amazon's own consent page, the message names Login with Amazon (a fake or another
    server is named by its host). Nothing reaches Amazon: the consent URL is only read, and the
    refusal its return URL would carry is pasted back."""
    consent_urls: list[str] = []

    def refusal() -> str:
        state = URL(consent_urls[0]).query["state"]
        return f"{PASTE_REDIRECT}?error=access_denied&state={state}"

    with pytest.raises(ConsentError) as caught:
        await login(
            client_id="amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
            redirect_uri=PASTE_REDIRECT,
            scope="profile",
            token_file=token_file,
            open_browser=consent_urls.append,
            paste=refusal,
        )

    assert consent_urls[0].startswith("https://www.amazon.com/ap/oa?")
    assert str(caught.value).startswith("Login with Amazon did not grant access (access_denied)")
    assert not token_file.exists()


async def test_just_the_query_is_enough(paste_options: dict[str, Any]) -> None:
    catcher = LocationCatcher()

    tokens = await login(
        **paste_options,
        open_browser=catcher,
        paste=lambda: "  ?" + URL(catcher.paste()).raw_query_string + "\n",
    )

    assert tokens.access_token


async def test_a_bare_code_is_used_with_a_warning(
    paste_options: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    catcher = LocationCatcher()

    tokens = await login(
        **paste_options, open_browser=catcher, paste=lambda: URL(catcher.paste()).query["code"]
    )

    assert tokens.access_token
    [warning] = [r for r in caplog.records if r.levelname == "WARNING"]
    assert "cannot be checked against this sign-in's state" in warning.getMessage()


@pytest.mark.parametrize(
    ("pasted", "reason"),
    [
        ("", "Nothing was pasted"),
        ("   \n", "Nothing was pasted"),
        ("hello there", "holds no code="),
        ("https://example.com/lwa/callback", "holds no code="),
        ("http://[::1/cb?code=AN123&state=x", "is not an address"),
    ],
)
async def test_nothing_usable_pasted_is_a_paste_error(
    paste_options: dict[str, Any], paste_lwa: FakeLWA, pasted: str, reason: str
) -> None:
    with pytest.raises(PasteError, match=reason):
        await login(**paste_options, open_browser=LocationCatcher(), paste=lambda: pasted)

    assert paste_lwa.token_requests == []


async def test_the_consent_page_address_pasted_back_is_a_paste_error(
    paste_options: dict[str, Any], paste_lwa: FakeLWA
) -> None:
    seen: list[str] = []

    async def keep(url: str) -> None:
        seen.append(url)

    with pytest.raises(PasteError, match="neither one code nor one error"):
        await login(**paste_options, open_browser=keep, paste=lambda: seen[0])


async def test_end_of_input_is_a_paste_error(paste_options: dict[str, Any]) -> None:
    def closed() -> str:
        raise EOFError

    with pytest.raises(PasteError, match="standard input ended"):
        await login(**paste_options, open_browser=None, paste=closed)


async def test_nothing_pasted_in_time_is_a_timeout(paste_options: dict[str, Any]) -> None:
    release = threading.Event()
    try:
        with pytest.raises(LoginTimeout, match="Nothing was pasted within"):
            await login(
                **{**paste_options, "timeout": 0.05},
                open_browser=None,
                paste=lambda: str(release.wait(30)),
            )
    finally:
        release.set()  # ends the reader's thread


async def test_paste_on_a_loopback_return_url_listens_nowhere(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    # The port is held by someone else: the normal flow would fail to listen (exit 6).
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        redirect_uri = f"http://127.0.0.1:{taken.getsockname()[1]}/callback"
        catcher = LocationCatcher()

        tokens = await login(
            **fake_lwa.login_options(),
            redirect_uri=redirect_uri,
            scope="profile",
            token_file=token_file,
            open_browser=catcher,
            paste=catcher.paste,
        )

    assert tokens.access_token
    assert fake_lwa.token_requests[0].params["redirect_uri"] == redirect_uri


# -- the CLI, a real process fed on stdin -------------------------------------------------------
@pytest.fixture
def paste_cli(paste_lwa: FakeLWA, tmp_path: Path) -> Cli:
    cli = Cli(tmp_path, paste_lwa, stdin=True)
    cli.env["LWA_REDIRECT_URI"] = PASTE_REDIRECT
    return cli


async def _paste_back(cli: Cli, edit: Callable[[str], str] = str, *args: str) -> Finished:
    """Run the CLI, follow its consent URL to the return URL, paste that (edited) back."""
    await cli.start("login", "--no-browser", *args)
    location = await consent_location(await cli.consent_url())
    return await cli.paste(edit(location))


async def test_cli_pastes_back_for_a_return_url_that_is_not_loopback(
    paste_cli: Cli, paste_lwa: FakeLWA
) -> None:
    done = await _paste_back(paste_cli)

    assert done.exit_code == 0, done.stderr
    assert done.stdout == ""
    saved = json.loads(paste_cli.default_file.read_text())
    assert saved["refresh_token"].startswith("Atzr|fake.")
    assert stat.S_IMODE(paste_cli.default_file.stat().st_mode) == 0o600
    assert done.stderr.count("paste-back mode") == 1
    assert "Copy the whole address" in done.stderr
    assert "Waiting for the redirect" not in done.stderr
    assert_no_secrets(done.stderr, paste_lwa, paste_cli.default_file)


async def test_cli_paste_flag_with_a_loopback_return_url(fake_lwa: FakeLWA, tmp_path: Path) -> None:
    stdin_cli = Cli(tmp_path, fake_lwa, stdin=True)
    # The port is held by the test: without --paste the command would fail to listen (exit 6).
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        stdin_cli.env["LWA_REDIRECT_URI"] = f"http://127.0.0.1:{taken.getsockname()[1]}/callback"

        done = await _paste_back(stdin_cli, str, "--paste")

    assert done.exit_code == 0, done.stderr
    assert "paste-back mode" not in done.stderr  # asked for, not chosen for a URL elsewhere
    assert "Copy the whole address" in done.stderr
    assert stdin_cli.default_file.exists()


async def test_cli_state_mismatch_exits_3(paste_cli: Cli, paste_lwa: FakeLWA) -> None:
    done = await _paste_back(paste_cli, lambda location: _with_state(location, "forged"))

    assert done.exit_code == 3, done.stderr
    assert "error: The pasted address's state does not match" in done.stderr
    assert "Traceback" not in done.stderr
    assert paste_lwa.token_requests == []
    assert not paste_cli.default_file.exists()


async def test_cli_refusal_exits_3(paste_cli: Cli, paste_lwa: FakeLWA) -> None:
    paste_lwa.consent_error = "access_denied"

    done = await _paste_back(paste_cli)

    assert done.exit_code == 3, done.stderr
    assert "did not grant access (access_denied" in done.stderr


async def test_cli_bare_code_warns(paste_cli: Cli) -> None:
    done = await _paste_back(paste_cli, lambda location: URL(location).query["code"])

    assert done.exit_code == 0, done.stderr
    assert "warning: that is a bare code" in done.stderr
    assert paste_cli.default_file.exists()


@pytest.mark.parametrize("pasted", [None, ""])
async def test_cli_nothing_pasted_exits_2(paste_cli: Cli, pasted: str | None) -> None:
    await paste_cli.start("login", "--no-browser")

    done = await paste_cli.paste(pasted)

    assert done.exit_code == 2, done.stderr
    assert "error: Nothing was pasted" in done.stderr
    assert "Traceback" not in done.stderr
    assert not paste_cli.default_file.exists()


@pytest.mark.parametrize(("sent", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
async def test_cli_interrupted_while_waiting_for_the_paste(
    paste_cli: Cli, sent: signal.Signals, code: int
) -> None:
    await paste_cli.start("login", "--no-browser")
    await paste_cli.read_until(lambda line: "press Enter" in line)
    paste_cli.send_signal(sent)

    done = await paste_cli.finish()  # stdin stays open: the blocked read must not hold the exit

    assert done.exit_code == code, done.stderr
    assert "Traceback" not in done.stderr
    assert "Fatal Python error" not in done.stderr


def test_help_lists_the_paste_and_tls_options() -> None:
    result = CliRunner().invoke(main, ["login", "--help"])

    for option in ("--paste", "--certfile", "--keyfile", "LWA_CERTFILE", "LWA_KEYFILE"):
        assert option in result.output
