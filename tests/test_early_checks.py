"""Mistakes caught before the browser opens (exit 2, naming the option): each would otherwise
send the person to a consent page that can only fail, and the tool would wait out its timeout.
Real processes: the consent URL is never printed, and no request reaches any server."""

from __future__ import annotations

from pathlib import Path

import pytest

from lwa_loopback.testing import FakeLWA

from ._cli_process import Cli

LWA_CLIENT_ID = "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef"


def amazon_cli(tmp_path: Path) -> Cli:
    """The command set up for Amazon's own endpoints (no request ever leaves: each case stops
    before the consent URL)."""
    cli = Cli(tmp_path)
    cli.env.update(
        LWA_CLIENT_ID=LWA_CLIENT_ID,
        LWA_SCOPE="profile",
        LWA_REDIRECT_URI="http://127.0.0.1:8080/callback",
    )
    return cli


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--client-id", "foo"), "--client-id 'foo' is not an LWA client id"),
        (("--client-id", " " + LWA_CLIENT_ID), "or a control character at its start"),
        (
            ("--client-id", "amzn1.sp.solution.0000-1111"),
            "is an SP-API application id, not an LWA client id: pass it as --application-id",
        ),
        (
            ("--redirect-uri", "http://127.0.0.1:8080/callback "),
            "--redirect-uri 'http://127.0.0.1:8080/callback ' holds white space or a control "
            "character at its end",
        ),
        (("--token-url", "https://api.amazon.com/auth/o2/token\t"), "--token-url"),
        (
            ("--sp-api", "--application-id", "amzn1.sp.solution.x", "--client-secret", "s",
             "--authorize-url", "https://www.amazon.com/ap/oa"),
            "is LWA's consent page (/ap/oa), and --sp-api signs in on Seller Central's",
        ),
        (
            ("--authorize-url", "https://sellercentral.amazon.com/apps/authorize/consent"),
            "is Seller Central's consent page",
        ),
    ],
)  # fmt: skip
async def test_a_login_mistake_is_exit_2_before_the_consent_page(
    tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    cli = amazon_cli(tmp_path)
    await cli.start("login", *args)
    done = await cli.finish()

    assert done.exit_code == 2, done.stderr
    assert said in " ".join(done.stderr.split())
    assert "/ap/oa?" not in done.stderr and "consent?" not in done.stderr  # no consent URL
    assert "Traceback" not in done.stderr


async def test_an_exported_lwa_page_is_named_with_its_variable_for_sp_api(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    """As after pasting ``lwa-loopback fake``'s exports: LWA_AUTHORIZE_URL is LWA's page."""
    cli = Cli(tmp_path, fake_lwa)
    await cli.start("login", "--sp-api", "--application-id", fake_lwa.application_id)
    done = await cli.finish()

    assert done.exit_code == 2, done.stderr
    assert "unset LWA_AUTHORIZE_URL" in done.stderr
    assert fake_lwa.requests == []


@pytest.mark.parametrize(
    "args",
    [
        ("client-credentials", "--scope", "x::y", "--client-id", "foo"),
        ("login", "--device", "--client-id", "amzn1.sp.solution.x"),
    ],
)
async def test_the_other_grants_check_the_client_id_before_any_request(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    cli = amazon_cli(tmp_path)
    cli.env["LWA_CLIENT_SECRET"] = "not-a-real-secret"
    await cli.start(*args)
    done = await cli.finish()

    assert done.exit_code == 2, done.stderr
    assert "--client-id" in done.stderr


async def test_the_fake_s_own_client_id_is_fine(fake_lwa: FakeLWA, tmp_path: Path) -> None:
    """The form is checked against Amazon's endpoints only: a test server's ids are its own."""
    done = await Cli(tmp_path, fake_lwa).login()
    assert done.exit_code == 0, done.stderr


async def test_no_client_id_says_where_one_comes_from(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    await cli.start("login", "--redirect-uri", "http://127.0.0.1:8080/cb", "--scope", "profile")
    done = await cli.finish()

    assert done.exit_code == 2
    for where in ("No client id", "--client-id", "LWA_CLIENT_ID", "--profile"):
        assert where in done.stderr


@pytest.mark.parametrize("command", [("login",), ("client-credentials", "--scope", "x::y")])
async def test_a_secret_with_a_stray_space_is_refused_before_any_request_and_never_shown(
    fake_lwa: FakeLWA, tmp_path: Path, command: tuple[str, ...]
) -> None:
    cli = Cli(tmp_path, fake_lwa)
    cli.env["LWA_CLIENT_SECRET"] = fake_lwa.client_secret + " "
    await cli.start(*command, "--no-browser" if command[0] == "login" else "--json")
    done = await cli.finish()

    assert done.exit_code == 2, done.stderr
    assert "--client-secret holds white space or a control character at its end" in done.stderr
    assert fake_lwa.client_secret not in done.stderr + done.stdout
    assert fake_lwa.requests == []


async def test_a_secret_on_the_command_line_is_warned_about(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    cli = Cli(tmp_path, fake_lwa)
    cli.env.pop("LWA_CLIENT_SECRET")
    done = await cli.login("--client-secret", fake_lwa.client_secret)

    assert done.exit_code == 0, done.stderr
    assert "warning: --client-secret on the command line" in done.stderr
    assert "set LWA_CLIENT_SECRET instead" in done.stderr


async def test_seller_central_with_an_http_return_url_is_warned_about(tmp_path: Path) -> None:
    cli = Cli(tmp_path, stdin=True)
    cli.env.update(LWA_CLIENT_ID=LWA_CLIENT_ID, LWA_CLIENT_SECRET="not-a-real-secret")
    await cli.start(
        "login", "--sp-api", "--application-id", "amzn1.sp.solution.x", "--paste",
        "--redirect-uri", "http://127.0.0.1:8080/callback", "--no-browser",
    )  # fmt: skip
    done = await cli.paste(None)  # nothing pasted: it ends there

    assert "this return URL is not https://, which Seller Central requires" in done.stderr
    assert done.exit_code == 2
