"""Faults: a failing token endpoint, a token file that cannot be written, signals.

A token request that may have reached LWA is never sent again (the single-use code would be
spent); only a failure to connect is retried. Tokens obtained are never lost: when the file
cannot be written they go to stdout. A signal while waiting frees the port at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import signal
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lwa_loopback import ExchangeError, login
from lwa_loopback._exchange import Client, refresh_tokens
from lwa_loopback._loopback import bind, parse_return_url
from lwa_loopback._sync import LoopThread
from lwa_loopback.testing import FakeLWA, HeadlessBrowser, TokenFailure

from ._fault_helpers import (
    FaultyEndpoint,
    bad_request,
    never_answer,
    refused_port,
    reset_mid_response,
    tls_only,
)
from ._hostile_helpers import CliLogin, raw_request, redirect_port, status_of
from ._paste_https_helpers import make_certificate


def untrusted_tls(folder: Path) -> ssl.SSLContext:
    """A server context with a self-signed certificate, which no client trusts."""
    certificate = make_certificate(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate.certfile, certificate.keyfile)
    return context


def assert_failed_cleanly(error: ExchangeError, browser: HeadlessBrowser, token_file: Path) -> None:
    assert "ANfake" not in str(error)  # the code never shows in a message
    assert browser.last_page.status == 502
    assert not token_file.exists()


# -- the token endpoint, through the library ----------------------------------------------------
async def test_connection_refused_is_retried_then_reported(
    options: dict[str, Any], browser: HeadlessBrowser, token_file: Path
) -> None:
    with contextlib.closing(refused_port()) as closed:
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/auth/o2/token"
        with pytest.raises(ExchangeError, match="could not connect") as caught:
            await login(**{**options, "token_url": url})
    assert_failed_cleanly(caught.value, browser, token_file)


@pytest.mark.parametrize(
    ("behaviour", "cause"),
    [
        (reset_mid_response, "the connection failed"),
        (never_answer, "no answer within 0.5 seconds"),
    ],
)
async def test_a_request_that_reached_the_endpoint_is_sent_once(
    options: dict[str, Any],
    browser: HeadlessBrowser,
    token_file: Path,
    behaviour: Any,
    cause: str,
) -> None:
    endpoint = await FaultyEndpoint(behaviour).start()
    try:
        with pytest.raises(ExchangeError, match=cause) as caught:
            await login(**{**options, "token_url": endpoint.token_url, "request_timeout": 0.5})
    finally:
        await endpoint.close()
    assert (endpoint.connections, endpoint.requests) == (1, 1)
    assert_failed_cleanly(caught.value, browser, token_file)


@pytest.mark.parametrize(
    ("failure", "cause"),
    [
        (TokenFailure.SERVER_ERROR, "HTTP 500 with a body that is not JSON"),
        (TokenFailure.NOT_JSON, "HTTP 200 with a body that is not JSON"),
        (TokenFailure.INVALID_GRANT, "invalid_grant"),
    ],
)
async def test_an_endpoint_error_is_reported_and_not_retried(
    options: dict[str, Any],
    lwa: FakeLWA,
    browser: HeadlessBrowser,
    token_file: Path,
    failure: TokenFailure,
    cause: str,
) -> None:
    lwa.token_failure = failure
    with pytest.raises(ExchangeError, match=cause) as caught:
        await login(**options)
    assert len(lwa.token_requests) == 1
    assert_failed_cleanly(caught.value, browser, token_file)


async def test_an_untrusted_certificate_is_refused_before_anything_is_sent(
    options: dict[str, Any], browser: HeadlessBrowser, token_file: Path, tmp_path: Path
) -> None:
    endpoint = await FaultyEndpoint(tls_only, tls=untrusted_tls(tmp_path / "tls")).start()
    try:
        with pytest.raises(ExchangeError, match="TLS certificate was refused") as caught:
            await login(**{**options, "token_url": endpoint.token_url})
    finally:
        await endpoint.close()
    assert endpoint.requests == 0
    assert_failed_cleanly(caught.value, browser, token_file)


async def test_tls_to_a_plain_http_port_fails_once(
    options: dict[str, Any], browser: HeadlessBrowser, token_file: Path
) -> None:
    endpoint = await FaultyEndpoint(bad_request, speaks_http=False).start()
    https_url = endpoint.token_url.replace("http://", "https://")
    try:
        with pytest.raises(ExchangeError, match="TLS") as caught:
            await login(**{**options, "token_url": https_url})
    finally:
        await endpoint.close()
    assert endpoint.connections == 1  # a handshake that failed is not tried again
    assert_failed_cleanly(caught.value, browser, token_file)


# -- the same through the command: exit 5, the cause named, no traceback -------------------------
@pytest.fixture
def background() -> Iterator[LoopThread]:
    with LoopThread("faulty-endpoint") as worker:
        yield worker


@pytest.fixture
def fake() -> Iterator[FakeLWA]:
    with FakeLWA().in_background() as lwa:
        yield lwa


def sign_in(cli: CliLogin, lwa: FakeLWA) -> tuple[int, str, str]:
    HeadlessBrowser().open(cli.consent_url(lwa.authorize_url))
    return cli.wait()


def assert_exit_5(result: tuple[int, str, str], cause: str, folder: Path) -> None:
    code, out, err = result
    assert code == 5, err
    assert cause in err and "Traceback" not in err
    assert out == "" and not (folder / "tokens.json").exists()


@pytest.mark.parametrize(
    ("behaviour", "tls", "cause"),
    [
        (reset_mid_response, False, "the connection failed"),
        (tls_only, True, "TLS certificate was refused"),
    ],
)
def test_the_command_exits_5_naming_the_cause(
    tmp_path: Path, fake: FakeLWA, background: LoopThread, behaviour: Any, tls: bool, cause: str
) -> None:
    tls_context = untrusted_tls(tmp_path / "tls") if tls else None
    endpoint = background.run(FaultyEndpoint(behaviour, tls=tls_context).start())
    try:
        cli = CliLogin(fake, tmp_path / "tokens.json", token_url=endpoint.token_url)
        assert_exit_5(sign_in(cli, fake), cause, tmp_path)
    finally:
        background.run(endpoint.close())


def test_the_command_exits_5_on_a_server_error(tmp_path: Path, fake: FakeLWA) -> None:
    fake.token_failure = TokenFailure.SERVER_ERROR
    assert_exit_5(sign_in(CliLogin(fake, tmp_path / "tokens.json"), fake), "HTTP 500", tmp_path)
    assert len(fake.token_requests) == 1


# -- the token file cannot be written: exit 7, the tokens on stdout ------------------------------
def assert_tokens_kept(
    code: int, out: str, err: str, lwa: FakeLWA, folder: Path, *placed: Path
) -> None:
    assert code == 7, err
    assert "Traceback" not in err and "save them now" in err
    printed = json.loads(out)
    # Nothing lost: the printed refresh token works, so the login need not be repeated.
    client = Client(
        token_url=lwa.token_url, client_id=lwa.client_id, client_secret=lwa.client_secret
    )
    renewed = asyncio.run(
        refresh_tokens(client, refresh_token=printed["refresh_token"], scope="profile")
    )
    assert renewed.access_token.startswith("Atza|fake.")
    # No partial token file, no temporary file left: only what the test itself put there (and
    # the lock file, which is never removed: see _lock.py).
    left = {p for p in folder.rglob("*") if p.is_file() and p.suffix != ".lock"}
    assert left == set(placed)


def test_a_file_where_the_folder_should_be_is_refused_before_anything_is_spent(
    tmp_path: Path, fake: FakeLWA
) -> None:
    (tmp_path / "in-the-way").write_text("")
    code, _, err = CliLogin(fake, tmp_path / "in-the-way" / "tokens.json").wait()
    assert code == 2 and "Cannot write the token file" in err
    assert fake.requests == []


def test_the_folder_cannot_be_created_after_the_login_started(
    tmp_path: Path, fake: FakeLWA
) -> None:
    folder = tmp_path / "config" / "lwa-loopback"
    cli = CliLogin(fake, folder / "tokens.json")
    url = cli.consent_url(fake.authorize_url)
    folder.rmdir()  # checked and made at the start; replaced by a file meanwhile
    folder.write_text("")
    HeadlessBrowser().open(url)
    assert_tokens_kept(*cli.wait(), fake, tmp_path, folder)


def test_the_path_turns_into_a_folder_during_the_login(tmp_path: Path, fake: FakeLWA) -> None:
    token_file = tmp_path / "tokens.json"
    cli = CliLogin(fake, token_file)
    url = cli.consent_url(fake.authorize_url)
    token_file.mkdir()  # after the command checked its options: only the write can notice
    HeadlessBrowser().open(url)
    assert_tokens_kept(*cli.wait(), fake, tmp_path)


def test_a_write_that_fails_part_way(tmp_path: Path, fake: FakeLWA) -> None:
    """RLIMIT_FSIZE makes the write fail after its first bytes (EFBIG), as a full disk would
    (ENOSPC): the half-written temporary file must not be left behind."""

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))

    cli = CliLogin(fake, tmp_path / "tokens.json", preexec_fn=small_files)
    code, out, err = sign_in(cli, fake)
    assert "File too large" in err
    assert_tokens_kept(code, out, err, fake, tmp_path)


def test_a_folder_given_as_the_path_is_refused_before_anything_is_spent(
    tmp_path: Path, fake: FakeLWA
) -> None:
    cli = CliLogin(fake, tmp_path)
    code, _, err = cli.wait()
    assert code == 2 and "is a directory" in err
    assert fake.requests == []


# -- signals while waiting -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("signum", "exit_code", "said"),
    [
        (signal.SIGINT, 130, "Cancelled."),
        (signal.SIGTERM, 143, "Terminated."),
    ],
)
def test_a_signal_while_waiting_frees_the_port_at_once(
    tmp_path: Path, fake: FakeLWA, signum: int, exit_code: int, said: str
) -> None:
    cli = CliLogin(fake, tmp_path / "out" / "tokens.json")
    consent_url = cli.consent_url(fake.authorize_url)
    port = redirect_port(consent_url)
    # Serving: a stray request is answered, and a malformed one leaves no traceback behind.
    assert status_of(raw_request(port, b"GET /favicon.ico HTTP/1.0\r\n\r\n")) == 404
    assert status_of(raw_request(port, b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")) == 400
    cli.proc.send_signal(signum)
    code, out, err = cli.wait()
    assert (code, out) == (exit_code, "")
    assert said in err and "Traceback" not in err and "Error handling" not in err
    for sock in bind(parse_return_url(f"http://127.0.0.1:{port}/callback")):
        sock.close()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert fake.token_requests == []
