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


def check_seconds(name: str, value: float) -> float:
    """A duration option: a positive, finite number of seconds (``nan`` and ``inf`` would turn
    every comparison against the clock into nonsense)."""
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ConfigurationError(f"`{name}` must be a positive number of seconds, not {value!r}.")
    return float(value)
