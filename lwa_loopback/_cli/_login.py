"""``lwa-loopback login`` (a browser sign-in, LWA's or Seller Central's, or with ``--device`` the
device flow): its options are built from the one table, ``_options.OPTIONS``, and named in
its signature."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .._grants import CLIENT_CREDENTIALS_FLOW, DEVICE, LOGIN
from .._options import OPTIONS, ClientCredentialsOptions, DeviceOptions, LoginOptions
from ..errors import ConfigurationError
from ._build import add_options, option_values, taken_by, warn_if_secret_on_command_line
from ._exits import handles_errors
from ._other_grants import run_client_credentials
from ._output import SETTINGS, announce, say, show_logs, system_browser
from ._profiles import given_on_command_line, profile_option, replayed
from ._profiles import token_file as chosen_file
from ._signals import run_async, sigterm_raises

if TYPE_CHECKING:
    from .._login_start import LoginPlan
    from .._tokens import Tokens


@click.command(context_settings=SETTINGS)
@click.option(
    "--device",
    is_flag=True,
    help="The device flow (code-based linking): for a machine with no browser. Open the "
    "address shown on any device and enter the code; no return URL, no client secret.",
)
@profile_option("--out")
@add_options(LOGIN, DEVICE)
@click.option("--no-browser", is_flag=True, help="Only print the consent URL; open no browser.")
@click.option("--json", "as_json", is_flag=True, help="Also print the token file's JSON on stdout.")
@handles_errors()
def login(
    device: bool,
    profile: str | None,
    no_browser: bool,
    as_json: bool,
    client_id: str | None,
    client_secret: str | None,
    client_auth: str | None,
    redirect_uri: str | None,
    bind: str | None,
    scope: tuple[str, ...],
    scope_data: str | None,
    region: str,
    authorize_url: str | None,
    token_url: str | None,
    codepair_url: str | None,
    sp_api: bool,
    application_id: str | None,
    draft: bool,
    token_file: Path | None,
    timeout: float,
    request_timeout: float,
    paste: bool,
    certfile: Path | None,
    keyfile: Path | None,
) -> None:
    """Sign in once and save the tokens: through the browser, or with --device on any device.

    Listens on the return URL, opens the consent page, exchanges the code LWA sends back at
    once, writes the token file (mode 0600) and exits. With --paste (or a return URL that is
    not loopback) nothing listens: paste the address the browser ended on. With --sp-api the
    consent page is Seller Central's (Selling Partner API website authorization). With
    --device there is no return URL: open the address shown on any device, enter the code.
    """
    warn_if_secret_on_command_line()
    options = option_values()
    options["token_file"], saved_in, of_profile = chosen_file("token_file", token_file, profile)
    options, flow = replayed(options, saved_in, profile=of_profile)
    # Options only a browser sign-in takes, given here: they choose that flow (or, beside
    # --device, cannot apply), whatever flow the profile last used.
    browser_only = [name for name in _BROWSER_ONLY if given_on_command_line(name)]
    if device and browser_only:
        flags = ", ".join(OPTION_FLAGS[name] for name in browser_only)
        raise ConfigurationError(
            f"{flags} cannot apply to --device: they belong to a sign-in in a browser on this "
            "machine, and the device flow has no return URL, no consent page of its own, and "
            "waits as long as its code lives."
        )
    if flow is CLIENT_CREDENTIALS_FLOW and not device and not browser_only:
        run_client_credentials(taken_by(ClientCredentialsOptions, options), as_json)
    elif device or (flow is DEVICE and not browser_only):
        _device_login(taken_by(DeviceOptions, options), no_browser, as_json)
    else:
        _browser_login(taken_by(LoginOptions, options), no_browser, as_json)


#: The options of a browser sign-in that no other flow takes.
_BROWSER_ONLY = tuple(option.name for option in OPTIONS if option.flows == frozenset({LOGIN}))
OPTION_FLAGS = {option.name: option.flag for option in OPTIONS}


def _browser_login(options: LoginOptions, no_browser: bool, as_json: bool) -> None:
    from .._endpoints import is_amazon, server_name
    from .._login_start import prepare, start

    show_logs()
    with sigterm_raises():
        # Checked, bound and printed before asyncio and aiohttp are even imported: the person
        # reads the consent page while the rest loads.
        started = start(prepare(options))
        request = started.request
        consent_page = request.endpoints.authorize_url
        server = "Amazon" if is_amazon(consent_page) else server_name(consent_page)
        waiting = None if request.paste else request.timeout
        announce(started.consent_url, waiting, _secret_warning(request), server)
        from .._login import complete

        tokens = run_async(lambda: complete(started, None if no_browser else system_browser))
    report(tokens, options.token_file)
    if as_json:
        click.echo(tokens.dumps(), nl=False)


def _secret_warning(request: LoginPlan) -> str | None:
    """Said before the browser opens: without a secret there will be no refresh token."""
    from .._endpoints import is_amazon

    if request.client_secret:
        return None
    server = "LWA" if is_amazon(request.endpoints.token_url) else "the server"
    return (
        f"no client secret (--client-secret or LWA_CLIENT_SECRET): {server} will send no "
        "refresh token, so these tokens stop working when the access token expires."
    )


def _device_login(options: DeviceOptions, no_browser: bool, as_json: bool) -> None:
    from .._device import code_lines, sign_in_on_device

    async def on_code(user_code: str, verification_uri: str, expires_in: float) -> None:
        say(code_lines(user_code, verification_uri, expires_in))
        if not no_browser:
            await system_browser(verification_uri)

    show_logs()
    tokens = run_async(lambda: sign_in_on_device(options, on_code=on_code))
    report(tokens, options.token_file)
    if as_json:
        click.echo(tokens.dumps(), nl=False)


def report(tokens: Tokens, token_file: str | os.PathLike[str] | None) -> None:
    partner = (
        f" for selling partner {tokens.selling_partner_id}" if tokens.selling_partner_id else ""
    )
    if tokens.refresh_token is not None:
        say(
            f"Signed in{partner}. Tokens saved to {token_file} (access token valid for "
            f"{tokens.expires_in // 60} minutes; refresh token saved)."
        )
        return
    from .._refresh import why_no_refresh_token

    say(
        f"Signed in. Tokens saved to {token_file} (access token valid for "
        f"{tokens.expires_in // 60} minutes). No refresh token: {why_no_refresh_token(tokens)}"
    )
