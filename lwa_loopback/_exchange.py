"""The token endpoint client: a code, a refresh token, a device code or the client's own
credentials -> tokens; the server's errors -> exceptions."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from . import _token_json
from ._defaults import ACCESS_TOKEN_LIFETIME
from ._endpoints import is_amazon, server_name
from ._grants import (
    AUTHORIZATION_CODE,
    CLIENT_CREDENTIALS,
    DEVICE_CODE,
    REFRESH_TOKEN,
    SELLING_PARTNER,
    Advice,
    Grant,
)
from ._token_json import MAX_LIFETIME
from ._tokens import Tokens
from ._transport import Client, post
from .errors import ExchangeError, clause, shown

__all__ = [
    "Client",
    "client_credentials_tokens",
    "device_tokens",
    "exchange_code",
    "post_json",
    "refresh_tokens",
]

log = logging.getLogger("lwa_loopback")


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
    page has no PKCE: there ``code_verifier`` is None, and ``kept`` fields
    (``selling_partner_id``) go into the tokens as they are."""
    form = {"code": code, "redirect_uri": redirect_uri}
    if code_verifier is not None:
        form["code_verifier"] = code_verifier
    grant = SELLING_PARTNER if "selling_partner_id" in kept else AUTHORIZATION_CODE
    return await _request_tokens(client, grant, form, scope=scope, kept=kept)


async def refresh_tokens(
    client: Client, *, refresh_token: str, scope: str, grant: Grant = REFRESH_TOKEN
) -> Tokens:
    """Trade a refresh token for a new access token (LWA.md section 4). ``grant`` is
    ``IMPORTED`` when the refresh proves a refresh token brought from elsewhere."""
    form = {"refresh_token": refresh_token}
    return await _request_tokens(client, grant, form, scope=scope)


async def device_tokens(client: Client, *, device_code: str, user_code: str, scope: str) -> Tokens:
    """One poll of the device flow (LWA.md section 7): the tokens once the person approved,
    else the ``ExchangeError`` whose ``error`` says to wait (``authorization_pending``)."""
    form = {"device_code": device_code, "user_code": user_code}
    return await _request_tokens(client, DEVICE_CODE, form, scope=scope)


async def client_credentials_tokens(client: Client, *, scope: str) -> Tokens:
    """An access token for the client itself (grantless operations): no browser, and no
    refresh token (LWA.md section 7)."""
    return await _request_tokens(client, CLIENT_CREDENTIALS, {"scope": scope}, scope=scope)


async def post_json(
    client: Client, url: str, form: dict[str, str], advice: Advice
) -> dict[str, Any]:
    """POST ``form`` (with the client id) to another LWA endpoint (the device flow's code
    pair) and return its JSON object, with the token endpoint's limits and errors."""
    status, body = await post(client, client._form(form), advice, url=url)
    return _decode(client, status, body, advice)


async def _request_tokens(
    client: Client,
    grant: Grant,
    form: dict[str, str],
    *,
    scope: str,
    kept: dict[str, Any] | None = None,
) -> Tokens:
    obtained_at = client.clock()
    sent = client._form({"grant_type": grant.grant_type, **form})
    status, body = await post(client, sent, grant.advice)
    payload = _decode(client, status, body, grant.advice)
    tokens = _tokens_from(
        payload, client, scope=scope, obtained_at=obtained_at, spent=grant.advice.unusable
    )
    # A refresh keeps the grant its token file names (``Tokens.with_access_token``).
    tokens = replace(tokens, grant=grant.stored) if grant.stored else tokens
    return replace(tokens, **kept) if kept else tokens


def _decode(client: Client, status: int, body: bytes, advice: Advice) -> dict[str, Any]:
    """The JSON object of a token response, or the ``ExchangeError`` it stands for."""
    # Parsed by hand: LWA's documented header "application/json;charset UTF-8" is malformed,
    # and an error page may come back as HTML. A nesting bomb counts as not JSON.
    try:
        payload = _token_json.loads(body)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and "error" in payload:
        raise _server_error(client, status, payload, advice)
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


def _server_error(
    client: Client, status: int, payload: dict[str, Any], grant_advice: Advice
) -> ExchangeError:
    error = str(payload.get("error"))
    description = payload.get("error_description")
    description = None if description is None else str(description)
    server = server_name(client.token_url)
    console = "the LWA console" if is_amazon(client.token_url) else f"{server}'s client settings"
    by_grant = {
        "invalid_grant": grant_advice.invalid_grant,
        "invalid_client": grant_advice.invalid_client,
    }
    advice = by_grant.get(error) or _ADVICE.get(error, "See {console} for the client's settings.")
    said = f": {clause(description)}" if description else ""
    return ExchangeError(
        f"{server} refused the {grant_advice.endpoint.removesuffix(' endpoint')} request with "
        f"{shown(error)} (HTTP {status}){said}. " + advice.format(server=server, console=console),
        error=error,
        description=description,
        status=status,
    )


_ADVICE = {
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
