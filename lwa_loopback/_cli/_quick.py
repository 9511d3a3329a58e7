"""The program's entry point, with a quick path for the everyday ``lwa-loopback token``.

Scripts call ``lwa-loopback token`` in loops; with a token that is still valid it only has to
read a file. Here that case is answered with the standard library alone, before click or the
rest of the package is imported. Anything else, or any doubt (other options, no file, a bad
one, a token about to expire), goes to the full command, which decides and reports.
"""

from __future__ import annotations

import os
import sys

from .. import _token_json
from .._defaults import MIN_VALID

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


def main() -> None:
    access_token = still_valid_token(sys.argv[1:], os.environ)
    if access_token is None:
        from ._main import run

        run()
        return
    sys.stdout.write(access_token + "\n")
    sys.stdout.flush()


def still_valid_token(args: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """The access token ``lwa-loopback token ARGS`` would print without refreshing, or None
    when only the full command can tell."""
    options = _token_options(args)
    if options is None:
        return None
    path, min_valid = options
    path = path or environ.get("LWA_TOKEN_FILE") or _token_json.default_path(environ)
    try:
        fields = _token_json.parse(_token_json.loads(_token_json.read(os.path.expanduser(path))))
    except (OSError, ValueError):
        return None  # the full command says what is wrong
    if _token_json.expires_within(fields["obtained_at"], fields["expires_at"], min_valid):
        return None
    token: str = fields["access_token"]
    return token


def _token_options(args: Sequence[str]) -> tuple[str | None, int] | None:
    """``token [--file PATH] [--min-valid N]``, in any order and either spelling; None for
    anything else (help, another option, another command)."""
    if not args or args[0] != "token":
        return None
    values: dict[str, str] = {}
    rest = list(args[1:])
    while rest:
        name, equals, value = rest.pop(0).partition("=")
        if name not in ("--file", "--min-valid") or name in values:
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
    if min_valid < 0:
        return None
    return values.get("--file"), min_valid
