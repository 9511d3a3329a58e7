"""What ``lwa-loopback token --format`` prints: the one place both of its paths format.

The quick path (``_cli/_quick.py``, before click is imported) and the full command print the
same text through ``render``, so they cannot drift apart; like the quick path, this module
needs nothing beyond what ``_token_json`` already loaded.
"""

from __future__ import annotations

import json

from .. import _token_json

TYPE_CHECKING = False  # typing itself costs a few milliseconds on the quick path
if TYPE_CHECKING:
    from datetime import datetime

#: The formats, the default first.
FORMATS = ("raw", "header", "json", "env")


def render(
    form: str,
    *,
    access_token: str,
    token_type: str,
    expires_at: datetime,
    selling_partner_id: str | None,
) -> str:
    """The whole output for ``form``, final newline included; ``ValueError`` for an unknown one.

    The tokens come from a token file, whose reader refuses white space and control characters
    in them: each is one line, and needs quoting only for a shell (``env``).
    """
    if form == "raw":
        return f"{access_token}\n"
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


def shell_quoted(value: str) -> str:
    """``value`` in single quotes, as a POSIX shell reads it back (LWA's tokens hold ``|``).

    Always quoted, unlike ``shlex.quote``: one shape for every value, and no import of
    ``shlex`` (with ``re``) on the quick path. A quote inside closes the string, adds an
    escaped quote and reopens it.
    """
    return "'" + value.replace("'", "'\\''") + "'"
