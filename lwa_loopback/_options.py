"""The login options, defined once: name, default, help, environment variable and flag.

``login()`` takes them as keyword arguments (its signature is checked against this table by
``tests/test_options.py``), ``prepare()`` reads them from here with their defaults, and the
command line builds its ``login`` options from the same table. Adding an option is one entry
here, one keyword argument of ``login()``, and the code that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._defaults import LOGIN_TIMEOUT, REGION, REQUEST_TIMEOUT
from ._regions import REGIONS


@dataclass(frozen=True)
class Option:
    """One login option, for the library and the command line."""

    #: ``login()``'s keyword argument; the command line's flag is the same with dashes.
    name: str
    help: str
    default: Any = None
    envvar: str | None = None
    #: How the command line reads it: text, path, seconds, choice, flag or several (repeatable).
    kind: str = "text"
    required: bool = False
    #: The command line's flag, when it is not the name with dashes (``token_file`` is --out).
    cli_flag: str | None = None

    @property
    def flag(self) -> str:
        return self.cli_flag or "--" + self.name.replace("_", "-")


LOGIN_OPTIONS: tuple[Option, ...] = (
    Option(
        "client_id",
        "The LWA client (security profile) id: amzn1.application-oa2-client....",
        envvar="LWA_CLIENT_ID",
        required=True,
    ),
    Option(
        "client_secret",
        "The client secret; without it LWA sends no refresh token. Prefer "
        "the environment variable to the command line.",
        envvar="LWA_CLIENT_SECRET",
    ),
    Option(
        "redirect_uri",
        "The exact registered return URL, e.g. "
        "http://127.0.0.1:8080/callback; the tool listens on its host, port and path.",
        envvar="LWA_REDIRECT_URI",
        required=True,
    ),
    Option(
        "scope",
        "Scope to request; repeat it, or give several separated by spaces (profile postal_code).",
        envvar="LWA_SCOPE",
        kind="several",
        required=True,
    ),
    Option(
        "scope_data",
        'JSON sent as LWA\'s scope_data, e.g. {"profile":{"essential":false}}.',
        envvar="LWA_SCOPE_DATA",
    ),
    Option(
        "region",
        "Picks the consent page and token endpoint: " + ", ".join(REGIONS) + ".",
        default=REGION,
        envvar="LWA_REGION",
        kind="choice",
    ),
    Option(
        "authorize_url",
        "Override the region's consent page (tests, proxies).",
        envvar="LWA_AUTHORIZE_URL",
    ),
    Option(
        "token_url",
        "Override the region's token endpoint (tests, proxies).",
        envvar="LWA_TOKEN_URL",
    ),
    Option(
        "token_file",
        "Token file to write. [default: $XDG_CONFIG_HOME/lwa-loopback/"
        "tokens.json; the library writes none unless given one]",
        envvar="LWA_TOKEN_FILE",
        kind="path",
        cli_flag="--out",
    ),
    Option(
        "timeout",
        "Seconds to wait for the redirect (or the pasted address).",
        default=LOGIN_TIMEOUT,
        envvar="LWA_TIMEOUT",
        kind="seconds",
    ),
    Option(
        "request_timeout",
        "Seconds one token request may take.",
        default=REQUEST_TIMEOUT,
        envvar="LWA_REQUEST_TIMEOUT",
        kind="seconds",
    ),
    Option(
        "paste",
        "Paste-back mode: listen nowhere; paste the address the browser ended on "
        "(for remote machines). Chosen by itself for a return URL that is not loopback.",
        default=False,
        kind="flag",
    ),
    Option(
        "certfile",
        "PEM certificate for an https://localhost or https://127.0.0.1 return URL.",
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

#: ``login()``'s keyword arguments that only a program can give (a callable, a clock).
LIBRARY_ONLY = ("open_browser", "clock")

BY_NAME = {option.name: option for option in LOGIN_OPTIONS}


def with_defaults(given: dict[str, Any]) -> dict[str, Any]:
    """Every login option's value: the one given, else its default. An unknown name is a
    ``TypeError``, as for any function's keyword arguments."""
    unknown = set(given) - set(BY_NAME)
    if unknown:
        raise TypeError(f"unexpected login option(s): {', '.join(sorted(unknown))}")
    return {option.name: given.get(option.name, option.default) for option in LOGIN_OPTIONS}
