"""Sign in for Amazon Data Portability, then send the access token as a bearer header.

    export LWA_CLIENT_ID=amzn1.application-oa2-client....  LWA_CLIENT_SECRET=...
    python examples/data_portability.py --scope portability::customer_profile \\
        --api-url https://your.api.example/endpoint

Data Portability scopes (``portability::<name>``) may only be requested as voluntary scopes:
the customer chooses which to share, so the tokens can carry fewer scopes than were asked for.
Only call the API for the scopes in ``tokens.scope``. Without ``--api-url`` the program shows
the header it would send, with the token masked. The ``LWA_*`` variables are the ones
``lwa-loopback login`` reads (LWA_REDIRECT_URI, LWA_REGION, LWA_TOKEN_FILE, ...).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import Any

import aiohttp

from lwa_loopback import LoginError, Tokens, default_token_file, login


def voluntary(scopes: list[str]) -> dict[str, Any]:
    """LWA's scope_data marking every scope as one the customer may decline."""
    return {scope: {"essential": False} for scope in scopes}


def bearer_header(tokens: Tokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.access_token}"}


def masked(token: str) -> str:
    """Enough to recognise a token in a log, never enough to use it."""
    return f"{token[:5]}...({len(token)} characters)"


async def sign_in(scopes: list[str]) -> Tokens:
    env = os.environ
    return await login(
        client_id=env["LWA_CLIENT_ID"],
        client_secret=env.get("LWA_CLIENT_SECRET"),
        redirect_uri=env.get("LWA_REDIRECT_URI", "http://127.0.0.1:8080/callback"),
        scope=scopes,
        scope_data=voluntary(scopes),
        region=env.get("LWA_REGION", "na"),
        authorize_url=env.get("LWA_AUTHORIZE_URL"),
        token_url=env.get("LWA_TOKEN_URL"),
        token_file=env.get("LWA_TOKEN_FILE") or default_token_file(),
    )


async def call_api(api_url: str, tokens: Tokens) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(api_url, headers=bearer_header(tokens)) as response,
    ):
        print(f"GET {api_url} -> HTTP {response.status}")


async def main(scopes: list[str], api_url: str | None) -> None:
    tokens = await sign_in(scopes)
    granted = tokens.scope.split()
    print(f"Granted {len(granted)} of {len(scopes)} scopes: {' '.join(granted) or 'none'}")
    print(f"Authorization: Bearer {masked(tokens.access_token)}")
    if api_url is not None:
        await call_api(api_url, tokens)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scope",
        dest="scopes",
        action="append",
        help="a portability::... scope; repeat for several "
        "(default: portability::customer_profile)",
    )
    parser.add_argument("--api-url", help="an API address to call with the bearer header")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_arguments()
    if "LWA_CLIENT_ID" not in os.environ:
        sys.exit("Set LWA_CLIENT_ID (and LWA_CLIENT_SECRET) to your security profile's values.")
    logging.basicConfig(level=logging.INFO, format="%(message)s")  # the library's progress
    try:
        asyncio.run(main(arguments.scopes or ["portability::customer_profile"], arguments.api_url))
    except LoginError as error:
        sys.exit(f"error: {error}")
