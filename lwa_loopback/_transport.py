"""The HTTP side of every request to LWA: one POST, through the proxy the environment names,
answered within a size limit, retried only when it provably never left this machine.

A connection refused proves nothing was sent; anything later may have spent a single-use code,
so it is never sent twice. Every failure becomes an ``ExchangeError`` with advice for the grant
that was asked for (``_grants.Advice``).

The answer is read within ``MAX_BODY``, counted after decompression: LWA's answers are under
4 KiB, so a server (or a proxy in between) that sends an endless body, or a small gzip body that
inflates to gigabytes, cannot exhaust memory. aiohttp's own decompression inflates each chunk
whole, so the session asks for raw bytes (``auto_decompress=False``) and they are inflated here,
a bounded amount at a time.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from ._defaults import REQUEST_TIMEOUT, utcnow
from ._grants import Advice
from ._proxy import Proxy, proxy_for
from ._token_json import MAX_FILE_SIZE
from .errors import ExchangeError, seconds, shown

log = logging.getLogger("lwa_loopback")

# Only a failure to connect proves the request never reached LWA; anything later may have spent
# the single-use code, so it is never sent twice.
CONNECT_ATTEMPTS = 3
_RETRY_DELAY = 0.5


@dataclass(frozen=True)
class Client:
    """Who asks, and where: the parts every token request shares."""

    token_url: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    region: str = ""
    request_timeout: float = REQUEST_TIMEOUT
    clock: Callable[[], datetime] = utcnow

    def _form(self, grant: dict[str, str]) -> dict[str, str]:
        form = {**grant, "client_id": self.client_id}
        if self.client_secret:
            form["client_secret"] = self.client_secret
        return form


async def post(
    client: Client, form: dict[str, str], advice: Advice, url: str | None = None
) -> tuple[int, bytes]:
    target = url or client.token_url
    # Read per request, as curl does: a library caller may set the variables at run time.
    proxy = proxy_for(target, os.environ)
    timeout = aiohttp.ClientTimeout(total=client.request_timeout)
    headers = {"Accept": "application/json", "Accept-Encoding": ACCEPT_ENCODING}
    # trust_env stays off: the proxy is chosen above, where loopback is never proxied.
    async with aiohttp.ClientSession(
        timeout=timeout, headers=headers, auto_decompress=False
    ) as session:
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            try:
                # Never follow a redirect: it would carry the code and the client secret to
                # an address nobody checked (and past the https-only rule for --token-url).
                async with session.post(
                    target, data=form, allow_redirects=False, **_through(proxy, target)
                ) as response:
                    _check_proxy_answer(proxy, target, response.status, advice)
                    return response.status, await _read(client, response, advice)
            except aiohttp.ClientHttpProxyError as exc:
                # The proxy refused the tunnel: nothing reached the token endpoint.
                raise _proxy_refused(target, proxy, exc.status, exc.message, advice) from None
            except aiohttp.ClientConnectorCertificateError as exc:
                raise _network_error(
                    target, _refused_certificate(exc, proxy), exc, advice, proxy, _TRUST_HINT
                ) from None
            except aiohttp.ClientSSLError as exc:
                # Nothing was sent, but a handshake that failed fails the same way again.
                raise _network_error(
                    target, "the TLS handshake failed", exc, advice, proxy
                ) from None
            except aiohttp.ClientConnectorError as exc:
                if attempt == CONNECT_ATTEMPTS:
                    raise _network_error(
                        target, _could_not_connect(exc), exc, advice, proxy
                    ) from None
                log.debug("Could not connect to the token endpoint; trying again.")
                await asyncio.sleep(_RETRY_DELAY * attempt)
            except asyncio.TimeoutError:
                raise _network_error(
                    target,
                    f"no answer within {seconds(client.request_timeout)}",
                    None,
                    advice,
                    proxy,
                ) from None
            except (aiohttp.ClientError, ssl.SSLError) as exc:
                raise _network_error(target, "the connection failed", exc, advice, proxy) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _through(proxy: Proxy | None, target: str) -> dict[str, Any]:
    """The request's proxy options. Through a CONNECT tunnel (https) the credentials go to the
    proxy alone; a plain http request is handed to the proxy whole, so they ride in its own
    headers (and the proxy removes them)."""
    if proxy is None:
        return {}
    if target.lower().startswith("https:"):
        return {"proxy": proxy.url, "proxy_headers": dict(proxy.headers)}
    return {"proxy": proxy.url, "headers": dict(proxy.headers)}


def _check_proxy_answer(proxy: Proxy | None, target: str, status: int, advice: Advice) -> None:
    # Through a tunnel the proxy's refusal is ClientHttpProxyError; a plain http request gets it
    # as the answer, and 407 comes only from a proxy.
    if proxy is not None and status == 407:
        raise _proxy_refused(target, proxy, status, "", advice)


def _refused_certificate(exc: aiohttp.ClientConnectorError, proxy: Proxy | None) -> str:
    whose = "the proxy's" if proxy is not None and proxy.is_at(exc.host, exc.port) else "its"
    return f"{whose} TLS certificate was refused"


# Corporate networks that inspect TLS re-sign every certificate with their own authority.
_TRUST_HINT = (
    "If a proxy or firewall on this network inspects TLS, set SSL_CERT_FILE to a file of "
    "trusted certificates that includes its certificate authority. "
)


def _could_not_connect(exc: aiohttp.ClientConnectorError) -> str:
    if isinstance(exc, aiohttp.ClientProxyConnectionError):
        return "could not connect to the proxy"
    return "could not connect"


async def _read(client: Client, response: aiohttp.ClientResponse, advice: Advice) -> bytes:
    try:
        return await read_bounded(response)
    except BodyTooLarge:
        raise ExchangeError(
            f"The token endpoint {client.token_url} sent an answer larger than "
            f"{MAX_BODY // 1024} KiB (decompressed); token answers are a few KiB, so it was "
            f"not read further. {advice.network}",
            error="invalid_response",
            status=response.status,
        ) from None
    except (UnknownEncoding, zlib.error) as exc:
        raise ExchangeError(
            f"The token endpoint {client.token_url} sent an answer in a coding it was not "
            f"offered, or a broken one ({shown(str(exc))}). {advice.network}",
            error="invalid_response",
            status=response.status,
        ) from None


def _network_error(
    url: str,
    what: str,
    exc: BaseException | None,
    advice: Advice,
    proxy: Proxy | None = None,
    hint: str = "",
) -> ExchangeError:
    detail = f" ({type(exc).__name__}: {exc})" if exc is not None and str(exc) else ""
    via = f" (through the proxy {proxy.url})" if proxy is not None else ""
    return ExchangeError(
        f"The {advice.endpoint} {url}{via}: {what}{detail}. "
        f"{hint}{_proxy_advice(url, proxy)}{advice.network}",
        error="network_error",
    )


_GATEWAY_ERRORS = frozenset({502, 503, 504})


def _proxy_refused(
    url: str, proxy: Proxy | None, status: int, reason: str, advice: Advice
) -> ExchangeError:
    assert proxy is not None  # only a proxy answers a tunnel
    said = f"HTTP {status} {shown(reason)}".rstrip()
    if status != 407:
        what = f"the proxy {proxy.url} did not open the connection to it ({said})"
    elif proxy.has_credentials:
        what = (
            f"the proxy {proxy.url} refused the user name and password in {proxy.variable} ({said})"
        )
    else:
        what = (
            f"the proxy {proxy.url} asks for a user name and password ({said}), and "
            f"{proxy.variable} has none: give them as http://USER:PASSWORD@HOST:PORT"
        )
    return ExchangeError(
        f"The {advice.endpoint} {url}: {what}. {_proxy_advice(url, proxy)}{advice.network}",
        # A gateway error may pass (the device flow polls on through network errors); a refusal
        # (407, 403) lasts until the settings change.
        error="network_error" if status in _GATEWAY_ERRORS else "proxy_error",
        status=status,
    )


def _proxy_advice(url: str, proxy: Proxy | None) -> str:
    if proxy is None:
        return ""
    host = urlsplit(url).hostname or "its host"
    return f"Check {proxy.variable}, or add {host} to NO_PROXY to connect directly. "


TYPE_CHECKING = False
if TYPE_CHECKING:
    import aiohttp

#: The largest answer read from a token endpoint, decompressed: the token file's own limit,
#: since an answer larger than the file may be could only be refused after the code is spent.
MAX_BODY = MAX_FILE_SIZE
#: Content codings we offer (and can undo with zlib); a server must not use any other.
ACCEPT_ENCODING = "gzip, deflate"
_CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    """The answer grew past ``MAX_BODY`` (after decompression)."""


class UnknownEncoding(Exception):
    """The answer came in a content coding that was not offered."""


async def read_bounded(response: aiohttp.ClientResponse, limit: int = MAX_BODY) -> bytes:
    """The response's body, decompressed, or ``BodyTooLarge`` as soon as it passes ``limit``."""
    inflate = _inflater(response.headers.get("Content-Encoding", ""))
    body = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        data = chunk
        while data:
            # max_length bounds what one call may produce: a bomb inflates a little at a time.
            out = inflate.decompress(data, limit + 1 - len(body)) if inflate else data
            body += out
            if len(body) > limit:
                raise BodyTooLarge
            data = inflate.unconsumed_tail if inflate else b""
    if inflate is not None:
        body += inflate.flush()
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


def _inflater(encoding: str) -> zlib._Decompress | None:
    coding = encoding.strip().lower()
    if coding in ("", "identity"):
        return None
    if coding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return zlib.decompressobj()  # zlib-wrapped, as RFC 9110 defines "deflate"
    raise UnknownEncoding(coding)
