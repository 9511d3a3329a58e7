"""``lwa-loopback demo``: the real login flow against the built-in fake LWA server."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from ._flow import login
from ._tokens import Tokens
from .testing import FakeLWA, HeadlessBrowser

log = logging.getLogger("lwa_loopback")

DEMO_REDIRECT_URI = "http://127.0.0.1:0/callback"  # port 0: any free port, so it never clashes


async def run_demo(
    *,
    token_file: Path | None,
    announce: Callable[[str], Awaitable[None]],
    headless: bool = True,
    timeout: float = 120.0,
) -> tuple[Tokens, Path]:
    """Log in against a fresh ``FakeLWA``; ``announce`` shows (and may open) the consent URL,
    then a headless browser follows it. Unless ``headless``: then the fake shows its consent
    page, and the person chooses Allow (or Deny) in their own browser."""
    path = token_file or Path(tempfile.mkdtemp(prefix="lwa-loopback-demo-")) / "tokens.json"
    browser = HeadlessBrowser()

    async def opener(url: str) -> None:
        await announce(url)
        if headless:
            log.info("A headless browser follows the address and signs in...")
            await browser(url)
        else:
            log.info("In the browser, choose Allow on the (fake) consent page, or Deny to see "
                     "how a refusal ends.")

    async with FakeLWA(interactive=not headless) as lwa:
        tokens = await login(
            **lwa.login_options(), redirect_uri=DEMO_REDIRECT_URI, scope="profile",
            token_file=path, open_browser=opener, timeout=timeout,
        )
    return tokens, path
