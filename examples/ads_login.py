"""Sign in for the Amazon Ads API, then list the advertising profiles the account can manage.

    export LWA_CLIENT_ID=amzn1.application-oa2-client....  LWA_CLIENT_SECRET=...
    python examples/ads_login.py --region eu

The Ads API uses the ordinary LWA sign-in with the scope ``advertising::campaign_management``,
on the consent page and token endpoint of the account's region, and wants the client id in an
``Amazon-Advertising-API-ClientId`` header beside the bearer token. The token file is reused
while it holds a valid (or refreshable) token, so a second run opens no browser. The ``LWA_*``
variables are the ones ``lwa-loopback login`` reads (LWA_REDIRECT_URI, LWA_TOKEN_FILE, ...).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

import aiohttp

import lwa_loopback

ADS_SCOPE = "advertising::campaign_management"
# The Ads API's host for each LWA region (advertising.amazon.com/API/docs: "API endpoints").
ADS_API = {
    "na": "https://advertising-api.amazon.com",
    "eu": "https://advertising-api-eu.amazon.com",
    "fe": "https://advertising-api-fe.amazon.com",
}


async def access_token(region: str) -> str:
    """A valid access token: from the token file when it has one, else a sign-in."""
    env = os.environ
    token_file = env.get("LWA_TOKEN_FILE") or lwa_loopback.default_token_file()
    try:
        return await lwa_loopback.valid_access_token(
            token_file, client_secret=env.get("LWA_CLIENT_SECRET")
        )
    except lwa_loopback.TokenFileUnusable:
        pass  # no file yet (or nothing to refresh with): sign in
    tokens = await lwa_loopback.login(
        client_id=env["LWA_CLIENT_ID"],
        client_secret=env.get("LWA_CLIENT_SECRET"),
        redirect_uri=env.get("LWA_REDIRECT_URI", "http://127.0.0.1:8080/callback"),
        scope=ADS_SCOPE,
        region=region,
        authorize_url=env.get("LWA_AUTHORIZE_URL"),
        token_url=env.get("LWA_TOKEN_URL"),
        token_file=token_file,
    )
    return tokens.access_token


async def list_profiles(api_url: str, token: str) -> None:
    headers = {
        "Authorization": f"Bearer {token}",
        "Amazon-Advertising-API-ClientId": os.environ["LWA_CLIENT_ID"],
    }
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{api_url}/v2/profiles", headers=headers) as response,
    ):
        profiles = await response.json(content_type=None) if response.status == 200 else []
        print(f"GET {api_url}/v2/profiles -> HTTP {response.status}: {len(profiles)} profile(s)")
        for profile in profiles:
            info = profile.get("accountInfo", {})
            print(f"  {profile.get('profileId')}  {profile.get('countryCode')}  {info.get('name')}")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", choices=sorted(ADS_API), default="na")
    parser.add_argument("--api-url", help="the Ads API's address (default: the region's)")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_arguments()
    if "LWA_CLIENT_ID" not in os.environ:
        sys.exit("Set LWA_CLIENT_ID (and LWA_CLIENT_SECRET) to your security profile's values.")
    logging.basicConfig(level=logging.INFO, format="%(message)s")  # the library's progress
    try:
        token = asyncio.run(access_token(arguments.region))
        asyncio.run(list_profiles(arguments.api_url or ADS_API[arguments.region], token))
    except lwa_loopback.LoginError as error:
        sys.exit(f"error: {error}")
    except aiohttp.ClientError as error:  # the Ads API call itself (the network, DNS, TLS)
        sys.exit(f"error: could not reach the Ads API ({error}); check the network or --api-url.")
