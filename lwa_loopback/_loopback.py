"""Where the return URL listens: check it is loopback, then bind its sockets (stdlib only).

Binding here, with the standard library, lets the flow hold the port before anything else
happens (LWA.md: never open the browser before the listener is bound, never probe-then-bind).
"""

from __future__ import annotations

import errno
import os
import socket
from dataclasses import dataclass

from yarl import URL

from .errors import ConfigurationError, ListenError

# RFC 8252 section 7.3: the loopback IP literals, and "localhost" for clients registered with it.
_ADDRESSES = {
    "127.0.0.1": ("127.0.0.1",),
    "::1": ("::1",),
    "localhost": ("127.0.0.1", "::1"),
}
LOOPBACK_HOSTS = frozenset(_ADDRESSES)
BACKLOG = 128


@dataclass(frozen=True)
class ReturnUrl:
    """A parsed loopback return URL: the host and port to bind, the one path to answer, and
    whether it is served over TLS (https)."""

    uri: str  # exactly as given: LWA compares it with the registered one character by character
    url: URL
    addresses: tuple[str, ...]

    @property
    def port(self) -> int:
        port = self.url.port  # yarl knows the scheme's default: 80, or 443 for https
        assert port is not None  # http and https always have one
        return port

    @property
    def tls(self) -> bool:
        return self.url.scheme == "https"

    @property
    def path(self) -> str:
        return self.url.path or "/"

    @property
    def host_headers(self) -> frozenset[str]:
        """The Host header values a browser sends for this URL (DNS rebinding defence)."""
        host = self.url.host or ""
        shown = f"[{host}]" if ":" in host else host
        names = {f"{shown}:{self.port}"}
        if self.url.is_default_port():
            names.add(shown)
        return frozenset(names)

    def with_port(self, port: int) -> ReturnUrl:
        url = self.url.with_port(port)
        return ReturnUrl(str(url), url, self.addresses)

    def __str__(self) -> str:
        return self.uri


def check_redirect_uri(redirect_uri: str) -> URL:
    """Check that ``redirect_uri`` is an absolute http:// or https:// URL LWA could redirect to."""
    try:
        url = URL(redirect_uri)
    except ValueError as exc:
        raise ConfigurationError(f"The redirect URI {redirect_uri!r} is not a URL: {exc}.") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(
            f"The redirect URI {redirect_uri!r} must start with http:// or https:// and name a "
            "host, for example http://127.0.0.1:8080/callback (registered in the LWA console as "
            "an Allowed Return URL)."
        )
    if url.fragment or url.user or url.password:
        raise ConfigurationError(
            f"The redirect URI {redirect_uri!r} must not hold a #fragment or user:password@."
        )
    return url


def is_loopback(url: URL) -> bool:
    """Whether this machine can listen for ``url``: its host is a loopback name or literal."""
    return (url.host or "").lower() in _ADDRESSES


def parse_return_url(redirect_uri: str) -> ReturnUrl:
    """Check that ``redirect_uri`` is http:// or https:// on a loopback host; say why if not."""
    url = check_redirect_uri(redirect_uri)
    if not is_loopback(url):
        raise ConfigurationError(
            f"The redirect URI's host {url.host!r} is not loopback: lwa-loopback listens only on "
            "127.0.0.1, [::1] or localhost, so that no other machine can reach the code. "
            "Register a return URL such as http://127.0.0.1:8080/callback, or use `paste`."
        )
    return ReturnUrl(redirect_uri, url, _ADDRESSES[(url.host or "").lower()])


def bind(return_url: ReturnUrl) -> list[socket.socket]:
    """Listening sockets for every loopback address of the return URL, on one port.

    With port 0 the first socket picks a free port and the others take the same one.
    """
    sockets: list[socket.socket] = []
    port = return_url.port
    try:
        for address in return_url.addresses:
            sock = _bind_one(address, port, required=not sockets)
            if sock is not None:
                sockets.append(sock)
                port = sock.getsockname()[1]
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _bind_one(address: str, port: int, *, required: bool) -> socket.socket | None:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError:
        if required:
            raise ListenError(f"This machine cannot open a socket for {address}.") from None
        return None  # "localhost" on a machine without IPv6: 127.0.0.1 is enough.
    try:
        if os.name == "posix":
            # Lets a new login take the port while the last one's connections sit in TIME_WAIT;
            # on POSIX it never lets two listeners share a port.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((address, port))
        sock.listen(BACKLOG)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        if not required and exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
            return None
        raise _listen_error(address, port, exc) from None
    return sock


def _listen_error(address: str, port: int, exc: OSError) -> ListenError:
    shown = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    if exc.errno == errno.EADDRINUSE:
        advice = (
            f"another program is using port {port}. Stop it (find it with `lsof -i :{port}` or "
            f"`ss -ltnp 'sport = :{port}'`) and try again; the port must be the one in the "
            "registered return URL."
        )
    elif exc.errno == errno.EACCES:
        advice = (
            f"this user may not listen on port {port} (ports below 1024 need privileges). "
            "Register a return URL with a port above 1024, such as 8080."
        )
    else:
        advice = f"{exc.strerror or exc}."
    err = ListenError(f"Cannot listen on {shown}: {advice}")
    err.errno = exc.errno
    return err
