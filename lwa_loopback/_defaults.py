"""The defaults every entry point shares (library and command line): timeouts and the clock."""

from __future__ import annotations

from datetime import datetime, timezone

#: Seconds to wait for the redirect: LWA's authorization code lives five minutes.
LOGIN_TIMEOUT = 300.0
#: Seconds one token request may take before it counts as failed.
REQUEST_TIMEOUT = 30.0


def utcnow() -> datetime:
    """The clock: an aware UTC time (token files say when tokens were obtained, in UTC)."""
    return datetime.now(timezone.utc)
