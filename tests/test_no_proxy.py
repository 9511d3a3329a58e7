"""NO_PROXY as curl reads it: a table of curl's own decisions, and ``proxy_for`` taking each one.

Every row below is what curl 7.88.1 (Debian 12's) did with it, and the curl on this machine is
asked again (``test_curl_decides_as_the_table``): curl runs with ``http_proxy`` naming a
recording "proxy" listener, and ``--connect-to ::127.0.0.1:PORT`` sends any direct connection,
whatever its host and port, to a recording "direct" listener, both on 127.0.0.1; the listener
that got the request is curl's decision. Nothing leaves 127.0.0.1, and no name is resolved: the
URLs' hosts are only ever compared, by curl and by ``proxy_for``.

curl's rules changed over the years: space-separated entries, read here, stopped counting in
curl 8.9.0 ("noproxy: patterns need to be comma separated", its changelog), so those rows are
compared only with an older curl. A curl that decides another row otherwise fails the test,
which names the rows and the version: the table is curl 7.88.1's, and so are our rules.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from aiohttp import web

from lwa_loopback._loopback import is_loopback_host as is_loopback
from lwa_loopback._proxy import bypasses, host_as_curl_writes_it, proxy_for

#: The curl whose decisions the table holds, measured on Debian 12.
MEASURED_WITH = "7.88.1"
#: curl 8.9.0 and later read only commas between entries.
COMMAS_ONLY_SINCE = (8, 9, 0)
CURL_TIMEOUT = 5  # seconds, for one curl run; each ends in milliseconds here


@dataclass(frozen=True)
class Row:
    """One request: the NO_PROXY variables, the URL, and whether curl connects directly."""

    variables: Mapping[str, str]
    url: str
    direct: bool
    #: Decided otherwise by curl 8.9.0 and later (entries separated by spaces alone).
    spaces: bool = False

    def __str__(self) -> str:
        variables = " ".join(f"{name}={value!r}" for name, value in self.variables.items())
        return f"{variables or '(no NO_PROXY)'} {self.url}"


def row(no_proxy: str, url: str, direct: bool, *, spaces: bool = False) -> Row:
    return Row({"no_proxy": no_proxy}, url, direct, spaces)


ROWS = [
    # `*`: the whole value, never an entry of a list.
    row("*", "http://example.com/", True),
    row("*", "http://10.1.2.3/", True),
    row(" *", "http://example.com/", False),
    row("*,example.org", "http://example.com/", False),
    row("example.org,*", "http://example.com/", False),
    # A name: itself and every name under it, at any port; case ignored.
    row("example.com", "http://example.com/", True),
    row("example.com", "http://www.example.com/", True),
    row("example.com", "http://a.b.example.com:8443/", True),
    row("example.com", "http://notexample.com/", False),
    row("example.com", "http://example.com.example.org/", False),
    row("www.example.com", "http://example.com/", False),
    row("com", "http://example.com/", True),
    row("EXAMPLE.COM", "http://www.example.com/", True),
    row("example.com", "http://WWW.Example.COM/", True),
    row("example.com", "http://10.1.2.3/", False),
    # `.example.com`: one leading dot is dropped, so the same as `example.com`.
    row(".example.com", "http://example.com/", True),
    row(".example.com", "http://www.example.com/", True),
    row("..example.com", "http://www.example.com/", False),
    # `*.example.com`: no wildcard, `*` is a plain character that no host has.
    row("*.example.com", "http://www.example.com/", False),
    row("*.example.com", "http://example.com/", False),
    row("*example.com", "http://www.example.com/", False),
    # `host:port`: no port, `:` is a plain character that no host name has.
    row("example.com:80", "http://example.com/", False),
    row("example.com:8080", "http://example.com:8080/", False),
    row("10.1.2.3:80", "http://10.1.2.3/", False),
    row("[fd12::1]:80", "http://[fd12::1]/", False),
    # An IPv4 address: that address, never a tail of it.
    row("10.1.2.3", "http://10.1.2.3/", True),
    row("10.1.2.3", "http://10.1.2.4/", False),
    row("1.2.3", "http://10.1.2.3/", False),
    row("010.1.2.3", "http://10.1.2.3/", False),
    row("10.1.2.3.", "http://10.1.2.3/", False),
    # The URL's address in curl's numeric forms (hex, octal, fewer parts): read as the quad.
    row("10.1.2.3", "http://0xa.1.2.3/", True),
    row("10.1.2.3", "http://167838211/", True),
    row("10.1.2.3", "http://10.1.515/", True),
    row("8.1.2.3", "http://010.1.2.3/", True),
    # Not an address as curl parses it, so a name: compared as text, tails after a dot too.
    row("10.1.2.3", "http://10.1.2.3./", True),
    row("1.2.3", "http://10.1.2.3./", True),
    row("3.4", "http://10.1.2.3.4/", True),
    row("1.2.3", "http://08.1.2.3/", True),
    # An IPv4 range: ADDRESS/BITS; /0 and /32 the address alone; BITS read as C's atoi does.
    row("10.0.0.0/8", "http://10.1.2.3/", True),
    row("10.0.0.0/8", "http://11.1.2.3/", False),
    row("10.1.2.0/24", "http://10.1.2.3/", True),
    row("10.1.2.0/24", "http://10.1.3.3/", False),
    row("10.1.2.3/32", "http://10.1.2.3/", True),
    row("10.1.2.3/0", "http://10.1.2.3/", True),
    row("10.0.0.0/0", "http://10.1.2.3/", False),
    row("0.0.0.0/0", "http://10.1.2.3/", False),
    row("10.0.0.0/33", "http://10.1.2.3/", False),
    row("10.0.0.0/8:443", "http://10.1.2.3/", True),
    row("10.0.0.0/8x", "http://10.1.2.3/", True),
    row("10.0.0.0/", "http://10.1.2.3/", False),
    row("10.1.2.3/-1", "http://10.1.2.3/", False),
    row("10.0.0.0/4294967304", "http://10.1.2.3/", True),
    row("10.0.0.0/8", "http://10.1.2.3./", False),
    row("10.0.0.0/8", "http://ten.example/", False),
    row("10.0.0.0/8", "http://[::ffff:10.1.2.3]/", False),
    # An IPv6 address: compared as text with the URL's address as inet_ntop writes it.
    row("fd12::1", "http://[fd12::1]/", True),
    row("fd12::1", "http://[fd12::1]:8080/", True),
    row("fd12::1", "http://[fd12:0::1]/", True),
    row("fd12::1", "http://[FD12::1]/", True),
    row("FD12::1", "http://[fd12::1]/", True),
    row("fd12:0:1::1", "http://[fd12:0:1:0:0:0:0:1]/", True),
    row("fd12:0:0::1", "http://[fd12::1]/", False),
    row("[fd12::1]", "http://[fd12::1]/", False),
    row("::ffff:a01:203", "http://[::ffff:a01:203]/", True),  # curl shortens, never lengthens
    row("::ffff:10.1.2.3", "http://[::ffff:a01:203]/", False),
    row("::ffff:10.1.2.3", "http://[0::ffff:10.1.2.3]/", True),
    row("10.1.2.3", "http://[::ffff:10.1.2.3]/", False),
    row("1.2.3", "http://[::ffff:10.1.2.3]/", True),
    row("fe80::1", "http://[fe80::1%25eth0]/", True),
    # IPv6 ranges: never a match, with or without brackets.
    row("fd00::/8", "http://[fd12::1]/", False),
    row("[fd00::]/8", "http://[fd12::1]/", False),
    row("fd12::1/128", "http://[fd12::1]/", False),
    row("::/0", "http://[fd12::1]/", False),
    # Between entries: commas, spaces and tabs, any number; a newline is part of an entry.
    row("example.org,example.com", "http://example.com/", True),
    row("example.org, example.com", "http://example.com/", True),
    row(",,example.com,,", "http://example.com/", True),
    row("example.org,,example.com", "http://example.com/", True),
    row("example.org example.com", "http://example.com/", True, spaces=True),
    row("example.org\texample.com", "http://example.com/", True, spaces=True),
    row("10.9.9.9 10.0.0.0/8", "http://10.1.2.3/", True, spaces=True),
    row("example.org\nexample.com", "http://example.com/", False),
    # Empty entries, and values with none.
    row("", "http://example.com/", False),
    row(",", "http://example.com/", False),
    row(" ", "http://example.com/", False),
    row(".", "http://example.com/", False),
    # Trailing dots: one, on the entry and on the URL's name, is dropped.
    row("example.com.", "http://www.example.com/", True),
    row("example.com", "http://www.example.com./", True),
    row("example.com.", "http://example.com./", True),
    row("example.com..", "http://example.com/", False),
    # A name outside ASCII: compared in its IDNA form (curl converts the URL's host first).
    row("xn--bcher-kva.example", "http://bücher.example/", True),
    row("bücher.example", "http://bücher.example/", False),
    row("example", "http://bücher.example/", True),
    # Which variable: no_proxy unless it is empty; blanks are not empty.
    Row({"NO_PROXY": "example.com"}, "http://example.com/", True),
    Row({"NO_PROXY": "*"}, "http://example.com/", True),
    Row({"no_proxy": "example.org", "NO_PROXY": "example.com"}, "http://example.com/", False),
    Row({"no_proxy": "example.com", "NO_PROXY": "example.org"}, "http://example.com/", True),
    Row({"no_proxy": "", "NO_PROXY": "example.com"}, "http://example.com/", True),
    Row({"no_proxy": " ", "NO_PROXY": "example.com"}, "http://example.com/", False),
]
#: Where lwa-loopback differs on purpose: curl proxies a loopback host unless NO_PROXY lists it,
#: lwa-loopback never does (a proxy elsewhere cannot reach this machine's loopback).
LOOPBACK_ROWS = [
    Row({}, "http://localhost/", False),
    Row({}, "http://localhost./", False),
    Row({}, "http://127.0.0.1/", False),
    Row({}, "http://127.1/", False),
    Row({}, "http://0x7f.0.0.1/", False),
    Row({}, "http://[::1]/", False),
    Row({}, "http://[::ffff:127.0.0.1]/", False),
    Row({"no_proxy": "example.com"}, "http://127.0.0.1/", False),
    Row({"no_proxy": "localhost"}, "http://localhost/", True),
]


def environ_for(row: Row, proxy: str = "http://proxy.corp:3128") -> dict[str, str]:
    return {"http_proxy": proxy, **row.variables}


# -- proxy_for, by the table (no curl needed) --------------------------------------------------
@pytest.mark.parametrize("row", ROWS, ids=str)
def test_proxy_for_decides_as_curl(row: Row) -> None:
    assert (proxy_for(row.url, environ_for(row)) is None) is row.direct


@pytest.mark.parametrize("row", LOOPBACK_ROWS, ids=str)
def test_loopback_is_never_proxied_whatever_no_proxy_says(row: Row) -> None:
    assert proxy_for(row.url, environ_for(row)) is None


@pytest.mark.parametrize(
    ("hostname", "written"),
    [
        ("fd12:0::1", "fd12::1"),
        ("fd12:0:0:0:0:0:0:1", "fd12::1"),
        ("::ffff:a01:203", "::ffff:a01:203"),  # inet_ntop's ::ffff:10.1.2.3 is longer
        ("0:0::ffff:a01:203", "::ffff:10.1.2.3"),
        ("fd12::abcd", "fd12::abcd"),
        ("fe80::1%25eth0", "fe80::1"),
        ("0xa.1.2.3", "10.1.2.3"),
        ("10.258", "10.0.1.2"),
        ("4294967295", "255.255.255.255"),
        ("4294967296", "4294967296"),  # past 32 bits: a name
        ("08.1.2.3", "08.1.2.3"),  # not octal: a name
        ("0x.1.2.3", "0x.1.2.3"),
        ("10.1.2.3.", "10.1.2.3."),
        ("bücher.example", "xn--bcher-kva.example"),
        ("straße.example", "xn--strae-oqa.example"),  # IDNA 2008, as curl's libidn2
        ("example.com", "example.com"),
        ("fd12::zz", "fd12::zz"),  # not an address, nor a name: left as it is
        ("ex ample.com", "ex ample.com"),
    ],
)
def test_the_host_as_curl_writes_it(hostname: str, written: str) -> None:
    assert host_as_curl_writes_it(hostname) == written


def test_the_same_rules_for_every_scheme() -> None:
    # curl checks the host alone; here an https URL reads https_proxy, then NO_PROXY.
    environ = {"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "amazon.com"}
    assert proxy_for("https://api.amazon.com/auth/o2/token", environ) is None
    assert proxy_for("https://api.amazon.co.jp/auth/o2/token", environ) is not None


def test_bypasses_takes_the_host_as_curl_writes_it() -> None:
    assert bypasses("example.com", "api.example.com")
    assert bypasses("10.0.0.0/8", host_as_curl_writes_it("0xa.0.0.1"))
    assert not bypasses("example.com:443", "example.com")


@pytest.mark.parametrize("value", ["example.com\n", "1" * 200 + "/8", "10.0.0.0/" + "9" * 30])
def test_odd_entries_match_nothing_and_raise_nothing(value: str) -> None:
    assert not bypasses(value, "10.1.2.3")
    assert not bypasses(value, "example.org")


# -- and curl itself ---------------------------------------------------------------------------
@dataclass
class Listener:
    """A recording HTTP listener on 127.0.0.1: the User-Agent of every request it got (a
    CONNECT included), answered at once."""

    port: int = 0
    seen: list[str] = field(default_factory=list)

    async def handle(self, request: web.BaseRequest) -> web.Response:
        self.seen.append(request.headers.get("User-Agent", ""))
        # A proxy refuses the tunnel: curl stops there, its decision already made.
        return web.Response(status=403 if request.method == "CONNECT" else 204)


@asynccontextmanager
async def listening(listener: Listener) -> AsyncIterator[Listener]:
    runner = web.ServerRunner(web.Server(listener.handle), handle_signals=False, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        listener.port = runner.addresses[0][1]
        yield listener
    finally:
        await runner.cleanup()


def curl_version(curl: str) -> tuple[int, ...]:
    banner = subprocess.run([curl, "--version"], capture_output=True, text=True, timeout=5).stdout
    found = re.match(r"curl (\d+)\.(\d+)\.(\d+)", banner)
    assert found, banner
    return tuple(int(part) for part in found.groups())


async def curl_goes_direct(
    curl: str, row: Row, tag: str, proxy: Listener, direct: Listener
) -> bool | str:
    """True if curl's request reached the direct listener, False the proxy; else curl's
    complaint. ``-q`` first: no ~/.curlrc; ``--connect-to ::`` matches every host and port."""
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "LC_ALL": "C.UTF-8",  # curl converts a name outside ASCII only in a UTF-8 locale
        **environ_for(row, f"http://127.0.0.1:{proxy.port}"),
    }
    process = await asyncio.create_subprocess_exec(
        *(curl, "-q", "-sS", "-o", os.devnull, "--max-time", str(CURL_TIMEOUT), "-A", tag),
        *("--connect-to", f"::127.0.0.1:{direct.port}", row.url),
        env=environ,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), CURL_TIMEOUT + 5)
    except asyncio.TimeoutError:  # past its own --max-time: stop this one curl, by its id
        process.kill()
        await process.wait()
        raise
    reached = (tag in direct.seen, tag in proxy.seen)
    if reached == (True, False):
        return True
    if reached == (False, True):
        return False
    return f"reached {reached} (direct, proxy); curl said {stderr.decode(errors='replace')!r}"


@pytest.fixture
def curl() -> str:
    found = shutil.which("curl")
    if found is None:
        pytest.skip("curl is not installed: the table cannot be checked against curl here")
    return found


async def test_curl_decides_as_the_table(curl: str) -> None:
    version = curl_version(curl)
    rows = [r for r in ROWS + LOOPBACK_ROWS if not (r.spaces and version >= COMMAS_ONLY_SINCE)]
    differences = []
    async with listening(Listener()) as proxy, listening(Listener()) as direct:
        for number, case in enumerate(rows):  # one curl at a time: at most len(rows) runs
            expected = case.direct
            got = await curl_goes_direct(curl, case, f"lwa-loopback-row-{number}", proxy, direct)
            if got != expected:
                differences.append(f"{case}: curl {'direct' if got is True else got}")
    shown = ".".join(map(str, version))
    assert not differences, (
        f"curl {shown} decides otherwise than the table (curl {MEASURED_WITH}'s):\n"
        + "\n".join(differences)
    )


def test_the_table_holds_every_form_the_docs_name() -> None:
    entries = " ".join(value for r in ROWS for value in r.variables.values())
    for form in ("*", ".example.com", "*.example.com", "example.com:80", "10.0.0.0/8"):
        assert form in entries
    for form in ("fd00::/8", "[fd00::]/8", "fd12::1", "[fd12::1]", "\t", ",,"):
        assert form in entries
    assert {name for r in ROWS for name in r.variables} == {"no_proxy", "NO_PROXY"}
    hosts = [urlsplit(r.url).hostname or "" for r in LOOPBACK_ROWS]
    assert all(is_loopback(host_as_curl_writes_it(host).rstrip(".")) for host in hosts)
