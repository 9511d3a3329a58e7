"""The token endpoint client: code -> tokens, refresh token -> tokens, LWA errors -> exceptions."""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp

from ._defaults import ACCESS_TOKEN_LIFETIME, REQUEST_TIMEOUT, utcnow
from ._token_json import MAX_LIFETIME
from ._tokens import Tokens
from .errors import ExchangeError, seconds, shown

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
    client: Client, *, code: str, redirect_uri: str, code_verifier: str, scope: str
) -> Tokens:
    """Trade an authorization code for tokens (LWA.md section 3)."""
    grant = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    return await _request_tokens(client, grant, scope=scope)


async def refresh_tokens(client: Client, *, refresh_token: str, scope: str) -> Tokens:
    """Trade a refresh token for a new access token (LWA.md section 4)."""
    grant = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return await _request_tokens(client, grant, scope=scope)


async def _request_tokens(client: Client, grant: dict[str, str], *, scope: str) -> Tokens:
    obtained_at = client.clock()
    advice = _RETRY_ADVICE[grant["grant_type"]]
    status, body = await _post(client, client._form(grant), advice)
    payload = _decode(status, body, advice)
    return _tokens_from(payload, client, scope=scope, obtained_at=obtained_at)


async def _post(client: Client, form: dict[str, str], advice: _Advice) -> tuple[int, bytes]:
    timeout = aiohttp.ClientTimeout(total=client.request_timeout)
    headers = {"Accept": "application/json"}
    async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            try:
                # Never follow a redirect: it would carry the code and the client secret to
                # an address nobody checked (and past the https-only rule for --token-url).
                async with session.post(
                    client.token_url, data=form, allow_redirects=False
                ) as response:
                    return response.status, await response.read()
            except aiohttp.ClientConnectorCertificateError as exc:
                raise _network_error(
                    client, "its TLS certificate was refused", exc, advice
                ) from None
            except aiohttp.ClientSSLError as exc:
                # Nothing was sent, but a handshake that failed fails the same way again.
                raise _network_error(client, "the TLS handshake failed", exc, advice) from None
            except aiohttp.ClientConnectorError as exc:
                if attempt == CONNECT_ATTEMPTS:
                    raise _network_error(client, "could not connect", exc, advice) from None
                log.debug("Could not connect to the token endpoint; trying again.")
                await asyncio.sleep(_RETRY_DELAY * attempt)
            except asyncio.TimeoutError:
                raise _network_error(
                    client, f"no answer within {seconds(client.request_timeout)}", None, advice
                ) from None
            except (aiohttp.ClientError, ssl.SSLError) as exc:
                raise _network_error(client, "the connection failed", exc, advice) from None
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class _Advice:
    """What to do after a failure that is not LWA's answer, per grant: a code works once, a
    refresh token many times."""

    network: str
    server: str


_RETRY_ADVICE = {
    "authorization_code": _Advice(
        network="Check the network and the `region` or `token_url`; if the code may have been "
        "used, log in again.",
        server="try again in a minute (a login needs a new code).",
    ),
    "refresh_token": _Advice(
        network="Check the network and try again (the token file's token_url is where the "
        "request went); the refresh token can be used again.",
        server="try again in a minute.",
    ),
}


def _network_error(
    client: Client, what: str, exc: BaseException | None, advice: _Advice
) -> ExchangeError:
    detail = f" ({type(exc).__name__}: {exc})" if exc is not None and str(exc) else ""
    return ExchangeError(
        f"The token endpoint {client.token_url}: {what}{detail}. {advice.network}",
        error="network_error",
    )


def _decode(status: int, body: bytes, advice: _Advice) -> dict[str, Any]:
    """The JSON object of a token response, or the ``ExchangeError`` it stands for."""
    # Parsed by hand: LWA's documented header "application/json;charset UTF-8" is malformed,
    # and an error page may come back as HTML.
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and "error" in payload:
        raise _lwa_error(status, payload)
    if 300 <= status < 400:
        raise ExchangeError(
            f"The token endpoint answered with a redirect (HTTP {status}), which is not "
            "followed: the request carries the code and the client secret. Check `token_url` "
            "(or the token file's token_url): it must be LWA's token endpoint itself.",
            error="invalid_response",
            status=status,
        )
    if status != 200 or not isinstance(payload, dict):
        body_kind = "a body that is not JSON" if payload is None else "an unexpected body"
        raise ExchangeError(
            f"The token endpoint answered HTTP {status} with {body_kind}. LWA may be having "
            f"trouble: {advice.server}",
            error="server_error" if status >= 500 else "invalid_response",
            status=status,
        )
    return payload


def _lwa_error(status: int, payload: dict[str, Any]) -> ExchangeError:
    error = str(payload.get("error"))
    description = payload.get("error_description")
    description = None if description is None else str(description)
    advice = _ADVICE.get(error, "See the LWA console for the client's settings.")
    said = f": {shown(description)}" if description else ""
    return ExchangeError(
        f"LWA refused the token request with {shown(error)} (HTTP {status}){said}. {advice}",
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
    "unauthorized_client": "This client may not use this grant: check it in the LWA console.",
    "invalid_request": "Check the options, in particular `redirect_uri`, against the LWA console.",
    "server_error": "LWA had an internal error: try again in a minute.",
    "servererror": "LWA had an internal error: try again in a minute.",
    "temporarily_unavailable": "LWA is busy: try again in a minute.",
}


def _tokens_from(
    payload: dict[str, Any], client: Client, *, scope: str, obtained_at: datetime
) -> Tokens:
    access_token = payload.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise ExchangeError(
            "The token endpoint answered without an access token. Try again; if it persists, "
            "check `token_url`.",
            error="invalid_response",
            status=200,
        )
    refresh_token = payload.get("refresh_token")
    return Tokens(
        access_token=access_token,
        refresh_token=refresh_token if isinstance(refresh_token, str) and refresh_token else None,
        token_type=str(payload.get("token_type") or "bearer"),
        expires_in=_seconds(payload.get("expires_in")),
        obtained_at=obtained_at,
        scope=scope,
        client_id=client.client_id,
        region=client.region,
        token_url=client.token_url,
        client_secret_sent=client.client_secret is not None,
    )


def _seconds(value: Any) -> int:
    # LWA documents expires_in as a number, and one of its examples sends the string "3600".
    # Anything else (absent, garbled, absurd) is taken as LWA's documented hour: the tokens
    # are kept whatever this field says, since the code that bought them is spent.
    try:
        seconds = int(value)
    except (TypeError, ValueError, OverflowError):
        return ACCESS_TOKEN_LIFETIME
    return seconds if 0 < seconds <= MAX_LIFETIME else ACCESS_TOKEN_LIFETIME
