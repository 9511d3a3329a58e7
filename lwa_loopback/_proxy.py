"""Which proxy a request goes through: the ``*_proxy`` environment variables, read per request
URL as curl reads them.

- ``https_proxy`` for an https:// URL, ``http_proxy`` for an http:// one, else ``all_proxy``.
  Each name is read in lower case first, then in upper case (curl's order: lower case wins);
  an empty value counts as unset. ``HTTP_PROXY`` in upper case is ignored when
  ``REQUEST_METHOD`` is set: in a CGI program a request's ``Proxy:`` header arrives as
  ``HTTP_PROXY`` ("httpoxy"), so Go's net/http and Python's urllib ignore it there too.
- A proxy URL is ``http://`` (or ``https://``: TLS to the proxy itself), with optional
  ``user:password@`` (percent-encoded, as in any URL); without a scheme it is ``http://``,
  without a port the scheme's own (80, 443; curl alone assumes 1080). SOCKS is refused by name.
- ``no_proxy`` / ``NO_PROXY`` as curl 7.88.1 reads them (lib/noproxy.c; measured, entry by
  entry, in tests/test_no_proxy.py): ``no_proxy`` unless it is empty; ``*`` as the whole value
  (everything); else entries between commas, spaces and tabs, each compared with the URL's host
  as curl writes it (never resolved): a name matches itself and every name under it
  (``example.com`` or ``.example.com``; case and one trailing dot ignored; no ``*.`` wildcard,
  no ``:PORT``); an IPv4 address matches that address or, with ``/BITS``, its range; an IPv6
  address is compared as text with the URL's, which curl shortens as ``inet_ntop`` writes it.
- A loopback host (``localhost``, 127.0.0.0/8, ``::1``, the URL's host as curl writes it) never
  goes through a proxy, whatever the variables say (Go's net/http rule; curl proxies it): a
  proxy elsewhere cannot reach this machine's loopback, and a local fake LWA server must work
  in a shell that has a proxy set.
"""

from __future__ import annotations

import base64
import re
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import SplitResult, unquote, urlsplit

from yarl import URL

from ._loopback import is_loopback_host
from .errors import ConfigurationError

_DEFAULT_PORTS = {"http": 80, "https": 443}
# curl's ISBLANK and the comma: a newline is part of an entry.
_NO_PROXY_SEPARATORS = re.compile(r"[ \t,]+")
_IPV4_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*")
_C_INTEGER = re.compile(r"[ \t\n\v\f\r]*([+-]?[0-9]+)")


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
    host = host_as_curl_writes_it(target.hostname or "")
    if is_loopback_host(host.rstrip(".")):
        return None
    found = _proxy_variable(target.scheme, environ)
    if found is None:
        return None
    # curl_getenv: an empty no_proxy counts as unset, one of blanks does not (it matches nothing).
    if bypasses(environ.get("no_proxy") or environ.get("NO_PROXY") or "", host):
        return None
    return _parsed_proxy(*found)


def host_as_curl_writes_it(hostname: str) -> str:
    """A URL's host (``urlsplit(url).hostname``) as curl 7.88.1 compares it with ``NO_PROXY``:
    an IPv6 address without its zone, and as ``inet_ntop`` writes it if that is shorter; an
    IPv4 address given in any of its numeric forms as a dotted quad; a name in IDNA's ASCII
    form (what aiohttp connects to as well)."""
    if ":" in hostname:
        address = hostname.partition("%")[0]
        try:
            short = socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, address))
        except (OSError, ValueError):
            return address
        # lib/urlapi.c ipv6_parse: "check if it can be done shorter"; ::ffff:a01:203 stays.
        return short if len(short) < len(address) else address
    try:
        return _dotted_quad(hostname) or URL.build(host=hostname).raw_host or hostname
    except ValueError:  # not a name IDNA can write: curl would not connect to it at all
        return hostname


def _dotted_quad(host: str) -> str | None:
    """curl's lib/urlapi.c ipv4_normalize: one to four numbers, each decimal, octal (``0``
    first) or hex (``0x``), the last filling the bytes left: ``10.258`` is 10.0.1.2."""
    parts = host.split(".")
    if len(parts) > 4 or not all(_IPV4_NUMBER.fullmatch(part) for part in parts):
        return None
    *leading, last = [_c_number(part) for part in parts]
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(parts)):
        return None
    value = sum(n << 8 * (3 - i) for i, n in enumerate(leading)) + last
    return socket.inet_ntoa(value.to_bytes(4, "big"))


def _c_number(text: str) -> int:
    """``strtoul(text, NULL, 0)`` for a text ``_IPV4_NUMBER`` matched whole."""
    if text[:2].lower() == "0x":
        return int(text, 16)
    return int(text, 8 if text.startswith("0") else 10)


def bypasses(no_proxy: str, host: str) -> bool:
    """Whether curl 7.88.1 (lib/noproxy.c) sends a request to ``host``, as
    ``host_as_curl_writes_it`` gives it, directly with this ``NO_PROXY`` value."""
    if no_proxy == "*":  # the whole value, not an entry: "*,x" has no wildcard
        return True
    entries = [entry for entry in _NO_PROXY_SEPARATORS.split(no_proxy) if entry]
    if _is_ipv4(host):
        return any(_in_range(host, entry) for entry in entries)
    name = _ascii_lower(host[:-1] if host.endswith(".") else host)
    return any(_under(_ascii_lower(entry), name) for entry in entries)


def _under(entry: bytes, name: bytes) -> bool:
    """A name entry: one trailing and one leading dot dropped, then the name itself or a tail
    after a dot, compared as bytes; ``*``, ``:`` and ``[]`` are plain characters here."""
    entry = entry.removesuffix(b".")
    entry = entry[1:] if entry.startswith(b".") else entry
    if len(entry) >= len(name):
        return entry == name
    return name.endswith(entry) and name[: len(name) - len(entry)].endswith(b".")


def _in_range(address: str, entry: str) -> bool:
    """An entry for an IPv4 host: ADDRESS or ADDRESS/BITS, BITS read by C's ``atoi`` (so
    ``10.0.0.0/8:443`` is /8); /0 and /32 mean the address alone, more than 32 nothing."""
    if len(entry) >= 128:  # longer than curl's buffer for it: never a match
        return False
    network, slash, bits_text = entry.partition("/")
    bits = _c_atoi(bits_text) if slash else 0
    if bits > 32 or not _is_ipv4(network):
        return False
    mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF if 0 < bits < 32 else 0xFFFFFFFF
    return (_ipv4_number(address) ^ _ipv4_number(network)) & mask == 0


def _c_atoi(text: str) -> int:
    """C's ``atoi`` on 64-bit Linux (``strtol``, saturating, then the int's 32 bits), read as an
    unsigned int as curl reads it: ``-1`` is 4294967295, ``/x`` is 0."""
    match = _C_INTEGER.match(text)
    if match is None:
        return 0
    return max(-(2**63), min(int(match[1]), 2**63 - 1)) & 0xFFFFFFFF


def _is_ipv4(text: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET, text)  # the check curl makes: dotted quads alone
    except (OSError, ValueError):
        return False
    return True


def _ipv4_number(text: str) -> int:
    return int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")


def _ascii_lower(text: str) -> bytes:
    # curl compares bytes, folding ASCII letters alone (strncasecompare).
    return text.encode("utf-8", "surrogateescape").lower()


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
