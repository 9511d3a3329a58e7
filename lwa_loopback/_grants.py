"""Every way lwa-loopback gets tokens, each defined once: the grant model.

A grant's facts live here and nowhere else: the ``grant_type`` it sends, the name the token file
stores, the library flow that uses it, how the client authenticates, the words its messages use
and the advice for each failure. The flows, the token endpoint client, the token file, the
command line, ``show`` and the fake read them; no other module spells a grant's or a flow's name
(``tests/test_layout.py`` checks that). Adding a grant is an entry here, its flow, the fake's
answer, tests and docs.

Standard library only, and no dataclasses: the quick path of ``lwa-loopback token`` reads token
files through ``_token_json``, which imports this module.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs the quick path a few milliseconds
if TYPE_CHECKING:
    from typing import Final

#: The library's flows, by the name of their entry point (``_options`` says which options each
#: takes). A flow may serve several grants: ``login()`` signs in on LWA's or Seller Central's page.
LOGIN: Final = "login"
DEVICE: Final = "login_device"
CLIENT_CREDENTIALS_FLOW: Final = "client_credentials"
IMPORT: Final = "import_refresh_token"
REFRESH: Final = "refresh"
FLOWS: Final = (LOGIN, DEVICE, CLIENT_CREDENTIALS_FLOW, IMPORT)

#: How the client proves who it is (RFC 6749 section 2.3), in the words messages use.
SECRET_OPTIONAL: Final = "the client secret when given"  # LWA then adds a refresh token
SECRET_REQUIRED: Final = "the client secret"
NO_SECRET: Final = "no secret"  # the device code is the proof
AS_SIGNED_IN: Final = "the client secret when the sign-in sent one"


class Advice:
    """What to do after each kind of failure of one request: the network, the server's own
    trouble, an answer that cannot be used, and the server's two refusals that depend on the
    grant (``invalid_grant``: what was spent; ``invalid_client``: what was sent)."""

    __slots__ = ("endpoint", "invalid_client", "invalid_grant", "network", "server", "unusable")

    def __init__(
        self,
        *,
        network: str,
        server: str,
        unusable: str,
        invalid_grant: str,
        invalid_client: str,
        endpoint: str = "token endpoint",
    ) -> None:
        self.network = network
        self.server = server
        self.unusable = unusable
        self.invalid_grant = invalid_grant
        self.invalid_client = invalid_client
        self.endpoint = endpoint


class Grant:
    """One way to get tokens."""

    __slots__ = ("advice", "client_auth", "flow", "grant_type", "key", "renewable", "stored")

    def __init__(
        self,
        *,
        key: str,
        grant_type: str,
        stored: str,
        flow: str,
        client_auth: str,
        advice: Advice,
        renewable: bool = False,
    ) -> None:
        #: How messages and ``show`` name it.
        self.key = key
        #: What the token request sends as ``grant_type``.
        self.grant_type = grant_type
        #: The token file's ``grant`` field; empty for a refresh, which keeps the file's own.
        self.stored = stored
        self.flow = flow
        self.client_auth = client_auth
        self.advice = advice
        #: Renewed by asking again with the client's own credentials, not a refresh token.
        self.renewable = renewable

    def __repr__(self) -> str:
        return f"<Grant {self.key}>"


_SIGN_IN_AGAIN = "run `lwa-loopback login ...` again"
_CLIENT = "Check the client id and the client secret (LWA_CLIENT_SECRET)."

AUTHORIZATION_CODE: Final = Grant(
    key="a browser sign-in",
    grant_type="authorization_code",
    stored="authorization_code",
    flow=LOGIN,
    client_auth=SECRET_OPTIONAL,
    advice=Advice(
        network="Check the network and the `region` or `token_url`; if the code may have been "
        "used, log in again.",
        server="try again in a minute (a login needs a new code).",
        unusable=f"The code is spent: check `token_url`, then {_SIGN_IN_AGAIN}.",
        invalid_grant="The code is invalid, expired, already used, or was issued to another "
        f"client or return URL: {_SIGN_IN_AGAIN}.",
        invalid_client=_CLIENT,
    ),
)

#: Seller Central's consent page (Selling Partner API website authorization): the same
#: ``grant_type`` as LWA's code, the client secret required, no PKCE.
SELLING_PARTNER: Final = Grant(
    key="a Selling Partner sign-in on Seller Central",
    grant_type="authorization_code",
    stored="selling_partner_code",
    flow=LOGIN,
    client_auth=SECRET_REQUIRED,
    advice=AUTHORIZATION_CODE.advice,
)

#: LWA's code-based linking. LWA's dialect sends ``grant_type=device_code`` with the
#: ``user_code`` (LWA.md section 8), not RFC 8628's URN.
DEVICE_CODE: Final = Grant(
    key="signed in on another device",
    grant_type="device_code",
    stored="device_code",
    flow=DEVICE,
    client_auth=NO_SECRET,
    advice=Advice(
        network="Check the network and the `region` or `token_url`.",
        server="try again in a minute.",
        unusable="Check `token_url`, then run the device sign-in again.",
        invalid_grant="The device code is invalid or expired: run the device sign-in again.",
        invalid_client="Check the client id: the device flow sends no client secret, and the "
        "security profile must allow other devices and platforms.",
    ),
)

CLIENT_CREDENTIALS: Final = Grant(
    key="the client's own token",
    grant_type="client_credentials",
    stored="client_credentials",
    flow=CLIENT_CREDENTIALS_FLOW,
    client_auth=SECRET_REQUIRED,
    renewable=True,
    advice=Advice(
        network="Check the network and the token endpoint (the `region` or `token_url`), then "
        "try again.",
        server="try again in a minute.",
        unusable="Check the token endpoint (`token_url`), then try again.",
        invalid_grant="The client may not use client credentials for this scope: check `scope`.",
        invalid_client=_CLIENT,
    ),
)

REFRESH_TOKEN: Final = Grant(
    key="a refresh",
    grant_type="refresh_token",
    stored="",
    flow=REFRESH,
    client_auth=AS_SIGNED_IN,
    advice=Advice(
        network="Check the network and try again (the token file's token_url is where the "
        "request went).",
        server="try again in a minute.",
        unusable="The token file was left as it was; check its token_url.",
        invalid_grant="The refresh token is invalid, expired or revoked (or was already used, "
        f"where the server rotates them): {_SIGN_IN_AGAIN}.",
        invalid_client=_CLIENT,
    ),
)

#: A refresh token obtained elsewhere (a private SP-API app's self-authorization), proved by
#: one refresh before it is written.
IMPORTED: Final = Grant(
    key="an imported refresh token",
    grant_type="refresh_token",
    stored="imported_refresh_token",
    flow=IMPORT,
    client_auth=SECRET_OPTIONAL,
    advice=Advice(
        network="Check the network and the `region` or `token_url`, then import again (nothing "
        "was written).",
        server="try again in a minute (nothing was written).",
        unusable="Nothing was written; check `token_url`, then import again.",
        invalid_grant="The refresh token is invalid, revoked, or belongs to another client: "
        "check it and the client id, then import again.",
        invalid_client=_CLIENT,
    ),
)

#: The ``response_type`` of LWA's code pair request (the device flow's first step).
CODE_PAIR_RESPONSE_TYPE: Final = "device_code"

#: The device flow's first request, to the code pair endpoint: not a grant of its own.
CODE_PAIR: Final = Advice(
    network="Check the network and the `region` or `codepair_url`, then try again.",
    server="try again in a minute.",
    unusable="Check `codepair_url`, then try again.",
    invalid_grant="Check `codepair_url`, then try again.",
    invalid_client=DEVICE_CODE.advice.invalid_client,
    endpoint="code pair endpoint",
)

GRANTS: Final = (
    AUTHORIZATION_CODE,
    SELLING_PARTNER,
    DEVICE_CODE,
    CLIENT_CREDENTIALS,
    REFRESH_TOKEN,
    IMPORTED,
)

#: The grants a token file can name, by its ``grant`` field.
BY_STORED: Final = {grant.stored: grant for grant in GRANTS if grant.stored}


def stored_grant(name: str) -> Grant:
    """The grant a token file's ``grant`` field names; ``ValueError`` for one not known here."""
    try:
        return BY_STORED[name]
    except KeyError:
        raise ValueError(f"grant {name!r} is not one lwa-loopback knows") from None
