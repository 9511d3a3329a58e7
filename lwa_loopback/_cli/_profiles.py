"""Profiles: one token file per client, seller or account, by name, on every command.

``--profile NAME`` (or ``LWA_PROFILE``) selects ``$XDG_CONFIG_HOME/lwa-loopback/profiles/
NAME.json``; ``--out``/``--file`` win over it (``_paths.choose_path`` has the order). A
profile's file remembers how its tokens were obtained (``Tokens.sign_in``): ``login --profile
NAME`` with nothing else signs in again the same way, and an option given on the command line
overrides its saved value. ``lwa-loopback profiles`` lists them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from .. import _paths
from .._grants import LOGIN
from ..errors import ConfigurationError
from ._exits import handles_errors
from ._output import SETTINGS, say


def profile_option(file_flag: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--profile``, whose help names the command's own token file flag."""
    return click.option(
        "--profile",
        metavar="NAME",
        help="Use the profile NAME: its own token file, profiles/NAME.json beside the default "
        f"tokens.json ({file_flag} wins over it). [env var: LWA_PROFILE]",
    )


def given_on_command_line(name: str) -> bool:
    context = click.get_current_context()
    return context.get_parameter_source(name) is ParameterSource.COMMANDLINE


def token_file(parameter: str, value: Path | None, profile: str | None) -> tuple[Path, Path, bool]:
    """The command's token file (a flag beats a variable, a path beats a profile:
    ``_paths.choose_path``), and the file whose saved settings a sign-in replays: the
    profile's own when a profile was named (even when ``--out`` writes elsewhere), else the
    token file itself; and whether that is a profile's."""
    from_flag = str(value) if value is not None and given_on_command_line(parameter) else None
    from_variable = not profile and not os.environ.get("LWA_TOKEN_FILE")
    named = profile or (os.environ.get("LWA_PROFILE") if from_variable else None)
    try:
        chosen = _paths.choose_path(from_flag, profile, os.environ)
        saved = _paths.profile_path(named, os.environ) if named else chosen
    except ValueError as exc:
        source = "--profile" if profile else "LWA_PROFILE"
        raise ConfigurationError(
            f"{str(exc)[:1].upper()}{str(exc)[1:]} (from {source}): a profile is a name, never a "
            "path; for a file of your own, use --out (or --file)."
        ) from None
    return Path(chosen).expanduser(), Path(saved).expanduser(), bool(named)


def replayed(
    options: dict[str, Any], path: Path, *, profile: bool = True
) -> tuple[dict[str, Any], str]:
    """``options`` with the saved values of the token file at ``path`` (a profile's, or the
    one about to be written) for those not given on the command line, and the flow that signs
    in again as its tokens were obtained (a browser sign-in when there is no usable file yet).

    Only what the options table marks as remembered is replayed: a file can be edited, and a
    setting that is never saved (a secret, where to listen, a timeout) must not come from one.
    A token file that is not a profile's is replayed only for its own client: a client id
    given on the command line that differs from it starts afresh.
    """
    from .._options import OPTIONS
    from .._token_file import read_token_file
    from ..errors import TokenFileUnusable

    if not path.exists():
        return options, LOGIN
    whose = "the profile's token file" if profile else f"the token file {path}"
    try:
        saved = read_token_file(path)
    except TokenFileUnusable as exc:
        say(f"warning: {whose} cannot be read, so none of its settings are used: {exc}")
        return options, LOGIN
    if (
        not profile
        and given_on_command_line("client_id")
        and options["client_id"] != (saved.client_id)
    ):
        return options, LOGIN
    kept = {option.name for option in OPTIONS if option.remembered}
    merged = dict(options)
    used = []
    for name, value in (saved.sign_in or {}).items():
        if name in kept and name in merged and not given_on_command_line(name):
            merged[name] = (value,) if isinstance(merged[name], tuple) else value
            used.append(name.replace("_", " "))
    if used and not profile:
        say(f"Signing in again with the settings saved in {path}: {', '.join(used)}.")
    return merged, saved.obtained_by.flow


@click.command(context_settings=SETTINGS)
@click.option("--json", "as_json", is_flag=True, help="The same as JSON (never a token).")
@handles_errors()
def profiles(as_json: bool) -> None:
    """List every profile: client id, grant, granted scopes, selling partner, expiry, and
    whether a refresh token is present. Tokens are never shown; broken files are listed as
    broken and left as they are."""
    import json

    rows = [_row(path) for path in _profile_files()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        folder = _paths.profiles_folder(os.environ)
        say(f"No profiles yet in {folder}: `lwa-loopback login --profile NAME ...` makes one.")
        return
    click.echo(_table(rows))


def _profile_files() -> list[Path]:
    folder = Path(_paths.profiles_folder(os.environ))
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == ".json" and p.stem[:1] != ".")
    except OSError:
        return []


def _row(path: Path) -> dict[str, Any]:
    from datetime import datetime, timezone

    from .._token_file import read_token_file
    from ..errors import TokenFileUnusable, shown
    from ._describe import relative

    try:
        tokens = read_token_file(path)
    except TokenFileUnusable as exc:
        return {"profile": path.stem, "token_file": str(path), "broken": shown(str(exc))}
    seconds_left = int((tokens.expires_at - datetime.now(timezone.utc)).total_seconds())
    return {
        "profile": path.stem,
        "token_file": str(path),
        "client_id": tokens.client_id,
        "grant": tokens.grant,
        "scope": tokens.scope,
        "selling_partner_id": tokens.selling_partner_id,
        "expires": relative(seconds_left),
        "seconds_left": seconds_left,
        "has_refresh_token": tokens.refresh_token is not None,
    }


_COLUMNS: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    ("PROFILE", lambda row: row["profile"]),
    ("CLIENT ID", lambda row: row.get("client_id", "")),
    ("GRANT", lambda row: row.get("grant", "")),
    ("SCOPES", lambda row: row.get("scope") or ""),
    ("SELLING PARTNER", lambda row: row.get("selling_partner_id") or ""),
    ("ACCESS TOKEN", lambda row: f"broken: {row['broken']}" if "broken" in row else row["expires"]),
    ("REFRESH", lambda row: "" if "broken" in row else "yes" if row["has_refresh_token"] else "no"),
]


def _table(rows: list[dict[str, Any]]) -> str:
    from ..errors import shown

    cells = [[shown(str(read(row))) for _, read in _COLUMNS] for row in rows]
    heads = [head for head, _ in _COLUMNS]
    widths = [max(len(line[i]) for line in [heads, *cells]) for i in range(len(heads))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [heads, *cells]
    )
