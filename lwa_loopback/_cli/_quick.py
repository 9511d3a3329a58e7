"""The program's entry point, with a quick path for the everyday ``lwa-loopback token``.

Scripts call ``lwa-loopback token`` in loops; with a token that is still valid it only has to
read a file. Here that case is answered with the standard library alone, before click or the
rest of the package is imported, in every ``--format`` (``_formats`` writes the output for
both paths, and checks the values it prints: the client secret from ``LWA_CLIENT_SECRET``, as
the full command reads it, and ``--ads-profile-id``). Anything else, or any doubt (other
options, an unknown format, no file, a bad one, a token about to expire, a value that cannot be
printed), goes to the full command, which decides and reports.
"""

from __future__ import annotations

import os
import sys

from .. import _paths, _token_json
from .._defaults import MIN_VALID
from ..errors import LoginError
from . import _formats

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any


def main() -> None:
    output = quick_output(sys.argv[1:], os.environ)
    if output is None:
        from ._main import run

        run()
        return
    sys.stdout.write(output)
    sys.stdout.flush()


def quick_output(args: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """What ``lwa-loopback token ARGS`` would print without refreshing, or None when only the
    full command can tell."""
    found = _answerable(args, environ)
    if found is None:
        return None
    fields, form, ads_profile_id = found
    try:
        return _formats.output(
            form,
            fields,
            client_secret=_client_secret(environ),
            ads_profile_id=ads_profile_id,
        )
    except LoginError:
        return None  # the full command says what is wrong


def still_valid_token(args: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """The access token ``lwa-loopback token ARGS`` would print (in its format) without
    refreshing, or None when only the full command can tell."""
    found = _answerable(args, environ)
    if found is None or found[1] in _formats.LIBRARY_FORMATS:
        return None
    return str(found[0]["access_token"])


def _client_secret(environ: Mapping[str, str]) -> str | None:
    """``LWA_CLIENT_SECRET`` as click reads it for the full command: empty is unset."""
    return environ.get("LWA_CLIENT_SECRET") or None


def _answerable(
    args: Sequence[str], environ: Mapping[str, str]
) -> tuple[dict[str, Any], str, str | None] | None:
    """The token file's fields, the format and the Ads profile id asked for, when the quick
    path may answer: the options understood and checked, the file read, and (for a format that
    prints the access token) the access token valid for ``--min-valid`` more seconds."""
    options = _token_options(args)
    if options is None:
        return None
    file, profile, min_valid, form, ads_profile_id = options
    try:
        _formats.check(form, client_secret=_client_secret(environ), ads_profile_id=ads_profile_id)
        path = _paths.choose_path(file, profile, environ)
        fields = _token_json.parse(_token_json.loads(_token_json.read(os.path.expanduser(path))))
    except (OSError, ValueError):
        return None  # the full command says what is wrong (ConfigurationError is a ValueError)
    if form not in _formats.LIBRARY_FORMATS and _token_json.expires_within(
        fields["obtained_at"], fields["expires_at"], min_valid
    ):
        return None
    return fields, form, ads_profile_id


_OPTIONS = ("--file", "--profile", "--min-valid", "--format", "--ads-profile-id")


def _token_options(
    args: Sequence[str],
) -> tuple[str | None, str | None, int, str, str | None] | None:
    """``token [--file PATH] [--profile NAME] [--min-valid N] [--format F] [--ads-profile-id
    ID]``, in any order and either spelling; None for anything else (help, another option,
    another command, a format it does not know)."""
    if not args or args[0] != "token":
        return None
    values: dict[str, str] = {}
    rest = list(args[1:])
    while rest:
        name, equals, value = rest.pop(0).partition("=")
        if name not in _OPTIONS or name in values:
            return None
        if not equals:
            if not rest:
                return None
            value = rest.pop(0)
        if not value:
            return None
        values[name] = value
    try:
        min_valid = int(values.get("--min-valid", MIN_VALID))
    except ValueError:
        return None
    form = values.get("--format", _formats.FORMATS[0])
    if not 0 <= min_valid <= _token_json.MAX_LIFETIME or form not in _formats.ALL_FORMATS:
        return None
    file, profile = values.get("--file"), values.get("--profile")
    return file, profile, min_valid, form, values.get("--ads-profile-id")
