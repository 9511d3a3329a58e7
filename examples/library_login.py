"""Log in from Python with ``lwa_loopback.login`` and print what was granted.

With LWA_CLIENT_ID, LWA_CLIENT_SECRET and LWA_REDIRECT_URI set, it signs in to Login with
Amazon for real (your browser opens). Without LWA_CLIENT_ID it runs against the built-in fake
LWA server with a headless browser, so it works anywhere:

    python examples/library_login.py [token-file]
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import lwa_loopback
from lwa_loopback.testing import FakeLWA, HeadlessBrowser


async def main(token_file: Path) -> lwa_loopback.Tokens:
    if "LWA_CLIENT_ID" in os.environ:
        return await lwa_loopback.login(
            client_id=os.environ["LWA_CLIENT_ID"],
            client_secret=os.environ.get("LWA_CLIENT_SECRET"),
            redirect_uri=os.environ.get("LWA_REDIRECT_URI", "http://127.0.0.1:8080/callback"),
            scope="profile",
            token_file=token_file,
        )
    async with FakeLWA() as fake:
        return await lwa_loopback.login(
            **fake.login_options(),
            redirect_uri="http://127.0.0.1:0/callback",
            scope="profile",
            token_file=token_file,
            open_browser=HeadlessBrowser(),
        )


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else lwa_loopback.default_token_file()
    try:
        tokens = asyncio.run(main(path))
    except lwa_loopback.LoginError as exc:
        sys.exit(f"error: {exc}")
    print(f"Granted scope: {tokens.scope}")
    print(f"Access token expires at {tokens.expires_at:%Y-%m-%d %H:%M} UTC")
    print(f"Refresh token: {'yes' if tokens.refresh_token else 'no'}; saved to {path}")
