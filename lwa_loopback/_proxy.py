"""Which proxy a request goes through: the ``*_proxy`` environment variables, read per request
URL as curl reads them (standard library only).

- ``https_proxy`` for an https:// URL, ``http_proxy`` for an http:// one, else ``all_proxy``.
  Each name is read in lower case first, then in upper case (curl's order: lower case wins);
  an empty value counts as unset. ``HTTP_PROXY`` in upper case is ignored when
  ``REQUEST_METHOD`` is set: in a CGI program a request's ``Proxy:`` header arrives as
  ``HTTP_PROXY`` ("httpoxy"), so Go's net/http and Python's urllib ignore it there too.
- A proxy URL is ``http://`` (or ``https://``: TLS to the proxy itself), with optional
  ``user:password@`` (percent-encoded, as in any URL); without a scheme it is ``http://``,
  without a port the scheme's own (80, 443; curl alone assumes 1080). SOCKS is refused by name.
- ``no_proxy`` / ``NO_PROXY``: entries separated by commas or white space, compared with the
  host as written in the URL (never resolved): ``*`` (everything); a domain, ``example.com``,
  ``.example.com`` or ``*.example.com``, each matching the domain and every name under it
  (curl's rule); an IP address (``10.1.2.3``, ``::1``, ``[::1]``) or a CIDR range
  (``10.0.0.0/8``, ``fd00::/8``) matching IP literals; any of these with ``:PORT`` matching
  only that port.
- A loopback host as written (``localhost``, 127.0.0.0/8, ``::1``) never goes through a proxy,
  whatever the variables say (Go's net/http rule): a proxy elsewhere cannot reach this machine's
  loopback, and a local fake LWA server must work in a shell that has a proxy set.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import SplitResult, unquote, urlsplit

from .errors import ConfigurationError

_DEFAULT_PORTS = {"http": 80, "https": 443}
_NO_PROXY_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class Proxy:
    """A proxy to send one request through. ``url`` is what messages may show (scheme, host
    and port: never the credentials); ``variable`` the environment variable it came from."""

    url: str
    variable: str
    host: str
    port: int
    #: ``Proxy-Authorization`` when the proxy URL carries credentials.
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def has_credentials(self) -> bool:
        return bool(self.headers)

    def is_at(self, host: str, port: int | None) -> bool:
        return (host.lower(), port) == (self.host, self.port)


def proxy_for(url: str, environ: Mapping[str, str]) -> Proxy | None:
    """The proxy a request to ``url`` goes through, or None to connect directly.

    A proxy variable that cannot work (SOCKS, an unknown scheme, no host, a bad port) is a
    ``ConfigurationError`` naming the variable, never its value (it may hold a password)."""
    target = urlsplit(url)
    host = (target.hostname or "").rstrip(".")
    if is_loopback(host):
        return None
    found = _proxy_variable(target.scheme, environ)
    if found is None:
        return None
    no_proxy = _variable("no_proxy", environ)
    if no_proxy and bypasses(no_proxy[1], host, _port(target)):
        return None
    return _parsed_proxy(*found)


def is_loopback(host: str) -> bool:
    """``localhost``, or an IP address of the loopback range (an IPv4-mapped one included)."""
    if host.lower() == "localhost":
        return True
    address = _ip(host)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address is not None and address.is_loopback


def bypasses(no_proxy: str, host: str, port: int | None) -> bool:
    """Whether a ``NO_PROXY`` value sends a request to ``host:port`` directly."""
    host = host.lower().strip("[]").rstrip(".")
    return any(
        _matches(entry, host, port) for entry in _NO_PROXY_SEPARATORS.split(no_proxy.lower())
    )


def _matches(entry: str, host: str, port: int | None) -> bool:
    if entry == "*":
        return True
    name, entry_port = _split_entry(entry)
    if not name or (entry_port is not None and entry_port != port):
        return False
    address = _ip(host)
    if "/" in name:
        return address is not None and _in_network(address, name)
    named = _ip(name)
    if named is not None or address is not None:
        return named == address  # an IP literal matches only the same address
    domain = name.removeprefix("*").lstrip(".").rstrip(".")
    return bool(domain) and (host == domain or host.endswith("." + domain))


def _split_entry(entry: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]``, ``[v6]:port``, a bare ``v6`` or a CIDR range -> the
    name and the port (None: any port). A port that is not a number never matches."""
    if entry.startswith("["):
        name, _, rest = entry[1:].partition("]")
        if rest.startswith("/"):  # [fd00::]/8
            return name + rest, None
        return name, _entry_port(rest[1:]) if rest.startswith(":") else None
    if entry.count(":") == 1:
        name, _, port = entry.partition(":")
        return name, _entry_port(port)
    return entry, None


def _entry_port(text: str) -> int | None:
    return int(text) if text.isdigit() else -1


def _in_network(address: ipaddress.IPv4Address | ipaddress.IPv6Address, cidr: str) -> bool:
    try:
        return address in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def _port(target: SplitResult) -> int | None:
    try:
        return target.port or _DEFAULT_PORTS.get(target.scheme)
    except ValueError:
        return None


def _proxy_variable(scheme: str, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(the variable's name as set, its value) for a request of ``scheme``."""
    for name in (f"{scheme}_proxy", "all_proxy"):
        found = _variable(name, environ)
        if found is not None:
            return found
    return None


def _variable(name: str, environ: Mapping[str, str]) -> tuple[str, str] | None:
    names = [name, name.upper()]
    if name == "http_proxy" and "REQUEST_METHOD" in environ:
        names.remove("HTTP_PROXY")  # httpoxy: see the module's docstring
    for spelled in names:
        value = environ.get(spelled, "").strip()
        if value:
            return spelled, value
    return None


def _parsed_proxy(variable: str, value: str) -> Proxy:
    parts = urlsplit(value if "://" in value else "http://" + value)
    scheme = parts.scheme.lower()
    try:
        host, port = parts.hostname, parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        host = port = None
    shown = f"{scheme}://{_bracketed(host)}:{port}" if host and port else f"{scheme}://..."
    if scheme.startswith("socks"):
        raise ConfigurationError(
            f"{variable} names a SOCKS proxy ({shown}), which lwa-loopback does not support: "
            f"set {variable} to the http:// address of an HTTP proxy (most corporate proxies "
            "have one), or list the token endpoint's host in NO_PROXY to connect directly."
        )
    if scheme not in _DEFAULT_PORTS or not host or not port:
        raise ConfigurationError(
            f"{variable} is not a usable proxy URL ({shown}): give it as "
            "http://HOST:PORT, or http://USER:PASSWORD@HOST:PORT."
        )
    if scheme == "https" and sys.version_info < (3, 11):
        # A token request through an https:// proxy is TLS inside TLS, which asyncio has only
        # from Python 3.11 (bpo-44011).
        raise ConfigurationError(
            f"{variable} names an https:// proxy ({shown}), which needs Python 3.11 or newer: "
            "use the proxy's http:// address, or a newer Python."
        )
    return Proxy(shown, variable, host, port, _authorization(parts))


def _bracketed(host: str | None) -> str:
    return f"[{host}]" if host and ":" in host else host or ""


def _authorization(parts: SplitResult) -> dict[str, str]:
    """``Proxy-Authorization: Basic ...`` from the URL's user and password (RFC 7617: UTF-8)."""
    if parts.username is None:
        return {}
    credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return {"Proxy-Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}
