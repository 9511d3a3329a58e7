"""``bind``: listen on one address (a container's 0.0.0.0) while the browser returns to another
(the registered return URL), over real sockets. Docker's published port is played by a port
forward on this machine; every request goes to 127.0.0.1 or [::1]."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from click.testing import CliRunner
from yarl import URL

from lwa_loopback import ConfigurationError, ListenError, Tokens, read_token_file
from lwa_loopback._cli._main import main
from lwa_loopback._listen import exposure, parse_bind
from lwa_loopback._login import complete
from lwa_loopback._login_start import Started, prepare, start
from lwa_loopback._loopback import Resolver
from lwa_loopback._options import LoginOptions
from lwa_loopback.testing import FAKE_CLIENT_ID, FakeLWA, HeadlessBrowser

from ._certificates import consent_location
from ._cli_process import Cli
from ._sockets import assert_port_free

#: The return URL of these tests: registered, sent to LWA, and never listened on itself.
RETURN_URL = "http://127.0.0.1:8080/callback"
RETURN_HOST = "127.0.0.1:8080"


def no_names(host: str) -> list[str]:
    raise socket.gaierror(socket.EAI_NONAME, f"{host}: not known to this test")


class PortForward:
    """``docker run -p A:B`` on one machine: a connection to 127.0.0.1:``port`` (A) is carried
    byte for byte to 127.0.0.1:``target`` (B, set once the login has bound it), as a published
    port carries a browser's request into a container, Host header and all."""

    def __init__(self) -> None:
        self.port = 0
        self.target: int | None = None
        self._server: asyncio.Server | None = None
        self._carrying: set[asyncio.Task[Any]] = set()

    async def __aenter__(self) -> PortForward:
        self._server = await asyncio.start_server(self._carry, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._carrying:
            task.cancel()
        await asyncio.gather(*self._carrying, return_exceptions=True)
        await self._server.wait_closed()

    async def _carry(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None and self.target is not None, "nothing to forward to yet"
        self._carrying.add(task)
        inner_reader, inner_writer = await asyncio.open_connection("127.0.0.1", self.target)
        try:
            await asyncio.gather(_copy(reader, inner_writer), _copy(inner_reader, writer))
        finally:
            for end in (writer, inner_writer):
                end.close()


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.write_eof()
    except (ConnectionError, OSError):
        pass  # the other end went away: the exchange is over either way


def _options(fake_lwa: FakeLWA, token_file: Path, **more: Any) -> dict[str, Any]:
    return {
        **fake_lwa.login_options(),
        "redirect_uri": RETURN_URL,
        "scope": "profile",
        "token_file": token_file,
        "timeout": 10.0,
        **more,
    }


def _start(options: dict[str, Any], resolve: Resolver = no_names) -> Started:
    return start(prepare(LoginOptions(**options), resolve=resolve))


def _bound(started: Started) -> tuple[str, int]:
    address, port = started.sockets[0].getsockname()[:2]
    return address, port


async def send_redirect(port: int, location: str, host: str, address: str = "127.0.0.1") -> int:
    """The redirect's request, sent to ``address:port`` addressed to ``host`` (its Host header),
    as a browser's request arrives through a port forward. Its status."""
    url = URL(location)
    target = URL.build(
        scheme="http", host=address, port=port, path=url.path, query_string=url.query_string
    )
    async with (
        aiohttp.ClientSession() as session,
        session.get(target, headers={"Host": host}, allow_redirects=False) as response,
    ):
        await response.read()
        return response.status


def delivering(
    port: int, hosts: list[str], statuses: list[int], address: str = "127.0.0.1"
) -> Callable[[str], Awaitable[None]]:
    """An opener that follows the consent page, then sends its redirect to ``address:port``
    once with each Host header in ``hosts``; their statuses go to ``statuses``."""

    async def open_browser(url: str) -> None:
        location = await consent_location(url)
        for host in hosts:
            statuses.append(await send_redirect(port, location, host, address))

    return open_browser


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def kept_logs() -> Iterator[list[logging.LogRecord]]:
    """What the library logs (on its own logger: the command line's handler may have turned
    propagation off, out of caplog's reach)."""
    logger = logging.getLogger("lwa_loopback")
    kept, level = _Kept(), logger.level
    logger.addHandler(kept)
    logger.setLevel(logging.INFO)
    try:
        yield kept.records
    finally:
        logger.removeHandler(kept)
        logger.setLevel(level)


@pytest.fixture
def said() -> Iterator[list[logging.LogRecord]]:
    with kept_logs() as records:
        yield records


# -- the library -------------------------------------------------------------------------------
async def test_a_forwarded_port_leads_the_browser_to_the_bound_one(
    fake_lwa: FakeLWA, token_file: Path, said: list[logging.LogRecord]
) -> None:
    async with PortForward() as forward:
        return_url = f"http://127.0.0.1:{forward.port}/callback"
        started = _start(
            _options(fake_lwa, token_file, redirect_uri=return_url, bind="127.0.0.1:0")
        )
        _, forward.target = _bound(started)
        browser = HeadlessBrowser()

        tokens = await complete(started, browser)

    assert forward.target != forward.port
    assert "Signed in" in browser.last_page.text
    assert read_token_file(token_file).access_token == tokens.access_token
    # LWA sees the registered return URL, exactly, on the consent page and in the exchange.
    assert fake_lwa.consent_requests[0].params["redirect_uri"] == return_url
    assert fake_lwa.token_requests[0].params["redirect_uri"] == return_url
    [listening] = [r.getMessage() for r in said if r.getMessage().startswith("Listening")]
    assert listening == f"Listening on 127.0.0.1:{forward.target} for {return_url}"
    assert not [r for r in said if r.levelno >= logging.WARNING]
    assert_port_free(forward.target)


async def test_the_host_header_must_still_name_the_return_url(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    started = _start(_options(fake_lwa, token_file, bind="127.0.0.1:0"))
    _, port = _bound(started)
    statuses: list[int] = []
    # The bound address itself, the return URL's host without its port or on another name: a
    # page that rebinds a name to this machine sends its own name, and is refused.
    hosts = [f"127.0.0.1:{port}", "127.0.0.1", "localhost:8080", "evil.example:8080", RETURN_HOST]

    tokens = await complete(started, delivering(port, hosts, statuses))

    assert statuses == [400, 400, 400, 400, 200]
    assert isinstance(tokens, Tokens)
    assert len(fake_lwa.token_requests) == 1


async def test_every_interface_is_listened_on_after_a_warning(
    fake_lwa: FakeLWA, token_file: Path, said: list[logging.LogRecord]
) -> None:
    started = _start(_options(fake_lwa, token_file, bind="0.0.0.0:0"))
    address, port = _bound(started)
    [warning] = [r.getMessage() for r in said if r.levelno == logging.WARNING]
    statuses: list[int] = []

    await complete(started, delivering(port, [RETURN_HOST], statuses))

    assert (address, len(started.sockets)) == ("0.0.0.0", 1)
    assert warning.startswith(f"Listening on 0.0.0.0:{port}, which is not loopback: every network")
    assert "only a request carrying this sign-in's state is accepted" in warning
    assert statuses == [200]
    assert_port_free(port)


async def test_an_ipv6_literal_in_brackets(fake_lwa: FakeLWA, token_file: Path) -> None:
    try:
        started = _start(_options(fake_lwa, token_file, bind="[::1]:0"))
    except ListenError:
        pytest.skip("no IPv6 loopback on this machine")
    address, port = _bound(started)
    statuses: list[int] = []

    await complete(started, delivering(port, [RETURN_HOST], statuses, address="::1"))

    assert address == "::1"
    assert statuses == [200]


async def test_without_a_port_bind_takes_the_return_urls(
    fake_lwa: FakeLWA, token_file: Path, browser: HeadlessBrowser
) -> None:
    # Port 0 in the return URL (tests): the port bound becomes the return URL's, as without bind.
    options = _options(fake_lwa, token_file, redirect_uri="http://127.0.0.1:0/callback")
    started = _start({**options, "bind": "here"}, resolve=lambda host: ["127.0.0.1"])
    _, port = _bound(started)

    await complete(started, browser)

    assert started.redirect_uri == f"http://127.0.0.1:{port}/callback"
    assert fake_lwa.token_requests[0].params["redirect_uri"] == started.redirect_uri


def test_with_bind_the_return_urls_host_is_not_looked_up(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    # In a container the return URL's name may mean nothing: bind says where to listen.
    asked: list[str] = []

    def resolve(host: str) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    options = _options(
        fake_lwa, token_file, redirect_uri="http://sp-dev.example:8080/cb", bind="box"
    )
    request = prepare(LoginOptions(**options), resolve=resolve)

    assert request.paste is None and request.return_url is not None
    assert request.return_url.addresses == ("127.0.0.1",)
    assert request.return_url.listen_port == 8080
    assert request.return_url.host_headers == {"sp-dev.example:8080"}
    assert asked == ["box"]


def test_without_bind_nothing_changes(fake_lwa: FakeLWA, token_file: Path) -> None:
    request = prepare(LoginOptions(**_options(fake_lwa, token_file)), resolve=no_names)

    assert request.return_url is not None and request.return_url.bind is None
    assert (request.return_url.addresses, request.return_url.listen_port) == (("127.0.0.1",), 8080)


@pytest.mark.parametrize(
    ("given", "addresses", "port"),
    [
        ("0.0.0.0", ("0.0.0.0",), None),
        ("0.0.0.0:8080", ("0.0.0.0",), 8080),
        ("[::]:8080", ("::",), 8080),
        ("[::1]", ("::1",), None),
        ("localhost:9000", ("127.0.0.1", "::1"), 9000),
        ("box:65535", ("10.0.0.5",), 65535),  # a name, as the container's resolver gives it
        ("twice", ("127.0.0.1",), None),  # a hosts file may name an address twice
    ],
)
def test_bind_values(given: str, addresses: tuple[str, ...], port: int | None) -> None:
    names = {"box": ["10.0.0.5"], "twice": ["127.0.0.1", "127.0.0.1"]}

    where = parse_bind(given, resolve=lambda host: names[host])

    assert (where.addresses, where.port, where.given) == (addresses, port, given)


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (":8080", "name the host"),
        ("::", "in brackets"),
        ("0.0.0.0:80:81", "in brackets"),
        ("[::1", "brackets must hold an IPv6 address"),
        ("[127.0.0.1]:80", "brackets must hold an IPv6 address"),
        ("[::1]8080", "only :PORT"),
        ("0.0.0.0:", "not a port number"),
        ("0.0.0.0:http", "not a port number"),
        ("0.0.0.0:-1", "not a port number"),
        ("0.0.0.0:65536", "not a port number"),
        ("0.0.0.0:٨٠", "not a port number"),  # digits, but not ASCII ones
        ("nowhere.invalid:8080", "nor a name this machine knows"),
    ],
)
def test_bind_values_refused(given: str, said: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(said)) as caught:
        parse_bind(given, resolve=no_names)

    assert str(caught.value).startswith(f"`bind` {given!r} is not a HOST[:PORT]")


@pytest.mark.parametrize(
    ("listening", "said"),
    [
        ([("127.0.0.1", 8080), ("::1", 8080)], None),
        ([("0.0.0.0", 8080)], "Listening on 0.0.0.0:8080, which is not loopback: every network"),
        ([("::", 8080)], "Listening on [::]:8080, which is not loopback: every network"),
        ([("10.0.0.5", 9000)], "Listening on 10.0.0.5:9000, which is not loopback: whatever"),
    ],
)
def test_what_a_bind_address_exposes(listening: list[tuple[str, int]], said: str | None) -> None:
    warning = exposure(listening)

    if said is None:
        assert warning is None
    else:
        assert warning is not None and warning.startswith(said)


def test_a_name_the_resolver_cannot_encode_is_refused() -> None:
    def resolve(host: str) -> list[str]:
        raise UnicodeError("label empty or too long")  # as getaddrinfo says for "a..b"

    with pytest.raises(ConfigurationError, match="nor a name this machine knows"):
        parse_bind("a..b:8080", resolve=resolve)


def test_bind_and_paste_exclude_each_other(fake_lwa: FakeLWA, token_file: Path) -> None:
    with pytest.raises(ConfigurationError, match="`bind` and `paste` exclude each other"):
        prepare(
            LoginOptions(**_options(fake_lwa, token_file, bind="0.0.0.0", paste=True)),
            resolve=no_names,
        )


def test_port_0_is_for_a_consent_page_on_this_machine_only(token_file: Path) -> None:
    # LWA sends the browser to the registered port; a port mapping must lead it to a known one.
    with pytest.raises(ConfigurationError, match="has port 0"):
        prepare(
            LoginOptions(
                client_id=FAKE_CLIENT_ID,
                redirect_uri=RETURN_URL,
                scope="profile",
                bind="0.0.0.0:0",
            ),
            resolve=no_names,
        )


def test_an_address_of_another_machine_cannot_be_listened_on(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    # 192.0.2.1 (TEST-NET-1) is no address of this machine: binding it fails, nothing is sent.
    with pytest.raises(ListenError, match=r"Cannot listen on 192\.0\.2\.1:"):
        _start(
            _options(fake_lwa, token_file, bind="elsewhere:0"), resolve=lambda host: ["192.0.2.1"]
        )


# -- the command -------------------------------------------------------------------------------
async def test_the_command_listens_where_bind_says(fake_lwa: FakeLWA, tmp_path: Path) -> None:
    cli = Cli(tmp_path, fake_lwa)
    async with PortForward() as forward:
        return_url = f"http://127.0.0.1:{forward.port}/callback"
        cli.env["LWA_REDIRECT_URI"] = return_url
        await cli.start("login", "--no-browser", "--bind", "127.0.0.1:0")
        listening = await cli.read_until(lambda line: line.startswith("Listening on"))
        found = re.fullmatch(
            rf"Listening on 127\.0\.0\.1:(\d+) for {re.escape(return_url)}", listening
        )
        assert found, listening
        forward.target = int(found.group(1))
        await HeadlessBrowser()(await cli.consent_url())
        done = await cli.finish()

    assert done.exit_code == 0, done.stderr
    assert cli.redirect_uri == return_url
    assert read_token_file(cli.default_file).access_token
    assert_port_free(forward.target)


async def test_the_command_warns_before_the_consent_url(fake_lwa: FakeLWA, tmp_path: Path) -> None:
    cli = Cli(tmp_path, fake_lwa)
    cli.env.update(LWA_REDIRECT_URI=RETURN_URL, LWA_BIND="0.0.0.0:0")
    await cli.start("login", "--no-browser")
    warning = await cli.read_until(lambda line: line.startswith("warning: listening on"))
    found = re.match(r"warning: listening on 0\.0\.0\.0:(\d+), which is not loopback", warning)
    assert found, warning
    assert not [line for line in cli.head if line.startswith("http")]

    location = await consent_location(await cli.consent_url())
    status = await send_redirect(int(found.group(1)), location, RETURN_HOST)
    done = await cli.finish()

    assert (status, done.exit_code) == (200, 0), done.stderr
    assert cli.redirect_uri == RETURN_URL


def test_the_command_names_the_flag(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "login",
            "--client-id",
            FAKE_CLIENT_ID,
            "--scope",
            "profile",
            "--redirect-uri",
            RETURN_URL,
            "--no-browser",
            "--out",
            str(tmp_path / "tokens.json"),
            "--bind",
            "[::1",
        ],
        env={"LWA_CLIENT_SECRET": "x", "LWA_BIND": None},
    )

    assert result.exit_code == 2
    assert "--bind '[::1' is not a HOST[:PORT]" in result.output
