"""The options of the flows without a browser (device code, client credentials, an imported
refresh token), checked before anything is sent, as ``login()``'s are (``_request.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._consent import check_client_id, encode_scope_data, normalize_scopes
from ._defaults import check_seconds
from ._endpoints import resolve_endpoints
from ._options import remembered, with_defaults
from ._request import writable_token_file

if TYPE_CHECKING:
    from ._exchange import Client
    from ._tokens import Tokens


@dataclass(frozen=True)
class Prepared:
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
        from ._lock import save_tokens

        tokens = replace(tokens, sign_in=self.sign_in or None)
        if self.token_file is not None:
            await save_tokens(self.token_file, tokens)
        return tokens


def prepare_client(
    given: dict[str, Any],
    flow: str,
    clock: Callable[[], datetime],
    *,
    scope_required: bool = False,
) -> Prepared:
    """``flow``'s options with their defaults, checked; ``ConfigurationError`` says what is
    wrong, naming the parameter."""
    from ._exchange import Client

    options = with_defaults(given, flow)
    check_client_id(options["client_id"])
    endpoints = resolve_endpoints(
        options["region"],
        token_url=options["token_url"],
        codepair_url=options.get("codepair_url"),
    )
    scopes = options["scope"] or ()
    return Prepared(
        client=Client(
            token_url=endpoints.token_url,
            client_id=options["client_id"],
            client_secret=options.get("client_secret") or None,
            region=options["region"],
            request_timeout=check_seconds("request_timeout", options["request_timeout"]),
            clock=clock,
        ),
        scope=" ".join(normalize_scopes(scopes)) if scope_required or scopes else "",
        scope_data=encode_scope_data(options.get("scope_data")),
        codepair_url=endpoints.codepair_url,
        token_file=writable_token_file(options["token_file"]),
        sign_in=remembered(options, flow),
    )
