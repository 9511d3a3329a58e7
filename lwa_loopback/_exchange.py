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
    CLIENT_AUTHS,
    CLIENT_CREDENTIALS,
    REFRESH_TOKEN,
    SELLING_PARTNER,
    Advice,
    ClientAuth,
    Grant,
)
from ._token_json import MAX_LIFETIME
from ._tokens import Tokens
from ._transport import Client, post
from .errors import ExchangeError, UnusableAnswer, clause, shown

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
    client: Client,
    *,
    refresh_token: str,
    scope: str,
    grant: Grant = REFRESH_TOKEN,
    advice: Advice | None = None,
) -> Tokens:
    """Trade a refresh token for a new access token (LWA.md section 4). ``grant`` is
    ``IMPORTED`` when the refresh proves a refresh token brought from elsewhere; ``advice``
    replaces the grant's when the token file knows more (``_grants.refresh_advice``)."""
    form = {"refresh_token": refresh_token}
    return await _request_tokens(client, grant, form, scope=scope, advice=advice)


async def device_tokens(
    client: Client, grant: Grant, *, device_code: str, user_code: str | None, scope: str
) -> Tokens:
    """One poll of the device flow, as ``grant`` polls (LWA's dialect sends the ``user_code``
    too, RFC 8628's does not): the tokens once the person approved, else the ``ExchangeError``
    whose ``error`` says to wait (``authorization_pending``)."""
    form = {"device_code": device_code}
    if user_code is not None:
        form["user_code"] = user_code
    return await _request_tokens(client, grant, form, scope=scope)


async def client_credentials_tokens(
    client: Client, *, scope: str, grant: Grant = CLIENT_CREDENTIALS
) -> Tokens:
    """An access token for the client itself (grantless operations): no browser, and no
    refresh token (LWA.md section 7). ``grant`` is ``RENEWAL`` when a token file asks again."""
    return await _request_tokens(client, grant, {"scope": scope}, scope=scope)


async def post_json(
    client: Client, url: str, form: dict[str, str], advice: Advice
) -> dict[str, Any]:
    """POST ``form`` (with the client id) to another endpoint (the device flow's code pair,
    or device authorization) and return its JSON object, with the token endpoint's limits
    and errors."""
    status, body = await post(client, form, advice, url=url)
    return _decode(client, status, body, advice, url)


async def _request_tokens(
    client: Client,
    grant: Grant,
    form: dict[str, str],
    *,
    scope: str,
    kept: dict[str, Any] | None = None,
    advice: Advice | None = None,
) -> Tokens:
    advice = advice or grant.advice
    obtained_at = client.clock()
    status, body = await post(client, {"grant_type": grant.grant_type, **form}, advice)
    payload = _decode(client, status, body, advice, client.token_url)
    tokens = _tokens_from(payload, client, scope=scope, obtained_at=obtained_at, advice=advice)
    # A refresh keeps the grant its token file names (``Tokens.with_access_token``).
    tokens = replace(tokens, grant=grant.stored) if grant.stored else tokens
    return replace(tokens, **kept) if kept else tokens


def _decode(client: Client, status: int, body: bytes, advice: Advice, url: str) -> dict[str, Any]:
    """The JSON object of an answer, or the ``ExchangeError`` it stands for."""
    # Parsed by hand: LWA's documented header "application/json;charset UTF-8" is malformed,
    # and an error page may come back as HTML. A nesting bomb counts as not JSON.
    try:
        payload = _token_json.loads(body)
        not_json = None
    except ValueError as exc:
        payload, not_json = None, _without_body(exc)
    if isinstance(payload, dict) and "error" in payload:
        raise _server_error(client, status, payload, advice, url)
    if 300 <= status < 400:
        what = "the code and the client secret" if advice.endpoint == "token endpoint" else "it"
        raise UnusableAnswer(
            f"The {advice.endpoint} {url} answered with a redirect (HTTP {status}), which is "
            f"not followed: the request carries {what}. {advice.unusable}",
            status=status,
            parameters=advice.parameters,
        ) from not_json
    if status != 200 or not isinstance(payload, dict):
        body_kind = "a body that is not JSON" if payload is None else "an unexpected body"
        then = (
            f"{server_name(url)} may be having trouble: {advice.server}"
            if status >= 500
            else advice.unusable
        )
        raise UnusableAnswer(
            f"The {advice.endpoint} {url} answered HTTP {status} with {body_kind}. {then}",
            status=status,
            parameters=advice.parameters,
        ) from not_json
    return payload


def _without_body(exc: ValueError) -> ValueError:
    """The decoding error, kept as the cause, without the body it quotes whole (``doc``,
    ``object``): a broken token answer may still hold a token."""
    if isinstance(exc, UnicodeDecodeError):
        exc.object = b""
    elif hasattr(exc, "doc"):
        exc.doc = ""
    return exc


def _server_error(
    client: Client, status: int, payload: dict[str, Any], grant_advice: Advice, url: str
) -> ExchangeError:
    error = str(payload.get("error"))
    description = payload.get("error_description")
    description = None if description is None else str(description)
    server = server_name(url)
    console = "the LWA console" if is_amazon(url) else f"{server}'s client settings"
    by_grant = {
        "invalid_grant": grant_advice.invalid_grant,
        "invalid_client": grant_advice.invalid_client + _other_client_auth(client, url),
    }
    advice = by_grant.get(error) or _ADVICE.get(error, "See {console} for the client's settings.")
    said = f": {clause(description)}" if description else ""
    request = grant_advice.endpoint.replace("endpoint", "request")
    return ExchangeError(
        f"{server} refused the {request} with {shown(error)} (HTTP {status}){said}. "
        + advice.format(server=server, console=console),
        error=error,
        description=description,
        status=status,
        parameters=(*grant_advice.parameters, *_ADVICE_PARAMETERS.get(error, ())),
    )


def _other_client_auth(client: Client, url: str) -> str:
    """After ``invalid_client``: where the secret went, and the option that sends it the other
    way (a server other than LWA may take only the way it registered the client with)."""
    if not client.client_secret or is_amazon(url):
        return ""
    sent: ClientAuth = client.client_auth
    other = next(auth for auth in CLIENT_AUTHS.values() if auth is not sent)
    return (
        f" The secret was sent {sent.words} ({sent.method}); if {{server}} registered the "
        f"client for {other.method}, set `client_auth` to {other.name}."
    )


#: The parameters the advice below names, by the server's ``error``.
_ADVICE_PARAMETERS = {"invalid_request": ("redirect_uri",), "invalid_client": ("client_auth",)}
_ADVICE = {
    "unauthorized_client": "This client may not use this grant: check it in {console}.",
    "invalid_request": "Check the options, in particular `redirect_uri`, against {console}.",
    "server_error": "{server} had an internal error: try again in a minute.",
    "servererror": "{server} had an internal error: try again in a minute.",
    "temporarily_unavailable": "{server} is busy: try again in a minute.",
}


def _tokens_from(
    payload: dict[str, Any], client: Client, *, scope: str, obtained_at: datetime, advice: Advice
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
        raise UnusableAnswer(
            f"{server_name(client.token_url)} answered with tokens that cannot be used: {exc}. "
            f"{advice.unusable}",
            status=200,
            parameters=advice.parameters,
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
