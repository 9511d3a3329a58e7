"""Where the return URL listens: check it is on this machine, then bind its sockets (stdlib
only).

The return URL's host is on this machine when it is a loopback literal, ``localhost``, or a name
whose every address is loopback (Selling Partner API developers map a name to 127.0.0.1 in their
hosts file, since Seller Central refuses localhost). ``bind`` listens elsewhere instead (a
container's published port) while the browser still addresses the return URL.

Binding here, with the standard library, lets the flow hold the port before anything else
happens (LWA.md: never open the browser before the listener is bound, never probe-then-bind).
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
from collections.abc import Callable, Iterable
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

#: A host name's addresses, as ``getaddrinfo`` gives them; raises ``OSError`` for an unknown
#: name. A parameter, so that tests map a name without editing /etc/hosts.
Resolver = Callable[[str], Iterable[str]]


def system_resolver(host: str) -> list[str]:
    """The addresses this machine's resolver gives ``host`` (the hosts file, then DNS)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)]


@dataclass(frozen=True)
class BindAddress:
    """``bind``: where to listen instead of the return URL's host (and port)."""

    given: str
    addresses: tuple[str, ...]
    port: int | None  # None: the return URL's port


@dataclass(frozen=True)
class ReturnUrl:
    """A parsed return URL this machine listens for: the addresses and port to bind, the one
    path to answer, and whether it is served over TLS (https)."""

    uri: str  # exactly as given: LWA compares it with the registered one character by character
    url: URL
    addresses: tuple[str, ...]
    #: Set when the listener is not on the return URL's own host (``bind``).
    bind: BindAddress | None = None

    @property
    def listen_port(self) -> int:
        """The port to bind: ``bind``'s when it names one, else the return URL's."""
        if self.bind is not None and self.bind.port is not None:
            return self.bind.port
        return self.port

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
        written = f"[{host}]" if ":" in host else host
        names = {f"{written}:{self.port}"}
        if self.url.is_default_port():
            names.add(written)
        return frozenset(names)

    def with_port(self, port: int) -> ReturnUrl:
        url = self.url.with_port(port)
        return ReturnUrl(str(url), url, self.addresses, self.bind)

    def __str__(self) -> str:
        return self.uri


def check_redirect_uri(redirect_uri: str) -> URL:
    """Check that ``redirect_uri`` is an absolute http:// or https:// URL LWA could redirect to."""
    try:
        url = URL(redirect_uri)
    except ValueError as exc:
        raise ConfigurationError(
            f"The redirect URI (`redirect_uri`) {redirect_uri!r} is not a URL: {exc}.",
            parameter="redirect_uri",
        ) from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(
            f"The redirect URI (`redirect_uri`) {redirect_uri!r} must start with http:// or "
            "https:// and name a host, for example http://127.0.0.1:8080/callback (registered in "
            "the LWA console as an Allowed Return URL).",
            parameter="redirect_uri",
        )
    if url.fragment or url.user or url.password:
        raise ConfigurationError(
            f"The redirect URI (`redirect_uri`) {redirect_uri!r} must not hold a #fragment or "
            "user:password@.",
            parameter="redirect_uri",
        )
    return url


def is_loopback(url: URL) -> bool:
    """Whether ``url``'s host is loopback (``is_loopback_host``)."""
    return is_loopback_host(url.host or "")


def is_loopback_host(host: str) -> bool:
    """The one loopback rule for a host as written: ``localhost``, or a loopback address
    literal (127.0.0.0/8, ``::1``, an IPv4-mapped one; brackets allowed). No name is looked up
    (RFC 8252 section 8.3): whether a name's addresses are all loopback is ``all_loopback``'s
    question, asked only where the tool listens."""
    if host.lower() == "localhost":
        return True
    address = ip_of(host.strip("[]"))
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address is not None and address.is_loopback


def addresses_of(host: str, resolve: Resolver = system_resolver) -> tuple[str, ...]:
    """The addresses ``host`` stands for: a loopback name's own, a literal itself, else what
    ``resolve`` gives (none for a name it does not know)."""
    host = host.lower()
    if host in _ADDRESSES:
        return _ADDRESSES[host]
    if ip_of(host) is not None:
        return (host,)
    try:
        return tuple(dict.fromkeys(resolve(host)))  # once each, in the resolver's order
    except (OSError, UnicodeError):  # UnicodeError: a label the IDNA codec refuses
        return ()


def all_loopback(addresses: tuple[str, ...]) -> bool:
    """Whether there are addresses and each is loopback: a browser may pick any of them."""
    return bool(addresses) and all(is_loopback_address(address) for address in addresses)


def is_loopback_address(address: str) -> bool:
    ip = ip_of(address)
    return ip is not None and ip.is_loopback


def ip_of(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def parse_return_url(
    redirect_uri: str, addresses: tuple[str, ...], bind: BindAddress | None = None
) -> ReturnUrl:
    """The return URL, listened for on ``addresses`` (``bind``'s when given), once it is
    http:// or https:// with a host and a path (``check_redirect_uri``)."""
    url = check_redirect_uri(redirect_uri)
    return ReturnUrl(redirect_uri, url, bind.addresses if bind else addresses, bind)


def bind(return_url: ReturnUrl) -> list[socket.socket]:
    """Listening sockets for every address of the return URL (or of ``bind``), on one port.

    With port 0 the first socket picks a free port and the others take the same one.
    """
    sockets: list[socket.socket] = []
    port = return_url.listen_port
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


def address_text(address: str, port: int) -> str:
    """``address:port`` as written in a URL (an IPv6 literal in brackets)."""
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _listen_error(address: str, port: int, exc: OSError) -> ListenError:
    where = address_text(address, port)
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
    err = ListenError(f"Cannot listen on {where}: {advice}")
    err.errno = exc.errno
    return err
