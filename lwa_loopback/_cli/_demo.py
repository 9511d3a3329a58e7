"""``lwa-loopback demo``: the real flows against the built-in fake LWA server: the loopback
login (default), Seller Central's (``--sp-api``) or the device flow (``--device``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .._defaults import DEMO_TIMEOUT
from ._build import SECONDS
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
    help="Open the fake's page in your own browser and choose Allow yourself, instead of "
    "letting a headless one do it.",
)
@click.option("--device", is_flag=True, help="The device flow: a code typed on another device.")
@click.option("--sp-api", is_flag=True, help="A Selling Partner sign-in through Seller Central.")
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
    type=SECONDS,
    metavar="SECONDS",
    help="Seconds to wait for the redirect.",
)
@handles_errors()
def demo(
    browser: bool, device: bool, sp_api: bool, token_file: Path | None, timeout: float
) -> None:
    """Run a whole sign-in against a built-in fake LWA server: no Amazon account needed.

    The real flow runs (listener, consent URL, redirect, code exchange, token file; or the
    code pair and the polling with --device) against a fake server on 127.0.0.1; the tokens
    it writes are fake too.
    """
    if device and sp_api:
        raise click.UsageError("Choose one of --device and --sp-api.")
    show_logs()
    say("Starting a fake LWA server on 127.0.0.1 (nothing leaves this machine)...")
    demo_run = Demo(browser=browser, token_file=token_file, timeout=timeout)
    flow = demo_run.device if device else demo_run.seller if sp_api else demo_run.login
    tokens, path = run_async(flow)
    report(tokens, path)
    say(_NEXT[("device" if device else "sp-api" if sp_api else "login")])
    say(_TRY_THE_FAKE)


_NEXT = {
    "login": "That was the whole flow. With a real LWA client, register "
    "http://127.0.0.1:8080/callback as an Allowed Return URL and run:\n"
    "  LWA_CLIENT_SECRET=... lwa-loopback login --client-id amzn1.application-oa2-client.... "
    "--redirect-uri http://127.0.0.1:8080/callback --scope profile",
    "sp-api": "That was a Selling Partner sign-in. With a real SP-API app, run:\n"
    "  LWA_CLIENT_SECRET=... lwa-loopback login --sp-api --application-id "
    "amzn1.sp.solution.... --client-id amzn1.application-oa2-client.... --redirect-uri "
    "https://YOUR-REGISTERED-RETURN-URL (see README: Selling Partner API return URLs)",
    "device": "That was the device flow. With a real client set up for other devices, run:\n"
    "  lwa-loopback login --device --client-id amzn1.application-oa2-client.... --scope profile",
}


_TRY_THE_FAKE = (
    "Try every command against the fake: `lwa-loopback fake` in one terminal, then in another "
    "paste the export lines it prints and run any command (login, token, refresh, show, "
    "client-credentials, import, login --device)."
)


class Demo:
    """One demo run: a fresh ``FakeLWA``, and the person's part played by a headless browser
    (or, with ``browser``, by the person in their own browser)."""

    def __init__(self, *, browser: bool, token_file: Path | None, timeout: float) -> None:
        import tempfile

        self.browser = browser
        self.timeout = timeout
        self.path = (
            token_file or Path(tempfile.mkdtemp(prefix="lwa-loopback-demo-")) / "tokens.json"
        )

    async def login(self) -> tuple[Tokens, Path]:
        from .._fake import FakeLWA
        from .._login import login

        async with FakeLWA(interactive=self.browser) as lwa:
            tokens = await login(
                **lwa.login_options(),
                redirect_uri=DEMO_REDIRECT_URI,
                scope="profile",
                token_file=self.path,
                open_browser=self._opener(),
                timeout=self.timeout,
            )
        return tokens, self.path

    async def seller(self) -> tuple[Tokens, Path]:
        from .._fake import FakeLWA
        from .._login import login

        async with FakeLWA(interactive=self.browser) as lwa:
            tokens = await login(
                client_id=lwa.client_id,
                client_secret=lwa.client_secret,
                sp_api=True,
                application_id=lwa.application_id,
                authorize_url=lwa.seller_central_url,
                token_url=lwa.token_url,
                redirect_uri=DEMO_REDIRECT_URI,
                token_file=self.path,
                open_browser=self._opener(),
                timeout=self.timeout,
            )
        return tokens, self.path

    async def device(self) -> tuple[Tokens, Path]:
        from .._device import code_lines, login_device
        from .._fake import FakeLWA, HeadlessBrowser

        async def on_code(user_code: str, verification_uri: str, expires_in: float) -> None:
            say(code_lines(user_code, verification_uri, expires_in))
            if self.browser:
                await system_browser(verification_uri)
            else:
                say("A headless browser opens the page and types the code...")
                await HeadlessBrowser().enter_code(user_code, verification_uri)

        async with FakeLWA(device_interval=0.2) as lwa:
            tokens = await login_device(
                client_id=lwa.client_id,
                scope="profile",
                token_url=lwa.token_url,
                codepair_url=lwa.codepair_url,
                token_file=self.path,
                on_code=on_code,
            )
        return tokens, self.path

    def _opener(self) -> Callable[[str], Awaitable[None]]:
        from .._fake import HeadlessBrowser

        async def opener(url: str) -> None:
            announce(url, self.timeout, server="the fake LWA server")
            if self.browser:
                say(
                    "In the browser, choose Allow on the (fake) page, or Deny to see how a "
                    "refusal ends."
                )
                await system_browser(url)
            else:
                say("A headless browser follows the address and signs in...")
                await HeadlessBrowser()(url)

        return opener
