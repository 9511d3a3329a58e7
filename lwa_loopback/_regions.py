"""The LWA consent page and token endpoint of each region (data, no logic)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Endpoints:
    authorize_url: str
    token_url: str


# Amazon's Login with Amazon documentation: an authorization code is valid on every LWA host,
# but the token endpoint should match the region the client's users sign in to.
REGIONS: Mapping[str, Endpoints] = MappingProxyType(
    {
        "na": Endpoints("https://www.amazon.com/ap/oa", "https://api.amazon.com/auth/o2/token"),
        "eu": Endpoints(
            "https://eu.account.amazon.com/ap/oa", "https://api.amazon.co.uk/auth/o2/token"
        ),
        "fe": Endpoints(
            "https://apac.account.amazon.com/ap/oa", "https://api.amazon.co.jp/auth/o2/token"
        ),
    }
)
