"""What a newcomer meets first: each message says what happened and what to do, help speaks of
the command it is on, usage errors come in one style, and ``login`` again on a token file signs
in with the settings saved in it. Real processes against the fake LWA server."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lwa_loopback._cli._main import main
from lwa_loopback.testing import FakeLWA

from ._cli_process import Cli
from ._token_files import EXPIRED_AGE, make_token_file

FOR_LOGIN = ("LWA_CLIENT_ID", "LWA_SCOPE", "LWA_REDIRECT_URI", "LWA_AUTHORIZE_URL", "LWA_TOKEN_URL")


async def test_import_with_nothing_on_stdin_says_so(fake_lwa: FakeLWA, tmp_path: Path) -> None:
    cli = Cli(tmp_path, fake_lwa, stdin=True)
    await cli.start("import", "--out", str(tmp_path / "t.json"))
    done = await cli.paste(None)

    assert done.exit_code == 2
    assert "Nothing was read on standard input" in done.stderr
    assert "white space" not in done.stderr
    assert fake_lwa.token_requests == []


def test_import_on_a_terminal_does_not_echo_the_token(fake_lwa: FakeLWA, tmp_path: Path) -> None:
    """A real terminal (a pseudo-terminal the command owns): the pasted refresh token is read
    without echo, and never written back to the screen."""
    refresh_token = fake_lwa.issue_refresh_token()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LWA_")}
    env.update(
        LWA_CLIENT_ID=fake_lwa.client_id,
        LWA_CLIENT_SECRET=fake_lwa.client_secret,
        LWA_TOKEN_URL=fake_lwa.token_url,
        XDG_CONFIG_HOME=str(tmp_path),
    )
    out = tmp_path / "imported.json"
    pid, terminal = pty.fork()
    if pid == 0:  # the child: its terminal is the pseudo-terminal
        os.execvpe(
            sys.executable, [sys.executable, "-m", "lwa_loopback", "import", "--out", str(out)], env
        )
    screen = _read_until(terminal, b"Paste the refresh token")
    os.write(terminal, refresh_token.encode() + b"\n")
    screen += _read_until(terminal, b"Imported.")
    _, status = os.waitpid(pid, 0)
    os.close(terminal)

    assert os.waitstatus_to_exitcode(status) == 0, screen
    assert refresh_token.encode() not in screen
    assert out.exists()


def _read_until(fd: int, wanted: bytes, within: float = 20.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + within
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    assert wanted in seen, seen
    return seen


async def test_refresh_without_the_secret_the_file_was_signed_in_with(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    cli = Cli(tmp_path, fake_lwa)
    assert (await cli.login()).exit_code == 0
    data = json.loads(cli.default_file.read_text())
    assert data["client_secret_sent"] is True
    asked = len(fake_lwa.token_requests)

    again = Cli(tmp_path, fake_lwa)
    again.env.pop("LWA_CLIENT_SECRET")
    await again.start("refresh")
    done = await again.finish()

    assert done.exit_code == 8, done.stderr  # the file holds no way to a token without it
    assert "signed in with a client secret" in done.stderr
    assert "--client-secret (LWA_CLIENT_SECRET)" in done.stderr
    assert len(fake_lwa.token_requests) == asked  # nothing was sent


async def test_a_refused_device_sign_in_blames_the_code_pair_request(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    cli = Cli(tmp_path, fake_lwa)
    cli.env["LWA_CODEPAIR_URL"] = fake_lwa.codepair_url
    await cli.start("login", "--device", "--client-id", "amzn1.application-oa2-client.other")
    done = await cli.finish()

    assert done.exit_code == 5, done.stderr
    assert "refused the code pair request" in done.stderr
    assert "the device flow sends no client secret" in done.stderr
    assert "token request" not in done.stderr


async def test_client_credentials_without_a_scope_suggests_a_grantless_one(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    cli = Cli(tmp_path, fake_lwa)
    cli.env.pop("LWA_SCOPE")
    await cli.start("client-credentials")
    done = await cli.finish()

    assert done.exit_code == 2
    assert "such as sellingpartnerapi::notifications" in done.stderr
    assert "profile" not in done.stderr.split("such as")[-1]


def test_an_expired_file_without_a_refresh_token_says_expired(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE, with_refresh_token=False)

    result = CliRunner().invoke(main, ["token", "--file", str(token_file)])

    assert result.exit_code == 8
    assert "its access token expired at" in result.output
    assert "valid until" not in result.output


def test_a_profile_name_from_the_environment_says_so(tmp_path: Path) -> None:
    env = {**os.environ, "LWA_PROFILE": "a/b", "XDG_CONFIG_HOME": str(tmp_path)}
    env.pop("LWA_TOKEN_FILE", None)
    done = subprocess.run(
        [sys.executable, "-m", "lwa_loopback", "token"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2, done.stderr
    assert "error: The profile name 'a/b'" in done.stderr
    assert "(from LWA_PROFILE)" in done.stderr


# -- help written per command, one style of usage error ----------------------------------------


@pytest.mark.parametrize("command", ["client-credentials", "import"])
def test_help_speaks_of_its_own_command(command: str) -> None:
    text = " ".join(CliRunner().invoke(main, [command, "--help"]).output.split())

    assert "LWA sends no refresh token" not in text
    assert "Not used by --sp-api" not in text
    assert "(--out wins over it)" in text


@pytest.mark.parametrize(("command", "flag"), [("login", "--out"), ("token", "--file")])
def test_profile_help_names_the_commands_own_file_flag(command: str, flag: str) -> None:
    text = " ".join(CliRunner().invoke(main, [command, "--help"]).output.split())
    assert f"({flag} wins over it)" in text


def test_every_duration_is_shown_as_seconds() -> None:
    for command in ("login", "client-credentials", "import", "demo"):
        text = CliRunner().invoke(main, [command, "--help"]).output
        assert "FLOAT" not in text, command
        assert "SECONDS" in text, command


@pytest.mark.parametrize(
    "args",
    [("login", "--timeout", "0"), ("login", "--bogus"), ("token", "--format", "xml")],
)
def test_a_usage_error_comes_in_the_tools_one_style(args: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, list(args))

    assert result.exit_code == 2
    assert result.output.startswith("error: ")
    assert "Error:" not in result.output and "Usage:" not in result.output
    assert f"See 'main {args[0]} --help'" in result.output


# -- login again on a token file: its saved settings --------------------------------------------


@pytest.mark.parametrize("out", [False, True])
async def test_login_again_on_a_token_file_reuses_its_settings(
    fake_lwa: FakeLWA, tmp_path: Path, out: bool
) -> None:
    where = ("--out", str(tmp_path / "mine.json")) if out else ()
    first = Cli(tmp_path, fake_lwa)
    assert (await first.login(*where)).exit_code == 0

    again = Cli(tmp_path, fake_lwa)
    for name in FOR_LOGIN:
        again.env.pop(name)  # only the secret remains, which is never saved
    done = await again.login(*where)

    assert done.exit_code == 0, done.stderr
    assert "Signing in again with the settings saved in" in done.stderr
    assert len(fake_lwa.consent_requests) == 2


async def test_another_client_id_starts_afresh(fake_lwa: FakeLWA, tmp_path: Path) -> None:
    first = Cli(tmp_path, fake_lwa)
    assert (await first.login()).exit_code == 0

    again = Cli(tmp_path, fake_lwa)
    for name in FOR_LOGIN:
        again.env.pop(name)
    await again.start("login", "--client-id", "amzn1.application-oa2-client.other", "--no-browser")
    done = await again.finish()

    assert done.exit_code == 2  # no return URL: nothing of the other client's was used
    assert "No return URL" in done.stderr


async def test_a_seller_central_timeout_points_to_developer_central(
    fake_lwa: FakeLWA, options: dict[str, object]
) -> None:
    from lwa_loopback import LoginTimeout, login

    fake_lwa.interactive = True  # the page waits for a person who never comes
    sp_options = {
        **options,
        "scope": None,
        "sp_api": True,
        "application_id": fake_lwa.application_id,
        "authorize_url": fake_lwa.seller_central_url,
        "timeout": 0.2,
    }
    with pytest.raises(LoginTimeout) as caught:
        await login(**sp_options)  # type: ignore[arg-type]

    assert "OAuth Redirect URI in Developer Central" in str(caught.value)
    assert "Deny on Seller Central's page does not come back" in str(caught.value)
    assert "LWA console" not in str(caught.value)


def test_region_help_for_the_grants_without_a_consent_page() -> None:
    for command in ("client-credentials", "import"):
        text = " ".join(CliRunner().invoke(main, [command, "--help"]).output.split())
        assert "Picks the token endpoint" in text and "consent page" not in text, command
