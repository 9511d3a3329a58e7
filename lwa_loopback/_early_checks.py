"""Mistakes caught before the browser opens: each would otherwise cost a sign-in on Amazon's page
that can only fail, and a wait for a redirect that never comes.

A client id or a URL is compared by LWA character by character (a return URL with a trailing
space is "not whitelisted", with no visible difference); an SP-API application id given as the
client id, or LWA's consent page given to a Seller Central sign-in, fails on the page itself.
"""

from __future__ import annotations

import logging
import re

from yarl import URL

from ._endpoints import is_amazon
from .errors import ConfigurationError, shown

log = logging.getLogger("lwa_loopback")

#: LWA's client ids: ``amzn1.application-oa2-client.`` and hex digits (32 in every one seen).
_LWA_CLIENT_ID = re.compile(r"amzn1\.application-oa2-client\.[0-9a-fA-F]{16,64}")
_SP_API_APPLICATION = "amzn1.sp.solution."
#: The consent pages' paths: LWA's, and Seller Central's (or Vendor Central's).
_LWA_PAGE = "/ap/oa"
_SELLER_PAGE = "/apps/authorize/consent"


def check_text(name: str, value: str | None, *, secret: bool = False) -> None:
    """An id, a URL or the client secret holds no white space or control character anywhere:
    copied with a space or a line break, it is a different value to LWA. A secret is never
    quoted back."""
    if value is None:
        return
    stray = value != value.strip()  # copied with the line's end, or a space before it
    hidden = any(not c.isprintable() for c in value)  # tabs, line breaks, controls
    # An id or a URL never holds a space; a secret may, inside (RFC 6749 appendix A.2: VSCHAR).
    spaced = " " in value and not secret
    if stray or hidden or spaced:
        where = "at its end" if value.rstrip() != value else "at its start"
        if value.strip() == value:
            where = "inside it"
        quoted = "" if secret else f" {shown(value)!r}"
        raise ConfigurationError(
            f"`{name}`{quoted} holds white space or a control character {where}: LWA "
            "compares it character by character. Copy it again, without the spaces.",
            parameter=name,
        )


def check_client_id_form(client_id: str, *, amazon: bool) -> None:
    """An SP-API application id is not a client id; with Amazon's endpoints, a client id has
    LWA's form (a test server's may be anything)."""
    if client_id.startswith(_SP_API_APPLICATION):
        raise ConfigurationError(
            f"`client_id` {shown(client_id)!r} is an SP-API application id, not an LWA client "
            "id: pass it as `application_id` (with `sp_api`), and the app's LWA client id "
            "(amzn1.application-oa2-client...., on the app's page in Developer Central, "
            "View LWA credentials) as `client_id`.",
            parameter="client_id",
            parameters=("application_id", "sp_api"),
        )
    if amazon and not _LWA_CLIENT_ID.fullmatch(client_id):
        raise ConfigurationError(
            f"`client_id` {shown(client_id)!r} is not an LWA client id, which reads "
            "amzn1.application-oa2-client. and hex digits: copy it from the LWA console "
            "(the security profile's Web Settings), or from Developer Central for an SP-API "
            "app.",
            parameter="client_id",
        )


def warn_about_seller_return_url(redirect_uri: str, consent_page: str) -> None:
    """Seller Central takes only https return URLs, and not localhost (LWA.md section 8): said
    before the browser opens, since the page would refuse the sign-in. A test server is left
    alone."""
    if is_amazon(consent_page) and not redirect_uri.lower().startswith("https://"):
        log.warning(
            "this return URL is not https://, which Seller Central requires (and not "
            "localhost): register one such as https://sp-dev.example:8443/callback, or sign in "
            "with `paste` (docs/remote-paste-https.md).",
            extra={"parameters": ("paste",)},
        )


def check_consent_page(authorize_url: str | None, *, sp_api: bool) -> None:
    """LWA's consent page for a Seller Central sign-in, or the reverse, fails on the page: an
    exported LWA_AUTHORIZE_URL applies to every login."""
    if not authorize_url:
        return
    try:
        path = URL(authorize_url).path.rstrip("/")
    except ValueError:
        return  # not a URL: the endpoint check says so
    if sp_api and path == _LWA_PAGE:
        raise ConfigurationError(
            f"`authorize_url` {shown(authorize_url)!r} is LWA's consent page ({_LWA_PAGE}), and "
            "`sp_api` signs in on Seller Central's: give Seller Central's consent page "
            f"(...{_SELLER_PAGE}), or leave `authorize_url` out (unset LWA_AUTHORIZE_URL) for "
            "the region's.",
            parameter="authorize_url",
            parameters=("sp_api",),
        )
    if not sp_api and path == _SELLER_PAGE:
        raise ConfigurationError(
            f"`authorize_url` {shown(authorize_url)!r} is Seller Central's consent page "
            f"({_SELLER_PAGE}): add `sp_api` for a Selling Partner sign-in, or give LWA's "
            f"consent page (...{_LWA_PAGE}).",
            parameter="authorize_url",
            parameters=("sp_api",),
        )
