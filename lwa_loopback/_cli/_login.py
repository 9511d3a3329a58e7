"""``lwa-loopback login`` (a browser sign-in, LWA's or Seller Central's, or with ``--device`` the
device flow): its options are built from the one table, ``_options.OPTIONS``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .._options import DEVICE, LOGIN, OPTIONS, Option
from .._regions import REGIONS
from ._exits import handles_errors
from ._output import SETTINGS, announce, say, show_logs, system_browser
from ._signals import run_async, sigterm_raises

if TYPE_CHECKING:
    from .._request import Request
    from .._tokens import Tokens

_SECONDS = click.FloatRange(min=0, min_open=True)
_PATH = click.Path(dir_okay=False, path_type=Path)


def click_option(option: Option) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The click option for one login option: same name, default, help and variable."""
    settings: dict[str, Any] = {
        "help": option.help,
        "envvar": option.envvar,
        "show_envvar": option.envvar is not None,
    }
    if option.kind == "flag":
        settings.update(is_flag=True, envvar=None, show_envvar=False)
    elif option.kind == "several":
        settings.update(multiple=True)
    elif option.kind == "path":
        settings.update(type=_PATH)
    elif option.kind == "seconds":
        settings.update(type=_SECONDS)
    elif option.kind == "choice":
        settings.update(type=click.Choice(list(REGIONS)))
    if option.default is not None and option.kind != "flag":
        settings.update(default=option.default, show_default=True)
    return click.option(option.flag, option.name, required=option.required, **settings)


def options_of(*flows: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a command with every option the ``flows`` take, in the table's order."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(OPTIONS):
            if option.flows & set(flows):
                command = click_option(option)(command)
        return command

    return decorate


def taken_by(flow: str, options: dict[str, Any]) -> dict[str, Any]:
    """The command's values of the options ``flow`` takes (the device flow has no
    redirect_uri, a browser sign-in no codepair_url)."""
    return {option.name: options[option.name] for option in OPTIONS if flow in option.flows}


def with_token_file(options: dict[str, Any]) -> dict[str, Any]:
    """The command writes a token file, where the library writes none unless told."""
    from .._token_file import default_token_file

    return {**options, "token_file": (options["token_file"] or default_token_file()).expanduser()}


@click.command(context_settings=SETTINGS)
@click.option(
    "--device",
    is_flag=True,
    help="The device flow (code-based linking): for a machine with no browser. Open the "
    "address shown on any device and enter the code; no return URL, no client secret.",
)
@options_of(LOGIN, DEVICE)
@click.option("--no-browser", is_flag=True, help="Only print the consent URL; open no browser.")
@click.option("--json", "as_json", is_flag=True, help="Also print the token file's JSON on stdout.")
@handles_errors()
def login(device: bool, no_browser: bool, as_json: bool, **options: Any) -> None:
    """Sign in once and save the tokens: through the browser, or with --device on any device.

    Listens on the return URL, opens the consent page, exchanges the code LWA sends back at
    once, writes the token file (mode 0600) and exits. With --paste (or a return URL that is
    not loopback) nothing listens: paste the address the browser ended on. With --sp-api the
    consent page is Seller Central's (Selling Partner API website authorization). With
    --device there is no return URL: open the address shown on any device, enter the code.
    """
    if device:
        _device_login(with_token_file(taken_by(DEVICE, options)), no_browser, as_json)
        return
    from .._endpoints import is_amazon, server_name
    from .._request import prepare, start

    options = with_token_file(taken_by(LOGIN, options))
    show_logs()
    with sigterm_raises():
        # Checked, bound and printed before asyncio and aiohttp are even imported: the person
        # reads the consent page while the rest loads.
        started = start(prepare(**options))
        request = started.request
        consent_page = request.endpoints.authorize_url
        server = "Amazon" if is_amazon(consent_page) else server_name(consent_page)
        waiting = None if request.paste else request.timeout
        announce(started.consent_url, waiting, _secret_warning(request), server)
        from .._flow import complete

        tokens = run_async(lambda: complete(started, None if no_browser else system_browser))
    report(tokens, options["token_file"])
    if as_json:
        click.echo(tokens.dumps(), nl=False)


def _secret_warning(request: Request) -> str | None:
    """Said before the browser opens: without a secret there will be no refresh token."""
    from .._endpoints import is_amazon

    if request.client_secret:
        return None
    server = "LWA" if is_amazon(request.endpoints.token_url) else "the server"
    return (
        f"no client secret (--client-secret or LWA_CLIENT_SECRET): {server} will send no "
        "refresh token, so these tokens stop working when the access token expires."
    )


def _device_login(options: dict[str, Any], no_browser: bool, as_json: bool) -> None:
    from .._device import code_lines, login_device

    async def on_code(user_code: str, verification_uri: str, expires_in: float) -> None:
        say(code_lines(user_code, verification_uri, expires_in))
        if not no_browser:
            await system_browser(verification_uri)

    show_logs()
    tokens = run_async(lambda: login_device(**options, on_code=on_code))
    report(tokens, options["token_file"])
    if as_json:
        click.echo(tokens.dumps(), nl=False)


def report(tokens: Tokens, token_file: Path) -> None:
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
