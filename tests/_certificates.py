"""Helpers for the paste-back and https tests: where the consent page sends the browser, a
throwaway certificate, and a browser that trusts it."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from yarl import URL

from lwa_loopback.testing import FakeLWA, HeadlessBrowser, VisitedPage

PASTE_REDIRECT = "https://example.com/lwa/callback"


async def consent_location(consent_url: str) -> str:
    """Where the consent page sends the browser: its Location, without following it (the
    return URL may be on another machine, or nowhere)."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(consent_url, allow_redirects=False) as response,
    ):
        assert response.status == 302, await response.text()
        return response.headers["Location"]


@dataclass
class LocationCatcher:
    """An ``open_browser`` that keeps where the consent page redirects, for a paste reader."""

    locations: list[str] = field(default_factory=list)

    async def __call__(self, url: str) -> None:
        self.locations.append(await consent_location(url))

    def paste(self) -> str:
        return self.locations[-1]


@dataclass(frozen=True)
class Certificate:
    certfile: Path
    keyfile: Path

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.certfile))


def make_certificate(folder: Path, only: str | None = None) -> Certificate:
    """A self-signed certificate good for one day: for localhost, 127.0.0.1 and ::1, or for the
    host name ``only`` alone (what ``mkcert NAME`` makes)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, only or "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    if only is not None:
        names = [x509.DNSName(only)]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    stem = only or "cert"
    certfile, keyfile = folder / f"{stem}.pem", folder / f"{stem}-key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(certfile, keyfile)


@dataclass
class TrustingBrowser(HeadlessBrowser):
    """``HeadlessBrowser`` over https, trusting ``context``'s certificates (a throwaway one)."""

    context: ssl.SSLContext | None = None

    async def __call__(self, url: str) -> None:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        connector = aiohttp.TCPConnector(ssl=self.context or True)
        async with (
            aiohttp.ClientSession(timeout=timeout, connector=connector) as session,
            session.get(url) as response,
        ):
            text = await response.text()
            self.pages.append(
                VisitedPage(response.status, str(response.url.with_query(None)), text)
            )


def registering(
    fake_lwa: FakeLWA, opener: Callable[[str], Awaitable[None]]
) -> Callable[[str], Awaitable[None]]:
    """Registers each consent URL's return URL with the fake, then opens it: for return URLs
    the fake would not accept by itself (https), whose port is chosen only at bind time."""

    async def open_browser(url: str) -> None:
        assert fake_lwa.redirect_uris is not None
        fake_lwa.redirect_uris.add(URL(url).query["redirect_uri"])
        await opener(url)

    return open_browser


async def tls_hello(host: str, port: int) -> BaseException | None:
    """Send a real TLS handshake to ``host:port``, as a browser that upgraded http:// does;
    what the handshake failed with (None if it succeeded)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        _, writer = await asyncio.open_connection(host, port, ssl=context)
    except (ssl.SSLError, ConnectionError, OSError) as exc:
        return exc
    writer.close()
    return None
