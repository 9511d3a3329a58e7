"""A corporate network on loopback: a certificate authority of our own, an https token endpoint
it signed, and a real HTTP proxy program (proxy.py, from PyPI) in front of it.

How a proxied request reaches this machine: loopback hosts are never proxied (the rule under
test), so the token URL must name a host that is not loopback as written, yet every byte must
stay on 127.0.0.1. ``0.0.0.0`` is both: it is not in 127.0.0.0/8, so the proxy rules apply to
it, and a connection to the unspecified address goes to 127.0.0.1 (Linux puts the loopback
address in place of an unspecified destination), whoever opens it: the proxy through its
tunnel, or lwa-loopback directly when ``NO_PROXY`` says so. No resolver is involved, so
nothing is faked inside the proxy. ``reaches_loopback`` checks the kernel does this, and the
proxy tests skip where it does not.
"""

from __future__ import annotations

import asyncio
import datetime
import importlib.util
import ipaddress
import os
import signal
import socket
import ssl
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import aiohttp
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from lwa_loopback.testing import FakeLWA

from ._waiting import PATIENCE, wait_until

#: Not loopback as written, yet connected to 127.0.0.1: see the module's docstring.
THIS_MACHINE = "0.0.0.0"
#: Every variable that could steer a test's requests: cleared, then set by the test alone.
PROXY_VARIABLES = tuple(
    name
    for base in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    for name in (base, base.upper())
)
TRUST_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR")
ONE_DAY = datetime.timedelta(days=1)


# -- certificates -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ServerCertificate:
    certfile: Path
    keyfile: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certfile, self.keyfile)
        return context


@dataclass(frozen=True)
class CertificateAuthority:
    """A corporate CA: what a TLS-inspecting proxy signs its certificates with."""

    certfile: Path
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    def issue(self, folder: Path, *addresses: str) -> ServerCertificate:
        """A server certificate for these IP addresses, signed by this CA."""
        key = ec.generate_private_key(ec.SECP256R1())
        names = [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
        builder = (
            _builder(_name("lwa-loopback test server"), key)
            .issuer_name(self.certificate.subject)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        )
        certificate = builder.sign(self.key, hashes.SHA256())
        folder.mkdir(parents=True, exist_ok=True)
        certfile, keyfile = folder / "server.pem", folder / "server-key.pem"
        certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        keyfile.write_bytes(_private_pem(key))
        return ServerCertificate(certfile, keyfile)


def make_certificate_authority(folder: Path) -> CertificateAuthority:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("lwa-loopback test corporate CA")
    certificate = (
        _builder(name, key)
        .issuer_name(name)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    certfile = folder / "corporate-ca.pem"
    certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return CertificateAuthority(certfile, key, certificate)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject: x509.Name, key: ec.EllipticCurvePrivateKey) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + ONE_DAY)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def _private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


# -- an https token endpoint ------------------------------------------------------------------
@asynccontextmanager
async def https_front(fake_lwa: FakeLWA, certificate: ServerCertificate) -> AsyncIterator[int]:
    """An https endpoint on 127.0.0.1 and a free port, passing each request on to ``fake_lwa``
    (plain http) and its answer back, as a TLS-terminating load balancer would; yields the
    port."""

    async def forward(request: web.Request) -> web.Response:
        url = fake_lwa.url.with_path(request.path).with_query(request.query)
        sent = _picked(request.headers, _PASSED_ON)
        async with (
            aiohttp.ClientSession() as session,
            session.request(request.method, url, data=await request.read(), headers=sent) as got,
        ):
            body = await got.read()  # decompressed: Content-Encoding is not passed back
            return web.Response(status=got.status, body=body, headers=_picked(got.headers, _BACK))

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", forward)
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=certificate.server_context())
        await site.start()
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


_PASSED_ON = ("Content-Type", "Authorization", "Accept")
_BACK = ("Content-Type", "Cache-Control", "Pragma")


def _picked(headers: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: headers[name] for name in names if name in headers}


async def reaches_loopback(port: int) -> bool:
    """Whether a connection to ``THIS_MACHINE:port`` lands on 127.0.0.1 here."""
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(THIS_MACHINE, port), PATIENCE)
    except OSError:
        return False
    peer = writer.get_extra_info("peername")
    writer.close()
    await writer.wait_closed()
    return bool(peer) and peer[0] == "127.0.0.1"


# -- the proxy program ------------------------------------------------------------------------
def proxy_program_missing() -> str | None:
    """Why the proxy tests cannot run here, or None."""
    if importlib.util.find_spec("proxy") is None:
        return "proxy.py is not installed (it is in the test extra: pip install -e '.[test]')"
    return None


@dataclass
class ProxyProgram:
    """proxy.py running in a process of its own on 127.0.0.1 and a port it chose itself."""

    port: int
    log: Path
    process: asyncio.subprocess.Process
    scheme: str = "http"

    def url(self, user: str | None = None, password: str | None = None) -> str:
        """The proxy's URL, with credentials percent-encoded as a person would write them."""
        credentials = ""
        if user is not None:
            credentials = f"{quote(user, safe='')}:{quote(password or '', safe='')}@"
        return f"{self.scheme}://{credentials}127.0.0.1:{self.port}"

    @property
    def shown(self) -> str:
        """How our messages name it: scheme, host and port."""
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def tunnels(self, host: str = THIS_MACHINE) -> list[str]:
        """The proxy's own access-log lines for CONNECT tunnels to ``host``."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if "access_log" in line and f"CONNECT {host}:" in line]

    def forwarded(self, host: str = THIS_MACHINE) -> list[str]:
        """Its access-log lines for plain http requests it passed on to ``host``."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if "access_log" in line and f"POST {host}:" in line]

    async def wait_for_tunnels(self, count: int) -> list[str]:
        # proxy.py writes a tunnel's line when it closes: after the client is done with it.
        await wait_until(lambda: len(self.tunnels()) >= count, f"{count} CONNECT line(s)")
        return self.tunnels()


@asynccontextmanager
async def proxy_program(
    folder: Path, *, basic_auth: str | None = None, tls: ServerCertificate | None = None
) -> AsyncIterator[ProxyProgram]:
    """Start proxy.py (``basic_auth`` "user:password" asks clients for credentials; ``tls``
    makes it an https:// proxy), wait until it names its port, and stop it after."""
    folder.mkdir(parents=True, exist_ok=True)
    port_file, log = folder / "proxy.port", folder / "proxy.log"
    # --port 0 with --port-file: the proxy binds a free port itself and reports it, so no port
    # is probed first and bound later. One acceptor and one worker: these tests need no more.
    args = ["--hostname", "127.0.0.1", "--port", "0", "--port-file", str(port_file)]
    args += ["--log-file", str(log), "--log-level", "INFO"]
    args += ["--num-acceptors", "1", "--num-workers", "1"]
    if basic_auth is not None:
        args += ["--basic-auth", basic_auth]
    if tls is not None:
        args += ["--cert-file", str(tls.certfile), "--key-file", str(tls.keyfile)]
    with (folder / "proxy.stderr").open("wb") as stderr:  # the child keeps its own copy
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "proxy",
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
            env=_proxy_environment(),
            start_new_session=True,  # a process group of its own, led by it: see _stop
        )
    try:
        port = await _reported_port(process, port_file, folder)
        yield ProxyProgram(port, log, process, "https" if tls else "http")
    finally:
        await _stop(process)


def _proxy_environment() -> dict[str, str]:
    # The proxy must not itself go through a proxy the test's shell may have set.
    banned = {*PROXY_VARIABLES, *TRUST_VARIABLES}
    return {k: v for k, v in os.environ.items() if k not in banned}


async def _reported_port(process: asyncio.subprocess.Process, port_file: Path, folder: Path) -> int:
    def written() -> bool:
        if process.returncode is not None:
            stderr = (folder / "proxy.stderr").read_text(errors="replace")
            raise AssertionError(f"proxy.py exited with {process.returncode}: {stderr}")
        return port_file.exists() and port_file.read_text().strip().isdigit()

    await wait_until(written, "proxy.py writing its port")
    return int(port_file.read_text().strip())


async def _stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM to the process group the proxy leads (its acceptor and worker processes are
    in it), by its id; wait until the whole group is gone, SIGKILL only if it stays."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), PATIENCE)
        await wait_until(lambda: not _group_alive(process.pid), "proxy.py's workers ending")
    except (asyncio.TimeoutError, AssertionError):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def closed_port() -> socket.socket:
    """A socket bound to a loopback port and not listening: connections to it are refused.
    Keep it open while the port is in use, so that nothing else takes it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock
