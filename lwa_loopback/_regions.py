"""The LWA endpoints of each region: consent pages, token endpoint (data, no logic)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Endpoints:
    #: The consent page the browser goes to: LWA's, or Seller Central's for SP-API.
    authorize_url: str
    token_url: str
    #: Where the device flow asks for a code pair (LWA.md section 7).
    codepair_url: str = ""


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

# developer-docs.amazon.com/sp-api, "Website authorization workflow": the selling region's
# Seller Central consent page. Vendor Central and other marketplaces: override authorize_url.
SELLER_CENTRAL: Mapping[str, str] = MappingProxyType(
    {
        "na": "https://sellercentral.amazon.com/apps/authorize/consent",
        "eu": "https://sellercentral-europe.amazon.com/apps/authorize/consent",
        "fe": "https://sellercentral.amazon.co.jp/apps/authorize/consent",
    }
)

# Code-based linking: documented for api.amazon.com only; the same path on the region's token
# host is assumed for eu and fe (README says so), and codepair_url overrides it.
CODEPAIR_PATH = "/auth/o2/create/codepair"
