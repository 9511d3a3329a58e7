"""The token file's JSON, read with the standard library alone.

Shared by ``read_token_file`` and by the quick path of ``lwa-loopback token`` (``_quick.py``),
which must accept exactly the files the full command accepts, and import next to nothing.

A token file is read only when it is a regular file of this user that nobody else may write,
of at most 64 KiB: in a shared folder another user could plant one whose ``token_url`` is
theirs, and a refresh would send them the client secret. A FIFO or a device would hang the
read or never end it.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timedelta, timezone

from ._grants import AUTHORIZATION_CODE, stored_grant

TYPE_CHECKING = False  # typing itself costs a few milliseconds on the quick path
if TYPE_CHECKING:
    from typing import Any


#: The longest access token lifetime taken at its word (LWA's is one hour).
MAX_LIFETIME = 366 * 24 * 3600
#: The largest token file read (LWA's tokens are at most 2 KiB each).
MAX_FILE_SIZE = 64 * 1024
#: How far in the future ``obtained_at`` may lie before the clock that wrote it is distrusted
#: (its access token then counts as expiring, so it gets refreshed).
CLOCK_SKEW = timedelta(minutes=5)


class Refused(OSError):
    """The token file exists but is not one to trust or read; the message says why."""


def read(path: str) -> str:
    """The text of the token file at ``path``, after checking whose and what it is.

    Opened without blocking (a FIFO would wait for a writer forever) and checked on the open
    descriptor, so the file checked is the file read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        status = os.fstat(fd)
        _check_status(status)
        data = b""
        while len(data) <= MAX_FILE_SIZE:
            chunk = os.read(fd, MAX_FILE_SIZE + 1 - len(data))
            if not chunk:
                break
            data += chunk
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_SIZE:
        raise Refused(f"it is larger than {MAX_FILE_SIZE // 1024} KiB")
    return data.decode("utf-8")


def _check_status(status: os.stat_result) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise Refused("it is not a regular file")
    if hasattr(os, "geteuid") and status.st_uid != os.geteuid():
        raise Refused("it belongs to another user")
    if status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise Refused("others may write to it (it must be mode 0600)")
    if status.st_size > MAX_FILE_SIZE:
        raise Refused(f"it is larger than {MAX_FILE_SIZE // 1024} KiB")


def loads(text: str | bytes) -> Any:
    """``json.loads``, with a nesting bomb (``[[[[...]]]]``) reported as the bad JSON it is."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("it nests too deeply to be JSON from a token endpoint") from None


def parse(data: Any) -> dict[str, Any]:
    """A token file's fields, checked and converted; ``ValueError`` names what is wrong."""
    if not isinstance(data, dict):
        raise ValueError("it does not hold a JSON object")
    try:
        refresh_token = data.get("refresh_token")
        fields: dict[str, Any] = {
            "access_token": token_text(_text(data, "access_token"), "access_token"),
            "refresh_token": None
            if refresh_token is None
            else token_text(str(refresh_token), "refresh_token"),
            "token_type": str(data.get("token_type", "bearer")),
            "expires_in": int(data["expires_in"]),
            "obtained_at": parse_iso(_text(data, "obtained_at")),
            "scope": str(data.get("scope", "")),
            "client_id": _text(data, "client_id"),
            "region": str(data.get("region", "")),
            "token_url": _text(data, "token_url"),
        }
        if not 0 <= fields["expires_in"] <= MAX_LIFETIME:
            raise ValueError(f"expires_in {fields['expires_in']} is out of range")
        computed = fields["obtained_at"] + timedelta(seconds=fields["expires_in"])  # Overflow
        # expires_at rules when present: a person (or a script) may set it to force a refresh.
        expires_at = data.get("expires_at")
        fields["expires_at"] = computed if expires_at is None else parse_iso(str(expires_at))
        sent = data.get("client_secret_sent")
        fields["client_secret_sent"] = sent if isinstance(sent, bool) else None
        rotated = data.get("refresh_token_rotated")
        fields["refresh_token_rotated"] = rotated if isinstance(rotated, bool) else None
        # Files written before the grant was recorded came from a browser sign-in.
        fields["grant"] = stored_grant(str(data.get("grant", AUTHORIZATION_CODE.stored))).stored
        for name in ("selling_partner_id", "mws_auth_token"):
            value = data.get(name)
            fields[name] = None if value is None else token_text(str(value), name)
        fields["sign_in"] = _sign_in(data.get("sign_in"))
        return fields
    except KeyError as exc:
        raise ValueError(f"the field {exc.args[0]!r} is missing") from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"a field has a bad value ({exc})") from None


def _sign_in(value: Any) -> dict[str, str | bool] | None:
    """How the tokens were obtained (the options to sign in again with): names and plain
    values only, since a later ``login --profile`` uses them as its options."""
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, (str, bool)) for k, v in value.items()
    ):
        raise ValueError("sign_in is not an object of plain values")
    return dict(value)


def expires_within(
    obtained_at: datetime, expires_at: datetime, seconds: float, now: datetime | None = None
) -> bool:
    """Whether an access token obtained then, valid until ``expires_at``, expires within
    ``seconds``. One obtained in the future (beyond ``CLOCK_SKEW``) was dated by a clock that
    was wrong: its ``expires_at`` cannot be trusted, so it counts as expiring."""
    now = now or datetime.now(timezone.utc)
    if obtained_at - now > CLOCK_SKEW:
        return True
    return expires_at - now <= timedelta(seconds=seconds)


#: The longest token (or id kept with the tokens) taken: LWA's are at most 2 KiB, and three at
#: this length still fit a token file (``MAX_FILE_SIZE``).
MAX_TOKEN = 16 * 1024


def token_text(value: str, name: str) -> str:
    """A token as sent in an ``Authorization`` header: no white space or control characters
    (a CR/LF in one would let it inject a header, or drive the terminal it is printed on), and
    short enough for the token file to hold."""
    if not value or any(c.isspace() or not c.isprintable() for c in value):
        raise ValueError(f"{name} holds white space or control characters")
    if len(value) > MAX_TOKEN:
        raise ValueError(f"{name} is longer than {MAX_TOKEN // 1024} KiB")
    return value


def _text(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is not a non-empty string")
    return value


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    # fromisoformat() only reads a trailing "Z" from Python 3.11 on.
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment
