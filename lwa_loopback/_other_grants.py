"""The grants without a browser: ``client_credentials()`` (an access token for the client itself,
for grantless operations) and ``import_refresh_token()`` (a token file from a refresh token
obtained elsewhere, proved by one refresh), and the checked options they share with the device
flow (``prepare_client``), as ``login()``'s are checked in ``_login_start.py``.

Client credentials: no browser, no listener, no refresh token: ``token`` and ``refresh`` ask
again, with the secret, when it expires (SP-API notifications, the Appstore API, Alexa skill
messaging). Import: a private SP-API app self-authorized in Seller Central shows a refresh
token; it is refreshed once (proof that it works, and a first access token), then written.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ._asyncio_helpers import synced, unstoppable
from ._consent import check_client_id, encode_scope_data, normalize_scopes
from ._defaults import REGION, REQUEST_TIMEOUT, check_seconds, utcnow
from ._early_checks import check_client_id_form, check_text
from ._endpoints import chosen_client_auth, is_amazon, resolve_endpoints
from ._login_start import writable_token_file
from ._options import ClientCredentialsOptions, DeviceOptions, ImportOptions, remembered
from ._tokens import Tokens
from .errors import ConfigurationError

if TYPE_CHECKING:
    from ._exchange import Client


@dataclass(frozen=True)
class GrantPlan:
    client: Client
    scope: str
    scope_data: str | None
    codepair_url: str
    token_file: Path | None
    #: The options worth keeping in the token file (``_options.remembered``).
    sign_in: dict[str, str | bool]

    async def keep(self, tokens: Tokens) -> Tokens:
        """The tokens with the options they were obtained with, written to the token file
        when there is one (``TokenFileError``, holding them, when it cannot be written)."""
        from ._token_file import save_tokens

        tokens = replace(tokens, sign_in=self.sign_in or None)
        if self.token_file is not None:
            await save_tokens(self.token_file, tokens)
        return tokens


def prepare_client(
    options: DeviceOptions | ClientCredentialsOptions | ImportOptions,
    clock: Callable[[], datetime],
    *,
    scope_required: bool = False,
) -> GrantPlan:
    """The options of a flow without a browser, checked; ``ConfigurationError`` says what is
    wrong, naming the parameter."""
    from ._exchange import Client

    check_client_id(options.client_id)
    check_text("client_id", options.client_id)
    check_text("token_url", options.token_url)
    device = options if isinstance(options, DeviceOptions) else None
    # The device code is the proof: the device flow sends no secret (DEVICE_CODE.secret).
    sender = None if isinstance(options, DeviceOptions) else options
    if sender is not None:
        check_text("client_secret", sender.client_secret, secret=True)
    endpoints = resolve_endpoints(
        options.region,
        token_url=options.token_url,
        codepair_url=device.codepair_url if device else None,
    )
    if device:
        check_text("codepair_url", device.codepair_url)
    check_client_id_form(options.client_id, amazon=is_amazon(endpoints.token_url))
    scopes = options.scope or ()
    return GrantPlan(
        client=Client(
            token_url=endpoints.token_url,
            client_id=options.client_id,
            client_secret=(sender.client_secret if sender else None) or None,
            region=options.region,
            request_timeout=check_seconds("request_timeout", options.request_timeout),
            clock=clock,
            client_auth=chosen_client_auth(
                sender.client_auth if sender else None, endpoints.token_url
            ),
        ),
        scope=" ".join(normalize_scopes(scopes, _example_scope(options)))
        if scope_required or scopes
        else "",
        scope_data=encode_scope_data(device.scope_data) if device else None,
        codepair_url=endpoints.codepair_url,
        token_file=writable_token_file(options.token_file),
        sign_in=remembered(options),
    )


def _example_scope(options: DeviceOptions | ClientCredentialsOptions | ImportOptions) -> str:
    """A scope of the kind this grant asks for (LWA.md section 7): client credentials serve
    grantless operations, whose scopes are not a person's profile."""
    if isinstance(options, ClientCredentialsOptions):
        return "sellingpartnerapi::notifications"
    return "profile"


async def client_credentials(
    *,
    client_id: str,
    client_secret: str | None = None,
    client_auth: str | None = None,
    scope: str | Iterable[str] | None = None,
    region: str = REGION,
    token_url: str | None = None,
    token_file: str | os.PathLike[str] | None = None,
    request_timeout: float = REQUEST_TIMEOUT,
    clock: Callable[[], datetime] = utcnow,
) -> Tokens:
    """Ask the token endpoint for an access token with the client's own credentials
    (``grant_type=client_credentials``, LWA.md section 7); ``client_secret`` and ``scope`` are
    required (``client_auth`` ``"basic"``: the secret in an HTTP Basic header, for a server
    other than LWA). Written to ``token_file`` when given."""
    options = ClientCredentialsOptions(
        client_id=client_id,
        client_secret=client_secret,
        client_auth=client_auth,
        scope=scope,
        region=region,
        token_url=token_url,
        token_file=token_file,
        request_timeout=request_timeout,
    )
    return await ask_with_client_credentials(options, clock=clock)


async def ask_with_client_credentials(
    options: ClientCredentialsOptions, *, clock: Callable[[], datetime] = utcnow
) -> Tokens:
    """``client_credentials()`` with its options as one value (the command line's way in)."""
    from ._exchange import client_credentials_tokens
    from ._grants import CLIENT_CREDENTIALS

    if CLIENT_CREDENTIALS.lacks_secret(options.client_secret):
        raise ConfigurationError(
            "Client credentials need the client secret (`client_secret`, or LWA_CLIENT_SECRET).",
            parameter="client_secret",
        )
    prepared = prepare_client(options, clock, scope_required=True)

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


async def import_refresh_token(
    refresh_token: str,
    *,
    client_id: str,
    client_secret: str | None = None,
    client_auth: str | None = None,
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
    options = ImportOptions(
        client_id=client_id,
        client_secret=client_secret,
        client_auth=client_auth,
        scope=scope,
        region=region,
        token_url=token_url,
        selling_partner_id=selling_partner_id,
        token_file=token_file,
        request_timeout=request_timeout,
    )
    return await import_with(options, refresh_token, clock=clock)


async def import_with(
    options: ImportOptions, refresh_token: str, *, clock: Callable[[], datetime] = utcnow
) -> Tokens:
    """``import_refresh_token()`` with its options as one value (the command line's way in)."""
    from . import _token_json
    from ._exchange import refresh_tokens
    from ._grants import IMPORTED

    selling_partner_id = options.selling_partner_id
    try:
        refresh_token = _token_json.token_text(refresh_token.strip(), "the refresh token")
        if selling_partner_id is not None:
            _token_json.token_text(selling_partner_id, "selling_partner_id")
    except ValueError as exc:
        raise ConfigurationError(f"Cannot import: {exc}.") from None
    prepared = prepare_client(options, clock)

    async def refresh_and_keep() -> Tokens:
        tokens = await refresh_tokens(
            prepared.client, refresh_token=refresh_token, scope=prepared.scope, grant=IMPORTED
        )
        rotated = tokens.refresh_token not in (None, refresh_token)
        tokens = replace(
            tokens,
            # A server that rotates refresh tokens has just revoked the one imported.
            refresh_token=tokens.refresh_token or refresh_token,
            selling_partner_id=selling_partner_id,
            refresh_token_rotated=rotated,
        )
        return await prepared.keep(tokens)

    # Once sent, the refresh may have rotated the refresh token: its answer must reach the
    # token file before a Ctrl+C takes effect, or the only working refresh token is lost.
    return await unstoppable(refresh_and_keep())


import_refresh_token_sync = synced(
    import_refresh_token,
    "``import_refresh_token()`` for synchronous code, safe inside a running event loop.",
)
