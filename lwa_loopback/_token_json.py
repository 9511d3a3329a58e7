"""The token file's JSON, read with the standard library alone.

Shared by ``Tokens.from_json`` and by the quick path of ``lwa-loopback token`` (``_quick.py``),
which must accept exactly the files the full command accepts, and import next to nothing.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

TYPE_CHECKING = False  # typing itself costs a few milliseconds on the quick path
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


def default_path(environ: Mapping[str, str]) -> str:
    """``$XDG_CONFIG_HOME/lwa-loopback/tokens.json``, or ``~/.config/...`` when it is unset."""
    config_home = environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(config_home, "lwa-loopback", "tokens.json")


#: The longest access token lifetime taken at its word (LWA's is one hour).
MAX_LIFETIME = 366 * 24 * 3600


def parse(data: Any) -> dict[str, Any]:
    """A token file's fields, checked and converted; ``ValueError`` names what is wrong."""
    if not isinstance(data, dict):
        raise ValueError("it does not hold a JSON object")
    try:
        refresh_token = data.get("refresh_token")
        fields: dict[str, Any] = {
            "access_token": _text(data, "access_token"),
            "refresh_token": None if refresh_token is None else str(refresh_token),
            "token_type": str(data.get("token_type", "bearer")),
            "expires_in": int(data["expires_in"]),
            "obtained_at": parse_iso(_text(data, "obtained_at")),
            "scope": str(data.get("scope", "")),
            "client_id": _text(data, "client_id"),
            "region": str(data.get("region", "")),
            "token_url": _text(data, "token_url"),
        }
        if not 0 <= fields["expires_in"] <= MAX_LIFETIME:
            raise ValueError(f"expires_in {fields['expires_in']} is out of range")
        fields["obtained_at"] + timedelta(seconds=fields["expires_in"])  # OverflowError past 9999
        return fields
    except KeyError as exc:
        raise ValueError(f"the field {exc.args[0]!r} is missing") from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"a field has a bad value ({exc})") from None


def expires_within(
    obtained_at: datetime, expires_in: int, seconds: float, now: datetime | None = None
) -> bool:
    """Whether an access token obtained then, for that long, expires within ``seconds``."""
    now = now or datetime.now(timezone.utc)
    return obtained_at + timedelta(seconds=expires_in) - now <= timedelta(seconds=seconds)


def _text(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is not a non-empty string")
    return value


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    # fromisoformat() only reads a trailing "Z" from Python 3.11 on.
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment
