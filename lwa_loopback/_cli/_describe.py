"""What a token file holds, for a person or a script: tokens masked, expiry relative to now."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from .._endpoints import is_amazon, server_name
from .._grants import CLIENT_CREDENTIALS
from .._refresh import why_no_refresh_token
from .._tokens import Tokens
from ..errors import shown
from ._formats import for_ads_api, for_selling_partner_api

_SHOWN = 8  # "Atza|IwE...": enough to tell two tokens apart, far too little to use one
_ELLIPSIS = "..."
# (unit, its length in seconds, the amount below which it is the unit used)
_UNITS = (("second", 1, 90), ("minute", 60, 90 * 60), ("hour", 3600, 48 * 3600))


def mask(token: str) -> str:
    """A few leading characters and an ellipsis; a short token shows a third of itself at most."""
    return token[: min(_SHOWN, len(token) // 3)] + _ELLIPSIS


def relative(seconds_left: float) -> str:
    """``in 42 minutes`` or ``expired 3 hours ago``."""
    amount = _amount(abs(seconds_left))
    return f"in {amount}" if seconds_left > 0 else f"expired {amount} ago"


def _amount(seconds: float) -> str:
    unit, size = "day", 86400
    for name, length, limit in _UNITS:
        if seconds < limit:
            unit, size = name, length
            break
    count = round(seconds / size)
    return f"{count} {unit}{'' if count == 1 else 's'}"


def describe(tokens: Tokens, token_file: Path, now: datetime) -> dict[str, Any]:
    """The token file's fields with both tokens masked, plus where the access token stands."""
    seconds_left = int((tokens.expires_at - now).total_seconds())
    return {
        "token_file": str(token_file),
        **tokens.to_json(),
        "access_token": mask(tokens.access_token),
        "refresh_token": None if tokens.refresh_token is None else mask(tokens.refresh_token),
        "mws_auth_token": None if tokens.mws_auth_token is None else mask(tokens.mws_auth_token),
        "has_refresh_token": tokens.refresh_token is not None,
        "seconds_left": seconds_left,
        "expired": seconds_left <= 0,
    }


def render(tokens: Tokens, token_file: Path, now: datetime) -> str:
    """The same as ``describe()``, as lines for a person."""
    seen = describe(tokens, token_file, now)
    expires_at = seen["expires_at"].replace("T", " ").replace("Z", " UTC")
    if tokens.refresh_token is not None:
        refresh = f"{seen['refresh_token']} (`lwa-loopback token` renews the access token with it)"
    elif tokens.obtained_by is CLIENT_CREDENTIALS:
        refresh = "none (client credentials: `lwa-loopback token` asks again with the secret)"
    else:
        refresh = f"none: {why_no_refresh_token(tokens)}"
    server = (
        ("Region", tokens.region or "(not recorded)")
        if is_amazon(tokens.token_url)
        else ("Server", server_name(tokens.token_url))
    )
    rows = [
        ("Token file", seen["token_file"]),
        ("Client id", tokens.client_id),
        ("Grant", f"{tokens.grant} ({tokens.obtained_by.key})"),
        *([("Selling partner", tokens.selling_partner_id)] if tokens.selling_partner_id else []),
        server,
        ("Scopes", tokens.scope or "(none recorded)"),
        (
            "Access token",
            f"{seen['access_token']} ({tokens.token_type}), "
            f"{_expiry(seen['seconds_left'])} ({expires_at})",
        ),
        ("Refresh token", refresh),
        ("Token endpoint", _without_userinfo(tokens.token_url)),
        *([("Use with", advice)] if (advice := _next_library(tokens)) else []),
    ]
    # Every value but the path and the dates came from a server or a file: no terminal escapes.
    width = max(len(label) for label, _ in rows) + 2  # the values in one column
    return "\n".join(f"{label + ':':<{width}}{shown(str(value))}" for label, value in rows)


def _next_library(tokens: Tokens) -> str | None:
    """Which ``token --format`` hands these tokens to the API's usual Python library."""
    fields = asdict(tokens)
    if for_selling_partner_api(fields):
        return (
            "`lwa-loopback token --format header` (the x-amz-access-token header); "
            "`--format sp-api-env` for python-amazon-sp-api"
        )
    if for_ads_api(fields):
        return "`lwa-loopback token --format ad-api-env` for python-amazon-ad-api"
    return None


def _expiry(seconds_left: int) -> str:
    said = relative(seconds_left)
    return said if seconds_left <= 0 else f"expires {said}"


def _without_userinfo(url: str) -> str:
    """A URL as shown: a user:password@ in it (a file edited by hand) is never printed."""
    from yarl import URL

    try:
        return str(URL(url).with_user(None))
    except ValueError:
        return url
