"""Proxies and corporate certificate authorities: which proxy a request takes (the rules, then a
real proxy program, proxy.py, on loopback), what a failing proxy looks like, and trusting a CA
of one's own through SSL_CERT_FILE / SSL_CERT_DIR.

The proxy program and the https token endpoint: see tests/_corporate_network.py for how a request
through the proxy reaches this machine while nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
import traceback
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import lwa_loopback
from lwa_loopback._exchange import Client, refresh_tokens
from lwa_loopback._loopback import is_loopback_host as is_loopback
from lwa_loopback._proxy import proxy_for
from lwa_loopback.errors import ConfigurationError, ExchangeError, NetworkError, ProxyError
from lwa_loopback.testing import FakeLWA

from ._cli_process import Cli, Finished
from ._corporate_network import (
    PROXY_VARIABLES,
    THIS_MACHINE,
    TRUST_VARIABLES,
    CertificateAuthority,
    ProxyProgram,
    ServerCertificate,
    closed_port,
    https_front,
    make_certificate_authority,
    proxy_program,
    proxy_program_missing,
    reaches_loopback,
)
from ._token_files import EXPIRED_AGE, make_token_file
from ._waiting import wait_until

USER = "proxy-user-4e1f"
PASSWORD = "s3cr:t@pass/w0rd"  # ':', '@' and '/' must arrive percent-decoded
SECRETS = (
    USER,
    PASSWORD,
    quote(PASSWORD, safe=""),
    base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(),
)
TOKEN_PATH = "/auth/o2/token"


@pytest.fixture(autouse=True)
def no_proxy_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sets the variables it means; none leak in from the shell running pytest."""
    for name in (*PROXY_VARIABLES, *TRUST_VARIABLES, "REQUEST_METHOD"):
        monkeypatch.delenv(name, raising=False)


def assert_nothing_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def every_text_of(exc: BaseException) -> str:
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(exc)])


# -- which proxy, by the rules (NO_PROXY: tests/test_no_proxy.py, against curl) ---------------
@pytest.mark.parametrize(
    ("environ", "url", "variable"),
    [
        ({"https_proxy": "http://a:1"}, "https://api.amazon.com/", "https_proxy"),
        ({"HTTPS_PROXY": "http://a:1"}, "https://api.amazon.com/", "HTTPS_PROXY"),
        ({"https_proxy": "http://a:1", "HTTPS_PROXY": "http://b:2"}, "https://x/", "https_proxy"),
        ({"https_proxy": "", "HTTPS_PROXY": "http://b:2"}, "https://x/", "HTTPS_PROXY"),
        ({"http_proxy": "http://a:1"}, "https://x/", None),
        ({"HTTP_PROXY": "http://a:1"}, "http://x/", "HTTP_PROXY"),
        ({"ALL_PROXY": "http://a:1"}, "https://x/", "ALL_PROXY"),
        ({"all_proxy": "http://a:1", "HTTPS_PROXY": "http://b:2"}, "https://x/", "HTTPS_PROXY"),
        ({"HTTPS_PROXY": "  "}, "https://x/", None),
        ({}, "https://x/", None),
    ],
)
def test_the_variable_for_the_scheme_lower_case_first(
    environ: dict[str, str], url: str, variable: str | None
) -> None:
    proxy = proxy_for(url, environ)
    assert (proxy.variable if proxy else None) == variable


def test_http_proxy_in_upper_case_is_ignored_in_a_cgi_program() -> None:
    # httpoxy: there HTTP_PROXY may be a request's "Proxy:" header.
    cgi = {"REQUEST_METHOD": "GET", "HTTP_PROXY": "http://attacker:1"}
    assert proxy_for("http://x/", cgi) is None
    assert proxy_for("http://x/", {**cgi, "http_proxy": "http://a:1"}) is not None


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("proxy.corp:3128", "http://proxy.corp:3128"),
        ("http://proxy.corp", "http://proxy.corp:80"),
        ("https://proxy.corp", "https://proxy.corp:443"),
        ("HTTP://Proxy.Corp:8080/ignored/path", "http://proxy.corp:8080"),
        ("http://[fd00::1]:3128", "http://[fd00::1]:3128"),
    ],
)
def test_a_proxy_url_is_shown_by_scheme_host_and_port(value: str, shown: str) -> None:
    proxy = proxy_for("https://api.amazon.com/auth/o2/token", {"HTTPS_PROXY": value})
    assert proxy is not None and proxy.url == shown and not proxy.has_credentials


def test_credentials_become_a_header_that_no_repr_shows() -> None:
    value = f"http://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@proxy.corp:3128"
    proxy = proxy_for("https://api.amazon.com/", {"https_proxy": value})
    assert proxy is not None
    assert proxy.url == "http://proxy.corp:3128"
    expected = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert proxy.headers == {"Proxy-Authorization": f"Basic {expected}"}
    assert_nothing_secret(repr(proxy), str(proxy))


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST", "127.0.0.1", "127.9.8.7", "[::1]", "[::ffff:127.0.0.1]"]
)
def test_loopback_is_never_proxied(host: str) -> None:
    environ = {name: "http://proxy.corp:3128" for name in PROXY_VARIABLES if "no" not in name}
    assert proxy_for(f"https://{host}:8443/auth/o2/token", environ) is None
    assert proxy_for(f"http://{host}:8080/auth/o2/token", environ) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "128.0.0.1", "localhost.example", "::2", "lo"])
def test_only_loopback_is_loopback(host: str) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize(
    "value",
    [
        "socks5://{credentials}@127.0.0.1:1080",
        "socks5h://{credentials}@proxy.corp",
        "socks4://{credentials}@proxy.corp:1080",
        "ftp://{credentials}@proxy.corp:21",
        "http://{credentials}@proxy.corp:99999",
        "http://{credentials}@:3128",
    ],
)
def test_an_unusable_proxy_is_a_usage_error_naming_the_variable(value: str) -> None:
    credentials = f"{quote(USER, safe='')}:{quote(PASSWORD, safe='')}"
    environ = {"https_proxy": value.format(credentials=credentials)}
    with pytest.raises(ConfigurationError, match="https_proxy") as caught:
        proxy_for("https://api.amazon.com/auth/o2/token", environ)
    assert caught.value.exit_code == 2
    assert_nothing_secret(every_text_of(caught.value))
    if value.startswith("socks"):
        assert "SOCKS" in str(caught.value)


async def test_a_fake_lwa_login_works_in_a_shell_with_a_proxy_set(
    options: dict[str, Any], fake_lwa: FakeLWA, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The proxy is a port nothing listens on: going there would fail the login.
    with closed_port() as sock:
        nowhere = f"http://{USER}:x@127.0.0.1:{sock.getsockname()[1]}"
        for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy"):
            monkeypatch.setenv(name, nowhere)
        tokens = await lwa_loopback.login(**options)
        assert tokens.refresh_token is not None
        assert len(fake_lwa.token_requests) == 1


# -- a corporate network on loopback ----------------------------------------------------------
@pytest.fixture
def ca(tmp_path: Path) -> CertificateAuthority:
    return make_certificate_authority(tmp_path / "ca")


@pytest.fixture
def server_certificate(ca: CertificateAuthority, tmp_path: Path) -> ServerCertificate:
    return ca.issue(tmp_path / "server", "127.0.0.1", THIS_MACHINE)


@pytest.fixture
async def https_port(
    fake_lwa: FakeLWA, server_certificate: ServerCertificate
) -> AsyncIterator[int]:
    """The fake's token endpoint over https, with a certificate from the test CA."""
    async with https_front(fake_lwa, server_certificate) as port:
        yield port


@pytest.fixture
async def via_proxy_port(https_port: int) -> int:
    """The https endpoint's port, once a connection to THIS_MACHINE is known to reach it."""
    await skip_unless_reached(https_port)
    return https_port


async def skip_unless_reached(port: int) -> None:
    if not await reaches_loopback(port):
        pytest.skip(f"a connection to {THIS_MACHINE} does not reach 127.0.0.1 on this system")


def _needs_proxy_program() -> None:
    missing = proxy_program_missing()
    if missing:
        pytest.skip(missing)


@pytest.fixture
async def proxy(tmp_path: Path) -> AsyncIterator[ProxyProgram]:
    _needs_proxy_program()
    async with proxy_program(tmp_path / "proxy") as running:
        yield running


@pytest.fixture
async def auth_proxy(tmp_path: Path) -> AsyncIterator[ProxyProgram]:
    """proxy.py asking for USER and PASSWORD (407 otherwise)."""
    _needs_proxy_program()
    async with proxy_program(tmp_path / "auth-proxy", basic_auth=f"{USER}:{PASSWORD}") as running:
        yield running


def token_url(port: int, host: str = THIS_MACHINE) -> str:
    return f"https://{host}:{port}{TOKEN_PATH}"


def write_expired(fake_lwa: FakeLWA, path: Path, url: str) -> None:
    make_token_file(fake_lwa, path, age=EXPIRED_AGE, token_url=url)


async def cli_refresh(tmp_path: Path, fake_lwa: FakeLWA, path: Path, **env: str) -> Finished:
    """``lwa-loopback refresh --file PATH`` in a process of its own, with ``env`` added: the
    trusted CAs are read when the process starts."""
    cli = Cli(tmp_path, fake_lwa)
    cli.env.update(env)
    await cli.start("refresh", "--file", str(path))
    return await cli.finish()


# -- trusting a corporate CA: SSL_CERT_FILE and SSL_CERT_DIR ----------------------------------
async def test_without_the_ca_the_certificate_is_refused_with_it_the_refresh_works(
    fake_lwa: FakeLWA, https_port: int, ca: CertificateAuthority, tmp_path: Path
) -> None:
    path = tmp_path / "tokens.json"
    write_expired(fake_lwa, path, token_url(https_port, "127.0.0.1"))
    before = path.read_bytes()

    refused = await cli_refresh(tmp_path, fake_lwa, path)
    assert refused.exit_code == 5, refused.stderr
    assert "its TLS certificate was refused" in refused.stderr
    assert path.read_bytes() == before and fake_lwa.token_requests == []

    trusted = await cli_refresh(tmp_path, fake_lwa, path, SSL_CERT_FILE=str(ca.certfile))
    assert trusted.exit_code == 0, trusted.stderr
    assert [r.params["grant_type"] for r in fake_lwa.token_requests] == ["refresh_token"]
    assert path.read_bytes() != before


async def test_ssl_cert_dir_is_honoured_too(
    fake_lwa: FakeLWA, https_port: int, ca: CertificateAuthority, tmp_path: Path
) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to name the CA by its hash (openssl rehash)")
    folder = tmp_path / "trusted"
    folder.mkdir()
    shutil.copy(ca.certfile, folder / "corporate-ca.pem")
    subprocess.run([openssl, "rehash", str(folder)], check=True, capture_output=True)
    path = tmp_path / "tokens.json"
    write_expired(fake_lwa, path, token_url(https_port, "127.0.0.1"))

    finished = await cli_refresh(tmp_path, fake_lwa, path, SSL_CERT_DIR=str(folder))
    assert finished.exit_code == 0, finished.stderr
    assert len(fake_lwa.token_requests) == 1


# -- through a real proxy ---------------------------------------------------------------------
async def test_a_refresh_goes_through_the_proxy_with_credentials_and_the_corporate_ca(
    fake_lwa: FakeLWA,
    via_proxy_port: int,
    auth_proxy: ProxyProgram,
    ca: CertificateAuthority,
    tmp_path: Path,
) -> None:
    path = tmp_path / "tokens.json"
    write_expired(fake_lwa, path, token_url(via_proxy_port))
    finished = await cli_refresh(
        tmp_path,
        fake_lwa,
        path,
        HTTPS_PROXY=auth_proxy.url(USER, PASSWORD),
        SSL_CERT_FILE=str(ca.certfile),
    )
    assert finished.exit_code == 0, finished.stderr
    assert len(fake_lwa.token_requests) == 1
    # The proxy's own log: one tunnel, to the token endpoint's host and port.
    [line] = await auth_proxy.wait_for_tunnels(1)
    assert f"CONNECT {THIS_MACHINE}:{via_proxy_port}" in line
    assert_nothing_secret(finished.stdout, finished.stderr)


async def test_client_credentials_go_through_the_proxy(
    fake_lwa: FakeLWA,
    via_proxy_port: int,
    proxy: ProxyProgram,
    ca: CertificateAuthority,
    tmp_path: Path,
) -> None:
    cli = Cli(tmp_path, fake_lwa)
    cli.env.update(
        LWA_TOKEN_URL=token_url(via_proxy_port),
        https_proxy=proxy.url(),
        SSL_CERT_FILE=str(ca.certfile),
    )
    out = tmp_path / "grantless.json"
    await cli.start("client-credentials", "--scope", "appstore::apps:readwrite", "--out", str(out))
    finished = await cli.finish()
    assert finished.exit_code == 0, finished.stderr
    assert fake_lwa.token_requests[0].params["grant_type"] == "client_credentials"
    await proxy.wait_for_tunnels(1)


async def test_loopback_and_no_proxy_go_direct(
    fake_lwa: FakeLWA,
    via_proxy_port: int,
    proxy: ProxyProgram,
    ca: CertificateAuthority,
    tmp_path: Path,
) -> None:
    trust = {"SSL_CERT_FILE": str(ca.certfile), "HTTPS_PROXY": proxy.url()}
    path = tmp_path / "tokens.json"
    # 1. Loopback as written: direct, though HTTPS_PROXY is set and NO_PROXY is not.
    write_expired(fake_lwa, path, token_url(via_proxy_port, "127.0.0.1"))
    assert (await cli_refresh(tmp_path, fake_lwa, path, **trust)).exit_code == 0
    # 2. The same endpoint under a name that is not loopback, listed in NO_PROXY: direct.
    write_expired(fake_lwa, path, token_url(via_proxy_port))
    bypassed = await cli_refresh(
        tmp_path, fake_lwa, path, **trust, NO_PROXY=f"localhost,{THIS_MACHINE}"
    )
    assert bypassed.exit_code == 0, bypassed.stderr
    # 3. And without NO_PROXY, through the proxy: the log's only tunnel is this one, so the
    # two before it did not pass through (the log is written in order).
    write_expired(fake_lwa, path, token_url(via_proxy_port))
    assert (await cli_refresh(tmp_path, fake_lwa, path, **trust)).exit_code == 0
    assert len(await proxy.wait_for_tunnels(1)) == 1
    assert "CONNECT 127.0.0.1" not in proxy.log.read_text()
    assert len(fake_lwa.token_requests) == 3


@pytest.mark.skipif(sys.version_info < (3, 11), reason="TLS inside TLS needs Python 3.11")
async def test_through_an_https_proxy(
    fake_lwa: FakeLWA,
    via_proxy_port: int,
    ca: CertificateAuthority,
    tmp_path: Path,
) -> None:
    """TLS to the proxy, and TLS inside it to the token endpoint, both trusted through the
    corporate CA (Python 3.11 or newer: asyncio's TLS inside TLS)."""
    _needs_proxy_program()
    proxy_certificate = ca.issue(tmp_path / "proxy-cert", "127.0.0.1")
    async with proxy_program(tmp_path / "tls-proxy", tls=proxy_certificate) as proxy:
        path = tmp_path / "tokens.json"
        write_expired(fake_lwa, path, token_url(via_proxy_port))
        untrusted = await cli_refresh(tmp_path, fake_lwa, path, HTTPS_PROXY=proxy.url())
        assert untrusted.exit_code == 5
        assert "the proxy's TLS certificate was refused" in untrusted.stderr
        assert f"through the proxy {proxy.shown}" in untrusted.stderr

        finished = await cli_refresh(
            tmp_path, fake_lwa, path, HTTPS_PROXY=proxy.url(), SSL_CERT_FILE=str(ca.certfile)
        )
        assert finished.exit_code == 0, finished.stderr
        await proxy.wait_for_tunnels(1)
        assert len(fake_lwa.token_requests) == 1


async def test_through_the_proxy_an_untrusted_certificate_is_refused(
    fake_lwa: FakeLWA, via_proxy_port: int, proxy: ProxyProgram, tmp_path: Path
) -> None:
    path = tmp_path / "tokens.json"
    write_expired(fake_lwa, path, token_url(via_proxy_port))
    finished = await cli_refresh(tmp_path, fake_lwa, path, HTTPS_PROXY=proxy.url())
    assert finished.exit_code == 5
    assert "its TLS certificate was refused" in finished.stderr
    assert f"through the proxy {proxy.shown}" in finished.stderr
    assert "set SSL_CERT_FILE to a file of trusted certificates" in finished.stderr
    assert fake_lwa.token_requests == []


# -- a proxy that refuses or fails: exit 5, the proxy named, no credentials shown -------------
async def refresh_failing(path: Path, fake_lwa: FakeLWA) -> ExchangeError:
    with pytest.raises(ExchangeError) as caught:
        await lwa_loopback.refresh(path, client_secret=fake_lwa.client_secret)
    assert caught.value.exit_code == 5
    assert fake_lwa.token_requests == []
    assert_nothing_secret(every_text_of(caught.value))
    return caught.value


async def test_wrong_proxy_credentials_are_a_407_naming_the_proxy_not_the_credentials(
    fake_lwa: FakeLWA,
    via_proxy_port: int,
    auth_proxy: ProxyProgram,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "tokens.json"
    write_expired(fake_lwa, path, token_url(via_proxy_port))
    monkeypatch.setenv("HTTPS_PROXY", auth_proxy.url(USER, PASSWORD[::-1]))
    error = await refresh_failing(path, fake_lwa)
    message = str(error)
    assert error.status == 407 and isinstance(error, ProxyError) and error.error is None
    assert error.__cause__ is None  # the request aiohttp recorded carries the credentials
    assert f"the proxy {auth_proxy.shown} refused the user name and password" in message
    assert "HTTPS_PROXY" in message and "NO_PROXY" in message
    assert_nothing_secret(auth_proxy.log.read_text())


async def test_no_proxy_credentials_are_a_407_saying_how_to_give_them(
    fake_lwa: FakeLWA,
    via_proxy_port: int,
    auth_proxy: ProxyProgram,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "tokens.json"
    write_expired(fake_lwa, path, token_url(via_proxy_port))
    monkeypatch.setenv("https_proxy", auth_proxy.url())
    message = str(await refresh_failing(path, fake_lwa))
    assert f"the proxy {auth_proxy.shown} asks for a user name and password" in message
    assert "https_proxy has none: give them as http://USER:PASSWORD@HOST:PORT" in message


async def test_the_cli_says_407_without_the_credentials(
    fake_lwa: FakeLWA, via_proxy_port: int, auth_proxy: ProxyProgram, tmp_path: Path
) -> None:
    path = tmp_path / "tokens.json"
    write_expired(fake_lwa, path, token_url(via_proxy_port))
    before = path.read_bytes()
    finished = await cli_refresh(
        tmp_path, fake_lwa, path, HTTPS_PROXY=auth_proxy.url(USER, PASSWORD + "x")
    )
    assert finished.exit_code == 5
    assert "HTTP 407" in finished.stderr and auth_proxy.shown in finished.stderr
    assert_nothing_secret(finished.stdout, finished.stderr)
    assert path.read_bytes() == before


async def test_a_tunnel_the_proxy_cannot_open_is_its_502(
    fake_lwa: FakeLWA, proxy: ProxyProgram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tokens.json"
    with closed_port() as sock:
        write_expired(fake_lwa, path, token_url(sock.getsockname()[1]))
        monkeypatch.setenv("HTTPS_PROXY", proxy.url(USER, PASSWORD))
        error = await refresh_failing(path, fake_lwa)
    assert error.status == 502
    # A gateway's error may pass: the device flow polls on through a NetworkError.
    assert isinstance(error, NetworkError) and error.error is None
    assert f"the proxy {proxy.shown} did not open the connection to it (HTTP 502" in str(error)


async def test_a_proxy_that_is_not_there_is_named(
    fake_lwa: FakeLWA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tokens.json"
    write_expired(fake_lwa, path, "https://api.amazon.com/auth/o2/token")
    with closed_port() as sock:
        proxy = f"127.0.0.1:{sock.getsockname()[1]}"
        monkeypatch.setenv(
            "HTTPS_PROXY", f"http://{quote(USER)}:{quote(PASSWORD, safe='')}@{proxy}"
        )
        error = await refresh_failing(path, fake_lwa)
    message = str(error)
    assert f"(through the proxy http://{proxy}): could not connect to the proxy" in message
    assert "Check HTTPS_PROXY, or add api.amazon.com to NO_PROXY" in message


async def test_a_socks_proxy_is_refused_by_the_cli_with_exit_2(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    path = tmp_path / "tokens.json"
    write_expired(fake_lwa, path, "https://api.amazon.com/auth/o2/token")
    finished = await cli_refresh(
        tmp_path,
        fake_lwa,
        path,
        ALL_PROXY=f"socks5h://{USER}:{quote(PASSWORD, safe='')}@proxy:1080",
    )
    assert finished.exit_code == 2
    assert "ALL_PROXY names a SOCKS proxy (socks5h://proxy:1080)" in finished.stderr
    assert_nothing_secret(finished.stdout, finished.stderr)


# -- plain http through the proxy (HTTP_PROXY): the request is handed to the proxy whole -------
async def test_a_plain_http_request_carries_the_credentials_to_the_proxy(
    fake_lwa: FakeLWA, auth_proxy: ProxyProgram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not reachable from the options (an http:// token URL must be loopback, and loopback is
    # never proxied), but the client honours HTTP_PROXY all the same.
    await skip_unless_reached(fake_lwa.url.port or 0)
    plain = str(fake_lwa.url.with_host(THIS_MACHINE).with_path(TOKEN_PATH))
    client = Client(plain, fake_lwa.client_id, fake_lwa.client_secret)
    refresh_token = fake_lwa.issue_refresh_token()

    monkeypatch.setenv("http_proxy", auth_proxy.url(USER, PASSWORD))
    tokens = await refresh_tokens(client, refresh_token=refresh_token, scope="profile")
    assert tokens.access_token
    await _wait_for_forwarded(auth_proxy, 1)

    monkeypatch.setenv("http_proxy", auth_proxy.url(USER, "wrong"))
    with pytest.raises(ExchangeError) as caught:
        await refresh_tokens(client, refresh_token=refresh_token, scope="profile")
    assert caught.value.status == 407 and auth_proxy.shown in str(caught.value)
    assert_nothing_secret(every_text_of(caught.value))
    assert len(fake_lwa.token_requests) == 1


async def _wait_for_forwarded(proxy: ProxyProgram, count: int) -> None:
    await wait_until(lambda: len(proxy.forwarded()) >= count, "the proxy's POST line")


def test_an_unusable_proxy_stops_a_login_before_the_browser_opens(tmp_path: Path) -> None:
    """After the consent the code would be spent for nothing: the proxy is checked first."""
    import subprocess
    import sys

    from ._token_files import cli_env

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lwa_loopback",
            "login",
            "--no-browser",
            "--client-id",
            "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
            "--scope",
            "profile",
            "--redirect-uri",
            "http://127.0.0.1:8080/callback",
            "--out",
            str(tmp_path / "t.json"),
        ],
        env=cli_env(HTTPS_PROXY=f"socks5://{USER}:{PASSWORD}@proxy.corp:1080"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2, done.stderr
    assert "SOCKS" in done.stderr and "HTTPS_PROXY" in done.stderr
    assert "amazon.com/ap/oa" not in done.stderr  # no consent URL was printed
    assert PASSWORD not in done.stderr and USER not in done.stderr
