"""Where a login listens: the return URL's loopback addresses (a hosts-file name's too), or
``bind``'s; paste-back mode when there is no such place; and a warning, said before the consent
URL exists, when more than this machine can reach the listener."""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterable
from typing import TYPE_CHECKING

from yarl import URL

from ._loopback import (
    BindAddress,
    Resolver,
    ReturnUrl,
    address_text,
    addresses_of,
    all_loopback,
    ip_of,
    is_loopback,
    is_loopback_address,
    parse_return_url,
    system_resolver,
)
from ._regions import Endpoints
from .errors import ConfigurationError

if TYPE_CHECKING:
    from ._paste import Reader

log = logging.getLogger("lwa_loopback")


def listener(
    redirect_uri: str,
    paste: bool | Reader,
    bind: str | None,
    resolve: Resolver,
    endpoints: Endpoints,
) -> ReturnUrl | None:
    """Where the login listens: ``bind`` when given, else the return URL's host when every
    address it stands for is loopback. None: paste-back mode (asked for, or no such host)."""
    if bind:
        if paste is not False:
            raise ConfigurationError(
                "`bind` and `paste` exclude each other: paste-back mode listens nowhere.",
                parameter="bind",
                parameters=("paste",),
            )
        where = parse_bind(bind, resolve)
        _check_bind_port(where, endpoints)
        return parse_return_url(redirect_uri, where.addresses, where)
    url = URL(redirect_uri)
    # A name is resolved as the browser will resolve it (the hosts file first); the receiver's
    # Host check still requires exactly that name, so a rebound name cannot reach it.
    addresses = addresses_of(url.host or "", resolve)
    if not all_loopback(addresses):
        log.info(_not_here(redirect_uri, url.host or "", addresses))
        return None
    return None if paste is not False else parse_return_url(redirect_uri, addresses)


def _not_here(redirect_uri: str, host: str, addresses: tuple[str, ...]) -> str:
    if addresses:
        why = ""
    else:  # most often a hosts-file line forgotten or misspelt (docs/remote-paste-https.md)
        why = (
            f": its host {host} resolves to no address here (a hosts-file line "
            f"`127.0.0.1 {host}` makes it this machine's)"
        )
    return (
        f"The redirect URI {redirect_uri} is not on this machine{why}, so nothing can listen "
        "for it: paste-back mode."
    )


def _check_bind_port(where: BindAddress, endpoints: Endpoints) -> None:
    """Port 0 in ``bind`` picks a free port: fine for a test server on this machine, but a port
    mapping (``docker run -p``) must lead the browser's requests to a port known beforehand."""
    if where.port == 0 and not is_loopback(URL(endpoints.authorize_url)):
        raise ConfigurationError(
            f"`bind` {where.given} has port 0, which picks a random free port: no port mapping "
            "can lead the browser there. Name the port the return URL's port is published to "
            "(8080 for docker run -p 8080:8080), or leave the port out to use the return URL's.",
            parameter="bind",
        )


def parse_bind(value: str, resolve: Resolver = system_resolver) -> BindAddress:
    """``bind``'s HOST[:PORT] (an IPv6 literal in brackets), its host an IP literal or a name
    that resolves here; ``ConfigurationError`` says what is wrong."""
    host, port = _split_host_port(value)
    addresses = addresses_of(host, resolve)
    if not addresses:
        raise _bad_bind(value, f"{host!r} is neither an IP address nor a name this machine knows")
    return BindAddress(value, addresses, port)


def _split_host_port(value: str) -> tuple[str, int | None]:
    if value.startswith("["):
        host, closed, rest = value[1:].partition("]")
        if not closed or not isinstance(ip_of(host), ipaddress.IPv6Address):
            raise _bad_bind(value, "brackets must hold an IPv6 address, as in [::]:8080")
        if rest and not rest.startswith(":"):
            raise _bad_bind(value, "only :PORT may follow the brackets")
        return host, _bind_port(value, rest[1:]) if rest else None
    if value.count(":") > 1:
        raise _bad_bind(value, "write an IPv6 address in brackets, as in [::]:8080 or [::1]")
    host, colon, port = value.partition(":")
    if not host:
        raise _bad_bind(value, "name the host, as in 0.0.0.0:8080")
    return host, _bind_port(value, port) if colon else None


def _bind_port(value: str, port: str) -> int:
    if not port.isascii() or not port.isdigit() or int(port) > 65535:
        raise _bad_bind(value, f"the port {port!r} is not a port number (1 to 65535)")
    return int(port)


def _bad_bind(value: str, why: str) -> ConfigurationError:
    return ConfigurationError(
        f"`bind` {value!r} is not a HOST[:PORT] to listen on: {why}. For example 0.0.0.0 (every "
        "IPv4 interface, the return URL's port), 0.0.0.0:8080 or [::]:8080.",
        parameter="bind",
    )


def say_where(return_url: ReturnUrl, sockets: list[socket.socket]) -> None:
    """Where the login listens; a warning when more than this machine can reach it, said
    before the consent URL exists."""
    listening = bound(sockets)
    warning = exposure(listening)
    if warning is not None:
        log.warning(warning)
    elif return_url.bind is not None:
        where = ", ".join(address_text(address, port) for address, port in listening)
        log.info("Listening on %s for %s", where, return_url)
    else:
        log.info("Listening on %s", return_url)


def bound(sockets: Iterable[socket.socket]) -> list[tuple[str, int]]:
    """Each socket's address and port, as bound (port 0 replaced by the one picked)."""
    return [(str(sock.getsockname()[0]), int(sock.getsockname()[1])) for sock in sockets]


def exposure(listening: Iterable[tuple[str, int]]) -> str | None:
    """A warning for listening where more than this machine can reach: what it exposes, and
    what still protects the sign-in; None when every address is loopback."""
    exposed = [(address, port) for address, port in listening if not is_loopback_address(address)]
    if not exposed:
        return None
    where = ", ".join(address_text(address, port) for address, port in exposed)
    if any(ipaddress.ip_address(address) in _UNSPECIFIED for address, _ in exposed):
        reach = "every network this machine (or container) is on can reach the callback"
    else:
        reach = "whatever can reach that address can reach the callback"
    return (
        f"Listening on {where}, which is not loopback: {reach} while the login waits; only a "
        "request carrying this sign-in's state is accepted."
    )


# Binding these means every interface (0.0.0.0, [::]).
_UNSPECIFIED = {ipaddress.ip_address("0.0.0.0"), ipaddress.ip_address("::")}
