"""The listener under hostile and odd input, over real sockets, while a login waits.

Whatever arrives, the flow must not crash, must not end, must not reach the token endpoint
unless path, Host and state are right, and must never reflect input unescaped. Then the real
redirect still completes.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lwa_loopback import _pages
from lwa_loopback._loopback import bind, parse_return_url
from lwa_loopback._receiver import Receiver
from lwa_loopback._redirect import Authorized

from ._pending_login import WAIT, PendingLogin, closed_by_peer, raw_request, status_of

MARKER = "<x-evil>"  # any of it coming back unescaped would be markup the browser runs
EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def pending(tmp_path: Path) -> Iterator[PendingLogin]:
    with PendingLogin(tmp_path / "tokens.json") as flow:
        yield flow


def assert_completes(pending: PendingLogin) -> None:
    """Nothing so far reached the token endpoint; the real redirect still signs in."""
    assert pending.waiting
    assert pending.lwa.token_requests == []
    tokens = pending.finish()
    assert pending.browser.last_page.status == 200
    assert len(pending.lwa.token_requests) == 1
    assert tokens.access_token in pending.token_file.read_text()


def assert_refused(response: bytes) -> None:
    status = status_of(response)
    assert status is None or 400 <= status < 500, response[:200]
    assert MARKER.encode() not in response


# -- strategies --------------------------------------------------------------------------------
odd_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40
).map(lambda s: s + MARKER)
methods = st.sampled_from(
    [
        "GET",
        "HEAD",
        "POST",
        "PUT",
        "DELETE",
        "OPTIONS",
        "PATCH",
        "TRACE",
        "CONNECT",
        "PROPFIND",
        "get",
        "G\x00T",
        "BREW",
    ]
)
query_names = st.sampled_from(["state", "code", "error", "error_description", "scope", "x"])
query = st.lists(st.tuples(query_names, odd_text), max_size=6)
raw_bytes_path = st.binary(max_size=30).map(lambda b: "/" + "".join(f"%{c:02x}" for c in b))


def encode(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(n)}={quote(v)}" for n, v in pairs)


def request(method: str, target: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [
        f"{method} {target} HTTP/1.1",
        *(f"{n}: {v}" for n, v in headers),
        "Connection: close",
        "",
        "",
    ]
    return "\r\n".join(lines).encode("utf-8", "surrogateescape")


# -- properties --------------------------------------------------------------------------------
def test_arbitrary_requests_never_end_the_flow(pending: PendingLogin) -> None:
    host = ("Host", pending.host_header)

    @EXAMPLES
    @given(
        method=methods,
        path=st.one_of(
            odd_text.map(lambda s: "/" + quote(s)), raw_bytes_path, st.just(pending.path)
        ),
        pairs=query,
    )
    def probe(method: str, path: str, pairs: list[tuple[str, str]]) -> None:
        assert_refused(
            raw_request(pending.port, request(method, f"{path}?{encode(pairs)}", [host]))
        )
        assert pending.waiting

    probe()
    assert_completes(pending)


def test_the_right_state_with_one_thing_wrong_is_refused(pending: PendingLogin) -> None:
    """Even with the real state, a request that is not exactly the redirect changes nothing."""
    good_host = ("Host", pending.host_header)
    state = ("state", pending.state)
    faults = st.sampled_from(
        [
            ("GET", pending.path + "x", [state, ("code", "c")], [good_host]),
            ("GET", pending.path + "/", [state, ("code", "c")], [good_host]),
            ("GET", "/", [state, ("code", "c")], [good_host]),
            ("POST", pending.path, [state, ("code", "c")], [good_host]),
            ("HEAD", pending.path, [state, ("code", "c")], [good_host]),
            ("GET", pending.path, [state], [good_host]),  # no code
            ("GET", pending.path, [state, ("code", "")], [good_host]),  # empty code
            ("GET", pending.path, [state, ("code", "a"), ("code", "b")], [good_host]),
            ("GET", pending.path, [state, state, ("code", "c")], [good_host]),  # state twice
            ("GET", pending.path, [state, ("code", "c")], [("Host", "evil.example")]),
            (
                "GET",
                pending.path,
                [state, ("code", "c")],
                [("Host", f"evil.example:{pending.port}")],
            ),
            ("GET", pending.path, [state, ("code", "c")], [("Host", f"localhost:{pending.port}")]),
            ("GET", pending.path, [state, ("code", "c")], []),  # no Host at all
            ("GET", pending.path, [state, ("code", "c")], [("Host", "127.0.0.1")]),  # no port
            ("GET", pending.path, [state, ("code", "c")], [good_host, ("Host", "evil.example")]),
        ]
    )

    @EXAMPLES
    @given(
        fault=faults,
        extra=st.lists(
            st.tuples(
                st.sampled_from(["X-A", "Cookie", "Origin"]), st.text("abc<>\"' ", max_size=20)
            ),
            max_size=3,
        ),
    )
    def probe(
        fault: tuple[str, str, list[tuple[str, str]], list[tuple[str, str]]],
        extra: list[tuple[str, str]],
    ) -> None:
        method, path, pairs, headers = fault
        response = raw_request(
            pending.port, request(method, f"{path}?{encode(pairs)}", headers + extra)
        )
        assert status_of(response) in (400, 404, 405)
        assert pending.waiting

    probe()
    assert_completes(pending)


def test_odd_headers_and_encodings_are_survived(pending: PendingLogin) -> None:
    header_name = st.text(
        st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20
    )
    header_value = st.binary(max_size=60).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))

    @EXAMPLES
    @given(
        headers=st.lists(st.tuples(header_name, header_value), max_size=8),
        target=st.binary(min_size=1, max_size=60).filter(
            lambda b: b" " not in b and b"\r" not in b and b"\n" not in b
        ),
        version=st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/9", b""]),
    )
    def probe(headers: list[tuple[str, bytes]], target: bytes, version: bytes) -> None:
        head = b"GET " + target + b" " + version + b"\r\n"
        head += b"".join(n.encode() + b": " + v + b"\r\n" for n, v in headers)
        assert_refused(raw_request(pending.port, head + b"\r\n"))
        assert pending.waiting

    probe()
    assert_completes(pending)


def test_aiohttp_client_requests_with_odd_queries(pending: PendingLogin) -> None:
    @EXAMPLES
    @given(
        pairs=st.lists(st.tuples(query_names, odd_text), max_size=8),
        method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS"]),
    )
    def probe(pairs: list[tuple[str, str]], method: str) -> None:
        async def send() -> tuple[int, str]:
            async with (
                aiohttp.ClientSession() as session,
                session.request(
                    method, f"http://127.0.0.1:{pending.port}{pending.path}", params=pairs
                ) as response,
            ):
                return response.status, await response.text()

        status, text = pending.run(send())
        assert 400 <= status < 500
        assert MARKER not in text
        assert pending.waiting

    probe()
    assert_completes(pending)


# -- size caps -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "oversized",
    [
        b"GET /callback?state=" + b"A" * 70_000 + b" HTTP/1.1\r\nHost: H\r\n\r\n",
        b"GET /callback HTTP/1.1\r\nHost: H\r\nX-Big: " + b"B" * 70_000 + b"\r\n\r\n",
        b"GET /callback HTTP/1.1\r\nHost: H\r\n" + b"X-Many: m\r\n" * 20_000 + b"\r\n",
        b"POST /callback HTTP/1.1\r\nHost: H\r\nConnection: close\r\n"
        b"Content-Length: 1000000\r\n\r\n" + b"C" * 1_000_000,
        b"GET /callback HTTP/1.1\r\nHost: H\r\nConnection: close\r\n"
        b"Content-Length: 1000000\r\n\r\n" + b"C" * 1_000_000,
        b"GET /callback HTTP/1.1\r\nHost: H\r\nConnection: close\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + b"FFFFF\r\n" + b"D" * 0xFFFFF + b"\r\n0\r\n\r\n",
    ],
)
def test_oversized_requests_are_refused(pending: PendingLogin, oversized: bytes) -> None:
    request_bytes = oversized.replace(b"Host: H", f"Host: {pending.host_header}".encode())
    try:
        response = raw_request(pending.port, request_bytes)
    except (BrokenPipeError, ConnectionResetError):
        response = b""  # refused before it was all sent: the server closed on it
    assert_refused(response)
    assert_completes(pending)


# -- the hijack: forged callbacks from another local process ------------------------------------
def test_five_hundred_forged_callbacks_then_the_real_one(pending: PendingLogin) -> None:
    forged = [
        {"state": "forged", "code": "stolen"},
        {"state": pending.state},
        {"state": pending.state, "error_description": MARKER},
        {"code": "stolen"},
        {"state": pending.state[:-1], "code": "stolen"},
    ]

    async def attack() -> list[tuple[int, str]]:
        url = f"http://127.0.0.1:{pending.port}{pending.path}"
        async with aiohttp.ClientSession() as session:
            answers = []
            for i in range(500):
                async with session.get(url, params=forged[i % len(forged)]) as response:
                    answers.append((response.status, await response.text()))
            return answers

    answers = pending.run(attack())
    assert [status for status, _ in answers] == [400] * 500
    assert not any(MARKER in text for _, text in answers)
    assert_completes(pending)


def test_a_refused_consent_with_hostile_text_is_shown_escaped(tmp_path: Path) -> None:
    with PendingLogin(tmp_path / "tokens.json") as pending:
        query = encode(
            [
                ("state", pending.state),
                ("error", MARKER),
                ("error_description", f"<script>alert(1)</script>{MARKER}"),
            ]
        )
        response = raw_request(
            pending.port, request("GET", f"{pending.path}?{query}", [("Host", pending.host_header)])
        )
        assert pending.flow is not None
        assert pending.flow.exception(20) is not None  # the consent was refused: flow over
        assert b"<script>" not in response and MARKER.encode() not in response
        assert b"&lt;script&gt;" in response
        assert pending.lwa.token_requests == []


# -- slowloris: idle and half-open connections ---------------------------------------------------
def test_idle_and_half_open_connections_neither_block_nor_outlive_the_login(
    pending: PendingLogin,
) -> None:
    idle = [socket.create_connection(("127.0.0.1", pending.port)) for _ in range(30)]
    half = [socket.create_connection(("127.0.0.1", pending.port)) for _ in range(30)]
    for sock in half:  # a request line and a header, then silence: the classic slowloris
        sock.sendall(f"GET {pending.path} HTTP/1.1\r\nHost: {pending.host_header}\r\n".encode())
    kept_alive = socket.create_connection(("127.0.0.1", pending.port))
    kept_alive.sendall(f"GET /favicon.ico HTTP/1.1\r\nHost: {pending.host_header}\r\n\r\n".encode())
    try:
        assert_completes(pending)
        # login() has returned: no connection may be left open, and the port is free again.
        assert all(closed_by_peer(sock) for sock in [*idle, *half, kept_alive])
        again = bind(parse_return_url(pending.redirect_uri, ("127.0.0.1",)))
        for sock in again:
            sock.close()
    finally:
        for sock in [*idle, *half, kept_alive]:
            sock.close()


async def test_connections_that_never_finish_a_request_are_closed_while_it_waits() -> None:
    """aiohttp closes a connection that has sent no whole request within the keep-alive time
    (``KEEPALIVE``, 5 s, in a login; shortened here): a slowloris cannot hold sockets for the
    whole five minutes. The real redirect still comes through after."""
    return_url = parse_return_url("http://127.0.0.1:0/callback", ("127.0.0.1",))
    sockets = bind(return_url)
    return_url = return_url.with_port(sockets[0].getsockname()[1])
    receiver = Receiver(return_url, "the-state", sockets, keepalive=0.2)
    await receiver.start()
    try:
        idle = await asyncio.open_connection("127.0.0.1", return_url.port)
        half = await asyncio.open_connection("127.0.0.1", return_url.port)
        half[1].write(f"GET {return_url.path}?state=the-state HTTP/1.1\r\n".encode())
        for reader, writer in (idle, half):
            assert await asyncio.wait_for(reader.read(), WAIT) == b""  # closed by the listener
            writer.close()

        async with aiohttp.ClientSession() as session:
            redirect = session.get(f"{return_url}?state=the-state&code=the-code")
            visit = asyncio.ensure_future(redirect)
            outcome = await asyncio.wait_for(receiver.outcome(), WAIT)
            receiver.answer(_pages.signed_in(None))
            async with await visit as response:
                assert response.status == 200
        assert isinstance(outcome, Authorized) and outcome.code == "the-code"
    finally:
        await receiver.close()
        for sock in sockets:
            sock.close()


def test_a_localhost_return_url_answers_only_to_localhost(tmp_path: Path) -> None:
    with PendingLogin(
        tmp_path / "tokens.json", redirect_uri="http://localhost:0/callback"
    ) as pending:
        query = encode([("state", pending.state), ("code", "forged")])
        for address, host in [
            ("::1", f"[::1]:{pending.port}"),
            ("127.0.0.1", f"127.0.0.1:{pending.port}"),
        ]:
            response = raw_request(
                pending.port,
                request("GET", f"{pending.path}?{query}", [("Host", host)]),
                host=address,
            )
            assert status_of(response) == 400
        assert_completes(pending)


@pytest.mark.parametrize(
    ("redirect_uri", "host_headers"),
    [
        ("http://127.0.0.1:8080/callback", {"127.0.0.1:8080"}),
        # A browser leaves out the scheme's default port: both forms are this address.
        ("http://localhost/callback", {"localhost:80", "localhost"}),
        ("https://[::1]/callback", {"[::1]:443", "[::1]"}),
    ],
)
def test_the_host_headers_that_address_a_return_url(
    redirect_uri: str, host_headers: set[str]
) -> None:
    assert parse_return_url(redirect_uri, ("127.0.0.1",)).host_headers == host_headers
