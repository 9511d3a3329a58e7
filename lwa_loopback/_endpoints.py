"""Which endpoints a request goes to: the region's, or an override that is safe to send the
code and the client secret to; and what follows from them: how the client secret travels
(``chosen_client_auth``), and which device flow the server speaks (``device_dialect``)."""

from __future__ import annotations

import os

from yarl import URL

from ._loopback import is_loopback
from ._proxy import proxy_for
from ._regions import CODEPAIR_PATH, REGIONS, SELLER_CENTRAL, Endpoints
from .errors import ConfigurationError, shown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._grants import ClientAuth, DeviceDialect


def resolve_endpoints(
    region: str,
    authorize_url: str | None = None,
    token_url: str | None = None,
    *,
    sp_api: bool = False,
    codepair_url: str | None = None,
) -> Endpoints:
    """The region's endpoints, each overridable. ``sp_api`` picks Seller Central's consent
    page; the code pair endpoint lives on the token endpoint's host unless overridden."""
    if region not in REGIONS:
        raise ConfigurationError(
            f"Unknown region {region!r} (`region`): use one of {', '.join(REGIONS)} "
            "(na North America, eu Europe, fe Far East).",
            parameter="region",
        )
    consent_page = SELLER_CENTRAL[region] if sp_api else REGIONS[region].authorize_url
    token = checked_endpoint("token_url", token_url) or REGIONS[region].token_url
    # A proxy setting that cannot work is found now, before the browser opens: after the
    # consent, the single-use code would be spent for nothing.
    proxy_for(token, os.environ)
    return Endpoints(
        checked_endpoint("authorize_url", authorize_url) or consent_page,
        token,
        checked_endpoint("codepair_url", codepair_url)
        or str(URL(token).with_path(CODEPAIR_PATH).with_query(None)),
    )


def checked_endpoint(parameter: str | None, url: str | None, what: str = "") -> str | None:
    """An overriding endpoint must be https, or http on loopback (a fake LWA server): the token
    request carries the code and the client secret. ``parameter`` names it in the messages, or
    ``what`` where it is no parameter (a token file's token_url)."""
    if not url:
        return None
    what = what or f"`{parameter}`"
    named = ("client_secret",) if parameter else ()
    try:
        parsed = URL(url)
    except ValueError:
        parsed = URL()
    if parsed.user is not None or parsed.password is not None:
        # A secret written into the URL would be kept in the token file and shown in messages:
        # the client secret has its own option, and its own variable.
        raise ConfigurationError(
            f"{what} holds a user name or password (user:password@): leave it out, and give "
            "the client secret with `client_secret` (LWA_CLIENT_SECRET).",
            parameter=parameter,
            parameters=named,
        )
    secure = parsed.scheme == "https" or (parsed.scheme == "http" and is_loopback(parsed))
    if not parsed.host or not secure:
        raise ConfigurationError(
            f"{what} {shown(url)!r} must be an https:// URL (http:// only on 127.0.0.1, [::1] or "
            "localhost, such as a local fake LWA server).",
            parameter=parameter,
        )
    return url


def chosen_client_auth(name: str | None, token_url: str) -> ClientAuth:
    """How the client secret travels to ``token_url``, as ``client_auth`` names it (the form
    when it names nothing). LWA's own endpoints get what LWA documents: the form."""
    from ._grants import CLIENT_AUTHS, SECRET_IN_FORM

    if not name:
        return SECRET_IN_FORM
    auth = CLIENT_AUTHS.get(name.strip().lower())
    if auth is None:
        raise ConfigurationError(
            f"`client_auth` {shown(name)!r} is neither basic (an HTTP Basic header) nor post "
            "(the form).",
            parameter="client_auth",
        )
    if auth is not SECRET_IN_FORM and is_amazon(token_url):
        raise ConfigurationError(
            f"`client_auth` {auth.name} is for servers other than LWA: Login with Amazon takes "
            "the client secret in the form, as it documents. Set `client_auth` to post, or "
            "leave it out.",
            parameter="client_auth",
        )
    return auth


def device_dialect(token_url: str, codepair_url: str, scope_data: str | None) -> DeviceDialect:
    """The device flow the endpoints speak, known before any code is shown. LWA's code-based
    linking when either endpoint is Amazon's, or the code pair endpoint sits at LWA's path
    (a stand-in for LWA, such as ``FakeLWA``); RFC 8628 when ``codepair_url`` names another
    server's device authorization endpoint. ``ConfigurationError`` when they disagree: LWA's
    token endpoint redeems only codes from LWA's code pair endpoint."""
    from ._grants import LWA_DEVICE, RFC8628_DEVICE

    # Amazon's Android SDK spells the path /auth/O2/create/codepair (LWA.md section 8).
    at_lwa_path = URL(codepair_url).path.rstrip("/").lower() == CODEPAIR_PATH.lower()
    lwa_codes = at_lwa_path or is_amazon(codepair_url)
    if is_amazon(token_url) and not lwa_codes:
        raise ConfigurationError(
            f"`codepair_url` {codepair_url} is not LWA's code pair endpoint, while `token_url` "
            "is LWA's, which redeems no other server's device codes: leave `codepair_url` out, "
            "or give both endpoints of the other server.",
            parameter="codepair_url",
            parameters=("token_url",),
        )
    if lwa_codes or is_amazon(token_url):
        return LWA_DEVICE
    if scope_data is not None:
        raise ConfigurationError(
            f"`scope_data` is LWA's own parameter, and {codepair_url} is another server's "
            "device authorization endpoint (RFC 8628), which takes the scope alone: leave "
            "`scope_data` out.",
            parameter="scope_data",
        )
    return RFC8628_DEVICE


# Every LWA endpoint (consent pages, token endpoints, Seller Central) lives under these.
_AMAZON_DOMAINS = ("amazon.com", "amazon.co.uk", "amazon.co.jp")


def is_amazon(url: str) -> bool:
    """Whether ``url`` is one of Amazon's own hosts (LWA), not a test server or a proxy."""
    try:
        host = (URL(url).host or "").lower()
    except ValueError:
        return False
    return any(host == domain or host.endswith("." + domain) for domain in _AMAZON_DOMAINS)


def server_name(url: str) -> str:
    """How messages name the server at ``url``: "Login with Amazon" for LWA itself, else its
    host (and port): a test server or another provider must not be blamed on Amazon."""
    if is_amazon(url):
        return "Login with Amazon"
    try:
        parsed = URL(url)
    except ValueError:
        return "the server"
    host = parsed.host or "the server"
    return f"{host}:{parsed.port}" if parsed.explicit_port else host
