"""The options of every way to get tokens, defined once: name, default, help, environment
variable, flag, and which flows take it (``OPTIONS``); and each flow's options as a typed
value (``LoginOptions``, ``DeviceOptions``, ``ClientCredentialsOptions``, ``ImportOptions``).

The flows are the library's entry points: ``login()`` (a browser sign-in, LWA's or Seller
Central's), ``login_device()``, ``client_credentials()`` and ``import_refresh_token()``. Each
takes its options as keyword arguments and hands them on as one of the dataclasses below, which
mypy checks name by name; ``tests/test_options.py`` proves that the table, the dataclasses, the
functions and the command line agree (names and defaults). Adding an option is one entry in the
table, one field of the dataclasses of the flows that take it, one keyword argument of those
flows, and the code that uses it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

from ._defaults import LOGIN_TIMEOUT, REGION, REQUEST_TIMEOUT
from ._grants import CLIENT_CREDENTIALS_FLOW, DEVICE, FLOWS, IMPORT, LOGIN
from ._regions import REGIONS

if TYPE_CHECKING:
    from ._paste import Reader

EVERY_FLOW = frozenset(FLOWS)

#: How the command line reads an option: free text, a file path, a number of seconds, one of
#: LWA's regions, an on/off flag, or a repeatable value.
Kind = Literal["text", "path", "seconds", "region", "flag", "several"]


@dataclass(frozen=True)
class Option:
    """One option, for the library and the command line."""

    #: The keyword argument; the command line's flag is the same with dashes.
    name: str
    help: str
    default: Any = None
    envvar: str | None = None
    kind: Kind = "text"
    #: Required by every flow that takes it (others are checked by the flow, in its words).
    required: bool = False
    #: The command line's flag, when it is not the name with dashes (``token_file`` is --out).
    cli_flag: str | None = None
    flows: frozenset[str] = frozenset({LOGIN})
    #: Kept in the token file (``sign_in``), for ``login --profile NAME`` to sign in again:
    #: never a secret, and nothing that only concerns one run.
    remembered: bool = True
    #: The help for one flow, where the option means something else there.
    help_for: Mapping[str, str] = field(default_factory=dict)

    @property
    def flag(self) -> str:
        return self.cli_flag or "--" + self.name.replace("_", "-")

    def help_in(self, flows: Iterable[str]) -> str:
        """The help a command taking ``flows`` shows: a flow's own, when it is the only one."""
        taken = [flow for flow in flows if flow in self.flows]
        return self.help_for.get(taken[0], self.help) if len(taken) == 1 else self.help


OPTIONS: tuple[Option, ...] = (
    Option(
        "client_id",
        "The LWA client (security profile) id: amzn1.application-oa2-client....",
        envvar="LWA_CLIENT_ID",
        required=True,
        flows=EVERY_FLOW,
    ),
    Option(
        "client_secret",
        "The client secret; without it LWA sends no refresh token (a Selling Partner sign-in "
        "needs it). Prefer the environment variable to the command line.",
        envvar="LWA_CLIENT_SECRET",
        flows=frozenset({LOGIN, CLIENT_CREDENTIALS_FLOW, IMPORT}),
        remembered=False,
        help_for={
            CLIENT_CREDENTIALS_FLOW: "The client secret (required: client credentials prove who "
            "asks with it). Prefer the environment variable to the command line.",
            IMPORT: "The client secret, when the refresh token was issued with one (it is then "
            "refreshed only with it). Prefer the environment variable to the command line.",
        },
    ),
    Option(
        "client_auth",
        "How the client secret goes to a token endpoint that is not LWA's: post (in the form, "
        "as LWA takes it) or basic (an HTTP Basic Authorization header, RFC 6749 section "
        "2.3.1, which standard servers such as Authlib expect by default). [default: post]",
        envvar="LWA_CLIENT_AUTH",
        flows=frozenset({LOGIN, CLIENT_CREDENTIALS_FLOW, IMPORT}),
    ),
    Option(
        "redirect_uri",
        "The exact registered return URL, e.g. http://127.0.0.1:8080/callback; the tool "
        "listens on its host, port and path.",
        envvar="LWA_REDIRECT_URI",
    ),
    Option(
        "bind",
        "Listen on HOST[:PORT] instead of the return URL's host (and port): 0.0.0.0 in a "
        "container whose port is published (docker run -p 127.0.0.1:8080:8080). The return URL "
        "sent stays as registered; IPv6 in brackets, [::]:8080.",
        envvar="LWA_BIND",
        remembered=False,  # where this machine listens: another run may be elsewhere
    ),
    Option(
        "scope",
        "Scope to request; repeat it, or give several separated by spaces (profile "
        "postal_code). Not used by --sp-api.",
        envvar="LWA_SCOPE",
        kind="several",
        flows=EVERY_FLOW,
        help_for={
            CLIENT_CREDENTIALS_FLOW: "Scope to ask for (required), such as "
            "sellingpartnerapi::notifications; repeat it, or separate several by spaces.",
            IMPORT: "The scopes the refresh token was granted, recorded in the token file "
            "(optional); repeat it, or separate several by spaces.",
        },
    ),
    Option(
        "scope_data",
        'JSON sent as LWA\'s scope_data, e.g. {"profile":{"essential":false}}.',
        envvar="LWA_SCOPE_DATA",
        flows=frozenset({LOGIN, DEVICE}),
    ),
    Option(
        "region",
        "Picks the consent page and token endpoint: " + ", ".join(REGIONS) + ".",
        default=REGION,
        envvar="LWA_REGION",
        kind="region",
        flows=EVERY_FLOW,
        help_for={
            CLIENT_CREDENTIALS_FLOW: "Picks the token endpoint: " + ", ".join(REGIONS) + ".",
            IMPORT: "Picks the token endpoint: " + ", ".join(REGIONS) + ".",
        },
    ),
    Option(
        "authorize_url",
        "Override the region's consent page (LWA's, or Seller Central's with --sp-api): "
        "another marketplace, Vendor Central, a test server.",
        envvar="LWA_AUTHORIZE_URL",
    ),
    Option(
        "token_url",
        "Override the region's token endpoint (tests, proxies).",
        envvar="LWA_TOKEN_URL",
        flows=EVERY_FLOW,
    ),
    Option(
        "codepair_url",
        "Override the device flow's code pair endpoint [default: /auth/o2/create/codepair on "
        "the token endpoint's host].",
        envvar="LWA_CODEPAIR_URL",
        flows=frozenset({DEVICE}),
    ),
    Option(
        "sp_api",
        "Selling Partner API website authorization: Seller Central's consent page, "
        "spapi_oauth_code back, no scope, no PKCE; needs --application-id and the client secret.",
        default=False,
        kind="flag",
    ),
    Option(
        "application_id",
        "The SP-API application id (amzn1.sp.solution....), with --sp-api.",
        envvar="LWA_APPLICATION_ID",
    ),
    Option(
        "selling_partner_id",
        "The selling partner the refresh token belongs to, kept in the token file.",
        flows=frozenset({IMPORT}),
    ),
    Option(
        "draft",
        "With --sp-api: the application is still a draft (sends version=beta).",
        default=False,
        kind="flag",
    ),
    Option(
        "token_file",
        "Token file to write. [default: $XDG_CONFIG_HOME/lwa-loopback/tokens.json]",
        envvar="LWA_TOKEN_FILE",
        kind="path",
        cli_flag="--out",
        flows=EVERY_FLOW,
        remembered=False,
    ),
    Option(
        "timeout",
        "Seconds to wait for the redirect (or the pasted address).",
        default=LOGIN_TIMEOUT,
        envvar="LWA_TIMEOUT",
        kind="seconds",
        remembered=False,
    ),
    Option(
        "request_timeout",
        "Seconds one token request may take.",
        default=REQUEST_TIMEOUT,
        envvar="LWA_REQUEST_TIMEOUT",
        kind="seconds",
        flows=EVERY_FLOW,
        remembered=False,
    ),
    Option(
        "paste",
        "Paste-back mode: listen nowhere; paste the address the browser ended on (for remote "
        "machines). Chosen by itself for a return URL that is not loopback.",
        default=False,
        kind="flag",
        remembered=False,
    ),
    Option(
        "certfile",
        "PEM certificate for an https:// return URL on this machine.",
        envvar="LWA_CERTFILE",
        kind="path",
    ),
    Option(
        "keyfile",
        "Its unencrypted PEM key (unless the key is in --certfile).",
        envvar="LWA_KEYFILE",
        kind="path",
    ),
)

#: Each flow's keyword arguments that only a program can give (a callable, a clock).
LIBRARY_ONLY = {
    LOGIN: ("open_browser", "clock"),
    DEVICE: ("on_code", "clock", "pacing"),
    CLIENT_CREDENTIALS_FLOW: ("clock",),
    IMPORT: ("refresh_token", "clock"),
}


def options_of(flow: str) -> tuple[Option, ...]:
    return tuple(option for option in OPTIONS if flow in option.flows)


#: ``login()``'s options (kept by that name: the command's ``login`` builds on them).
LOGIN_OPTIONS = options_of(LOGIN)


Scope = str | Iterable[str] | None
ScopeData = str | Mapping[str, Any] | None
PathOption = str | os.PathLike[str] | None


@dataclass(frozen=True)
class _Common:
    """What every flow takes."""

    client_id: str
    scope: Scope = None
    region: str = REGION
    token_url: str | None = None
    token_file: PathOption = None
    request_timeout: float = REQUEST_TIMEOUT


@dataclass(frozen=True)
class _WithSecret(_Common):
    """What every flow that sends the client secret takes (all but the device flow)."""

    client_secret: str | None = field(default=None, repr=False)
    client_auth: str | None = None


@dataclass(frozen=True)
class LoginOptions(_WithSecret):
    """``login()``'s options, as given (``_login_start.prepare`` checks them)."""

    redirect_uri: str | None = None
    bind: str | None = None
    scope_data: ScopeData = None
    authorize_url: str | None = None
    sp_api: bool = False
    application_id: str | None = None
    draft: bool = False
    timeout: float = LOGIN_TIMEOUT
    paste: bool | Reader = False
    certfile: PathOption = None
    keyfile: PathOption = None


@dataclass(frozen=True)
class DeviceOptions(_Common):
    """``login_device()``'s options, as given (``_other_grants.prepare_client`` checks them)."""

    scope_data: ScopeData = None
    codepair_url: str | None = None


@dataclass(frozen=True)
class ClientCredentialsOptions(_WithSecret):
    """``client_credentials()``'s options, as given."""


@dataclass(frozen=True)
class ImportOptions(_WithSecret):
    """``import_refresh_token()``'s options, as given."""

    selling_partner_id: str | None = None


FlowOptions = LoginOptions | DeviceOptions | ClientCredentialsOptions | ImportOptions

#: Each flow's options type, by the flow's name.
TYPES: dict[str, type[FlowOptions]] = {
    LOGIN: LoginOptions,
    DEVICE: DeviceOptions,
    CLIENT_CREDENTIALS_FLOW: ClientCredentialsOptions,
    IMPORT: ImportOptions,
}


def values_of(options: FlowOptions) -> dict[str, Any]:
    """The options as name -> value (shallow: a reader or a mapping stays itself)."""
    return {item.name: getattr(options, item.name) for item in fields(options)}


def remembered(options: FlowOptions) -> dict[str, str | bool]:
    """The options of a sign-in worth keeping in its token file (``Option.remembered``), as
    plain JSON values; the unset ones are left out."""
    import json

    given = values_of(options)
    kept: dict[str, str | bool] = {}
    for option in OPTIONS:
        value = given.get(option.name)
        if not option.remembered or value is None or value is False or value == ():
            continue
        if isinstance(value, bool):
            kept[option.name] = value
        elif isinstance(value, os.PathLike):
            kept[option.name] = os.fspath(value)
        elif isinstance(value, str):
            kept[option.name] = value
        elif isinstance(value, Mapping):
            kept[option.name] = json.dumps(value, separators=(",", ":"))
        else:  # several values (scopes): space-separated, as LWA takes them
            kept[option.name] = " ".join(str(item) for item in value)
    return kept
