"""``lwa-loopback demo``: the real login flow against the built-in fake LWA server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .._defaults import DEMO_TIMEOUT
from ._exits import handles_errors
from ._login import report
from ._output import SETTINGS, announce, say, show_logs, system_browser
from ._signals import run_async

if TYPE_CHECKING:
    from .._tokens import Tokens

DEMO_REDIRECT_URI = "http://127.0.0.1:0/callback"  # port 0: any free port, so it never clashes


@click.command(context_settings=SETTINGS)
@click.option(
    "--browser",
    is_flag=True,
    help="Open the fake's consent page in your own browser "
    "and click Allow yourself, instead of letting a "
    "headless one sign in.",
)
@click.option(
    "--out",
    "token_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the demo tokens. [default: a new temporary folder]",
)
@click.option(
    "--timeout",
    default=DEMO_TIMEOUT,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds to wait for the redirect.",
)
@handles_errors()
def demo(browser: bool, token_file: Path | None, timeout: float) -> None:
    """Run a whole login against a built-in fake LWA server: no Amazon account needed.

    The real flow runs (listener, consent URL, redirect, code exchange, token file) against a
    fake server on 127.0.0.1; the tokens it writes are fake too.
    """
    show_logs()
    say("Starting a fake LWA server on 127.0.0.1 (nothing leaves this machine)...")

    async def shown(url: str) -> None:
        announce(url, timeout)
        if browser:
            await system_browser(url)

    tokens, path = run_async(
        lambda: run_demo(
            token_file=token_file, announce=shown, headless=not browser, timeout=timeout
        )
    )
    report(tokens, path)
    say(
        "That was the whole flow. With a real LWA client, register "
        "http://127.0.0.1:8080/callback as an Allowed Return URL and run:\n"
        "  LWA_CLIENT_SECRET=... lwa-loopback login --client-id amzn1.application-oa2-client.... "
        "--redirect-uri http://127.0.0.1:8080/callback --scope profile"
    )


async def run_demo(
    *,
    token_file: Path | None,
    announce: Callable[[str], Awaitable[None]],
    headless: bool = True,
    timeout: float = DEMO_TIMEOUT,
) -> tuple[Tokens, Path]:
    """Log in against a fresh ``FakeLWA``; ``announce`` shows (and may open) the consent URL,
    then a headless browser follows it. Unless ``headless``: then the fake shows its consent
    page, and the person chooses Allow (or Deny) in their own browser."""
    import logging
    import tempfile

    from .._fake import FakeLWA, HeadlessBrowser
    from .._flow import login

    path = token_file or Path(tempfile.mkdtemp(prefix="lwa-loopback-demo-")) / "tokens.json"
    browser = HeadlessBrowser()
    log = logging.getLogger("lwa_loopback")

    async def opener(url: str) -> None:
        await announce(url)
        if headless:
            log.info("A headless browser follows the address and signs in...")
            await browser(url)
        else:
            log.info(
                "In the browser, choose Allow on the (fake) consent page, or Deny to see "
                "how a refusal ends."
            )

    async with FakeLWA(interactive=not headless) as lwa:
        tokens = await login(
            **lwa.login_options(),
            redirect_uri=DEMO_REDIRECT_URI,
            scope="profile",
            token_file=path,
            open_browser=opener,
            timeout=timeout,
        )
    return tokens, path
