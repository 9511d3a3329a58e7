"""The token endpoint client: a code, a refresh token, a device code or the client's own
credentials -> tokens; the server's errors -> exceptions."""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from . import _token_json
from ._body import ACCEPT_ENCODING, MAX_BODY, BodyTooLarge, UnknownEncoding, read_bounded
from ._defaults import ACCESS_TOKEN_LIFETIME, REQUEST_TIMEOUT, utcnow
from ._endpoints import is_amazon, server_name
from ._proxy import Proxy, proxy_for
from ._token_json import MAX_LIFETIME
from ._tokens import CLIENT_CREDENTIALS, DEVICE_CODE, Tokens
from .errors import ExchangeError, clause, seconds, shown

log = logging.getLogger("lwa_loopback")

# Only a failure to connect proves the request never reached LWA; anything later may have spent
# the single-use code, so it is never sent twice.
CONNECT_ATTEMPTS = 3
_RETRY_DELAY = 0.5


@dataclass(frozen=True)
class Client:
    """Who asks, and where: the parts every token request shares."""

    token_url: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    region: str = ""
    request_timeout: float = REQUEST_TIMEOUT
    clock: Callable[[], datetime] = utcnow

    def _form(self, grant: dict[str, str]) -> dict[str, str]:
        form = {**grant, "client_id": self.client_id}
        if self.client_secret:
            form["client_secret"] = self.client_secret
        return form


async def exchange_code(
    client: Client,
    *,
    code: str,
    redirect_uri: str,
    code_verifier: str | None,
    scope: str,
    **kept: Any,
) -> Tokens:
    """Trade an authorization code for tokens (LWA.md section 3). Seller Central's consent
    page has no PKCE: there ``code_verifier`` is None. ``kept`` fields (``selling_partner_id``)
    go into the tokens as they are."""
    grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if code_verifier is not None:
        grant["code_verifier"] = code_verifier
    return await _request_tokens(client, grant, scope=scope, kept=kept)


async def refresh_tokens(client: Client, *, refresh_token: str, scope: str) -> Tokens:
    """Trade a refresh token for a new access token (LWA.md section 4)."""
    grant = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return await _request_tokens(client, grant, scope=scope)


async def device_tokens(client: Client, *, device_code: str, user_code: str, scope: str) -> Tokens:
    """One poll of the device flow (LWA.md section 7): the tokens once the person approved,
    else the ``ExchangeError`` whose ``error`` says to wait (``authorization_pending``)."""
    grant = {"grant_type": DEVICE_CODE, "device_code": device_code, "user_code": user_code}
    return await _request_tokens(client, grant, scope=scope, kept={"grant": DEVICE_CODE})


async def client_credentials_tokens(client: Client, *, scope: str) -> Tokens:
    """An access token for the client itself (grantless operations): no browser, and no
    refresh token (LWA.md section 7)."""
    grant = {"grant_type": CLIENT_CREDENTIALS, "scope": scope}
    return await _request_tokens(client, grant, scope=scope, kept={"grant": CLIENT_CREDENTIALS})


async def post_json(client: Client, url: str, form: dict[str, str], what: str) -> dict[str, Any]:
    """POST ``form`` (with the client id) to another LWA endpoint (the device flow's code
    pair) and return its JSON object, with the token endpoint's limits and errors."""
    advice = _RETRY_ADVICE[what]
    status, body = await _post(client, client._form(form), advice, url=url)
    return _decode(client, status, body, advice)


async def _request_tokens(
    client: Client, grant: dict[str, str], *, scope: str, kept: dict[str, Any] | None = None
) -> Tokens:
    obtained_at = client.clock()
    advice = _RETRY_ADVICE[grant["grant_type"]]
    status, body = await _post(client, client._form(grant), advice)
    payload = _decode(client, status, body, advice)
    tokens = _tokens_from(
        payload, client, scope=scope, obtained_at=obtained_at, spent=advice.unusable
    )
    return replace(tokens, **kept) if kept else tokens


async def _post(
    client: Client, form: dict[str, str], advice: _Advice, url: str | None = None
) -> tuple[int, bytes]:
    target = url or client.token_url
    # Read per request, as curl does: a library caller may set the variables at run time.
    proxy = proxy_for(target, os.environ)
    timeout = aiohttp.ClientTimeout(total=client.request_timeout)
    headers = {"Accept": "application/json", "Accept-Encoding": ACCEPT_ENCODING}
    # trust_env stays off: the proxy is chosen above, where loopback is never proxied.
    async with aiohttp.ClientSession(
        timeout=timeout, headers=headers, auto_decompress=False
    ) as session:
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            try:
                # Never follow a redirect: it would carry the code and the client secret to
                # an address nobody checked (and past the https-only rule for --token-url).
                async with session.post(
                    target, data=form, allow_redirects=False, **_through(proxy, target)
                ) as response:
                    _check_proxy_answer(proxy, target, response.status, advice)
                    return response.status, await _read(client, response, advice)
            except aiohttp.ClientHttpProxyError as exc:
                # The proxy refused the tunnel: nothing reached the token endpoint.
                raise _proxy_refused(target, proxy, exc.status, exc.message, advice) from None
            except aiohttp.ClientConnectorCertificateError as exc:
                raise _network_error(
                    target, _refused_certificate(exc, proxy), exc, advice, proxy, _TRUST_HINT
                ) from None
            except aiohttp.ClientSSLError as exc:
                # Nothing was sent, but a handshake that failed fails the same way again.
                raise _network_error(
                    target, "the TLS handshake failed", exc, advice, proxy
                ) from None
            except aiohttp.ClientConnectorError as exc:
                if attempt == CONNECT_ATTEMPTS:
                    raise _network_error(
                        target, _could_not_connect(exc), exc, advice, proxy
                    ) from None
                log.debug("Could not connect to the token endpoint; trying again.")
                await asyncio.sleep(_RETRY_DELAY * attempt)
            except asyncio.TimeoutError:
                raise _network_error(
                    target,
                    f"no answer within {seconds(client.request_timeout)}",
                    None,
                    advice,
                    proxy,
                ) from None
            except (aiohttp.ClientError, ssl.SSLError) as exc:
                raise _network_error(target, "the connection failed", exc, advice, proxy) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _through(proxy: Proxy | None, target: str) -> dict[str, Any]:
    """The request's proxy options. Through a CONNECT tunnel (https) the credentials go to the
    proxy alone; a plain http request is handed to the proxy whole, so they ride in its own
    headers (and the proxy removes them)."""
    if proxy is None:
        return {}
    if target.lower().startswith("https:"):
        return {"proxy": proxy.url, "proxy_headers": dict(proxy.headers)}
    return {"proxy": proxy.url, "headers": dict(proxy.headers)}


def _check_proxy_answer(proxy: Proxy | None, target: str, status: int, advice: _Advice) -> None:
    # Through a tunnel the proxy's refusal is ClientHttpProxyError; a plain http request gets it
    # as the answer, and 407 comes only from a proxy.
    if proxy is not None and status == 407:
        raise _proxy_refused(target, proxy, status, "", advice)


def _refused_certificate(exc: aiohttp.ClientConnectorError, proxy: Proxy | None) -> str:
    whose = "the proxy's" if proxy is not None and proxy.is_at(exc.host, exc.port) else "its"
    return f"{whose} TLS certificate was refused"


# Corporate networks that inspect TLS re-sign every certificate with their own authority.
_TRUST_HINT = (
    "If a proxy or firewall on this network inspects TLS, set SSL_CERT_FILE to a file of "
    "trusted certificates that includes its certificate authority. "
)


def _could_not_connect(exc: aiohttp.ClientConnectorError) -> str:
    if isinstance(exc, aiohttp.ClientProxyConnectionError):
        return "could not connect to the proxy"
    return "could not connect"


async def _read(client: Client, response: aiohttp.ClientResponse, advice: _Advice) -> bytes:
    try:
        return await read_bounded(response)
    except BodyTooLarge:
        raise ExchangeError(
            f"The token endpoint {client.token_url} sent an answer larger than "
            f"{MAX_BODY // 1024} KiB (decompressed); token answers are a few KiB, so it was "
            f"not read further. {advice.network}",
            error="invalid_response",
            status=response.status,
        ) from None
    except (UnknownEncoding, zlib.error) as exc:
        raise ExchangeError(
            f"The token endpoint {client.token_url} sent an answer in a coding it was not "
            f"offered, or a broken one ({shown(str(exc))}). {advice.network}",
            error="invalid_response",
            status=response.status,
        ) from None


@dataclass(frozen=True)
class _Advice:
    """What to do after a failure that is not LWA's answer, per grant: a code works once, a
    refresh token many times."""

    network: str
    server: str
    unusable: str
    endpoint: str = "token endpoint"


_RETRY_ADVICE = {
    "authorization_code": _Advice(
        network="Check the network and the `region` or `token_url`; if the code may have been "
        "used, log in again.",
        server="try again in a minute (a login needs a new code).",
        unusable="The code is spent: check `token_url`, then run `lwa-loopback login ...` again.",
    ),
    "refresh_token": _Advice(
        network="Check the network and try again (the token file's token_url is where the "
        "request went); the refresh token can be used again.",
        server="try again in a minute.",
        unusable="The token file was left as it was; check its token_url.",
    ),
    DEVICE_CODE: _Advice(
        network="Check the network and the `region` or `token_url`.",
        server="try again in a minute.",
        unusable="Check `token_url`, then run the device sign-in again.",
    ),
    CLIENT_CREDENTIALS: _Advice(
        network="Check the network and the `region` or `token_url`, then try again.",
        server="try again in a minute.",
        unusable="Check `token_url`, then try again.",
    ),
    "codepair": _Advice(
        network="Check the network and the `region` or `codepair_url`, then try again.",
        server="try again in a minute.",
        unusable="Check `codepair_url`, then try again.",
        endpoint="code pair endpoint",
    ),
}


def _network_error(
    url: str,
    what: str,
    exc: BaseException | None,
    advice: _Advice,
    proxy: Proxy | None = None,
    hint: str = "",
) -> ExchangeError:
    detail = f" ({type(exc).__name__}: {exc})" if exc is not None and str(exc) else ""
    via = f" (through the proxy {proxy.url})" if proxy is not None else ""
    return ExchangeError(
        f"The {advice.endpoint} {url}{via}: {what}{detail}. "
        f"{hint}{_proxy_advice(url, proxy)}{advice.network}",
        error="network_error",
    )


_GATEWAY_ERRORS = frozenset({502, 503, 504})


def _proxy_refused(
    url: str, proxy: Proxy | None, status: int, reason: str, advice: _Advice
) -> ExchangeError:
    assert proxy is not None  # only a proxy answers a tunnel
    said = f"HTTP {status} {shown(reason)}".rstrip()
    if status != 407:
        what = f"the proxy {proxy.url} did not open the connection to it ({said})"
    elif proxy.has_credentials:
        what = (
            f"the proxy {proxy.url} refused the user name and password in {proxy.variable} ({said})"
        )
    else:
        what = (
            f"the proxy {proxy.url} asks for a user name and password ({said}), and "
            f"{proxy.variable} has none: give them as http://USER:PASSWORD@HOST:PORT"
        )
    return ExchangeError(
        f"The {advice.endpoint} {url}: {what}. {_proxy_advice(url, proxy)}{advice.network}",
        # A gateway error may pass (the device flow polls on through network errors); a refusal
        # (407, 403) lasts until the settings change.
        error="network_error" if status in _GATEWAY_ERRORS else "proxy_error",
        status=status,
    )


def _proxy_advice(url: str, proxy: Proxy | None) -> str:
    if proxy is None:
        return ""
    host = urlsplit(url).hostname or "its host"
    return f"Check {proxy.variable}, or add {host} to NO_PROXY to connect directly. "


def _decode(client: Client, status: int, body: bytes, advice: _Advice) -> dict[str, Any]:
    """The JSON object of a token response, or the ``ExchangeError`` it stands for."""
    # Parsed by hand: LWA's documented header "application/json;charset UTF-8" is malformed,
    # and an error page may come back as HTML. A nesting bomb counts as not JSON.
    try:
        payload = _token_json.loads(body)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and "error" in payload:
        raise _server_error(client, status, payload)
    if 300 <= status < 400:
        raise ExchangeError(
            f"The token endpoint answered with a redirect (HTTP {status}), which is not "
            "followed: the request carries the code and the client secret. Check `token_url` "
            "(or the token file's token_url): it must be the token endpoint itself.",
            error="invalid_response",
            status=status,
        )
    if status != 200 or not isinstance(payload, dict):
        body_kind = "a body that is not JSON" if payload is None else "an unexpected body"
        raise ExchangeError(
            f"The token endpoint answered HTTP {status} with {body_kind}. "
            f"{server_name(client.token_url)} may be having trouble: {advice.server}",
            error="server_error" if status >= 500 else "invalid_response",
            status=status,
        )
    return payload


def _server_error(client: Client, status: int, payload: dict[str, Any]) -> ExchangeError:
    error = str(payload.get("error"))
    description = payload.get("error_description")
    description = None if description is None else str(description)
    server = server_name(client.token_url)
    console = "the LWA console" if is_amazon(client.token_url) else f"{server}'s client settings"
    advice = _ADVICE.get(error, "See {console} for the client's settings.")
    said = f": {clause(description)}" if description else ""
    return ExchangeError(
        f"{server} refused the token request with {shown(error)} (HTTP {status}){said}. "
        + advice.format(server=server, console=console),
        error=error,
        description=description,
        status=status,
    )


_ADVICE = {
    "invalid_grant": (
        "The code or refresh token is invalid, expired, already used, or was issued to another "
        "client or return URL: run `lwa-loopback login ...` again."
    ),
    "invalid_client": "Check the client id and the client secret (LWA_CLIENT_SECRET).",
    "unauthorized_client": "This client may not use this grant: check it in {console}.",
    "invalid_request": "Check the options, in particular `redirect_uri`, against {console}.",
    "server_error": "{server} had an internal error: try again in a minute.",
    "servererror": "{server} had an internal error: try again in a minute.",
    "temporarily_unavailable": "{server} is busy: try again in a minute.",
}


def _tokens_from(
    payload: dict[str, Any], client: Client, *, scope: str, obtained_at: datetime, spent: str
) -> Tokens:
    """The answer's tokens, once they are fit to use. ``scope`` is what to record when the
    answer names none: RFC 6749 section 5.1 has the server send ``scope`` when it granted
    other scopes than those asked for, and then its word rules."""
    try:
        access_token = _token_json.token_text(_text(payload, "access_token"), "access_token")
        refresh_token = payload.get("refresh_token") or None
        if refresh_token is not None:
            refresh_token = _token_json.token_text(_text(payload, "refresh_token"), "refresh_token")
        token_type = str(payload.get("token_type") or "bearer")
        # RFC 6749 section 7.1: a client must not use a token whose type it does not know.
        if token_type.lower() != "bearer":
            raise ValueError(f"its token_type is {shown(token_type)!r}, not bearer")
    except ValueError as exc:
        raise ExchangeError(
            f"{server_name(client.token_url)} answered with tokens that cannot be used: {exc}. "
            f"{spent}",
            error="invalid_response",
            status=200,
        ) from None
    granted = payload.get("scope")
    return Tokens(
        access_token=access_token,
        refresh_token=refresh_token,
        token_type=token_type,
        expires_in=_seconds(payload.get("expires_in")),
        obtained_at=obtained_at,
        scope=granted if isinstance(granted, str) else scope,
        client_id=client.client_id,
        region=client.region,
        token_url=client.token_url,
        client_secret_sent=client.client_secret is not None,
    )


def _text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is missing or not a string")
    return value


def _seconds(value: Any) -> int:
    # LWA documents expires_in as a number, and one of its examples sends the string "3600".
    # Anything else (absent, garbled, absurd) is taken as LWA's documented hour: the tokens
    # are kept whatever this field says, since the code that bought them is spent.
    try:
        seconds = int(value)
    except (TypeError, ValueError, OverflowError):
        return ACCESS_TOKEN_LIFETIME
    return seconds if 0 < seconds <= MAX_LIFETIME else ACCESS_TOKEN_LIFETIME
