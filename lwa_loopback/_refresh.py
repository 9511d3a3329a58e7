"""Keep a token file useful: refresh its access token, or hand out one that is still valid.

Every rewrite happens under the token file's lock (``_token_file.py``), and the file is read again
once the lock is held: processes that ask at the same time make one refresh request between
them, and the others use what it wrote. A file that cannot be read is never written over.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ._asyncio_helpers import synced, unstoppable
from ._defaults import (
    LOCK_TIMEOUT,
    MIN_VALID,
    REQUEST_TIMEOUT,
    check_min_valid,
    check_seconds,
    utcnow,
)
from ._endpoints import server_name
from ._grants import CLIENT_CREDENTIALS, REFRESH_TOKEN, RENEWAL, refresh_advice
from ._token_file import (
    default_token_file,
    locked,
    read_token_file,
    remove_leftovers,
    write_token_file,
)
from ._tokens import Tokens
from .errors import ConfigurationError, TokenFileError, TokenFileUnusable

if TYPE_CHECKING:
    from ._grants import ClientAuth

log = logging.getLogger("lwa_loopback")


TokenFile = str | os.PathLike[str] | None


@dataclass(frozen=True)
class _Settings:
    client_secret: str | None = field(repr=False)
    request_timeout: float
    lock_timeout: float
    clock: Callable[[], datetime]


def _settings(
    client_secret: str | None,
    request_timeout: float,
    lock_timeout: float,
    clock: Callable[[], datetime],
) -> _Settings:
    return _Settings(
        client_secret or None,
        check_seconds("request_timeout", request_timeout),
        check_seconds("lock_timeout", lock_timeout),
        clock,
    )


async def refresh(
    token_file: TokenFile = None,
    *,
    client_secret: str | None = None,
    request_timeout: float = REQUEST_TIMEOUT,
    lock_timeout: float = LOCK_TIMEOUT,
    clock: Callable[[], datetime] = utcnow,
) -> Tokens:
    """Trade the file's refresh token for a new access token, rewrite the file, return it.
    A file from ``client_credentials()`` has no refresh token: its client asks again, with
    ``client_secret``.

    ``token_file`` defaults to ``default_token_file()``. When another process rewrites the file
    while this one waits for the lock, that refresh is the one used: no second request.
    Raises ``TokenFileUnusable`` (no file, a corrupt one, no refresh token) or ``ExchangeError``
    (LWA refused, or could not be reached); the file is then left as it was.
    """
    path = _path(token_file)
    seen = read_token_file(path)
    if not _renewable(seen):
        raise _no_refresh_token(path, seen)
    settings = _settings(client_secret, request_timeout, lock_timeout, clock)
    return await _refresh_file(path, settings, still_needed=lambda current: current == seen)


async def valid_access_token(
    token_file: TokenFile = None,
    *,
    min_valid: float = MIN_VALID,
    client_secret: str | None = None,
    request_timeout: float = REQUEST_TIMEOUT,
    lock_timeout: float = LOCK_TIMEOUT,
    clock: Callable[[], datetime] = utcnow,
) -> str:
    """An access token valid for at least ``min_valid`` more seconds, refreshing it if need be.

    A token that is still valid costs one file read and no request. Raises as ``refresh()``
    does; a token that has not expired yet but has no refresh token is returned as it is.
    """
    check_min_valid(min_valid)
    path = _path(token_file)
    tokens = read_token_file(path)

    def needs_refresh(current: Tokens) -> bool:
        return current.expires_within(min_valid, now=clock())

    if not needs_refresh(tokens):
        return tokens.access_token
    if not _renewable(tokens):
        if tokens.expires_within(0, now=clock()):
            raise _no_refresh_token(path, tokens)
        log.warning(
            "The access token in %s expires soon and the file holds no refresh token: "
            "run `lwa-loopback login ...` with a client secret to keep working.",
            path,
        )
        return tokens.access_token
    settings = _settings(client_secret, request_timeout, lock_timeout, clock)
    return (await _refresh_file(path, settings, still_needed=needs_refresh)).access_token


refresh_sync = synced(
    refresh,
    "``refresh()`` for synchronous code, safe inside a running event loop (a notebook "
    "cell). Takes the same arguments.",
)
valid_access_token_sync = synced(
    valid_access_token,
    "``valid_access_token()`` for synchronous code, safe inside a running "
    "event loop. Takes the same arguments.",
)


def _path(token_file: TokenFile) -> Path:
    return default_token_file() if token_file is None else Path(token_file).expanduser()


async def _refresh_file(
    path: Path, settings: _Settings, *, still_needed: Callable[[Tokens], bool]
) -> Tokens:
    async with locked(path, timeout=settings.lock_timeout):
        current = read_token_file(path)  # again: another process may have refreshed meanwhile
        if not still_needed(current):
            log.debug("Another process refreshed %s already.", path)
            return current
        # Once asked, the answer must reach the file (with rotation, the old refresh token is
        # already revoked): a cancellation waits for the write.
        fresh = await unstoppable(_ask_and_save(path, current, settings))
        log.debug("Refreshed the access token in %s.", path)
        return fresh


async def _ask_and_save(path: Path, current: Tokens, settings: _Settings) -> Tokens:
    fresh = await _ask_lwa(path, current, settings)
    _save(path, fresh)
    return fresh


def _renewable(tokens: Tokens) -> bool:
    return tokens.refresh_token is not None or tokens.obtained_by.renewable


async def _ask_lwa(path: Path, current: Tokens, settings: _Settings) -> Tokens:
    from ._exchange import Client, client_credentials_tokens, refresh_tokens  # aiohttp

    if not _renewable(current):  # the file was replaced while this process waited
        raise _no_refresh_token(path, current)
    # Known from the file, so said without a request (which would only come back 401).
    renewal, why = (
        (
            REFRESH_TOKEN,
            "it was signed in with a client secret, and its refresh token is refreshed "
            "only with it",
        )
        if current.refresh_token is not None
        else (
            CLIENT_CREDENTIALS,
            "it holds client-credentials tokens, renewed by asking again with the client secret",
        )
    )
    if renewal.lacks_secret(settings.client_secret, sent_before=current.client_secret_sent):
        raise TokenFileUnusable(
            f"The token file {path} cannot be renewed here: {why}. Pass `client_secret` "
            "(LWA_CLIENT_SECRET). Nothing was sent.",
            parameters=("client_secret",),
        )
    _check_token_url(path, current.token_url)
    client = Client(
        token_url=current.token_url,
        client_id=current.client_id,
        client_secret=settings.client_secret,
        region=current.region,
        request_timeout=settings.request_timeout,
        clock=settings.clock,
        client_auth=_client_auth(path, current),
    )
    if current.refresh_token is None:
        new = await client_credentials_tokens(client, scope=current.scope, grant=RENEWAL)
    else:
        new = await refresh_tokens(
            client,
            refresh_token=current.refresh_token,
            scope=current.scope,
            advice=refresh_advice(current.refresh_token_rotated),
        )
    # The file keeps whole seconds: return exactly what it will hold (and err on the early side).
    obtained_at = new.obtained_at.replace(microsecond=0)
    new = replace(
        new, obtained_at=obtained_at, expires_at=obtained_at + timedelta(seconds=new.expires_in)
    )
    return current.with_access_token(new)


def _check_token_url(path: Path, token_url: str) -> None:
    """The refresh token and the client secret go to the file's token_url: the same rule as
    for --token-url (https, or http on loopback), since a file can be copied or edited."""
    from ._endpoints import checked_endpoint

    try:
        checked_endpoint(None, token_url, what="its token_url")
    except ConfigurationError as exc:
        raise TokenFileUnusable(
            f"The token file {path} cannot be refreshed: {exc} Nothing was sent. Run "
            "`lwa-loopback login ...` to make a new one.",
            parameters=exc.parameters,
        ) from None


def _client_auth(path: Path, tokens: Tokens) -> ClientAuth:
    """How the sign-in sent the client secret (its ``client_auth``, kept in ``sign_in``): a
    refresh sends it the same way."""
    from ._endpoints import chosen_client_auth

    name = (tokens.sign_in or {}).get("client_auth")
    try:
        return chosen_client_auth(name if isinstance(name, str) else None, tokens.token_url)
    except ConfigurationError as exc:
        raise TokenFileUnusable(
            f"The token file {path} cannot be refreshed: its sign_in's {exc} Nothing was sent."
        ) from None


def _no_refresh_token(path: Path, tokens: Tokens) -> TokenFileUnusable:
    expires_at = tokens.expires_at.astimezone(timezone.utc)
    when = f"{expires_at:%Y-%m-%d %H:%M:%S} UTC"
    standing = (
        f"its access token expired at {when}"
        if tokens.expires_within(0)
        else f"its access token is valid until {when}"
    )
    return TokenFileUnusable(
        f"The token file {path} holds no refresh token, and {standing}: "
        f"{why_no_refresh_token(tokens)}"
    )


def _save(path: Path, tokens: Tokens) -> None:
    try:
        remove_leftovers(path)  # under the lock: no other write is under way
        write_token_file(path, tokens)
    except OSError as exc:
        raise TokenFileError(
            f"Refreshed the access token but could not write the token file {path}: "
            f"{exc.strerror or exc}.",
            tokens=tokens,
        ) from None


def why_no_refresh_token(tokens: Tokens) -> str:
    """Why ``tokens`` hold no refresh token, and what to do: the two causes need different
    fixes, so the file's record of whether a client secret was sent decides the words."""
    server = server_name(tokens.token_url)
    if tokens.client_secret_sent is False:
        return (
            "the login ran without a client secret, so none was issued. Run "
            "`lwa-loopback login ...` again with the client secret (LWA_CLIENT_SECRET) set."
        )
    if tokens.client_secret_sent:
        return (
            f"{server} issued none although the client secret was sent: check that the client "
            "may use refresh tokens (for standard servers, a scope such as offline_access), "
            "then run `lwa-loopback login ...` again."
        )
    return (
        f"either the login ran without a client secret, or {server} issued none. Run "
        "`lwa-loopback login ...` again with the client secret (LWA_CLIENT_SECRET) set."
    )
