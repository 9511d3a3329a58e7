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
from pathlib import Path
from typing import Any

import pytest

from lwa_loopback import ExchangeError, login
from lwa_loopback._exchange import Client, refresh_tokens
from lwa_loopback.testing import FakeLWA, HeadlessBrowser, TokenFailure

from ._certificates import make_certificate
from ._cli_process import Cli, Finished
from ._faulty_endpoints import (
    FaultyEndpoint,
    bad_request,
    never_answer,
    refused_port,
    reset_mid_response,
    tls_only,
)
from ._pending_login import raw_request, status_of
from ._sockets import assert_port_free


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
def assert_exit_5(done: Finished, cause: str, folder: Path) -> None:
    assert done.exit_code == 5, done.stderr
    assert cause in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == "" and not (folder / "tokens.json").exists()


@pytest.mark.parametrize(
    ("behaviour", "tls", "cause"),
    [
        (reset_mid_response, False, "the connection failed"),
        (tls_only, True, "TLS certificate was refused"),
    ],
)
async def test_the_command_exits_5_naming_the_cause(
    cli: Cli, tmp_path: Path, behaviour: Any, tls: bool, cause: str
) -> None:
    tls_context = untrusted_tls(tmp_path / "tls") if tls else None
    endpoint = await FaultyEndpoint(behaviour, tls=tls_context).start()
    try:
        cli.env["LWA_TOKEN_URL"] = endpoint.token_url
        done = await cli.login("--out", str(tmp_path / "tokens.json"))
    finally:
        await endpoint.close()
    assert_exit_5(done, cause, tmp_path)


async def test_the_command_exits_5_on_a_server_error(
    cli: Cli, fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    fake_lwa.token_failure = TokenFailure.SERVER_ERROR
    assert_exit_5(await cli.login("--out", str(tmp_path / "tokens.json")), "HTTP 500", tmp_path)
    assert len(fake_lwa.token_requests) == 1


# -- the token file cannot be written: exit 7, the tokens on stdout ------------------------------
async def assert_tokens_kept(
    done: Finished, fake_lwa: FakeLWA, folder: Path, *placed: Path
) -> None:
    assert done.exit_code == 7, done.stderr
    assert "Traceback" not in done.stderr and "save them now" in done.stderr
    printed = json.loads(done.stdout)
    assert printed["access_token"].startswith("Atza|fake.")
    # Nothing lost: the printed refresh token works, so the login need not be repeated.
    client = Client(
        token_url=fake_lwa.token_url,
        client_id=fake_lwa.client_id,
        client_secret=fake_lwa.client_secret,
    )
    renewed = await refresh_tokens(client, refresh_token=printed["refresh_token"], scope="profile")
    assert renewed.access_token.startswith("Atza|fake.")
    # No partial token file, no temporary file left: only what the test itself put there (and
    # the lock file, which is never removed: see _token_file.py).
    left = {p for p in folder.rglob("*") if p.is_file() and p.suffix != ".lock"}
    assert left == set(placed)


async def test_a_file_where_the_folder_should_be_is_refused_before_anything_is_spent(
    cli: Cli, fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    (tmp_path / "in-the-way").write_text("")
    done = await cli.login("--out", str(tmp_path / "in-the-way" / "tokens.json"), browse=False)
    assert done.exit_code == 2 and "Cannot write the token file" in done.stderr
    assert "Traceback" not in done.stderr
    assert fake_lwa.requests == []


async def test_the_folder_cannot_be_created_after_the_login_started(
    cli: Cli, fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    folder = tmp_path / "config" / "lwa-loopback"
    await cli.start("login", "--no-browser", "--out", str(folder / "tokens.json"))
    url = await cli.consent_url()
    folder.rmdir()  # checked and made at the start; replaced by a file meanwhile
    folder.write_text("")
    await HeadlessBrowser()(url)
    await assert_tokens_kept(await cli.finish(), fake_lwa, tmp_path, folder)


async def test_the_path_turns_into_a_folder_during_the_login(
    cli: Cli, fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    token_file = tmp_path / "tokens.json"
    await cli.start("login", "--no-browser", "--out", str(token_file))
    url = await cli.consent_url()
    token_file.mkdir()  # after the command checked its options: only the write can notice
    await HeadlessBrowser()(url)
    await assert_tokens_kept(await cli.finish(), fake_lwa, tmp_path)


async def test_a_write_that_fails_part_way(cli: Cli, fake_lwa: FakeLWA, tmp_path: Path) -> None:
    """RLIMIT_FSIZE makes the write fail after its first bytes (EFBIG), as a full disk would
    (ENOSPC): the half-written temporary file must not be left behind."""

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))

    # Were the suite measured by coverage.py, it could not save this process's data under the
    # limit either (and would leave a broken data file): this process goes unmeasured.
    for name in ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START"):
        cli.env.pop(name, None)
    await cli.start(
        "login", "--no-browser", "--out", str(tmp_path / "tokens.json"), preexec_fn=small_files
    )
    await HeadlessBrowser()(await cli.consent_url())
    done = await cli.finish()
    assert "File too large" in done.stderr
    await assert_tokens_kept(done, fake_lwa, tmp_path)


async def test_a_folder_given_as_the_path_is_refused_before_anything_is_spent(
    cli: Cli, fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    done = await cli.login("--out", str(tmp_path), browse=False)
    assert done.exit_code == 2 and "is a directory" in done.stderr
    assert fake_lwa.requests == []


# -- signals while waiting -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("signum", "exit_code", "said"),
    [
        (signal.SIGINT, 130, "Cancelled."),
        (signal.SIGTERM, 143, "Terminated."),
    ],
)
async def test_a_signal_while_waiting_frees_the_port_at_once(
    cli: Cli, fake_lwa: FakeLWA, tmp_path: Path, signum: int, exit_code: int, said: str
) -> None:
    await cli.start("login", "--no-browser", "--out", str(tmp_path / "out" / "tokens.json"))
    await cli.consent_url()
    # Serving: a stray request is answered, and a malformed one leaves no traceback behind.
    stray = await asyncio.to_thread(raw_request, cli.port, b"GET /favicon.ico HTTP/1.0\r\n\r\n")
    assert status_of(stray) == 404
    malformed = b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"
    assert status_of(await asyncio.to_thread(raw_request, cli.port, malformed)) == 400
    cli.send_signal(signum)
    done = await cli.finish()
    assert (done.exit_code, done.stdout) == (exit_code, "")
    assert said in done.stderr and "Traceback" not in done.stderr
    assert "Error handling" not in done.stderr
    assert_port_free(cli.port)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert not cli.default_file.exists()
    assert fake_lwa.token_requests == []
