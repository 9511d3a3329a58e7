"""Every way a login can fail, as one exception tree.

    LoginError                             exit 1 (never raised itself)
     ├── ConfigurationError (ValueError)    exit 2  the options cannot work; nothing was sent
     │    └── PasteError                    exit 2  paste-back mode: nothing usable was pasted
     ├── ConsentError                       exit 3  the server redirected back with ``error=...``
     ├── LoginTimeout (TimeoutError)        exit 4  no redirect arrived in time
     ├── ExchangeError                      exit 5  the token endpoint refused or failed
     ├── ListenError (OSError)              exit 6  the return URL's port cannot be listened on
     ├── TokenFileError (OSError)           exit 7  tokens obtained, but the file could not be
     │                                              written
     └── TokenFileUnusable                  exit 8  a token file is missing, unreadable or has
                                                    no way to a valid access token

Each class carries its exit code (``exit_code``, as click's ``ClickException``); the command
line reads it and is the only place that exits. Each message says what happened and what to do
next, naming parameters as the library spells them (`token_file`); the command line swaps those
for its flags (--out). No message ever holds an authorization code, a token or a client secret.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not from typing: `lwa-loopback token`'s quick path imports this module
if TYPE_CHECKING:
    from typing import ClassVar

    from ._tokens import Tokens

__all__ = [
    "ConfigurationError",
    "ConsentError",
    "ExchangeError",
    "ListenError",
    "LoginError",
    "LoginTimeout",
    "PasteError",
    "TokenFileError",
    "TokenFileUnusable",
]


_MAX_SHOWN = 300  # characters of network text quoted in a message


def shown(text: str) -> str:
    """Text that came from the network (LWA's error description, a redirect's query), made
    safe to print: control characters, which could drive the terminal, become "?" and a very
    long value is cut."""
    cleaned = "".join(c if c.isprintable() else "?" for c in text)
    return cleaned if len(cleaned) <= _MAX_SHOWN else cleaned[:_MAX_SHOWN] + "..."


def clause(text: str) -> str:
    """Network text to quote before a sentence of our own: made safe by ``shown`` and without
    its closing full stop, so that "...request." never becomes "...request.. The code..."."""
    return shown(text).rstrip().rstrip(".")


def seconds(value: float) -> str:
    """``1 second``, ``0.5 seconds``, ``300 seconds``: a duration as a message says it."""
    return f"{value:g} second" + ("" if value == 1 else "s")


class LoginError(Exception):
    """Base of every error lwa-loopback raises on purpose."""

    exit_code: ClassVar[int] = 1


class ConfigurationError(LoginError, ValueError):
    """The options given cannot work (a redirect URI that is not loopback, an unknown region)."""

    exit_code: ClassVar[int] = 2


class PasteError(ConfigurationError):
    """Paste-back mode got nothing usable: an empty line, the end of input, or text that is
    neither the address the browser ended on nor a code. No code was exchanged."""


class ListenError(LoginError, OSError):
    """The return URL's host and port cannot be listened on (in use, or not permitted)."""

    exit_code: ClassVar[int] = 6


class _LwaReportedError(LoginError):
    """An error LWA reported with its own ``error`` code and ``error_description``."""

    def __init__(self, message: str, *, error: str | None = None, description: str | None = None):
        super().__init__(message)
        self.error = error
        self.description = description


class ConsentError(_LwaReportedError):
    """LWA sent the browser back with ``error=...``: consent refused, or the request was bad."""

    exit_code: ClassVar[int] = 3


class LoginTimeout(LoginError, TimeoutError):
    """No redirect reached the return URL before the timeout."""

    exit_code: ClassVar[int] = 4


class ExchangeError(_LwaReportedError):
    """The token endpoint refused the request, answered with garbage, or could not be reached.

    ``status`` is the HTTP status when there was a response, else None.
    """

    exit_code: ClassVar[int] = 5

    def __init__(
        self,
        message: str,
        *,
        error: str | None = None,
        description: str | None = None,
        status: int | None = None,
    ):
        super().__init__(message, error=error, description=description)
        self.status = status


class TokenFileError(LoginError, OSError):
    """Tokens were obtained but could not be written to the token file.

    ``tokens`` holds them: the code is spent, so they exist nowhere else.
    """

    exit_code: ClassVar[int] = 7

    def __init__(self, message: str, *, tokens: Tokens):
        super().__init__(message)
        self.tokens = tokens


class TokenFileUnusable(LoginError):
    """A token file is missing, unreadable or corrupt, or holds no way to a valid access token."""

    exit_code: ClassVar[int] = 8
