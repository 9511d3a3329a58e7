"""https:// loopback return URLs served over TLS, and a TLS handshake on a plain listener."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from yarl import URL

from lwa_loopback import ConfigurationError, login
from lwa_loopback._cli._main import main
from lwa_loopback.testing import FakeLWA, HeadlessBrowser

from ._certificates import (
    Certificate,
    TrustingBrowser,
    make_certificate,
    registering,
    tls_hello,
)
from ._cli_process import Cli, assert_no_secrets
from ._sockets import assert_port_free


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
async def https_lwa() -> Any:
    async with FakeLWA(redirect_uris=[]) as fake:  # registered as each test binds its port
        yield fake


def _https_options(
    fake_lwa: FakeLWA,
    certificate: Certificate,
    token_file: Path,
    browser: TrustingBrowser,
    host: str = "127.0.0.1",
) -> dict[str, Any]:
    return {
        **fake_lwa.login_options(),
        "redirect_uri": f"https://{host}:0/callback",
        "scope": "profile",
        "token_file": token_file,
        "timeout": 10.0,
        "certfile": certificate.certfile,
        "keyfile": certificate.keyfile,
        "open_browser": registering(fake_lwa, browser),
    }


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_login_over_https(
    https_lwa: FakeLWA, certificate: Certificate, token_file: Path, host: str
) -> None:
    browser = TrustingBrowser(context=certificate.client_context())

    tokens = await login(**_https_options(https_lwa, certificate, token_file, browser, host))

    assert json.loads(token_file.read_text())["access_token"] == tokens.access_token
    assert browser.last_page.status == 200
    assert "Signed in" in browser.last_page.text
    assert browser.last_page.url.startswith(f"https://{host}:")
    [redirect_uri] = https_lwa.redirect_uris or set()
    assert https_lwa.token_requests[0].params["redirect_uri"] == redirect_uri
    assert_port_free(URL(redirect_uri).port or 0)


async def test_a_browser_that_distrusts_the_certificate_is_not_the_end(
    https_lwa: FakeLWA, certificate: Certificate, token_file: Path
) -> None:
    # The first visit fails verification (an unknown self-signed certificate), as a browser's
    # warning page would; the person accepts it and the second visit finishes the login.
    wary, trusting = HeadlessBrowser(), TrustingBrowser(context=certificate.client_context())
    failures: list[BaseException] = []

    async def open_twice(url: str) -> None:
        try:
            await wary(url)
        except Exception as exc:  # aiohttp's certificate error
            failures.append(exc)
        await trusting(url)

    options = _https_options(https_lwa, certificate, token_file, trusting)
    tokens = await login(**{**options, "open_browser": registering(https_lwa, open_twice)})

    assert tokens.access_token
    assert len(failures) == 1
    assert "certificate" in str(failures[0]).lower()


async def test_https_without_a_certificate_says_how_to_make_one() -> None:
    with pytest.raises(ConfigurationError) as caught:
        await login(
            client_id="amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
            scope="profile",
            redirect_uri="https://127.0.0.1:8443/callback",
            open_browser=None,
        )

    message = str(caught.value)
    # The library names its parameters; the command line says --certfile (test_cli_names_flags).
    for hint in ("`certfile`", "`keyfile`", "mkcert", "openssl req", "`paste`"):
        assert hint in message
    assert "--" not in message.replace("-----", "")


def test_cli_names_flags_where_the_library_names_parameters(tmp_path: Path) -> None:
    code, output = _cli_usage(tmp_path, "--redirect-uri", "https://127.0.0.1:8443/callback")

    assert code == 2
    for hint in ("--certfile", "--keyfile", "--paste", "mkcert"):
        assert hint in output
    assert "`certfile`" not in output


def _cli_usage(tmp_path: Path, *args: str) -> tuple[int, str]:
    # The test holds the port: had the command tried to listen before refusing its options,
    # it would exit 6 (port in use) instead of with the usage error.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        result = CliRunner().invoke(
            main,
            [
                "login",
                "--client-id",
                "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
                "--scope",
                "profile",
                "--redirect-uri",
                f"https://127.0.0.1:{held.getsockname()[1]}/callback",
                "--no-browser",
                "--out",
                str(tmp_path / "tokens.json"),
                *args,
            ],
            env={"LWA_CLIENT_SECRET": "x", "LWA_CERTFILE": None, "LWA_KEYFILE": None},
        )
    assert "Cannot listen" not in result.output
    return result.exit_code, result.output


def test_cli_https_without_a_certificate_exits_2(tmp_path: Path) -> None:
    code, output = _cli_usage(tmp_path)

    assert code == 2, output
    assert "error: The redirect URI https://127.0.0.1:" in output
    assert "mkcert" in output
    assert "Traceback" not in output
    assert "Open this address" not in output


def test_cli_unusable_certificates_exit_2(tmp_path: Path, certificate: Certificate) -> None:
    missing = tmp_path / "nowhere.pem"
    encrypted = tmp_path / "encrypted.pem"
    encrypted.write_text(_encrypted_key())
    cases = [
        (["--certfile", str(missing)], "No such file"),
        (["--certfile", str(certificate.keyfile)], "Cannot use the certificate"),
        (["--certfile", str(certificate.certfile), "--keyfile", str(encrypted)], "passphrase"),
    ]
    for args, said in cases:
        code, output = _cli_usage(tmp_path, *args)
        assert code == 2, output
        assert said in output, output


def _encrypted_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"a passphrase"),
    ).decode()


async def test_cli_https_login_with_certificate_from_the_environment(
    https_lwa: FakeLWA, certificate: Certificate, tmp_path: Path
) -> None:
    cli = Cli(tmp_path, https_lwa)
    cli.env.update(
        LWA_REDIRECT_URI="https://127.0.0.1:0/callback",
        LWA_CERTFILE=str(certificate.certfile),
        LWA_KEYFILE=str(certificate.keyfile),
    )
    await cli.start("login", "--no-browser")
    browser = TrustingBrowser(context=certificate.client_context())
    await registering(https_lwa, browser)(await cli.consent_url())

    done = await cli.finish()

    assert done.exit_code == 0, done.stderr
    assert "Signed in" in browser.last_page.text
    assert cli.redirect_uri.startswith("https://127.0.0.1:")
    assert f"Listening on {cli.redirect_uri}" in done.stderr
    assert https_lwa.token_requests[0].params["redirect_uri"] == cli.redirect_uri
    assert_no_secrets(done.stderr, https_lwa, cli.default_file)
    assert_port_free(cli.port)


# -- TLS arriving at a plain http:// listener ---------------------------------------------------
async def test_tls_on_the_plain_listener_is_explained_once_and_the_wait_goes_on(
    options: dict[str, Any], browser: HeadlessBrowser, caplog: pytest.LogCaptureFixture
) -> None:
    handshakes: list[BaseException | None] = []

    async def upgrading_browser(url: str) -> None:
        return_url = URL(URL(url).query["redirect_uri"])
        for _ in range(2):  # a browser retries: still one hint
            handshakes.append(await tls_hello(return_url.host or "", return_url.port or 0))
        await browser(url)

    tokens = await login(**{**options, "open_browser": upgrading_browser})

    assert tokens.access_token
    assert browser.last_page.status == 200
    assert len(handshakes) == 2
    assert all(failure is not None for failure in handshakes)
    hints = [r for r in caplog.records if "spoke TLS" in r.getMessage()]
    assert len(hints) == 1
    assert hints[0].levelno == logging.WARNING
    for way_out in ("`certfile` and `keyfile`", "HSTS", "`paste`", "Still waiting"):
        assert way_out in hints[0].getMessage()


async def test_cli_prints_the_tls_hint_on_one_line(cli: Cli) -> None:
    await cli.start("login", "--no-browser")
    consent_url = await cli.consent_url()
    assert await tls_hello("127.0.0.1", cli.port) is not None
    await HeadlessBrowser()(consent_url)

    done = await cli.finish()

    assert done.exit_code == 0, done.stderr
    [hint] = [line for line in done.stderr.splitlines() if "spoke TLS" in line]
    assert hint.startswith(f"warning: A browser spoke TLS (https) to http://127.0.0.1:{cli.port}/")


async def test_a_certificate_for_an_http_return_url_is_reported_unused(
    options: dict[str, Any], certificate: Certificate, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = await login(**options, certfile=certificate.certfile)

    assert tokens.access_token
    assert "are not used: the redirect URI is http://" in caplog.text
