"""What a token endpoint answers is untrusted: bounded in size, checked before use, and read for
what it says (the granted scope, a rotated refresh token). Real sockets throughout: the fake LWA
server, and raw endpoints that misbehave as no honest server would."""

from __future__ import annotations

import asyncio
import gzip
import json
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import pytest

from lwa_loopback import ConsentError, ExchangeError, Tokens, login, read_token_file, refresh
from lwa_loopback._transport import MAX_BODY

from ._faulty_endpoints import FaultyEndpoint
from ._token_files import EXPIRED_AGE, make_token_file
from .test_token_cli import invoke

LWA = "https://api.amazon.com/auth/o2/token"


def answer(body: bytes, *headers: str, status: str = "200 OK") -> Any:
    """An endpoint behaviour: one HTTP response with ``body`` and extra ``headers``."""

    async def respond(writer: asyncio.StreamWriter) -> None:
        head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *headers, "", ""]
        writer.write("\r\n".join(head).encode() + body)
        await writer.drain()

    return respond


async def endless_chunks(writer: asyncio.StreamWriter) -> None:
    """A chunked body that never ends: it stops only when the client hangs up, or at a bound.
    ``ENDLESS_SENT`` counts what the client let through."""
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"x" * 65536
    while ENDLESS_SENT[0] < 512 * 1024 * 1024:
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        await writer.drain()  # blocks once the client stops reading
        ENDLESS_SENT[0] += len(chunk)


ENDLESS_SENT = [0]


async def refresh_against(endpoint: FaultyEndpoint, token_file: Path, fake_lwa: Any) -> Tokens:
    """Refresh an expired token file whose token_url is ``endpoint``; what refresh() returns."""
    await endpoint.start()
    try:
        make_token_file(fake_lwa, token_file, age=EXPIRED_AGE, token_url=endpoint.token_url)
        return await refresh(token_file, client_secret=fake_lwa.client_secret)
    finally:
        await endpoint.close()


# -- size ---------------------------------------------------------------------------------------
async def test_an_endless_body_is_cut_off_with_memory_bounded(
    fake_lwa: Any, token_file: Path
) -> None:
    ENDLESS_SENT[0] = 0
    tracemalloc.start()
    try:
        with pytest.raises(ExchangeError, match=f"larger than {MAX_BODY // 1024} KiB") as caught:
            await refresh_against(FaultyEndpoint(endless_chunks), token_file, fake_lwa)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert caught.value.exit_code == 5
    assert peak < 16 * 1024 * 1024  # the body was never held whole
    assert MAX_BODY < ENDLESS_SENT[0] < 64 * 1024 * 1024  # the client hung up early


async def test_a_large_plain_body_is_refused(fake_lwa: Any, token_file: Path) -> None:
    body = json.dumps({"access_token": "Atza|x", "pad": "x" * (2 * 1024 * 1024)}).encode()

    with pytest.raises(ExchangeError, match=f"larger than {MAX_BODY // 1024} KiB"):
        await refresh_against(FaultyEndpoint(answer(body)), token_file, fake_lwa)


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
async def test_a_compression_bomb_is_refused_as_it_inflates(
    fake_lwa: Any, token_file: Path, coding: str
) -> None:
    inflated = b'{"pad": "' + b"0" * (64 * 1024 * 1024) + b'"}'
    bomb = gzip.compress(inflated, 9) if coding == "gzip" else zlib.compress(inflated, 9)
    assert len(bomb) < 128 * 1024
    endpoint = FaultyEndpoint(answer(bomb, f"Content-Encoding: {coding}"))

    tracemalloc.start()
    try:
        with pytest.raises(ExchangeError, match=f"larger than {MAX_BODY // 1024} KiB"):
            await refresh_against(endpoint, token_file, fake_lwa)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < 16 * 1024 * 1024


async def test_a_compressed_answer_within_the_limit_is_read(
    fake_lwa: Any, token_file: Path
) -> None:
    body = gzip.compress(
        json.dumps(
            {"access_token": "Atza|zipped", "token_type": "bearer", "expires_in": 3600}
        ).encode()
    )
    endpoint = FaultyEndpoint(answer(body, "Content-Encoding: gzip"))
    tokens = await refresh_against(endpoint, token_file, fake_lwa)

    assert tokens.access_token == "Atza|zipped"


async def test_an_encoding_that_was_not_offered_is_refused(fake_lwa: Any, token_file: Path) -> None:
    endpoint = FaultyEndpoint(answer(b"\x00\x01", "Content-Encoding: br"))

    with pytest.raises(ExchangeError, match="coding it was not offered"):
        await refresh_against(endpoint, token_file, fake_lwa)


# -- shape --------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", ["200 OK", "400 Bad Request"])
async def test_a_json_depth_bomb_is_an_exchange_error(
    fake_lwa: Any, token_file: Path, status: str
) -> None:
    bomb = b"[" * 30_000 + b"]" * 30_000  # deep, yet within the size limit

    with pytest.raises(ExchangeError, match="not JSON") as caught:
        await refresh_against(FaultyEndpoint(answer(bomb, status=status)), token_file, fake_lwa)
    assert caught.value.exit_code == 5


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"access_token": "Atza|a\r\nX-Evil: 1"}, "white space or control characters"),
        ({"access_token": "Atza|a b"}, "white space or control characters"),
        ({"access_token": "Atza|\x1b[31m"}, "white space or control characters"),
        ({"refresh_token": "Atzr|r\n"}, "white space or control characters"),
        ({"token_type": "mac"}, "not bearer"),
        ({"token_type": "DPoP"}, "not bearer"),
    ],
)
async def test_unusable_tokens_are_refused_and_the_file_kept(
    fake_lwa: Any, token_file: Path, fields: dict[str, str], said: str
) -> None:
    payload = {"access_token": "Atza|ok", "token_type": "bearer", "expires_in": 3600, **fields}
    endpoint = FaultyEndpoint(answer(json.dumps(payload).encode()))

    with pytest.raises(ExchangeError, match=said):
        await refresh_against(endpoint, token_file, fake_lwa)
    assert read_token_file(token_file).access_token.startswith("Atza|fake.old.")


@pytest.mark.parametrize("token_type", ["bearer", "Bearer", "BEARER"])
async def test_bearer_in_any_case_is_accepted(
    fake_lwa: Any, token_file: Path, token_type: str
) -> None:
    payload = {"access_token": "Atza|ok", "token_type": token_type, "expires_in": 3600}
    endpoint = FaultyEndpoint(answer(json.dumps(payload).encode()))
    tokens = await refresh_against(endpoint, token_file, fake_lwa)
    assert tokens.access_token == "Atza|ok"


# -- what the server says -------------------------------------------------------------------------
async def test_the_granted_scope_is_the_token_responses(
    options: dict[str, Any], fake_lwa: Any, token_file: Path
) -> None:
    fake_lwa.scope_in_token_response = True  # as node-oidc-provider and Authlib answer
    fake_lwa.granted_scopes = {"profile"}

    tokens = await login(**{**options, "scope": "profile postal_code"})

    assert tokens.scope == "profile"
    assert json.loads(token_file.read_text())["scope"] == "profile"
    assert invoke("show", "--file", str(token_file)).stdout.count("postal_code") == 0


async def test_the_redirects_scope_counts_when_the_token_response_has_none(
    options: dict[str, Any], fake_lwa: Any
) -> None:
    fake_lwa.granted_scopes = {"profile"}  # LWA's way: the redirect says what was granted

    tokens = await login(**{**options, "scope": "profile postal_code"})

    assert tokens.scope == "profile"


async def test_a_refresh_answer_with_a_scope_updates_the_file(
    fake_lwa: Any, token_file: Path
) -> None:
    payload = {"access_token": "Atza|n", "token_type": "bearer", "expires_in": 60, "scope": "a"}
    endpoint = FaultyEndpoint(answer(json.dumps(payload).encode()))
    await refresh_against(endpoint, token_file, fake_lwa)

    assert read_token_file(token_file).scope == "a"


async def test_a_rotated_refresh_token_replaces_the_old_one(
    fake_lwa: Any, token_file: Path
) -> None:
    fake_lwa.rotate_refresh_tokens = True
    old = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)

    first = await refresh(token_file, client_secret=fake_lwa.client_secret)
    second = await refresh(token_file, client_secret=fake_lwa.client_secret)  # works: the new one

    assert first.refresh_token not in (None, old.refresh_token)
    assert read_token_file(token_file).refresh_token == second.refresh_token


# -- naming the server ---------------------------------------------------------------------------
async def test_another_servers_refusal_is_not_blamed_on_lwa(
    fake_lwa: Any, token_file: Path
) -> None:
    body = json.dumps({"error": "invalid_grant", "error_description": "Token revoked."}).encode()
    endpoint = FaultyEndpoint(answer(body, status="400 Bad Request"))

    with pytest.raises(ExchangeError) as caught:
        await refresh_against(endpoint, token_file, fake_lwa)

    message = str(caught.value)
    assert message.startswith("127.0.0.1:")
    assert "LWA" not in message and "Amazon" not in message
    assert "Token revoked. " in message and "revoked.." not in message


async def test_another_servers_consent_error_is_named_by_its_host(
    options: dict[str, Any], fake_lwa: Any
) -> None:
    fake_lwa.consent_error = "access_denied"

    with pytest.raises(ConsentError) as caught:
        await login(**options)

    assert str(caught.value).startswith(
        f"{fake_lwa.url.host}:{fake_lwa.url.port} did not grant access"
    )
    assert "Login with Amazon" not in str(caught.value)
    assert "user denied the request). " in str(caught.value)


def test_show_names_the_server_or_the_region(fake_lwa: Any, token_file: Path) -> None:
    make_token_file(fake_lwa, token_file)
    elsewhere = invoke("show", "--file", str(token_file)).stdout

    data = json.loads(token_file.read_text())
    token_file.write_text(json.dumps({**data, "token_url": LWA}))
    at_lwa = invoke("show", "--file", str(token_file)).stdout

    assert f"Server:         {fake_lwa.url.host}:{fake_lwa.url.port}" in elsewhere
    assert "Region" not in elsewhere
    assert "Region:         na" in at_lwa


@pytest.mark.parametrize(
    ("sent", "said"),
    [
        (False, "the login ran without a client secret"),
        (True, "issued none although the client secret was sent"),
        (None, "either the login ran without a client secret, or"),
    ],
)
def test_a_missing_refresh_token_is_explained_by_what_was_sent(
    fake_lwa: Any, token_file: Path, sent: bool | None, said: str
) -> None:
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE, with_refresh_token=False)
    data = json.loads(token_file.read_text())
    data.pop("client_secret_sent", None)
    if sent is not None:
        data["client_secret_sent"] = sent
    token_file.write_text(json.dumps(data))

    result = invoke("token", "--file", str(token_file))

    assert result.exit_code == 8
    assert said in " ".join(result.stderr.split())


# -- the command's own words ---------------------------------------------------------------------
@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_a_timeout_that_is_not_a_finite_number_is_a_usage_error(value: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lwa_loopback._cli._main import main

    result = CliRunner().invoke(
        main,
        [
            "login",
            "--client-id",
            "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
            "--scope",
            "profile",
            "--no-browser",
            "--timeout",
            value,
            "--redirect-uri",
            "http://127.0.0.1:0/cb",
            "--authorize-url",
            "http://127.0.0.1:9/",
            "--out",
            str(tmp_path / "t.json"),
        ],
    )

    assert result.exit_code == 2
    assert "--timeout" in result.output and "Traceback" not in result.output
    assert "http://127.0.0.1:9/?" not in result.output  # refused before any consent URL


async def test_the_command_names_another_server_and_why_no_refresh_token_came(
    fake_lwa: Any, tmp_path: Path
) -> None:
    from ._cli_process import Cli

    payload = {"access_token": "Atza|x", "token_type": "bearer", "expires_in": 3600}
    endpoint = await FaultyEndpoint(answer(json.dumps(payload).encode())).start()
    try:
        cli = Cli(tmp_path, fake_lwa)
        cli.env["LWA_TOKEN_URL"] = endpoint.token_url
        done = await cli.login()
    finally:
        await endpoint.close()

    assert done.exit_code == 0, done.stderr
    assert f"sign in with {fake_lwa.url.host}:{fake_lwa.url.port}:" in done.stderr
    assert "issued none although the client secret was sent" in " ".join(done.stderr.split())
