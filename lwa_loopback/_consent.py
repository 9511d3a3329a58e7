"""State, PKCE and the consent URL: everything the browser carries to LWA."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from yarl import URL

from .errors import ConfigurationError

# LWA rejects client ids longer than this (Login with Amazon, authorization request).
MAX_CLIENT_ID_BYTES = 100


def new_state() -> str:
    """A fresh CSRF state: 256 bits from the OS's CSPRNG, URL-safe."""
    return secrets.token_urlsafe(32)


def state_matches(received: str, expected: str) -> bool:
    # Constant time, so a local attacker cannot learn the state byte by byte.
    return hmac.compare_digest(received.encode(), expected.encode())


@dataclass(frozen=True)
class Pkce:
    """An RFC 7636 verifier and its S256 challenge."""

    code_verifier: str = field(repr=False)

    @classmethod
    def new(cls) -> Pkce:
        # RFC 7636 section 4.1: 43 to 128 characters of [A-Za-z0-9-._~]; 32 random bytes in
        # base64url give 43 characters of that alphabet, 256 bits of entropy.
        return cls(secrets.token_urlsafe(32))

    @property
    def code_challenge(self) -> str:
        digest = hashlib.sha256(self.code_verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def normalize_scopes(scopes: str | Iterable[str], example: str = "profile") -> list[str]:
    """Split each value on white space, drop duplicates, keep the order given; ``example`` is
    the scope the message suggests when there is none."""
    values = [scopes] if isinstance(scopes, str) else list(scopes)
    found = [scope for value in values for scope in value.split()]
    unique = list(dict.fromkeys(found))
    if not unique:
        raise ConfigurationError(
            f"No scope given: pass at least one `scope`, such as {example}.", parameter="scope"
        )
    return unique


def encode_scope_data(scope_data: str | Mapping[str, Any] | None) -> str | None:
    """LWA's ``scope_data`` as compact JSON; a string must already be a JSON object."""
    if scope_data is None:
        return None
    if isinstance(scope_data, str):
        try:
            scope_data = json.loads(scope_data)
        except ValueError as exc:
            raise ConfigurationError(
                f"`scope_data` is not valid JSON: {exc}.", parameter="scope_data"
            ) from None
    if not isinstance(scope_data, Mapping):
        raise ConfigurationError(
            '`scope_data` must be a JSON object, for example {"profile": {"essential": false}}.',
            parameter="scope_data",
        )
    return json.dumps(scope_data, separators=(",", ":"))


def check_client_id(client_id: str | None) -> None:
    if not client_id or not client_id.strip():
        raise ConfigurationError(
            "No client id: pass `client_id`, the security profile's client id "
            "(amzn1.application-oa2-client....). On the command line it can also come from "
            "LWA_CLIENT_ID, or from the --profile of an earlier sign-in.",
            parameter="client_id",
        )
    if len(client_id.encode()) > MAX_CLIENT_ID_BYTES:
        raise ConfigurationError(
            f"The client id (`client_id`) is longer than LWA's limit of {MAX_CLIENT_ID_BYTES} "
            "bytes: copy it again from the LWA console.",
            parameter="client_id",
        )


def check_application_id(application_id: str | None) -> str:
    """An SP-API application id (``amzn1.sp.solution....``): required, and never a URL part."""
    if not application_id or not application_id.strip():
        raise ConfigurationError(
            "A Selling Partner sign-in needs the application id (`application_id`): "
            "amzn1.sp.solution..., from Seller Central's Developer Central page.",
            parameter="application_id",
        )
    if len(application_id.encode()) > MAX_CLIENT_ID_BYTES or any(
        c.isspace() or not c.isprintable() for c in application_id
    ):
        raise ConfigurationError(
            "The application id (`application_id`) is malformed: copy it again from Developer "
            "Central.",
            parameter="application_id",
        )
    return application_id


def seller_central_url(
    authorize_url: str, *, application_id: str, redirect_uri: str, state: str, draft: bool
) -> str:
    """Seller Central's consent page (LWA.md section 7): no scope and no PKCE there; the state
    is the only defence, and it is checked as for LWA."""
    query = {"application_id": application_id, "state": state, "redirect_uri": redirect_uri}
    if draft:
        query["version"] = "beta"  # an application not yet published
    return str(URL(authorize_url).update_query(query))


def consent_url(
    authorize_url: str,
    *,
    client_id: str,
    scopes: list[str],
    redirect_uri: str,
    state: str,
    pkce: Pkce,
    scope_data: str | None = None,
) -> str:
    query = {
        "client_id": client_id,
        "scope": " ".join(scopes),
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": pkce.code_challenge,
        # LWA's default method is "plain", which protects nothing: always ask for S256.
        "code_challenge_method": "S256",
    }
    if scope_data is not None:
        query["scope_data"] = scope_data
    return str(URL(authorize_url).update_query(query))
