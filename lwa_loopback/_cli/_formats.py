"""What ``lwa-loopback token --format`` prints: the one place both of its paths format.

The quick path (``_cli/_quick.py``, before click is imported) and the full command print the
same text through ``output``, so they cannot drift apart; like the quick path, this module
needs nothing beyond what ``_token_json`` already loaded.

Two kinds of format. Most print the access token, for a request made now (``raw``, ``header``,
...). The library formats print what python-amazon-sp-api and python-amazon-ad-api read
instead: the refresh token and the client's credentials, in their own names (which file of
each library reads them: docs/next-libraries.md). Those libraries fetch their own access
tokens, so these formats need no valid access token and never ask LWA for one.
"""

from __future__ import annotations

import json

from .. import _token_json
from .._grants import CLIENT_CREDENTIALS, SELLING_PARTNER, stored_grant
from ..errors import ConfigurationError, TokenFileUnusable

TYPE_CHECKING = False  # typing itself costs a few milliseconds on the quick path
if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime
    from typing import Any

    #: What a library reads: (the value, its environment variable, its credentials key) each.
    Names = tuple[tuple[str, str, str], ...]

#: The formats that print the access token, the default first.
FORMATS = ("raw", "header", "json", "env", "sp-api-header")

#: What each library reads, in the order printed: (the value, as ``_values`` names it; the
#: library's environment variable; its key in a credentials dict).
SP_API: Names = (
    ("client_id", "LWA_APP_ID", "lwa_app_id"),
    ("client_secret", "LWA_CLIENT_SECRET", "lwa_client_secret"),
    ("refresh_token", "SP_API_REFRESH_TOKEN", "refresh_token"),
)
AD_API: Names = (
    ("client_id", "AD_API_CLIENT_ID", "client_id"),
    ("client_secret", "AD_API_CLIENT_SECRET", "client_secret"),
    ("refresh_token", "AD_API_REFRESH_TOKEN", "refresh_token"),
    ("ads_profile_id", "AD_API_PROFILE_ID", "profile_id"),
)
#: The library formats: the refresh token and the client's credentials, for a library that gets
#: its own access tokens. Each is (what the library reads, how: shell lines or a JSON object).
LIBRARIES: dict[str, tuple[Names, str]] = {
    "sp-api-env": (SP_API, "env"),
    "sp-api-json": (SP_API, "json"),
    "ad-api-env": (AD_API, "env"),
    "ad-api-json": (AD_API, "json"),
}
LIBRARY_FORMATS = tuple(LIBRARIES)
#: Every format ``--format`` takes.
ALL_FORMATS = FORMATS + LIBRARY_FORMATS

_NOT_GIVEN = {
    # The token file never holds the client secret: only this command's own can be printed.
    "client_secret": "not given to this command (--client-secret or LWA_CLIENT_SECRET), and "
    "the token file holds none: set it yourself",
    "ads_profile_id": "lwa-loopback does not know the Ads profile id: pass --ads-profile-id "
    "(GET /v2/profiles on the Ads API lists them), or set it yourself",
}
#: The scopes of an Amazon Ads token (LWA.md section 8: apps approved before October 2020 may
#: still ask for the older one).
ADS_SCOPES = frozenset({"advertising::campaign_management", "cpc_advertising:campaign_management"})
_MAX_PROFILE_ID = 20  # digits: an Ads profile id is a 64-bit integer


def check(form: str, *, client_secret: str | None, ads_profile_id: str | None) -> None:
    """The command's own values, checked before any file is read or request made:
    ``ConfigurationError`` (a usage error) for a format, secret or profile id that cannot be
    printed as asked."""
    if form not in ALL_FORMATS:
        raise ConfigurationError(f"unknown format {form!r}: one of {', '.join(ALL_FORMATS)}")
    names, shape = LIBRARIES.get(form, ((), ""))
    if client_secret and names:
        try:
            _token_json.token_text(client_secret, "the client secret")
        except ValueError as exc:
            raise ConfigurationError(f"{exc}: it cannot be printed as one value.") from None
    if not client_secret and shape == "json":
        raise ConfigurationError(
            f"--format {form} needs the client secret (LWA_CLIENT_SECRET, or --client-secret): "
            "the library takes its credentials object whole or not at all, and the token file "
            "holds no secret."
        )
    if ads_profile_id is not None:
        _check_ads_profile_id(form, ads_profile_id)


def _check_ads_profile_id(form: str, ads_profile_id: str) -> None:
    ads = [name for name, (names, _) in LIBRARIES.items() if names is AD_API]
    if form not in ads:
        raise ConfigurationError(f"--ads-profile-id is for --format {' or '.join(ads)} only.")
    digits = ads_profile_id.isascii() and ads_profile_id.isdigit()
    if not digits or len(ads_profile_id) > _MAX_PROFILE_ID:
        raise ConfigurationError(
            "--ads-profile-id is not an Ads profile id (digits, as GET /v2/profiles lists them)."
        )


def output(
    form: str,
    fields: Mapping[str, Any],
    *,
    client_secret: str | None = None,
    ads_profile_id: str | None = None,
) -> str:
    """The whole output for ``form``, final newline included, from a token file's ``fields``
    (as ``_token_json.parse`` returns them: a ``Tokens``' fields). ``ConfigurationError`` as
    ``check`` says; ``TokenFileUnusable`` when the file lacks what the format prints (a refresh
    token)."""
    check(form, client_secret=client_secret, ads_profile_id=ads_profile_id)
    if form in LIBRARIES:
        names, shape = LIBRARIES[form]
        values = _values(form, fields, client_secret or None, ads_profile_id)
        return _env(names, values) if shape == "env" else _json(names, values)
    return render(
        form,
        access_token=fields["access_token"],
        token_type=fields["token_type"],
        expires_at=fields["expires_at"],
        selling_partner_id=fields["selling_partner_id"],
        selling_partner_api=for_selling_partner_api(fields),
    )


def render(
    form: str,
    *,
    access_token: str,
    token_type: str,
    expires_at: datetime,
    selling_partner_id: str | None,
    selling_partner_api: bool = False,
) -> str:
    """The output of an access token format, final newline included; ``ValueError`` for any
    other. ``header`` is ``sp-api-header`` for Selling Partner API tokens (a selling partner
    named, or ``selling_partner_api``).

    The tokens come from a token file, whose reader refuses white space and control characters
    in them: each is one line, and needs quoting only for a shell (``env``).
    """
    if form == "raw":
        return f"{access_token}\n"
    if form == "sp-api-header" or (
        form == "header" and (selling_partner_api or selling_partner_id is not None)
    ):
        # The Selling Partner API takes the access token in its own header, not Authorization.
        return f"x-amz-access-token: {access_token}\n"
    if form == "header":
        # RFC 6750 section 2.1: the scheme is "Bearer", whatever case token_type has.
        return f"Authorization: Bearer {access_token}\n"
    if form == "json":
        answer = {
            "access_token": access_token,
            "token_type": token_type,
            "expires_at": _token_json.iso(expires_at),
        }
        if selling_partner_id is not None:
            answer["selling_partner_id"] = selling_partner_id
        return json.dumps(answer) + "\n"  # one line: a stream of them reads line by line
    if form == "env":
        lines = [f"LWA_ACCESS_TOKEN={shell_quoted(access_token)}\n"]
        if selling_partner_id is not None:
            lines.append(f"LWA_SELLING_PARTNER_ID={shell_quoted(selling_partner_id)}\n")
        return "".join(lines)
    raise ValueError(f"unknown format {form!r}: one of {', '.join(FORMATS)}")


def for_selling_partner_api(fields: Mapping[str, Any]) -> bool:
    """Whether the tokens are for the Selling Partner API, whose calls carry the access token in
    ``x-amz-access-token``: a Seller Central sign-in, a file that names its selling partner, or
    client credentials for a grantless operation (a ``sellingpartnerapi::`` scope)."""
    grant = stored_grant(fields["grant"])
    if grant is SELLING_PARTNER or fields["selling_partner_id"] is not None:
        return True
    scopes = str(fields["scope"]).split()
    return grant is CLIENT_CREDENTIALS and any(s.startswith("sellingpartnerapi::") for s in scopes)


def for_ads_api(fields: Mapping[str, Any]) -> bool:
    """Whether the tokens are for the Amazon Ads API: granted an Ads scope."""
    return not ADS_SCOPES.isdisjoint(str(fields["scope"]).split())


def _values(
    form: str, fields: Mapping[str, Any], client_secret: str | None, ads_profile_id: str | None
) -> dict[str, str | None]:
    """What a library format prints, by name; None for what this command was not given."""
    if fields["refresh_token"] is None:
        grant = stored_grant(fields["grant"])
        raise TokenFileUnusable(
            f"The token file ({grant.key}) holds no refresh token, which --format {form} "
            "prints: sign in with the client secret (LWA_CLIENT_SECRET) to get one."
        )
    try:
        # Read by the file's reader as any string: printed, it must be one line, and harmless.
        client_id = _token_json.token_text(fields["client_id"], "client_id")
    except ValueError as exc:
        raise TokenFileUnusable(f"The token file's {exc}.") from None
    return {
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": fields["refresh_token"],
        "ads_profile_id": ads_profile_id,
    }


def _env(names: Names, values: Mapping[str, str | None]) -> str:
    """One ``NAME='value'`` line each; a comment line in place of a value not given."""
    lines = []
    for value, variable, _ in names:
        given = values[value]
        if given is None:
            lines.append(f"# {variable}: {_NOT_GIVEN[value]}\n")
        else:
            lines.append(f"{variable}={shell_quoted(given)}\n")
    return "".join(lines)


def _json(names: Names, values: Mapping[str, str | None]) -> str:
    """The library's credentials object, on one line; a value not given is left out."""
    answer = {key: values[value] for value, _, key in names if values[value] is not None}
    return json.dumps(answer) + "\n"


def shell_quoted(value: str) -> str:
    """``value`` in single quotes, as a POSIX shell reads it back (LWA's tokens hold ``|``).

    Always quoted, unlike ``shlex.quote``: one shape for every value, and no import of
    ``shlex`` (with ``re``) on the quick path. A quote inside closes the string, adds an
    escaped quote and reopens it.
    """
    return "'" + value.replace("'", "'\\''") + "'"
