"""Every program in examples/ runs here, against the fake LWA server instead of Amazon."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web

from lwa_loopback import read_token_file
from lwa_loopback.testing import FakeLWA, HeadlessBrowser

from ._browsers import consent_url_from, headless_browser_command, subprocess_env
from ._sockets import ANY_PORT_REDIRECT

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _lwa_env(fake_lwa: FakeLWA, token_file: Path, **more: str) -> dict[str, str]:
    """The LWA_* variables a person would export, pointed at the fake."""
    return subprocess_env(
        LWA_CLIENT_ID=fake_lwa.client_id,
        LWA_CLIENT_SECRET=fake_lwa.client_secret,
        LWA_AUTHORIZE_URL=fake_lwa.authorize_url,
        LWA_TOKEN_URL=fake_lwa.token_url,
        LWA_REDIRECT_URI=ANY_PORT_REDIRECT,
        LWA_TOKEN_FILE=str(token_file),
        **more,
    )


async def test_the_bootstrap_script_logs_in(fake_lwa: FakeLWA, tmp_path: Path) -> None:
    token_file = tmp_path / "tokens.json"
    process = await asyncio.create_subprocess_exec(
        "sh",
        str(EXAMPLES / "bootstrap.sh"),
        "--no-browser",
        env=_lwa_env(fake_lwa, token_file),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    browser = HeadlessBrowser()
    await browser(await consent_url_from(process.stderr))  # the person, headless
    stdout, stderr = await process.communicate()

    assert process.returncode == 0, stderr.decode()
    assert "Signed in" in browser.last_page.text
    tokens = read_token_file(token_file)
    assert tokens.refresh_token is not None
    printed = stdout.decode() + stderr.decode()
    assert "Done." in printed
    for secret in (tokens.access_token, tokens.refresh_token, fake_lwa.client_secret):
        assert secret not in printed


def test_the_bootstrap_script_asks_for_the_client_id(tmp_path: Path) -> None:
    result = subprocess.run(
        ["sh", str(EXAMPLES / "bootstrap.sh")],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert "Set LWA_CLIENT_ID" in result.stderr


def test_the_pytest_example_passes() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(EXAMPLES / "test_with_fake_lwa.py"),
        ],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


@asynccontextmanager
async def _api() -> AsyncIterator[tuple[str, list[str]]]:
    """A stand-in API on 127.0.0.1: records each Authorization header it receives."""
    seen: list[str] = []

    async def endpoint(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        return web.json_response({"records": []})

    app = web.Application()
    app.router.add_get("/data", endpoint)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}/data", seen
    finally:
        await runner.cleanup()


async def test_the_data_portability_example_sends_a_bearer_header(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    # The customer shares one of the two voluntary scopes asked for.
    fake_lwa.granted_scopes = {"portability::customer_profile"}
    token_file = tmp_path / "tokens.json"
    env = _lwa_env(fake_lwa, token_file, BROWSER=str(headless_browser_command(tmp_path)))
    async with _api() as (api_url, seen):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(EXAMPLES / "data_portability.py"),
            "--scope",
            "portability::customer_profile",
            "--scope",
            "portability::orders",
            "--api-url",
            api_url,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await process.communicate()

    assert process.returncode == 0, stderr.decode()
    tokens = read_token_file(token_file)
    assert seen == [f"Bearer {tokens.access_token}"]
    printed = stdout.decode()
    assert "Granted 1 of 2 scopes: portability::customer_profile" in printed
    assert "Authorization: Bearer Atza|..." in printed
    assert f"GET {api_url} -> HTTP 200" in printed
    assert tokens.access_token not in printed + stderr.decode()
    assert json.loads(fake_lwa.consent_requests[0].params["scope_data"]) == {
        "portability::customer_profile": {"essential": False},
        "portability::orders": {"essential": False},
    }


async def test_the_ads_example_signs_in_once_and_sends_the_ads_headers(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    token_file = tmp_path / "tokens.json"
    env = _lwa_env(fake_lwa, token_file, BROWSER=str(headless_browser_command(tmp_path)))
    seen: list[dict[str, str]] = []

    async def profiles(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.json_response([{"profileId": 42, "countryCode": "DE", "accountInfo": {}}])

    app = web.Application()
    app.router.add_get("/v2/profiles", profiles)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        runs = []
        for _ in range(2):  # the second run reuses the token file: no second sign-in
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                str(EXAMPLES / "ads_login.py"),
                "--region",
                "eu",
                "--api-url",
                f"http://{host}:{port}",
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            stdout, stderr = await process.communicate()
            assert process.returncode == 0, stderr.decode()
            runs.append(stdout.decode())
    finally:
        await runner.cleanup()

    tokens = read_token_file(token_file)
    assert len(fake_lwa.consent_requests) == 1
    assert fake_lwa.consent_requests[0].params["scope"] == "advertising::campaign_management"
    assert tokens.region == "eu"
    assert [h["Authorization"] for h in seen] == [f"Bearer {tokens.access_token}"] * 2
    assert all(h["Amazon-Advertising-API-ClientId"] == fake_lwa.client_id for h in seen)
    assert "1 profile(s)" in runs[0] and "42  DE" in runs[1]
    assert tokens.access_token not in "".join(runs)


def test_the_library_example_runs_against_the_fake(tmp_path: Path) -> None:
    out = tmp_path / "tokens.json"
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "library_login.py"), str(out)],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "Granted scope: profile" in done.stdout
    assert read_token_file(out).access_token not in done.stdout
