"""The client secret by HTTP Basic (RFC 6749 section 2.3.1) as well as in the form: against a
server that registers clients for Basic (``FakeLWA(client_auth="basic")``, as Authlib does),
through the library and the command line, and remembered for ``refresh``."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from lwa_loopback import (
    ConfigurationError,
    ExchangeError,
    TokenFileUnusable,
    client_credentials,
    import_refresh_token,
    login,
    read_token_file,
    refresh,
)
from lwa_loopback._exchange import Client
from lwa_loopback._grants import SECRET_IN_BASIC
from lwa_loopback._transport import basic_authorization
from lwa_loopback.testing import FakeLWA, HeadlessBrowser

from ._cli_process import Cli
from ._sockets import ANY_PORT_REDIRECT
from ._token_files import EXPIRED_AGE, make_token_file

SCOPE = "sellingpartnerapi::notifications"


@pytest.fixture
async def basic_only() -> AsyncIterator[FakeLWA]:
    async with FakeLWA(client_auth="basic") as fake:
        yield fake


def sent_by_basic(fake_lwa: FakeLWA) -> bool:
    """Every token request carried the secret in a Basic header, and none in its form."""
    requests = fake_lwa.token_requests
    return bool(requests) and all(
        r.basic_auth == (fake_lwa.client_id, fake_lwa.client_secret)
        and "client_secret" not in r.params
        for r in requests
    )


def login_options(fake_lwa: FakeLWA, token_file: Path, **more: Any) -> dict[str, Any]:
    return {
        **fake_lwa.login_options(),
        "redirect_uri": ANY_PORT_REDIRECT,
        "scope": "profile",
        "token_file": token_file,
        "open_browser": HeadlessBrowser(),
        "timeout": 10.0,
        **more,
    }


# -- the library ------------------------------------------------------------------------------
async def test_a_browser_login_with_basic(basic_only: FakeLWA, token_file: Path) -> None:
    tokens = await login(**login_options(basic_only, token_file, client_auth="basic"))

    assert tokens.refresh_token and sent_by_basic(basic_only)
    assert "client_id" not in basic_only.token_requests[0].params  # one method per request
    assert read_token_file(token_file).sign_in == {
        **(tokens.sign_in or {}),
        "client_auth": "basic",
    }


async def test_the_form_secret_is_refused_and_the_message_names_the_other_way(
    basic_only: FakeLWA, token_file: Path
) -> None:
    with pytest.raises(ExchangeError) as caught:
        await login(**login_options(basic_only, token_file))

    message = str(caught.value)
    assert caught.value.error == "invalid_client" and caught.value.status == 401
    assert "The secret was sent in the form (client_secret_post)" in message
    assert "registered the client for client_secret_basic, set `client_auth` to basic" in message
    assert "client_auth" in caught.value.parameters
    assert not token_file.exists()


async def test_a_wrong_secret_by_basic_names_the_form_as_the_other_way(
    basic_only: FakeLWA, token_file: Path
) -> None:
    with pytest.raises(ExchangeError) as caught:
        await client_credentials(
            client_id=basic_only.client_id,
            client_secret="not-the-secret",
            client_auth="basic",
            scope=SCOPE,
            token_url=basic_only.token_url,
        )

    assert "sent in an HTTP Basic Authorization header (client_secret_basic)" in str(caught.value)
    assert "set `client_auth` to post" in str(caught.value)


@pytest.mark.parametrize("client_auth", [None, "post", "basic"])
async def test_client_credentials_both_ways(client_auth: str | None, tmp_path: Path) -> None:
    server = "basic" if client_auth == "basic" else "post"
    async with FakeLWA(client_auth=server) as fake_lwa:
        tokens = await client_credentials(
            client_id=fake_lwa.client_id,
            client_secret=fake_lwa.client_secret,
            client_auth=client_auth,
            scope=SCOPE,
            token_url=fake_lwa.token_url,
            token_file=tmp_path / "t.json",
        )
        [request] = fake_lwa.token_requests

    assert tokens.access_token
    if client_auth == "basic":
        assert request.basic_auth == (fake_lwa.client_id, fake_lwa.client_secret)
        assert "client_secret" not in request.params
    else:
        assert (
            request.basic_auth is None and request.params["client_secret"] == fake_lwa.client_secret
        )


async def test_a_refresh_sends_the_secret_as_the_sign_in_did(
    basic_only: FakeLWA, token_file: Path
) -> None:
    await login(**login_options(basic_only, token_file, client_auth="basic"))

    renewed = await refresh(token_file, client_secret=basic_only.client_secret)

    assert renewed.access_token and sent_by_basic(basic_only)
    assert len(basic_only.token_requests) == 2


async def test_an_import_with_basic_is_remembered(basic_only: FakeLWA, token_file: Path) -> None:
    imported = await import_refresh_token(
        basic_only.issue_refresh_token(),
        client_id=basic_only.client_id,
        client_secret=basic_only.client_secret,
        client_auth="basic",
        token_url=basic_only.token_url,
        token_file=token_file,
    )

    assert imported.sign_in and imported.sign_in["client_auth"] == "basic"
    await refresh(token_file, client_secret=basic_only.client_secret)
    assert sent_by_basic(basic_only)


async def test_lwas_endpoints_keep_the_form() -> None:
    with pytest.raises(ConfigurationError) as caught:
        await client_credentials(
            client_id="amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
            client_secret="s",
            client_auth="basic",
            scope=SCOPE,
        )

    assert caught.value.parameter == "client_auth"
    assert "Login with Amazon takes the client secret in the form" in str(caught.value)


async def test_a_file_that_asks_lwa_for_basic_is_not_refreshed(tmp_path: Path) -> None:
    async with FakeLWA() as fake_lwa:
        path = tmp_path / "tokens.json"
        saved = make_token_file(fake_lwa, path, age=EXPIRED_AGE).to_json()
        saved |= {"token_url": "https://api.amazon.com/auth/o2/token"}
        saved |= {"sign_in": {"client_auth": "basic"}}
        path.write_text(json.dumps(saved))

        with pytest.raises(TokenFileUnusable, match="client_auth"):
            await refresh(path, client_secret="s")


def test_basic_credentials_are_form_urlencoded_first() -> None:
    client = Client(
        token_url="https://id.example/token",
        client_id="my client:1",
        client_secret="s3cr+t/ é%:",
        client_auth=SECRET_IN_BASIC,
    )

    header = basic_authorization(client)

    user, password = base64.b64decode(header.removeprefix("Basic ")).decode().split(":")
    assert "%3A" in user and " " not in password  # the colon and the space are escaped
    assert (unquote(user), unquote(password)) == ("my client:1", "s3cr+t/ é%:")


async def test_a_secret_with_any_character_gets_through(tmp_path: Path) -> None:
    async with FakeLWA(client_secret="s3cr+t/ é%:x", client_auth="basic") as fake_lwa:
        tokens = await client_credentials(
            client_id=fake_lwa.client_id,
            client_secret=fake_lwa.client_secret,
            client_auth="basic",
            scope=SCOPE,
            token_url=fake_lwa.token_url,
        )
    assert tokens.access_token


# -- the command line -------------------------------------------------------------------------
async def test_the_commands_with_basic(basic_only: FakeLWA, tmp_path: Path) -> None:
    cli = Cli(tmp_path, basic_only)
    cli.env["LWA_CLIENT_AUTH"] = "basic"

    assert (await cli.login()).exit_code == 0
    del cli.env["LWA_CLIENT_AUTH"]  # refresh takes it from the token file
    await cli.start("refresh")
    done = await cli.finish()

    assert done.exit_code == 0, done.stderr
    assert sent_by_basic(basic_only) and len(basic_only.token_requests) == 2


async def test_the_command_line_names_the_flag_for_the_other_way(
    basic_only: FakeLWA, tmp_path: Path
) -> None:
    cli = Cli(tmp_path, basic_only)

    await cli.start("client-credentials", "--scope", SCOPE)
    done = await cli.finish()

    assert done.exit_code == 5
    assert "set --client-auth to basic" in done.stderr
    assert basic_only.client_secret not in done.stderr


@pytest.mark.parametrize("client_auth", ["post", "basic"])
async def test_client_credentials_on_the_command_line_both_ways(
    client_auth: str, tmp_path: Path
) -> None:
    async with FakeLWA(client_auth=client_auth) as fake_lwa:
        cli = Cli(tmp_path, fake_lwa)
        await cli.start("client-credentials", "--scope", SCOPE, "--client-auth", client_auth)
        done = await cli.finish()

        assert done.exit_code == 0, done.stderr
        assert (fake_lwa.token_requests[0].basic_auth is not None) is (client_auth == "basic")


async def test_a_profile_signs_in_again_the_same_way(basic_only: FakeLWA, tmp_path: Path) -> None:
    first = Cli(tmp_path, basic_only)
    first.env["LWA_CLIENT_AUTH"] = "basic"
    assert (await first.login("--profile", "standard")).exit_code == 0

    again = Cli(tmp_path, basic_only)  # no LWA_CLIENT_AUTH: the profile remembers it
    done = await again.login("--profile", "standard")

    assert done.exit_code == 0, done.stderr
    assert sent_by_basic(basic_only) and len(basic_only.token_requests) == 2
