"""``client-credentials`` and ``import``: token files without a browser sign-in, against the fake
over real sockets, from the library and from the command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lwa_loopback import (
    ConfigurationError,
    ExchangeError,
    client_credentials,
    import_refresh_token,
    read_token_file,
)
from lwa_loopback._cli._main import main
from lwa_loopback.testing import FakeLWA

from ._token_files import cli_env
from .test_token_cli import invoke

SCOPE = "sellingpartnerapi::notifications"


async def test_the_client_gets_a_token_of_its_own(fake_lwa: FakeLWA, token_file: Path) -> None:
    tokens = await client_credentials(
        client_id=fake_lwa.client_id,
        client_secret=fake_lwa.client_secret,
        scope=SCOPE,
        token_url=fake_lwa.token_url,
        token_file=token_file,
    )

    assert tokens.refresh_token is None and tokens.grant == "client_credentials"
    saved = json.loads(token_file.read_text())
    assert saved["grant"] == "client_credentials" and saved["scope"] == SCOPE
    assert "refresh_token" not in saved
    assert fake_lwa.token_requests[0].params["grant_type"] == "client_credentials"


@pytest.mark.parametrize(
    ("secret", "scope", "said"),
    [(None, SCOPE, "need the client secret"), ("s", None, "No scope given")],
)
async def test_the_secret_and_a_scope_are_required(
    fake_lwa: FakeLWA, secret: str | None, scope: str | None, said: str
) -> None:
    with pytest.raises(ConfigurationError, match=said):
        await client_credentials(
            client_id=fake_lwa.client_id,
            client_secret=secret,
            scope=scope,
            token_url=fake_lwa.token_url,
        )
    assert fake_lwa.requests == []


async def test_a_wrong_secret_is_the_servers_refusal(fake_lwa: FakeLWA) -> None:
    with pytest.raises(ExchangeError, match="invalid_client"):
        await client_credentials(
            client_id=fake_lwa.client_id,
            client_secret="wrong",
            scope=SCOPE,
            token_url=fake_lwa.token_url,
        )


def _expired_client_credentials_file(fake_lwa: FakeLWA, token_file: Path) -> str:
    result = CliRunner().invoke(
        main,
        [
            "client-credentials",
            "--scope",
            SCOPE,
            "--out",
            str(token_file),
            "--token-url",
            fake_lwa.token_url,
            "--client-id",
            fake_lwa.client_id,
        ],
        env={"LWA_CLIENT_SECRET": fake_lwa.client_secret},
    )
    assert result.exit_code == 0, result.output
    assert f"Saved to {token_file}" in result.stderr
    data = json.loads(token_file.read_text())
    data["expires_at"] = "2020-01-01T00:00:00Z"
    token_file.write_text(json.dumps(data))
    return str(data["access_token"])


def test_token_asks_again_with_the_secret(fake_lwa: FakeLWA, token_file: Path) -> None:
    old = _expired_client_credentials_file(fake_lwa, token_file)

    result = invoke("token", "--file", str(token_file), client_secret=fake_lwa.client_secret)

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() not in ("", old)
    assert [r.params["grant_type"] for r in fake_lwa.token_requests] == ["client_credentials"] * 2
    assert read_token_file(token_file).grant == "client_credentials"


def test_without_the_secret_token_says_what_it_needs(fake_lwa: FakeLWA, token_file: Path) -> None:
    _expired_client_credentials_file(fake_lwa, token_file)

    result = invoke("token", "--file", str(token_file))

    assert result.exit_code == 8
    assert "--client-secret" in result.stderr
    assert len(fake_lwa.token_requests) == 1  # only the first one


def test_show_says_how_it_renews(fake_lwa: FakeLWA, token_file: Path) -> None:
    _expired_client_credentials_file(fake_lwa, token_file)

    shown = invoke("show", "--file", str(token_file)).stdout

    assert "client_credentials" in shown and "asks again with the secret" in shown


# -- import -----------------------------------------------------------------------------------
def _import(
    fake_lwa: FakeLWA, token_file: Path, refresh_token: str, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "lwa_loopback",
            "import",
            "--client-id",
            fake_lwa.client_id,
            "--token-url",
            fake_lwa.token_url,
            "--out",
            str(token_file),
            *args,
        ],
        input=refresh_token + "\n",
        env=cli_env(LWA_CLIENT_SECRET=fake_lwa.client_secret),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_import_proves_the_refresh_token_then_writes_the_file(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    refresh_token = fake_lwa.issue_refresh_token()

    done = _import(fake_lwa, token_file, refresh_token, "--selling-partner-id", "A1SELLER")

    assert done.returncode == 0, done.stderr
    saved = read_token_file(token_file)
    assert saved.refresh_token == refresh_token and saved.selling_partner_id == "A1SELLER"
    assert len(fake_lwa.token_requests) == 1
    assert refresh_token not in done.stderr + done.stdout


def test_import_of_a_refresh_token_that_does_not_work_writes_nothing(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    done = _import(fake_lwa, token_file, "Atzr|not-one-the-fake-issued")

    assert done.returncode == 5
    assert "invalid_grant" in done.stderr
    assert not token_file.exists()


async def test_import_from_the_library(fake_lwa: FakeLWA, token_file: Path) -> None:
    refresh_token = fake_lwa.issue_refresh_token()

    tokens = await import_refresh_token(
        f"  {refresh_token}\n",
        client_id=fake_lwa.client_id,
        client_secret=fake_lwa.client_secret,
        token_url=fake_lwa.token_url,
        token_file=token_file,
    )

    assert tokens.refresh_token == refresh_token
    assert read_token_file(token_file).access_token == tokens.access_token
