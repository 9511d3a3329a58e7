"""Which endpoints a request goes to: the region's, or an override that is safe to send the
code and the client secret to."""

from __future__ import annotations

from yarl import URL

from ._loopback import is_loopback
from ._regions import REGIONS, Endpoints
from .errors import ConfigurationError, shown


def resolve_endpoints(
    region: str, authorize_url: str | None = None, token_url: str | None = None
) -> Endpoints:
    """The region's endpoints, with either one overridden."""
    if region not in REGIONS:
        raise ConfigurationError(
            f"Unknown region {region!r}: use one of {', '.join(REGIONS)} "
            "(na North America, eu Europe, fe Far East)."
        )
    base = REGIONS[region]
    return Endpoints(
        checked_endpoint("`authorize_url`", authorize_url) or base.authorize_url,
        checked_endpoint("`token_url`", token_url) or base.token_url,
    )


def checked_endpoint(what: str, url: str | None) -> str | None:
    """An overriding endpoint must be https, or http on loopback (a fake LWA server): the token
    request carries the code and the client secret."""
    if not url:
        return None
    try:
        parsed = URL(url)
    except ValueError:
        parsed = URL()
    secure = parsed.scheme == "https" or (parsed.scheme == "http" and is_loopback(parsed))
    if not parsed.host or not secure:
        raise ConfigurationError(
            f"{what} {shown(url)!r} must be an https:// URL (http:// only on 127.0.0.1, [::1] or "
            "localhost, such as a local fake LWA server)."
        )
    return url
