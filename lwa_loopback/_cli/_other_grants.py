"""``lwa-loopback client-credentials`` and ``lwa-loopback import``: token files without a
browser sign-in. Their options come from the one table (``_options.OPTIONS``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .._grants import CLIENT_CREDENTIALS_FLOW, IMPORT
from .._options import ClientCredentialsOptions, ImportOptions
from ..errors import ConfigurationError, shown
from ._build import add_options, option_values, taken_by, warn_if_secret_on_command_line
from ._exits import handles_errors
from ._output import SETTINGS, say, show_logs
from ._profiles import profile_option
from ._profiles import token_file as chosen_file
from ._signals import run_async

_JSON = click.option(
    "--json", "as_json", is_flag=True, help="Also print the token file's JSON on stdout."
)
# The refresh token never goes on the command line, where `ps` and the shell history see it.
_MAX_PASTED = 64 * 1024


@click.command("client-credentials", context_settings=SETTINGS)
@profile_option("--out")
@add_options(CLIENT_CREDENTIALS_FLOW)
@_JSON
@handles_errors()
def client_credentials(
    profile: str | None,
    as_json: bool,
    client_id: str | None,
    client_secret: str | None,
    client_auth: str | None,
    scope: tuple[str, ...],
    region: str,
    token_url: str | None,
    token_file: Path | None,
    request_timeout: float,
) -> None:
    """An access token for the client itself (grantless SP-API operations, the Appstore API,
    Alexa skill messaging): no browser, no refresh token.

    `lwa-loopback token` and `refresh` ask again, with the client secret, when it expires.
    """
    warn_if_secret_on_command_line()
    values = option_values()
    values["token_file"] = chosen_file("token_file", token_file, profile)[0]
    run_client_credentials(taken_by(ClientCredentialsOptions, values), as_json)


def run_client_credentials(options: ClientCredentialsOptions, as_json: bool) -> None:
    from .._other_grants import ask_with_client_credentials

    show_logs()
    tokens = run_async(lambda: ask_with_client_credentials(options))
    say(
        f"Got an access token for scope {shown(tokens.scope) or '(none named)'}, valid for "
        f"{tokens.expires_in // 60} minutes. Saved to {options.token_file}."
    )
    if as_json:
        click.echo(tokens.dumps(), nl=False)


def _read_refresh_token() -> str:
    """One line from stdin; on a terminal, asked for and not echoed (it is a credential)."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Paste the refresh token (Atzr|..., not shown) and press Enter: ")
    pasted = sys.stdin.readline(_MAX_PASTED)
    if not pasted.strip():
        raise ConfigurationError(
            "Nothing was read on standard input: give the refresh token there, as in "
            "`lwa-loopback import ... < refresh-token.txt`, or run the command in a terminal "
            "and paste it."
        )
    return pasted


@click.command("import", context_settings=SETTINGS)
@profile_option("--out")
@add_options(IMPORT)
@_JSON
@handles_errors()
def import_(
    profile: str | None,
    as_json: bool,
    client_id: str | None,
    client_secret: str | None,
    client_auth: str | None,
    scope: tuple[str, ...],
    region: str,
    token_url: str | None,
    selling_partner_id: str | None,
    token_file: Path | None,
    request_timeout: float,
) -> None:
    """Make a token file from a refresh token given on standard input (a private SP-API app's
    self-authorization shows one), after one refresh proves that it works.

    \b
      lwa-loopback import --client-id amzn1.application-oa2-client.... < refresh-token.txt
    """
    from .._other_grants import import_with

    warn_if_secret_on_command_line()
    values = option_values()
    values["token_file"] = chosen_file("token_file", token_file, profile)[0]
    options = taken_by(ImportOptions, values)
    refresh_token = _read_refresh_token()
    show_logs()
    tokens = run_async(lambda: import_with(options, refresh_token))
    say(
        f"Imported. The refresh token works: {options.token_file} holds an access token "
        f"valid for {tokens.expires_in // 60} minutes."
    )
    if as_json:
        click.echo(tokens.dumps(), nl=False)
