"""``client_credentials()``: an access token for the client itself, for grantless operations
(SP-API notifications, the Appstore API, Alexa skill messaging). No browser, no listener, no
refresh token: ``token`` and ``refresh`` ask again, with the secret, when it expires."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import datetime

from ._defaults import REGION, REQUEST_TIMEOUT, utcnow
from ._grants import CLIENT_CREDENTIALS_FLOW
from ._options import picked
from ._sync import synced
from ._tokens import Tokens
from ._unstoppable import unstoppable
from .errors import ConfigurationError


async def client_credentials(
    *,
    client_id: str,
    client_secret: str | None = None,
    scope: str | Iterable[str] | None = None,
    region: str = REGION,
    token_url: str | None = None,
    token_file: str | os.PathLike[str] | None = None,
    request_timeout: float = REQUEST_TIMEOUT,
    clock: Callable[[], datetime] = utcnow,
) -> Tokens:
    """Ask the token endpoint for an access token with the client's own credentials
    (``grant_type=client_credentials``, LWA.md section 7); ``client_secret`` and ``scope`` are
    required. Written to ``token_file`` when given."""
    given = picked(locals(), CLIENT_CREDENTIALS_FLOW)  # first: before any name is imported here
    from ._exchange import client_credentials_tokens
    from ._prepared import prepare_client

    if not client_secret:
        raise ConfigurationError(
            "Client credentials need the client secret (`client_secret`, or LWA_CLIENT_SECRET)."
        )
    prepared = prepare_client(given, CLIENT_CREDENTIALS_FLOW, clock, scope_required=True)

    async def ask_and_keep() -> Tokens:
        return await prepared.keep(
            await client_credentials_tokens(prepared.client, scope=prepared.scope)
        )

    # Once asked, the answer reaches the token file before a Ctrl+C takes effect.
    return await unstoppable(ask_and_keep())


client_credentials_sync = synced(
    client_credentials,
    "``client_credentials()`` for synchronous code, safe inside a running event loop. Takes "
    "the same keyword arguments.",
)
