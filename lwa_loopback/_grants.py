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
    grant (``invalid_grant``: what was spent; ``invalid_client``: what was sent).

    ``parameters``: the library parameters these words name, each as `name` (the command line
    shows its flags there; ``errors.LoginError.parameters``)."""

    __slots__ = (
        "endpoint",
        "invalid_client",
        "invalid_grant",
        "network",
        "parameters",
        "server",
        "unusable",
    )

    def __init__(
        self,
        *,
        network: str,
        server: str,
        unusable: str,
        invalid_grant: str,
        invalid_client: str,
        parameters: tuple[str, ...],
        endpoint: str = "token endpoint",
    ) -> None:
        self.network = network
        self.server = server
        self.unusable = unusable
        self.invalid_grant = invalid_grant
        self.invalid_client = invalid_client
        self.parameters = parameters
        self.endpoint = endpoint


class Grant:
    """One way to get tokens."""

    __slots__ = ("advice", "flow", "grant_type", "key", "renewable", "secret", "stored")

    def __init__(
        self,
        *,
        key: str,
        grant_type: str,
        stored: str,
        flow: str,
        secret: str,
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
        #: How the grant uses the client secret (``SECRET_REQUIRED``, ...).
        self.secret = secret
        self.advice = advice
        #: Renewed by asking again with the client's own credentials, not a refresh token.
        self.renewable = renewable

    def lacks_secret(self, secret: str | None, *, sent_before: bool | None = None) -> bool:
        """Whether a request of this grant cannot work without the client secret it lacks:
        always for a grant that requires one, and for a refresh when the sign-in sent one
        (``sent_before``, the token file's ``client_secret_sent``)."""
        if secret:
            return False
        return self.secret == SECRET_REQUIRED or (self.secret == AS_SIGNED_IN and bool(sent_before))

    def __repr__(self) -> str:
        return f"<Grant {self.key}>"


_SIGN_IN_AGAIN = "run `lwa-loopback login ...` again"
_CLIENT = "Check the client id and the client secret (LWA_CLIENT_SECRET)."
_WHERE = ("region", "token_url")

AUTHORIZATION_CODE: Final = Grant(
    key="a browser sign-in",
    grant_type="authorization_code",
    stored="authorization_code",
    flow=LOGIN,
    secret=SECRET_OPTIONAL,
    advice=Advice(
        network="Check the network and the `region` or `token_url`; if the code may have been "
        "used, log in again.",
        server="try again in a minute (a login needs a new code).",
        unusable=f"The code is spent: check `token_url`, then {_SIGN_IN_AGAIN}.",
        invalid_grant="The code is invalid, expired, already used, or was issued to another "
        f"client or return URL: {_SIGN_IN_AGAIN}.",
        invalid_client=_CLIENT,
        parameters=_WHERE,
    ),
)

#: Seller Central's consent page (Selling Partner API website authorization): the same
#: ``grant_type`` as LWA's code, the client secret required, no PKCE.
SELLING_PARTNER: Final = Grant(
    key="a Selling Partner sign-in on Seller Central",
    grant_type="authorization_code",
    stored="selling_partner_code",
    flow=LOGIN,
    secret=SECRET_REQUIRED,
    advice=AUTHORIZATION_CODE.advice,
)

_DEVICE_SIGN_IN_AGAIN = "run the device sign-in again"

#: LWA's code-based linking. LWA's dialect sends ``grant_type=device_code`` with the
#: ``user_code`` (LWA.md section 8), not RFC 8628's URN.
DEVICE_CODE: Final = Grant(
    key="signed in on another device",
    grant_type="device_code",
    stored="device_code",
    flow=DEVICE,
    secret=NO_SECRET,
    advice=Advice(
        network="Check the network and the `region` or `token_url`.",
        server="try again in a minute.",
        unusable=f"Check `token_url`, then {_DEVICE_SIGN_IN_AGAIN}.",
        invalid_grant=f"The device code is invalid or expired: {_DEVICE_SIGN_IN_AGAIN}.",
        invalid_client="Check the client id: the device flow sends no client secret, and the "
        "security profile must allow other devices and platforms.",
        parameters=_WHERE,
    ),
)

#: RFC 8628's device authorization grant, as standard servers speak it (node-oidc-provider,
#: Authlib): the URN as ``grant_type``, the ``device_code`` and the client id, no user code.
#: Its token file stores LWA's name: both are a sign-in on another device, refreshed alike, and
#: which dialect the server speaks is its ``token_url``'s (``_endpoints.device_dialect``); a new
#: name would also make the files unreadable to earlier versions.
DEVICE_AUTHORIZATION: Final = Grant(
    key="signed in on another device (RFC 8628)",
    grant_type="urn:ietf:params:oauth:grant-type:device_code",
    stored=DEVICE_CODE.stored,
    flow=DEVICE,
    secret=NO_SECRET,
    advice=Advice(
        network="Check the network and `token_url`.",
        server="try again in a minute.",
        unusable=f"Check `token_url`, then {_DEVICE_SIGN_IN_AGAIN}.",
        invalid_grant=f"The device code is invalid or expired: {_DEVICE_SIGN_IN_AGAIN}.",
        invalid_client="Check the client id: the device flow sends no client secret (even when "
        "one is set), so {server} must know the client as a public one (token endpoint "
        "authentication method none).",
        parameters=("token_url",),
    ),
)

CLIENT_CREDENTIALS: Final = Grant(
    key="the client's own token",
    grant_type="client_credentials",
    stored="client_credentials",
    flow=CLIENT_CREDENTIALS_FLOW,
    secret=SECRET_REQUIRED,
    renewable=True,
    advice=Advice(
        network="Check the network and the token endpoint (the `region` or `token_url`), then "
        "try again.",
        server="try again in a minute.",
        unusable="Check the token endpoint (`token_url`), then try again.",
        invalid_grant="The client may not use client credentials for this scope: check `scope`.",
        invalid_client=_CLIENT,
        parameters=(*_WHERE, "scope"),
    ),
)

#: What a refresh can point to: the token file's own settings, none of them a parameter.
_FILE_LEFT = "The token file was left as it was"

REFRESH_TOKEN: Final = Grant(
    key="a refresh",
    grant_type="refresh_token",
    stored="",
    flow=REFRESH,
    secret=AS_SIGNED_IN,
    advice=Advice(
        network="Check the network, then refresh again (the token file's token_url is where "
        "the request went). If the server rotates refresh tokens and this request reached it, "
        "the refresh token in the file may be spent: the next refresh is then refused "
        f"(invalid_grant), and only a new sign-in helps: {_SIGN_IN_AGAIN}.",
        server="try again in a minute.",
        unusable=f"{_FILE_LEFT}; check its token_url. If the server rotates refresh tokens, "
        f"the one in the file may be spent: if the next refresh is refused, {_SIGN_IN_AGAIN}.",
        invalid_grant="The refresh token is invalid, expired or revoked (or was already used, "
        f"where the server rotates them): {_SIGN_IN_AGAIN}.",
        invalid_client=_CLIENT,
        parameters=(),
    ),
)

#: The refresh's advice once the token file knows whether the server rotates refresh tokens
#: (``Tokens.rotates_refresh_token``: whether a refresh ever brought a new one).
ROTATING_REFRESH: Final = Advice(
    network="Check the network, then refresh again (the token file's token_url is where the "
    "request went). This server has rotated the file's refresh token before: if this request "
    "reached it, the token in the file is spent, the next refresh is refused (invalid_grant), "
    f"and only a new sign-in helps: {_SIGN_IN_AGAIN}.",
    server=REFRESH_TOKEN.advice.server,
    unusable=f"{_FILE_LEFT}; check its token_url. This server rotates refresh tokens, so the "
    f"one in the file may be spent: if the next refresh is refused, {_SIGN_IN_AGAIN}.",
    invalid_grant=REFRESH_TOKEN.advice.invalid_grant,
    invalid_client=_CLIENT,
    parameters=(),
)
KEPT_REFRESH: Final = Advice(
    network="Check the network and try again: this server has kept the file's refresh token on "
    "every refresh so far, so it can be used again (the token file's token_url is where the "
    "request went).",
    server=REFRESH_TOKEN.advice.server,
    unusable=f"{_FILE_LEFT}; check its token_url.",
    invalid_grant=REFRESH_TOKEN.advice.invalid_grant,
    invalid_client=_CLIENT,
    parameters=(),
)


def refresh_advice(rotates: bool | None) -> Advice:
    """A refresh's advice, by what the token file records of the server (None: nothing yet)."""
    if rotates is None:
        return REFRESH_TOKEN.advice
    return ROTATING_REFRESH if rotates else KEPT_REFRESH


#: A client-credentials token file renewed by ``refresh`` or ``token``: asked again with the
#: client's own credentials, where the token file says (not a sign-in's `region`).
RENEWAL: Final = Grant(
    key="the client's own token, asked for again",
    grant_type=CLIENT_CREDENTIALS.grant_type,
    stored="",
    flow=REFRESH,
    secret=SECRET_REQUIRED,
    advice=Advice(
        network="Check the network and try again (the token file's token_url is where the "
        "request went).",
        server="try again in a minute.",
        unusable=f"{_FILE_LEFT}; check its token_url.",
        invalid_grant="The client may not use client credentials for the token file's scope: "
        "check it in {console}.",
        invalid_client=_CLIENT,
        parameters=(),
    ),
)

#: A refresh token obtained elsewhere (a private SP-API app's self-authorization), proved by
#: one refresh before it is written.
IMPORTED: Final = Grant(
    key="an imported refresh token",
    grant_type="refresh_token",
    stored="imported_refresh_token",
    flow=IMPORT,
    secret=SECRET_OPTIONAL,
    advice=Advice(
        network="Check the network and the `region` or `token_url`, then import again (nothing "
        "was written).",
        server="try again in a minute (nothing was written).",
        unusable="Nothing was written; check `token_url`, then import again.",
        invalid_grant="The refresh token is invalid, revoked, or belongs to another client: "
        "check it and the client id, then import again.",
        invalid_client=_CLIENT,
        parameters=_WHERE,
    ),
)

GRANTS: Final = (
    AUTHORIZATION_CODE,
    SELLING_PARTNER,
    DEVICE_CODE,
    DEVICE_AUTHORIZATION,
    CLIENT_CREDENTIALS,
    REFRESH_TOKEN,
    RENEWAL,
    IMPORTED,
)

#: The grants a token file can name, by its ``grant`` field: the first to store a name is the
#: one it stands for (RFC 8628's device grant stores LWA's ``device_code``).
BY_STORED: Final = {grant.stored: grant for grant in reversed(GRANTS) if grant.stored}


def stored_grant(name: str) -> Grant:
    """The grant a token file's ``grant`` field names; ``ValueError`` for one not known here."""
    try:
        return BY_STORED[name]
    except KeyError:
        raise ValueError(f"grant {name!r} is not one lwa-loopback knows") from None


class DeviceDialect:
    """How a server speaks the device flow: its first request (for a code pair), and the grant
    that polls for the tokens. LWA's code-based linking and RFC 8628 differ in both."""

    __slots__ = ("code_request", "grant", "name", "poll_sends_user_code", "request_advice")

    def __init__(
        self,
        *,
        name: str,
        grant: Grant,
        code_request: dict[str, str],
        poll_sends_user_code: bool,
        request_advice: Advice,
    ) -> None:
        #: How messages name it.
        self.name = name
        self.grant = grant
        #: The fields the first request sends besides the client id, the scope (and LWA's
        #: ``scope_data``).
        self.code_request = code_request
        self.poll_sends_user_code = poll_sends_user_code
        #: The advice for a failure of the first request.
        self.request_advice = request_advice

    def __repr__(self) -> str:
        return f"<DeviceDialect {self.name}>"


#: LWA's code pair request (LWA.md section 7): ``response_type=device_code``, to
#: ``/auth/o2/create/codepair``.
LWA_DEVICE: Final = DeviceDialect(
    name="LWA's code-based linking",
    grant=DEVICE_CODE,
    code_request={"response_type": "device_code"},
    poll_sends_user_code=True,
    request_advice=Advice(
        network="Check the network and the `region` or `codepair_url`, then try again.",
        server="try again in a minute.",
        unusable="Check `codepair_url` (a server other than LWA takes its RFC 8628 device "
        "authorization endpoint there), then try again.",
        invalid_grant="Check `codepair_url`, then try again.",
        invalid_client=DEVICE_CODE.advice.invalid_client,
        parameters=("region", "codepair_url"),
        endpoint="code pair endpoint",
    ),
)

#: RFC 8628 section 3.1: the device authorization request is the client id and the scope.
RFC8628_DEVICE: Final = DeviceDialect(
    name="RFC 8628",
    grant=DEVICE_AUTHORIZATION,
    code_request={},
    poll_sends_user_code=False,
    request_advice=Advice(
        network="Check the network and `codepair_url`, then try again.",
        server="try again in a minute.",
        unusable="Check `codepair_url`: it must be the server's device authorization endpoint "
        "(RFC 8628), then try again.",
        invalid_grant="Check `codepair_url`, then try again.",
        invalid_client=DEVICE_AUTHORIZATION.advice.invalid_client,
        parameters=("codepair_url",),
        endpoint="device authorization endpoint",
    ),
)


class ClientAuth:
    """How the client secret travels to the token endpoint (RFC 6749 section 2.3.1), by the
    value of the ``client_auth`` option. Every server must take HTTP Basic; LWA documents the
    form, and its endpoints always get the form."""

    __slots__ = ("method", "name", "words")

    def __init__(self, *, name: str, method: str, words: str) -> None:
        #: The option's value.
        self.name = name
        #: Its name in a server's client registration (RFC 7591 ``token_endpoint_auth_method``).
        self.method = method
        #: Where the secret goes, in the words messages use.
        self.words = words

    def __repr__(self) -> str:
        return f"<ClientAuth {self.name}>"


SECRET_IN_FORM: Final = ClientAuth(name="post", method="client_secret_post", words="in the form")
SECRET_IN_BASIC: Final = ClientAuth(
    name="basic", method="client_secret_basic", words="in an HTTP Basic Authorization header"
)
CLIENT_AUTHS: Final = {auth.name: auth for auth in (SECRET_IN_BASIC, SECRET_IN_FORM)}
