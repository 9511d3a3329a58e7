"""Call the Selling Partner API with the token file's access token in x-amz-access-token.

    lwa-loopback login --sp-api ...            # once: a Selling Partner token file
    export LWA_CLIENT_SECRET=...               # to refresh the access token when it expires
    python examples/sp_api_call.py [BASE_URL]  # default: the North America endpoint

SP-API calls carry the LWA access token in their own header, ``x-amz-access-token``, not in
``Authorization: Bearer`` (the shell's way: ``lwa-loopback token --format header | curl -H @-
URL``). This program asks for the marketplaces the seller takes part in
(``GET /sellers/v1/marketplaceParticipations``), which needs nothing but that header, and prints
them; the token never. The token file is ``LWA_TOKEN_FILE``, else lwa-loopback's default.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

import aiohttp

import lwa_loopback

#: The SP-API endpoint of North America; Europe's is sellingpartnerapi-eu, the Far East's -fe.
NORTH_AMERICA = "https://sellingpartnerapi-na.amazon.com"
PARTICIPATIONS = "/sellers/v1/marketplaceParticipations"


async def access_token() -> str:
    """A valid access token from the token file, refreshed first when it is about to expire."""
    token_file = os.environ.get("LWA_TOKEN_FILE") or lwa_loopback.default_token_file()
    return await lwa_loopback.valid_access_token(
        token_file, client_secret=os.environ.get("LWA_CLIENT_SECRET")
    )


def sp_api_headers(token: str) -> dict[str, str]:
    # SP-API asks callers to name their application in User-Agent.
    return {
        "x-amz-access-token": token,
        "user-agent": "lwa-loopback-example/1.0 (Language=Python)",
        "accept": "application/json",
    }


async def marketplaces(base_url: str, token: str) -> list[dict[str, Any]]:
    url = base_url.rstrip("/") + PARTICIPATIONS
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, headers=sp_api_headers(token)) as response,
    ):
        print(f"GET {url} -> HTTP {response.status}")
        if response.status != 200:  # SP-API's errors are JSON; a proxy's may not be
            sys.exit(f"error: {(await response.text())[:300]}")
        answer = await response.json(content_type=None)
        payload: list[dict[str, Any]] = answer.get("payload", [])
        return payload


def show(participations: list[dict[str, Any]]) -> None:
    print(f"{len(participations)} marketplace(s)")
    for entry in participations:
        market = entry.get("marketplace", {})
        print(f"  {market.get('id')}  {market.get('countryCode')}  {market.get('name')}")


async def main(base_url: str) -> None:
    show(await marketplaces(base_url, await access_token()))


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "base_url", nargs="?", default=NORTH_AMERICA, help=f"default: {NORTH_AMERICA}"
    )
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_arguments()
    try:
        asyncio.run(main(arguments.base_url))
    except lwa_loopback.LoginError as error:
        sys.exit(f"error: {error}")
