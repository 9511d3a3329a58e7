"""``login --sp-api``: Selling Partner API website authorization through the fake Seller Central,
over real sockets: the consent URL, the redirect's spapi_oauth_code and selling_partner_id, the
exchange without PKCE, the token file, paste-back, and the command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from yarl import URL

from lwa_loopback import ConfigurationError, Tokens, login, read_token_file
from lwa_loopback._grants import SELLING_PARTNER
from lwa_loopback._login_start import prepare, start
from lwa_loopback._options import LoginOptions
from lwa_loopback.testing import FAKE_APPLICATION_ID, FAKE_SELLING_PARTNER_ID, FakeLWA

from ._cli_process import Cli
from .test_token_cli import invoke


@pytest.fixture
def sp_options(options: dict[str, Any], fake_lwa: FakeLWA) -> dict[str, Any]:
    return {
        **options,
        "scope": None,
        "sp_api": True,
        "application_id": fake_lwa.application_id,
        "authorize_url": fake_lwa.seller_central_url,
    }


async def test_a_seller_signs_in_through_seller_central(
    sp_options: dict[str, Any], fake_lwa: FakeLWA, token_file: Path
) -> None:
    tokens = await login(**sp_options)

    assert tokens.selling_partner_id == FAKE_SELLING_PARTNER_ID
    assert tokens.refresh_token and tokens.obtained_by is SELLING_PARTNER
    saved = json.loads(token_file.read_text())
    assert saved["grant"] == SELLING_PARTNER.stored == "selling_partner_code"
    assert saved["selling_partner_id"] == FAKE_SELLING_PARTNER_ID
    assert "mws_auth_token" not in saved
    consent = fake_lwa.seller_central_requests[0].params
    assert consent["application_id"] == FAKE_APPLICATION_ID
    assert {"state", "redirect_uri"} <= set(consent)
    assert not {"scope", "code_challenge", "client_id", "version"} & set(consent)
    exchange = fake_lwa.token_requests[0].params
    assert "code_verifier" not in exchange and exchange["client_secret"] == fake_lwa.client_secret


async def test_a_hybrid_app_keeps_the_mws_auth_token(
    sp_options: dict[str, Any], fake_lwa: FakeLWA, token_file: Path
) -> None:
    fake_lwa.hybrid_app = True

    tokens = await login(**sp_options)

    assert tokens.mws_auth_token
    assert tokens.mws_auth_token not in repr(tokens)
    assert read_token_file(token_file).mws_auth_token == tokens.mws_auth_token
    shown = invoke("show", "--file", str(token_file)).stdout
    assert tokens.mws_auth_token not in shown


async def test_a_draft_app_sends_version_beta(
    sp_options: dict[str, Any], fake_lwa: FakeLWA
) -> None:
    fake_lwa.application_draft = True

    await login(**sp_options, draft=True)

    assert fake_lwa.seller_central_requests[0].params["version"] == "beta"


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"client_secret": None}, "needs the client secret"),
        ({"application_id": None}, "needs the application id"),
        ({"application_id": "amzn1 sp"}, "holds white space"),
        ({"application_id": "amzn1.sp.\x07"}, "holds white space or a control character"),
        ({"sp_api": False, "draft": True, "scope": "profile"}, "`draft` applies"),
    ],
)
async def test_what_a_selling_partner_sign_in_needs_is_checked_first(
    sp_options: dict[str, Any], fake_lwa: FakeLWA, change: dict[str, Any], said: str
) -> None:
    with pytest.raises(ConfigurationError, match=said):
        await login(**{**sp_options, **change})
    assert fake_lwa.requests == []


async def test_a_forged_callback_changes_nothing(
    sp_options: dict[str, Any], fake_lwa: FakeLWA
) -> None:
    forged: list[int] = []

    async def forger_then_browser(url: str) -> None:
        redirect_uri = URL(url).query["redirect_uri"]
        query = {"state": "not-ours", "spapi_oauth_code": "ANx", "selling_partner_id": "A1"}
        async with aiohttp.ClientSession() as session:
            async with session.get(redirect_uri, params=query) as response:
                forged.append(response.status)
            async with session.get(url) as response:  # then the real consent
                await response.read()

    tokens = await login(**{**sp_options, "open_browser": forger_then_browser})

    assert forged == [400]
    assert tokens.selling_partner_id == FAKE_SELLING_PARTNER_ID
    assert len(fake_lwa.token_requests) == 1


async def test_paste_back_takes_seller_centrals_address(
    sp_options: dict[str, Any], fake_lwa: FakeLWA
) -> None:
    landed: list[str] = []

    async def browser(url: str) -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.get(url, allow_redirects=False) as response,
        ):
            landed.append(response.headers["Location"])

    tokens = await login(
        **{**sp_options, "open_browser": browser, "paste": lambda: landed[0]},
    )

    assert tokens.selling_partner_id == FAKE_SELLING_PARTNER_ID


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("na", "sellercentral.amazon.com"),
        ("eu", "sellercentral-europe.amazon.com"),
        ("fe", "sellercentral.amazon.co.jp"),
    ],
)
def test_the_consent_page_is_the_regions_seller_central(region: str, host: str) -> None:
    started = start(
        prepare(
            LoginOptions(
                client_id="amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
                client_secret="s",
                sp_api=True,
                application_id="amzn1.sp.solution.x",
                redirect_uri="https://sp-dev.example:8443/callback",
                region=region,
                draft=True,
                paste=lambda: "",
            )
        )
    )

    url = URL(started.consent_url)
    assert (url.host, url.path) == (host, "/apps/authorize/consent")
    assert url.query["version"] == "beta"
    assert url.query["redirect_uri"] == "https://sp-dev.example:8443/callback"
    assert started.request.endpoints.token_url.startswith("https://api.amazon.")


# -- the command ------------------------------------------------------------------------------
async def test_the_command_signs_a_seller_in_and_show_names_them(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    cli = Cli(tmp_path, fake_lwa)
    cli.env.update(
        LWA_AUTHORIZE_URL=fake_lwa.seller_central_url, LWA_APPLICATION_ID=fake_lwa.application_id
    )
    del cli.env["LWA_SCOPE"]

    done = await cli.login("--sp-api")

    assert done.exit_code == 0, done.stderr
    assert f"for selling partner {FAKE_SELLING_PARTNER_ID}" in done.stderr
    shown = invoke("show", "--file", str(cli.default_file)).stdout
    assert f"Selling partner: {FAKE_SELLING_PARTNER_ID}" in shown
    saved: Tokens = read_token_file(cli.default_file)
    assert saved.access_token not in done.stderr


async def test_the_command_without_a_secret_is_a_usage_error(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    cli = Cli(tmp_path, fake_lwa)
    cli.env.update(
        LWA_AUTHORIZE_URL=fake_lwa.seller_central_url, LWA_APPLICATION_ID=fake_lwa.application_id
    )
    del cli.env["LWA_CLIENT_SECRET"]

    done = await cli.login("--sp-api", browse=False)

    assert done.exit_code == 2
    assert "--client-secret" in done.stderr and "Traceback" not in done.stderr


async def test_the_paste_question_names_seller_centrals_code(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    cli = Cli(tmp_path, fake_lwa, stdin=True)
    cli.env.update(
        LWA_AUTHORIZE_URL=fake_lwa.seller_central_url, LWA_APPLICATION_ID=fake_lwa.application_id
    )
    await cli.start("login", "--sp-api", "--paste", "--no-browser")
    await cli.read_until(lambda line: "spapi_oauth_code=..." in line)

    done = await cli.paste(None)  # nothing pasted

    assert done.exit_code == 2
