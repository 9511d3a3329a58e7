"""examples/sp_api_call.py against a stand-in for the Selling Partner API on 127.0.0.1, with its
tokens from the fake LWA server: the access token goes in ``x-amz-access-token``."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web

from lwa_loopback import read_token_file, write_token_file
from lwa_loopback._grants import SELLING_PARTNER
from lwa_loopback.testing import FakeLWA

from ._browsers import subprocess_env
from ._token_files import EXPIRED_AGE, make_token_file

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sp_api_call.py"
PARTICIPATIONS = {
    "payload": [
        {
            "marketplace": {"id": "ATVPDKIKX0DER", "countryCode": "US", "name": "Amazon.com"},
            "participation": {"isParticipating": True, "hasSuspendedListings": False},
        }
    ]
}


@asynccontextmanager
async def stand_in_sp_api() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    """SP-API's marketplaceParticipations on 127.0.0.1, recording each request's headers: 403
    without ``x-amz-access-token`` (or with a bearer token instead), as SP-API answers."""
    seen: list[dict[str, str]] = []

    async def participations(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        if not request.headers.get("x-amz-access-token") or "Authorization" in request.headers:
            denied = {"code": "Unauthorized", "message": "Access to requested resource is denied."}
            return web.json_response({"errors": [denied]}, status=403)
        return web.json_response(PARTICIPATIONS)

    app = web.Application()
    app.router.add_get("/sellers/v1/marketplaceParticipations", participations)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}", seen
    finally:
        await runner.cleanup()


async def run_example(base_url: str, token_file: Path, secret: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLE),
        base_url,
        env=subprocess_env(LWA_TOKEN_FILE=str(token_file), LWA_CLIENT_SECRET=secret),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_the_example_refreshes_and_sends_x_amz_access_token(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    expired = dataclasses.replace(
        make_token_file(fake_lwa, token_file, age=EXPIRED_AGE),
        grant=SELLING_PARTNER.stored,
        selling_partner_id="A2EXAMPLE",
    )
    write_token_file(token_file, expired)

    async with stand_in_sp_api() as (base_url, seen):
        code, stdout, stderr = await run_example(base_url, token_file, fake_lwa.client_secret)

    assert code == 0, stderr
    new = read_token_file(token_file)  # refreshed first: the old token had expired
    assert new.access_token != expired.access_token
    assert len(fake_lwa.token_requests) == 1
    assert [headers.get("x-amz-access-token") for headers in seen] == [new.access_token]
    assert f"GET {base_url}/sellers/v1/marketplaceParticipations -> HTTP 200" in stdout
    assert "1 marketplace(s)" in stdout and "ATVPDKIKX0DER  US  Amazon.com" in stdout
    assert new.access_token not in stdout + stderr


async def test_a_refused_call_is_reported(fake_lwa: FakeLWA, token_file: Path) -> None:
    make_token_file(fake_lwa, token_file)  # valid: no refresh
    async with stand_in_sp_api() as (base_url, _):
        code, stdout, stderr = await run_example(
            base_url + "/no-such-prefix", token_file, fake_lwa.client_secret
        )

    assert code == 1
    assert "-> HTTP 404" in stdout
    assert "error: 404: Not Found" in stderr
