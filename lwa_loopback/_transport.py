"""The HTTP side of every request to LWA: one POST, through the proxy the environment names,
answered within a size limit, retried only when it provably never left this machine.

A connection refused proves nothing was sent; anything later may have spent a single-use code,
so it is never sent twice. Every failure becomes an ``ExchangeError`` subclass with advice for
the grant that was asked for (``_grants.Advice``): ``NetworkError`` when no answer came,
``ProxyError`` when the proxy refused, ``UnusableAnswer`` for a body that cannot be read.

The answer is read within ``MAX_BODY``, counted after decompression: LWA's answers are under
4 KiB, so a server (or a proxy in between) that sends an endless body, or a small gzip body that
inflates to gigabytes, cannot exhaust memory. aiohttp's own decompression inflates each chunk
whole, so the session asks for raw bytes (``auto_decompress=False``) and they are inflated here,
a bounded amount at a time.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import ssl
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp

from ._defaults import REQUEST_TIMEOUT, utcnow
from ._grants import SECRET_IN_BASIC, SECRET_IN_FORM, Advice, ClientAuth
from ._proxy import Proxy, proxy_for
from ._token_json import MAX_FILE_SIZE
from .errors import NetworkError, ProxyError, UnusableAnswer, seconds, shown

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
    #: How the secret travels, when there is one (``_endpoints.chosen_client_auth``).
    client_auth: ClientAuth = SECRET_IN_FORM

    def _credentials(self, grant: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        """The request's form and headers, with the client's credentials: the one place that
        adds them. Without a secret, the client id goes in the form (a public client); with
        one, both go in the form or in an HTTP Basic header, never both ways (RFC 6749 section
        2.3: one method per request)."""
        if self.client_secret and self.client_auth is SECRET_IN_BASIC:
            return dict(grant), {"Authorization": basic_authorization(self)}
        form = {**grant, "client_id": self.client_id}
        if self.client_secret:
            form["client_secret"] = self.client_secret
        return form, {}


def basic_authorization(client: Client) -> str:
    """RFC 6749 section 2.3.1: the client id and the secret, each form-urlencoded (a space as
    %20, which every decoder reads back), joined by a colon, in base64."""
    assert client.client_secret is not None
    pair = f"{quote(client.client_id, safe='')}:{quote(client.client_secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


async def post(
    client: Client, grant: dict[str, str], advice: Advice, url: str | None = None
) -> tuple[int, bytes]:
    """POST ``grant`` (with the client's credentials) to ``url``, the token endpoint unless
    given: its status and body."""
    target = url or client.token_url
    form, credentials = client._credentials(grant)
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
                    target,
                    data=form,
                    allow_redirects=False,
                    **_through(proxy, target, credentials),
                ) as response:
                    _check_proxy_answer(proxy, target, response.status, advice)
                    return response.status, await _read(client, response, advice)
            except aiohttp.ClientHttpProxyError as exc:
                # The proxy refused the tunnel: nothing reached the token endpoint. Its cause is
                # left out: the request it records carries the proxy's credentials.
                raise _proxy_refused(target, proxy, exc.status, exc.message, advice) from None
            except aiohttp.ClientConnectorCertificateError as exc:
                raise _network_error(
                    target, _refused_certificate(exc, proxy), exc, advice, proxy, _TRUST_HINT
                ) from exc
            except aiohttp.ClientSSLError as exc:
                # Nothing was sent, but a handshake that failed fails the same way again.
                raise _network_error(
                    target, "the TLS handshake failed", exc, advice, proxy
                ) from exc
            except aiohttp.ClientConnectorError as exc:
                if attempt == CONNECT_ATTEMPTS:
                    raise _network_error(
                        target, _could_not_connect(exc), exc, advice, proxy
                    ) from exc
                log.debug("Could not connect to the token endpoint; trying again.")
                await asyncio.sleep(_RETRY_DELAY * attempt)
            except asyncio.TimeoutError as exc:
                raise _network_error(
                    target,
                    f"no answer within {seconds(client.request_timeout)}",
                    None,
                    advice,
                    proxy,
                ) from exc
            except (aiohttp.ClientError, ssl.SSLError) as exc:
                raise _network_error(
                    target, "the connection failed", exc, advice, proxy
                ) from _without_request(exc)
    raise AssertionError("unreachable")  # pragma: no cover


def _through(proxy: Proxy | None, target: str, headers: dict[str, str]) -> dict[str, Any]:
    """The request's ``headers`` and proxy options. Through a CONNECT tunnel (https) the
    proxy's credentials go to the proxy alone; a plain http request is handed to the proxy
    whole, so they ride in its own headers (and the proxy removes them)."""
    if proxy is None:
        return {"headers": headers}
    if target.lower().startswith("https:"):
        return {"proxy": proxy.url, "proxy_headers": dict(proxy.headers), "headers": headers}
    return {"proxy": proxy.url, "headers": {**headers, **proxy.headers}}


def _check_proxy_answer(proxy: Proxy | None, target: str, status: int, advice: Advice) -> None:
    # Through a tunnel the proxy's refusal is ClientHttpProxyError; a plain http request gets it
    # as the answer, and 407 comes only from a proxy.
    if proxy is not None and status == 407:
        raise _proxy_refused(target, proxy, status, "", advice)


def _without_request(exc: BaseException) -> BaseException | None:
    """The cause worth keeping: none for an error that records the request (a response
    aiohttp could not parse), whose headers may carry the client secret (HTTP Basic) or the
    proxy's credentials."""
    return None if isinstance(exc, aiohttp.ClientResponseError) else exc


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
        raise UnusableAnswer(
            f"The {advice.endpoint} {response.url} sent an answer larger than "
            f"{MAX_BODY // 1024} KiB (decompressed); its answers are a few KiB, so it was "
            f"not read further. {advice.network}",
            status=response.status,
            parameters=advice.parameters,
        ) from None
    except (UnknownEncoding, zlib.error) as exc:
        raise UnusableAnswer(
            f"The {advice.endpoint} {response.url} sent an answer in a coding it was not "
            f"offered, or a broken one ({shown(str(exc))}). {advice.network}",
            status=response.status,
            parameters=advice.parameters,
        ) from exc


def _network_error(
    url: str,
    what: str,
    exc: BaseException | None,
    advice: Advice,
    proxy: Proxy | None = None,
    hint: str = "",
) -> NetworkError:
    detail = f" ({type(exc).__name__}: {exc})" if exc is not None and str(exc) else ""
    via = f" (through the proxy {proxy.url})" if proxy is not None else ""
    return NetworkError(
        f"The {advice.endpoint} {url}{via}: {what}{detail}. "
        f"{hint}{_proxy_advice(url, proxy)}{advice.network}",
        parameters=advice.parameters,
    )


_GATEWAY_ERRORS = frozenset({502, 503, 504})


def _proxy_refused(
    url: str, proxy: Proxy | None, status: int, reason: str, advice: Advice
) -> NetworkError | ProxyError:
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
    # A gateway error may pass (the device flow polls on through network errors); a refusal
    # (407, 403) lasts until the settings change.
    kind = NetworkError if status in _GATEWAY_ERRORS else ProxyError
    return kind(
        f"The {advice.endpoint} {url}: {what}. {_proxy_advice(url, proxy)}{advice.network}",
        status=status,
        parameters=advice.parameters,
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
