"""``lwa-loopback refresh``, ``token`` and ``show``: the token file, after the first login.

``token`` runs in shell loops: while the access token is valid it reads one file and prints,
and neither asyncio nor aiohttp is imported (``_refresh`` is loaded only when a refresh is due).
Errors go through ``_exits.handles_errors``, with ``--file`` naming the library's `token_file`.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from .._defaults import MIN_VALID
from .._token_file import read_token_file
from .._token_json import MAX_LIFETIME
from .._tokens import Tokens
from ._exits import handles_errors
from ._formats import ALL_FORMATS, FORMATS, LIBRARY_FORMATS, check, output
from ._output import SETTINGS, say, show_logs
from ._profiles import profile_option
from ._profiles import token_file as profile_token_file
from ._signals import run_async

#: The token commands name the token file --file (``login`` writes it with --out).
_FLAGS = {"token_file": "--file", "client_secret": "--client-secret"}

_file_option = click.option(
    "--file",
    "token_file",
    envvar="LWA_TOKEN_FILE",
    show_envvar=True,
    type=click.Path(path_type=Path),
    help="The token file `login` wrote. [default: $XDG_CONFIG_HOME/lwa-loopback/tokens.json]",
)
_secret_option = click.option(
    "--client-secret",
    envvar="LWA_CLIENT_SECRET",
    show_envvar=True,
    help="The client secret, sent with the refresh token (and printed by token's sp-api-* and "
    "ad-api-* formats). Prefer the environment variable to the command line.",
)


@click.command(context_settings=SETTINGS)
@_file_option
@profile_option("--file")
@_secret_option
@handles_errors(_FLAGS)
def refresh(token_file: Path | None, profile: str | None, client_secret: str | None) -> None:
    """Get a new access token with the file's refresh token, and rewrite the file (0600).

    Processes refreshing the same file at once make one request between them.
    """
    from .._refresh import refresh as run_refresh

    path = chosen(token_file, profile)
    show_logs(_FLAGS)
    tokens = run_async(lambda: run_refresh(path, client_secret=client_secret))
    say(f"Refreshed. {path} holds an access token valid for {tokens.expires_in // 60} minutes.")


@click.command(context_settings=SETTINGS)
@_file_option
@profile_option("--file")
@click.option(
    "--min-valid",
    default=MIN_VALID,
    show_default=True,
    metavar="SECONDS",
    type=click.IntRange(min=0, max=MAX_LIFETIME),
    help="Refresh first when the access token expires within this many seconds.",
)
@click.option(
    "--format",
    "form",
    default=FORMATS[0],
    show_default=True,
    type=click.Choice(ALL_FORMATS),
    help="raw: the access token alone. header: 'Authorization: Bearer TOKEN', or "
    "'x-amz-access-token: TOKEN' for Selling Partner API tokens (sp-api-header: always that). "
    "json: one line, with token_type and expires_at. env: LWA_ACCESS_TOKEN='TOKEN' (and "
    "LWA_SELLING_PARTNER_ID). sp-api-env, sp-api-json, ad-api-env, ad-api-json: what "
    "python-amazon-sp-api and python-amazon-ad-api read, environment lines or their credentials "
    "object. These print the REFRESH TOKEN, a long-lived secret, on stdout, and the client "
    "secret only when given to this command (never from the file, which holds none); the json "
    "ones need it. Shell lines are single-quoted for eval.",
)
@click.option(
    "--ads-profile-id",
    metavar="ID",
    help="With ad-api-env or ad-api-json: the Ads profile id to print as AD_API_PROFILE_ID "
    "(lwa-loopback does not know it; GET /v2/profiles on the Ads API lists them).",
)
@_secret_option
@handles_errors(_FLAGS)
def token(
    token_file: Path | None,
    profile: str | None,
    min_valid: int,
    form: str,
    ads_profile_id: str | None,
    client_secret: str | None,
) -> None:
    """Print a valid access token on stdout; refresh it first when it is about to expire.

    The library formats (sp-api-env, ...) print the refresh token instead, and ask nothing.

    \b
      curl -H "Authorization: Bearer $(lwa-loopback token)" https://api.amazon.com/user/profile
      lwa-loopback token --format header | curl -H @- https://api.amazon.com/user/profile
      set -a; eval "$(lwa-loopback token --format env)"; set +a
      set -a; eval "$(lwa-loopback token --format sp-api-env)"; set +a
    """
    check(form, client_secret=client_secret, ads_profile_id=ads_profile_id)
    path = chosen(token_file, profile)
    if form in LIBRARY_FORMATS:
        tokens = read_token_file(path)  # the refresh token: no access token needed, none asked
    else:
        tokens = _valid_tokens(path, min_valid, client_secret)
    printed = output(
        form, asdict(tokens), client_secret=client_secret, ads_profile_id=ads_profile_id
    )
    click.echo(printed, nl=False)


def _valid_tokens(path: Path, min_valid: int, client_secret: str | None) -> Tokens:
    """The token file's tokens, refreshed first when they expire within ``min_valid`` seconds."""
    tokens = read_token_file(path)
    if not tokens.expires_within(min_valid):
        return tokens
    from .._refresh import valid_access_token

    show_logs(_FLAGS)
    run_async(lambda: valid_access_token(path, min_valid=min_valid, client_secret=client_secret))
    # The refresh wrote the file, under its lock and atomically: read once more, every field
    # printed comes from one version of it.
    return read_token_file(path)


@click.command(context_settings=SETTINGS)
@_file_option
@profile_option("--file")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="The same as JSON, for scripts (tokens masked there too).",
)
@handles_errors(_FLAGS)
def show(token_file: Path | None, profile: str | None, as_json: bool) -> None:
    """What the token file holds: client, region, scopes, expiry. Tokens are masked."""
    import json
    from datetime import datetime, timezone

    from ._describe import describe, render

    path = chosen(token_file, profile)
    tokens = read_token_file(path)
    now = datetime.now(timezone.utc)
    if as_json:
        click.echo(json.dumps(describe(tokens, path, now), indent=2))
    else:
        click.echo(render(tokens, path, now))


def chosen(token_file: Path | None, profile: str | None) -> Path:
    """--file, else --profile, else LWA_TOKEN_FILE, else LWA_PROFILE, else the default."""
    return profile_token_file("token_file", token_file, profile)[0]
