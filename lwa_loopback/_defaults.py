"""The defaults every entry point shares (library and command line): timeouts, the clock, and
the freshness margin of ``token``."""

from __future__ import annotations

import math
from datetime import datetime, timezone

from .errors import ConfigurationError

#: Seconds to wait for the redirect: LWA's authorization code lives five minutes.
LOGIN_TIMEOUT = 300.0
#: Seconds one token request may take before it counts as failed.
REQUEST_TIMEOUT = 30.0
#: Seconds a refresh waits for another process that holds the token file's lock.
LOCK_TIMEOUT = 120.0
#: Seconds ``lwa-loopback demo`` waits for its (fake) redirect.
DEMO_TIMEOUT = 120.0
#: LWA's region when none is given: North America.
REGION = "na"
#: An access token's lifetime when the token endpoint does not say (LWA's is one hour).
ACCESS_TOKEN_LIFETIME = 3600


def utcnow() -> datetime:
    """The clock: an aware UTC time (token files say when tokens were obtained, in UTC)."""
    return datetime.now(timezone.utc)


#: Seconds an access token must stay valid for ``token`` and ``valid_access_token()`` to hand
#: it out without refreshing it first.
MIN_VALID = 60


#: The longest wait any option may ask for: a day. Past it a number is a mistake, and a huge
#: one would overflow the clock arithmetic (a traceback instead of a message).
MAX_SECONDS = 24 * 3600.0


def check_seconds(name: str, value: float) -> float:
    """A duration option: a positive, finite number of seconds, at most ``MAX_SECONDS`` (``nan``
    and ``inf`` would turn every comparison against the clock into nonsense)."""
    if (
        not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not 0 < value <= MAX_SECONDS
    ):
        raise ConfigurationError(
            f"`{name}` must be a number of seconds above 0 and at most {MAX_SECONDS:g}, "
            f"not {value!r}.",
            parameter=name,
        )
    return float(value)


def check_min_valid(value: float) -> float:
    """``min_valid``: from 0 to the longest lifetime a token file may record (a larger margin
    could never be met, and would overflow the date arithmetic)."""
    from ._token_json import MAX_LIFETIME

    if not isinstance(value, (int, float)) or not 0 <= value <= MAX_LIFETIME:
        raise ConfigurationError(
            f"`min_valid` must be a number of seconds from 0 to {MAX_LIFETIME}, not {value!r}.",
            parameter="min_valid",
        )
    return float(value)
