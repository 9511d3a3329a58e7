"""A return URL on a name that points at this machine (``127.0.0.1 sp-dev.example`` in the hosts
file), as Selling Partner API developers register one since Seller Central refuses localhost.

The name is mapped by a resolver given to ``prepare`` (and, for the browser, to aiohttp), never
by editing /etc/hosts; every connection goes to 127.0.0.1 carrying the name in its Host header
and TLS server name, as a browser's would.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from lwa_loopback import ConfigurationError, Tokens, read_token_file
from lwa_loopback._login import complete
from lwa_loopback._login_start import Started, prepare, start
from lwa_loopback._loopback import parse_return_url, system_resolver
from lwa_loopback._options import LoginOptions
from lwa_loopback.testing import FAKE_SELLING_PARTNER_ID, FakeLWA, VisitedPage

from ._certificates import Certificate, make_certificate, registering
from ._sockets import assert_port_free
from .test_bind import delivering, kept_logs, no_names

NAME = "sp-dev.example"


def hosts_file(*addresses: str) -> Callable[[str], list[str]]:
    """A resolver that knows one name, ``NAME``, at ``addresses``."""

    def resolve(host: str) -> list[str]:
        if host != NAME:
            return no_names(host)
        return list(addresses)

    return resolve


def certificate_for(name: str, folder: Path) -> Certificate:
    """A self-signed certificate for ``name`` alone, good for one day (what mkcert makes)."""
    return make_certificate(folder, only=name)


class _HostsResolver(AbstractResolver):
    """The browser's machine's hosts file: ``NAME`` is 127.0.0.1, and no other name exists
    (the fake itself is addressed by its IP literal, which aiohttp does not resolve)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        [address] = hosts_file("127.0.0.1")(host)
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        pass


@dataclass
class NamedBrowser:
    """A browser whose hosts file maps ``NAME`` to 127.0.0.1, trusting ``context``: it follows
    the consent page and its redirect to https://sp-dev.example:PORT/..., connecting to
    127.0.0.1 with that name as TLS server name and Host header."""

    context: ssl.SSLContext
    pages: list[VisitedPage] = field(default_factory=list)

    async def __call__(self, url: str) -> None:
        connector = aiohttp.TCPConnector(resolver=_HostsResolver(), ssl=self.context)
        async with (
            aiohttp.ClientSession(connector=connector) as session,
            session.get(url) as response,
        ):
            text = await response.text()
            self.pages.append(
                VisitedPage(response.status, str(response.url.with_query(None)), text)
            )


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return certificate_for(NAME, tmp_path_factory.mktemp("tls"))


@pytest.fixture
async def named_lwa() -> AsyncIterator[FakeLWA]:
    async with FakeLWA(redirect_uris=[]) as fake:  # registered as each test binds its port
        yield fake


def _options(fake_lwa: FakeLWA, token_file: Path, **more: Any) -> dict[str, Any]:
    return {
        **fake_lwa.login_options(),
        "redirect_uri": f"https://{NAME}:0/callback",
        "scope": "profile",
        "token_file": token_file,
        "timeout": 10.0,
        **more,
    }


def _https(options: dict[str, Any], certificate: Certificate) -> dict[str, Any]:
    return {**options, "certfile": certificate.certfile, "keyfile": certificate.keyfile}


async def _sign_in(started: Started, fake_lwa: FakeLWA, browser: NamedBrowser) -> Tokens:
    return await complete(started, registering(fake_lwa, browser))


# -- the name resolves to loopback only: listen ------------------------------------------------
async def test_a_name_mapped_to_loopback_is_served_over_https(
    named_lwa: FakeLWA, certificate: Certificate, token_file: Path
) -> None:
    browser = NamedBrowser(certificate.client_context())
    options = _https(_options(named_lwa, token_file), certificate)
    started = start(prepare(LoginOptions(**options), resolve=hosts_file("127.0.0.1")))
    [sock] = started.sockets
    address, port = sock.getsockname()

    tokens = await _sign_in(started, named_lwa, browser)

    assert address == "127.0.0.1"
    assert started.redirect_uri == f"https://{NAME}:{port}/callback"
    [page] = browser.pages
    assert (page.status, page.url) == (200, f"https://{NAME}:{port}/callback")
    assert "Signed in" in page.text
    assert named_lwa.token_requests[0].params["redirect_uri"] == started.redirect_uri
    assert read_token_file(token_file).access_token == tokens.access_token
    assert_port_free(port)


async def test_the_selling_partner_recipe(
    named_lwa: FakeLWA, certificate: Certificate, token_file: Path
) -> None:
    # docs/remote-paste-https.md: login --sp-api with an https return URL on a hosts-file name.
    options = {
        **_https(_options(named_lwa, token_file), certificate),
        "scope": None,
        "sp_api": True,
        "application_id": named_lwa.application_id,
        "authorize_url": named_lwa.seller_central_url,
    }
    browser = NamedBrowser(certificate.client_context())
    started = start(prepare(LoginOptions(**options), resolve=hosts_file("127.0.0.1")))

    tokens = await _sign_in(started, named_lwa, browser)

    assert tokens.selling_partner_id == FAKE_SELLING_PARTNER_ID
    assert "Signed in" in browser.pages[0].text
    consent = named_lwa.seller_central_requests[0].params
    assert consent["redirect_uri"] == started.redirect_uri
    assert URL(started.redirect_uri).host == NAME


async def test_the_host_header_must_be_exactly_the_name_and_port(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    # DNS rebinding: a page on another name that resolves here sends that name; only the one
    # registered, with its port, reaches the callback.
    options = _options(fake_lwa, token_file, redirect_uri=f"http://{NAME}:0/callback")
    started = start(prepare(LoginOptions(**options), resolve=hosts_file("127.0.0.1")))
    port = started.sockets[0].getsockname()[1]
    hosts = [f"127.0.0.1:{port}", f"localhost:{port}", NAME, f"evil.example:{port}"]
    statuses: list[int] = []
    named = f"{NAME}:{port}"

    # Unregistered return URLs please the fake on loopback hosts only: register this one, as
    # the person does in the console.
    fake_lwa.redirect_uris = {f"http://{named}/callback"}
    await complete(started, delivering(port, [*hosts, named], statuses))

    assert statuses == [400, 400, 400, 400, 200]
    assert started.return_url is not None
    assert started.return_url.host_headers == {named}


@pytest.mark.parametrize(
    "addresses",
    [("127.0.0.1",), ("::1",), ("127.0.0.1", "::1", "127.0.0.1")],
)
def test_every_loopback_address_of_the_name_is_listened_on(
    fake_lwa: FakeLWA, token_file: Path, addresses: tuple[str, ...]
) -> None:
    request = prepare(
        LoginOptions(**_options(fake_lwa, token_file)), resolve=hosts_file(*addresses)
    )

    assert request.paste is None and request.return_url is not None
    assert request.return_url.addresses == tuple(dict.fromkeys(addresses))


def test_a_default_port_is_addressed_with_or_without_it() -> None:
    return_url = parse_return_url(f"https://{NAME}/callback", ("127.0.0.1",))

    assert return_url.host_headers == {f"{NAME}:443", NAME}


# -- the name resolves elsewhere too, or nowhere: paste-back, as before ------------------------
@pytest.mark.parametrize(
    "addresses",
    [
        ("203.0.113.7",),
        ("127.0.0.1", "203.0.113.7"),  # a mix: the browser may well pick the other one
        ("::1", "2001:db8::1"),
        ("0.0.0.0",),
        (),  # the name is not known at all
    ],
    ids=["elsewhere", "mixed", "mixed-ipv6", "unspecified", "unknown"],
)
def test_a_name_that_is_not_only_loopback_selects_paste_back(
    fake_lwa: FakeLWA, token_file: Path, addresses: tuple[str, ...]
) -> None:
    resolve = hosts_file(*addresses) if addresses else no_names

    with kept_logs() as said:
        request = prepare(LoginOptions(**_options(fake_lwa, token_file)), resolve=resolve)

    assert request.paste is not None and request.return_url is None
    [message] = [r.getMessage() for r in said]
    assert message.startswith(f"The redirect URI https://{NAME}:0/callback is not on this machine")
    assert message.endswith(", so nothing can listen for it: paste-back mode.")
    # A name that resolves nowhere: most often the hosts-file line is missing.
    assert (f"`127.0.0.1 {NAME}`" in message) == (not addresses)


def test_asking_for_paste_back_still_gets_it(fake_lwa: FakeLWA, token_file: Path) -> None:
    options = _options(fake_lwa, token_file, paste=lambda: "")

    request = prepare(LoginOptions(**options), resolve=hosts_file("127.0.0.1"))

    assert request.paste is not None and request.return_url is None


def test_https_on_the_name_without_a_certificate_says_how_to_make_one(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    request = prepare(
        LoginOptions(**_options(fake_lwa, token_file)), resolve=hosts_file("127.0.0.1")
    )

    with pytest.raises(ConfigurationError) as caught:
        start(request)

    message = str(caught.value)
    assert f"-key-file key.pem {NAME}`" in message
    assert f'-subj /CN={NAME} -addext "subjectAltName=DNS:{NAME}"' in message


def test_the_system_resolver_reads_this_machines_names() -> None:
    # "localhost" is in every hosts file; the login itself never needs to look it up.
    addresses = system_resolver("localhost")

    assert addresses and all(a in ("127.0.0.1", "::1") for a in addresses)
