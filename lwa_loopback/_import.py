"""``import_refresh_token()``: a token file from a refresh token obtained elsewhere (a private
SP-API app self-authorized in Seller Central shows one), proved by one refresh before it is
written."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime

from ._defaults import REGION, REQUEST_TIMEOUT, utcnow
from ._grants import IMPORT
from ._options import picked
from ._sync import synced
from ._tokens import Tokens
from ._unstoppable import unstoppable
from .errors import ConfigurationError


async def import_refresh_token(
    refresh_token: str,
    *,
    client_id: str,
    client_secret: str | None = None,
    scope: str | Iterable[str] | None = None,
    region: str = REGION,
    token_url: str | None = None,
    selling_partner_id: str | None = None,
    token_file: str | os.PathLike[str] | None = None,
    request_timeout: float = REQUEST_TIMEOUT,
    clock: Callable[[], datetime] = utcnow,
) -> Tokens:
    """Refresh ``refresh_token`` once (proof that it works, and a first access token), then
    write the token file, keeping ``selling_partner_id`` with it. Nothing is written when the
    refresh fails (``ExchangeError``)."""
    given = picked(locals(), IMPORT)  # first: before any name is imported here
    from . import _token_json
    from ._exchange import refresh_tokens
    from ._grants import IMPORTED
    from ._prepared import prepare_client

    try:
        refresh_token = _token_json.token_text(refresh_token.strip(), "the refresh token")
        if selling_partner_id is not None:
            _token_json.token_text(selling_partner_id, "selling_partner_id")
    except ValueError as exc:
        raise ConfigurationError(f"Cannot import: {exc}.") from None
    prepared = prepare_client(given, IMPORT, clock)

    async def refresh_and_keep() -> Tokens:
        tokens = await refresh_tokens(
            prepared.client, refresh_token=refresh_token, scope=prepared.scope, grant=IMPORTED
        )
        tokens = replace(
            tokens,
            # A server that rotates refresh tokens has just revoked the one imported.
            refresh_token=tokens.refresh_token or refresh_token,
            selling_partner_id=selling_partner_id,
        )
        return await prepared.keep(tokens)

    # Once sent, the refresh may have rotated the refresh token: its answer must reach the
    # token file before a Ctrl+C takes effect, or the only working refresh token is lost.
    return await unstoppable(refresh_and_keep())


import_refresh_token_sync = synced(
    import_refresh_token,
    "``import_refresh_token()`` for synchronous code, safe inside a running event loop.",
)
