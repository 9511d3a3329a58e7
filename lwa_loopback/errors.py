"""Every way a login can fail, as one exception tree.

    LoginError                             exit 1 (never raised itself)
     ├── ConfigurationError (ValueError)    exit 2  the options cannot work; nothing was sent
     │    └── PasteError                    exit 2  paste-back mode: nothing usable was pasted
     ├── ConsentError                       exit 3  the server redirected back with ``error=...``
     ├── LoginTimeout (TimeoutError)        exit 4  no redirect arrived in time
     ├── ExchangeError                      exit 5  the token endpoint refused: ``error`` is the
     │    │                                         server's own code
     │    ├── NetworkError (OSError)        exit 5  no answer: could not connect, TLS failed, the
     │    │                                         connection broke, or it took too long
     │    ├── ProxyError                    exit 5  the proxy refused to pass the request on
     │    └── UnusableAnswer                exit 5  an answer that is no OAuth answer: not JSON,
     │                                              too large, a redirect, unusable tokens
     ├── ListenError (OSError)              exit 6  the return URL's port cannot be listened on
     ├── TokenFileError (OSError)           exit 7  tokens obtained, but the file could not be
     │                                              written
     └── TokenFileUnusable                  exit 8  a token file is missing, unreadable or has
                                                    no way to a valid access token

Each class carries its exit code (``exit_code``, as click's ``ClickException``); the command
line reads it and is the only place that exits. Each message says what happened and what to do
next, naming parameters as the library spells them, in backticks (`token_file`); the
parameters a message names are data on the exception (``parameters``; ``ConfigurationError``
also has the one at fault, ``parameter``), from which the command line names its flags (--out).
``error`` is only ever a code the server sent: what went wrong before or around its answer is a
subclass of ``ExchangeError`` (with ``error`` None), never an invented code. No message ever
holds an authorization code, a token or a client secret.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not from typing: `lwa-loopback token`'s quick path imports this module
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import ClassVar

    from ._tokens import Tokens

__all__ = [
    "ConfigurationError",
    "ConsentError",
    "ExchangeError",
    "ListenError",
    "LoginError",
    "LoginTimeout",
    "NetworkError",
    "PasteError",
    "ProxyError",
    "TokenFileError",
    "TokenFileUnusable",
    "UnusableAnswer",
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
    """Base of every error lwa-loopback raises on purpose.

    ``parameters``: the library's parameters its message names, each as `name` (the command
    line shows its flag there instead).
    """

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str = "", *, parameters: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.parameters: tuple[str, ...] = tuple(parameters)


class ConfigurationError(LoginError, ValueError):
    """The options given cannot work (a redirect URI that is not loopback, an unknown region).

    ``parameter`` is the one at fault, as the library spells it (``"token_file"``), as click's
    ``BadParameter.param_hint``; None when no single parameter is (an environment variable).
    ``parameters`` holds it first, then any other the message names.
    """

    exit_code: ClassVar[int] = 2

    def __init__(
        self, message: str, *, parameter: str | None = None, parameters: Iterable[str] = ()
    ) -> None:
        named = (parameter, *parameters) if parameter is not None else tuple(parameters)
        super().__init__(message, parameters=named)
        self.parameter = parameter


class PasteError(ConfigurationError):
    """Paste-back mode got nothing usable: an empty line, the end of input, or text that is
    neither the address the browser ended on nor a code. No code was exchanged."""


class ListenError(LoginError, OSError):
    """The return URL's host and port cannot be listened on (in use, or not permitted)."""

    exit_code: ClassVar[int] = 6


class _LwaReportedError(LoginError):
    """An error LWA reported with its own ``error`` code and ``error_description``."""

    def __init__(
        self,
        message: str,
        *,
        error: str | None = None,
        description: str | None = None,
        parameters: Iterable[str] = (),
    ):
        super().__init__(message, parameters=parameters)
        self.error = error
        self.description = description


class ConsentError(_LwaReportedError):
    """LWA sent the browser back with ``error=...``: consent refused, or the request was bad."""

    exit_code: ClassVar[int] = 3


class LoginTimeout(LoginError, TimeoutError):
    """No redirect reached the return URL before the timeout."""

    exit_code: ClassVar[int] = 4


class ExchangeError(_LwaReportedError):
    """A token request (or the device flow's code pair request) failed.

    Raised itself, the server refused it with an OAuth error answer (RFC 6749 section 5.2):
    ``error`` and ``description`` are its ``error`` and ``error_description``. The subclasses
    are what is not the server's answer, and their ``error`` is None. ``status`` is the HTTP
    status when there was a response, else None.
    """

    exit_code: ClassVar[int] = 5

    def __init__(
        self,
        message: str,
        *,
        error: str | None = None,
        description: str | None = None,
        status: int | None = None,
        parameters: Iterable[str] = (),
    ):
        super().__init__(message, error=error, description=description, parameters=parameters)
        self.status = status


class NetworkError(ExchangeError, OSError):
    """No answer came: the endpoint (or the proxy) could not be reached, the TLS handshake
    failed, the connection broke, or no answer came within ``request_timeout``. An ``OSError``
    as the failures it stands for are (a timeout, a refused connection, a TLS error); the one
    underneath is its ``__cause__`` when there is one. ``status`` is a proxy's 502, 503 or 504
    when the proxy could not reach the endpoint. A device sign-in keeps polling through it."""


class ProxyError(ExchangeError):
    """The proxy the environment names refused to pass the request on (``status`` 407: its
    user name and password; 403 and others: its rules). Nothing reached the endpoint, and
    asking again changes nothing until the proxy settings do."""


class UnusableAnswer(ExchangeError):
    """An answer came, but not one to read tokens or an OAuth error from: a body that is not
    JSON (the decoding error is its ``__cause__``), too large, in a coding not offered, a
    redirect (never followed), another status, or tokens that cannot be used. ``status`` is its
    HTTP status. After a code exchange the code is spent."""


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
