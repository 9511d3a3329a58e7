"""``login()`` end to end over real loopback sockets against the fake LWA server."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import socket
import stat
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from yarl import URL

from lwa_loopback import (
    ConfigurationError,
    ConsentError,
    ExchangeError,
    ListenError,
    LoginTimeout,
    NetworkError,
    TokenFileError,
    Tokens,
    UnusableAnswer,
    login,
    login_sync,
    read_token_file,
)
from lwa_loopback._token_file import locked
from lwa_loopback.testing import FakeLWA, HeadlessBrowser, TokenFailure

from ._sockets import assert_port_free
from ._waiting import wait_until


async def test_login_returns_tokens_and_writes_the_file(
    options: dict[str, Any], fake_lwa: FakeLWA, browser: HeadlessBrowser, token_file: Path
) -> None:
    tokens = await login(**options)

    assert isinstance(tokens, Tokens)
    assert tokens.access_token.startswith("Atza|fake.")
    assert tokens.refresh_token is not None
    saved = json.loads(token_file.read_text())
    assert saved["access_token"] == tokens.access_token
    assert saved["refresh_token"] == tokens.refresh_token
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    assert browser.last_page.status == 200
    assert "Signed in" in browser.last_page.text
    assert str(token_file) in browser.last_page.visible_text
    assert len(fake_lwa.token_requests) == 1


async def test_token_file_holds_the_documented_fields_and_no_secret(
    options: dict[str, Any], fake_lwa: FakeLWA, token_file: Path
) -> None:
    await login(**options)

    saved = json.loads(token_file.read_text())
    assert set(saved) == {
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
        "expires_at",
        "obtained_at",
        "scope",
        "client_id",
        "region",
        "token_url",
        "client_secret_sent",
        "grant",
        "sign_in",
    }
    assert saved["client_secret_sent"] is True
    assert saved["grant"] == "authorization_code"
    assert saved["sign_in"]["client_id"] == fake_lwa.client_id
    assert "client_secret" not in saved["sign_in"]
    assert saved["expires_at"].endswith("Z") and saved["obtained_at"].endswith("Z")
    assert saved["client_id"] == fake_lwa.client_id
    assert saved["token_url"] == fake_lwa.token_url
    assert saved["region"] == "na"
    text = token_file.read_text()
    assert fake_lwa.client_secret not in text
    assert fake_lwa.token_requests[0].params["code"] not in text


async def test_the_exchange_sends_everything_the_protocol_asks(
    options: dict[str, Any], fake_lwa: FakeLWA
) -> None:
    await login(**options)

    consent = fake_lwa.consent_requests[0].params
    assert consent["code_challenge_method"] == "S256"
    assert len(consent["state"]) >= 43  # 256 bits, base64url
    form = fake_lwa.token_requests[0].params
    assert form["grant_type"] == "authorization_code"
    assert form["redirect_uri"] == consent["redirect_uri"]
    assert form["client_id"] == fake_lwa.client_id
    assert form["client_secret"] == fake_lwa.client_secret
    assert 43 <= len(form["code_verifier"]) <= 128


async def test_the_fake_refuses_a_verifier_that_does_not_match(
    options: dict[str, Any], fake_lwa: FakeLWA
) -> None:
    """The fake really checks PKCE, so the passing flows above prove our verifier is right."""
    consent = await _consent_redirect(fake_lwa, redirect_uri="http://127.0.0.1:9/cb")
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            fake_lwa.token_url,
            data={
                "grant_type": "authorization_code",
                "code": consent.query["code"],
                "redirect_uri": "http://127.0.0.1:9/cb",
                "client_id": fake_lwa.client_id,
                "code_verifier": "x" * 43,
            },
        ) as response,
    ):
        assert response.status == 400
        assert "code_verifier" in (await response.json(content_type=None))["error_description"]


async def _consent_redirect(fake_lwa: FakeLWA, *, redirect_uri: str) -> URL:
    query = {
        "client_id": fake_lwa.client_id,
        "scope": "profile",
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "state": "s",
        "code_challenge": "c" * 43,
        "code_challenge_method": "S256",
    }
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            URL(fake_lwa.authorize_url).with_query(query), allow_redirects=False
        ) as response,
    ):
        return URL(response.headers["Location"])


async def test_without_a_client_secret_no_refresh_token_is_saved(
    options: dict[str, Any], fake_lwa: FakeLWA, token_file: Path
) -> None:
    tokens = await login(**{**options, "client_secret": None})

    assert tokens.refresh_token is None
    assert "refresh_token" not in json.loads(token_file.read_text())
    assert "client_secret" not in fake_lwa.token_requests[0].params


async def test_the_saved_scope_is_what_lwa_granted(
    options: dict[str, Any], fake_lwa: FakeLWA
) -> None:
    fake_lwa.granted_scopes = {"portability::customer_profile"}
    tokens = await login(
        **{
            **options,
            "scope": ["portability::customer_profile portability::orders"],
            "scope_data": {"portability::orders": {"essential": False}},
        }
    )

    assert tokens.scope == "portability::customer_profile"
    consent = fake_lwa.consent_requests[0].params
    assert consent["scope"] == "portability::customer_profile portability::orders"
    assert json.loads(consent["scope_data"]) == {"portability::orders": {"essential": False}}


async def test_expires_in_may_come_as_a_string(options: dict[str, Any], fake_lwa: FakeLWA) -> None:
    fake_lwa.expires_in_as_string = True
    tokens = await login(**options)

    assert tokens.expires_in == 3600
    assert tokens.expires_at > tokens.obtained_at


async def test_a_favicon_and_a_forged_callback_do_not_end_the_flow(
    options: dict[str, Any], fake_lwa: FakeLWA, browser: HeadlessBrowser
) -> None:
    answers: list[int] = []

    async def probing_browser(url: str) -> None:
        redirect = URL(URL(url).query["redirect_uri"])
        async with aiohttp.ClientSession() as session:
            for target in (
                redirect.with_path("/favicon.ico"),
                redirect.with_query(code="forged", state="wrong"),
                redirect.with_query(code="forged"),
                redirect.with_query(state=URL(url).query["state"]),
            ):
                async with session.get(target) as response:
                    answers.append(response.status)
        await browser(url)

    tokens = await login(**{**options, "open_browser": probing_browser})

    assert answers == [404, 400, 400, 400]
    assert tokens.access_token
    assert len(fake_lwa.token_requests) == 1
    assert fake_lwa.token_requests[0].params["code"] != "forged"


async def test_consent_refused_raises_and_shows_an_error_page(
    options: dict[str, Any], fake_lwa: FakeLWA, browser: HeadlessBrowser, token_file: Path
) -> None:
    fake_lwa.consent_error = "access_denied"
    with pytest.raises(ConsentError) as caught:
        await login(**options)

    assert caught.value.error == "access_denied"
    assert caught.value.description == "The user denied the request."
    assert "choose Allow" in str(caught.value)
    assert "not completed" in browser.last_page.text
    assert fake_lwa.token_requests == []
    assert not token_file.exists()


async def test_error_description_is_escaped_in_the_page(options: dict[str, Any]) -> None:
    pages: list[str] = []

    async def hostile_redirect(url: str) -> None:
        consent = URL(url)
        target = URL(consent.query["redirect_uri"]).with_query(
            error="<b>access_denied</b>",
            error_description="<script>alert(1)</script>",
            state=consent.query["state"],
        )
        async with aiohttp.ClientSession() as session, session.get(target) as response:
            pages.append(await response.text())

    with pytest.raises(ConsentError):
        await login(**{**options, "open_browser": hostile_redirect})

    assert "<script>" not in pages[0] and "<b>" not in pages[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]


@pytest.mark.parametrize(
    ("failure", "kind", "error", "said"),
    [
        (
            TokenFailure.INVALID_GRANT,
            ExchangeError,
            "invalid_grant",
            "refused the token request with invalid",
        ),
        (TokenFailure.SERVER_ERROR, UnusableAnswer, None, "HTTP 500 with a body that is not JSON"),
        (TokenFailure.NOT_JSON, UnusableAnswer, None, "HTTP 200 with a body that is not JSON"),
        (TokenFailure.SLOW, NetworkError, None, "no answer within 0.5 seconds"),
    ],
)
async def test_token_endpoint_failures_raise_exchange_error(
    options: dict[str, Any],
    fake_lwa: FakeLWA,
    browser: HeadlessBrowser,
    token_file: Path,
    failure: TokenFailure,
    kind: type[ExchangeError],
    error: str | None,
    said: str,
) -> None:
    fake_lwa.token_failure = failure
    with pytest.raises(ExchangeError) as caught:
        await login(**{**options, "request_timeout": 0.5})

    # The server's own code, or None: what is not its OAuth answer is a type of its own.
    assert type(caught.value) is kind and caught.value.error == error
    assert said in str(caught.value)
    assert fake_lwa.token_requests[0].params["code"] not in str(caught.value)
    assert browser.last_page.status == 502
    assert not token_file.exists()
    assert len(fake_lwa.token_requests) == 1  # a request that may have reached LWA is never resent


async def test_no_redirect_times_out(options: dict[str, Any]) -> None:
    seen = ConsentUrls()  # a browser that never follows the consent URL
    with pytest.raises(LoginTimeout) as caught:
        await login(**{**options, "open_browser": seen, "timeout": 0.2})

    assert isinstance(caught.value, TimeoutError)
    assert seen.redirect_uri(0) in str(caught.value)
    assert_port_free(seen.port(0))


async def test_a_port_in_use_fails_at_once(options: dict[str, Any]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ListenError) as caught:
            await login(**{**options, "redirect_uri": f"http://127.0.0.1:{port}/callback"})

    assert f"port {port}" in str(caught.value)
    assert isinstance(caught.value, OSError)


async def test_the_port_is_free_the_moment_login_returns(
    options: dict[str, Any], fake_lwa: FakeLWA, browser: HeadlessBrowser
) -> None:
    seen = ConsentUrls(browser)
    await login(**{**options, "open_browser": seen})
    assert_port_free(seen.port(0))
    fake_lwa.consent_error = "access_denied"
    with pytest.raises(ConsentError):
        await login(**{**options, "open_browser": seen})
    assert_port_free(seen.port(1))


async def test_localhost_listens_on_both_loopback_addresses(
    options: dict[str, Any], browser: HeadlessBrowser
) -> None:
    reached: list[int] = []
    seen = ConsentUrls()

    async def via_ipv6_then_browser(url: str) -> None:
        await seen(url)
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://[::1]:{seen.port(0)}/favicon.ico") as response,
        ):
            reached.append(response.status)
        await browser(url)

    if not ipv6_loopback_works():
        pytest.skip("this machine has no IPv6 loopback (::1)")
    await login(
        **{
            **options,
            "redirect_uri": "http://localhost:0/callback",
            "open_browser": via_ipv6_then_browser,
        }
    )

    assert seen.redirect_uri(0).startswith("http://localhost:")
    assert reached == [404]  # served (not refused) on ::1 too
    assert_port_free(seen.port(0))


class ConsentUrls:
    """An opener that keeps each consent URL, then hands it to ``browser`` (if any): the
    return URL a login listens on, with the port it really got for port 0."""

    def __init__(self, browser: HeadlessBrowser | None = None) -> None:
        self.urls: list[str] = []
        self._browser = browser

    async def __call__(self, url: str) -> None:
        self.urls.append(url)
        if self._browser is not None:
            await self._browser(url)

    def redirect_uri(self, login: int) -> str:
        return URL(self.urls[login]).query["redirect_uri"]

    def port(self, login: int) -> int:
        port = URL(self.redirect_uri(login)).port
        assert port is not None and port != 0
        return port


async def test_localhost_with_its_ipv6_port_taken_listens_nowhere(
    options: dict[str, Any],
) -> None:
    if not ipv6_loopback_works():
        pytest.skip("this machine has no IPv6 loopback (::1)")
    with socket.socket(socket.AF_INET6) as busy:  # held by the test throughout
        # The port must be free on 127.0.0.1 too (the login binds that first): hold it there
        # while taking it on ::1, and let it go only just before the login.
        with socket.socket(socket.AF_INET) as ipv4:
            ipv4.bind(("127.0.0.1", 0))
            port = ipv4.getsockname()[1]
            busy.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            busy.bind(("::1", port))
            busy.listen()
        with pytest.raises(ListenError) as caught:
            await login(**{**options, "redirect_uri": f"http://localhost:{port}/callback"})

    assert f"Cannot listen on [::1]:{port}" in str(caught.value)
    assert_port_free(port)  # 127.0.0.1 was bound first, and closed again: all or nothing


def ipv6_loopback_works() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


def sabotage_then(browser: HeadlessBrowser, folder: Path) -> Callable[[str], Awaitable[None]]:
    """A browser that first replaces the token file's folder with a plain file: the folder
    checked before the browser opened is gone when the tokens arrive (an honest late failure,
    as when a disk fills up or another program removes the folder meanwhile)."""

    async def opener(url: str) -> None:
        shutil.rmtree(folder)
        folder.write_text("")
        await browser(url)

    return opener


async def test_a_token_file_that_cannot_be_written_late_keeps_the_tokens(
    options: dict[str, Any], tmp_path: Path, browser: HeadlessBrowser, token_file: Path
) -> None:
    opener = sabotage_then(browser, token_file.parent)
    with pytest.raises(TokenFileError) as caught:
        await login(**{**options, "open_browser": opener})

    assert caught.value.tokens.access_token.startswith("Atza|fake.")
    assert caught.value.tokens.refresh_token
    assert browser.last_page.status == 500
    assert "printed in the terminal" in browser.last_page.text
    # no temporary file left behind anywhere under the test's folder
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["config", "lwa-loopback"]


@pytest.mark.parametrize("where", ["folder", "file-as-folder", "home-of-nobody"])
async def test_an_unwritable_token_file_is_refused_before_the_network(
    options: dict[str, Any], fake_lwa: FakeLWA, tmp_path: Path, where: str
) -> None:
    (tmp_path / "a-file").write_text("")
    token_file = {
        "folder": tmp_path,
        "file-as-folder": tmp_path / "a-file" / "tokens.json",
        "home-of-nobody": "~no-such-user-here/tokens.json",
    }[where]
    with pytest.raises(ConfigurationError, match="Cannot write the token file"):
        await login(**{**options, "token_file": token_file})
    assert fake_lwa.requests == []


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"redirect_uri": "ftp://127.0.0.1:8080/callback"}, "must start with http://"),
        ({"redirect_uri": "https://127.0.0.1:8080/callback"}, "`certfile` and `keyfile`"),
        ({"redirect_uri": "http://127.0.0.1:8080/cb#x"}, "fragment"),
        ({"redirect_uri": "http://[::1/callback"}, "is not a URL"),
        ({"token_url": "http://[::1/auth/o2/token"}, "must be an https:// URL"),
        ({"client_id": "  "}, "No client id: pass `client_id`"),
        ({"scope": "  "}, "No scope"),
        ({"scope_data": "{not json"}, "not valid JSON"),
        ({"scope_data": "[1]"}, "JSON object"),
        ({"region": "xx"}, "Unknown region"),
        ({"client_id": "x" * 101}, "100 bytes"),
        ({"authorize_url": "https://www.amazon.com/ap/oa"}, "port 0"),
        ({"timeout": float("nan")}, "`timeout` must be a number of seconds above 0"),
        ({"timeout": float("inf")}, "`timeout` must be a number of seconds above 0"),
        ({"timeout": 1e300}, "`timeout` must be a number of seconds above 0 and at most 86400"),
        ({"request_timeout": 0}, "`request_timeout` must be a number of seconds above 0"),
    ],
)
async def test_bad_options_fail_before_the_network(
    options: dict[str, Any], fake_lwa: FakeLWA, change: dict[str, Any], said: str
) -> None:
    with pytest.raises(ConfigurationError, match=said):
        await login(**{**options, **change})
    assert fake_lwa.requests == []


async def test_a_second_redirect_while_the_first_is_answered_is_told_it_came_twice(
    options: dict[str, Any], fake_lwa: FakeLWA, token_file: Path
) -> None:
    """A reload of the return page while the login finishes (here: waiting for the token
    file's lock) must not start a second exchange; it is told the sign-in was received."""
    seen = ConsentUrls(HeadlessBrowser())
    token_file.parent.mkdir(parents=True)
    async with locked(token_file):
        flow = asyncio.create_task(login(**{**options, "open_browser": seen}))
        await wait_until(lambda: bool(fake_lwa.token_requests) or flow.done(), "no exchange began")
        async with aiohttp.ClientSession() as session, session.get(seen.redirect_uri(0)) as again:
            status, page = again.status, await again.text()
    tokens = await flow

    assert status == 409
    assert "Sign-in already received" in page
    assert len(fake_lwa.token_requests) == 1
    assert read_token_file(token_file).access_token == tokens.access_token


async def test_several_flows_run_at_once_without_cross_talk(
    options: dict[str, Any], fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    files = [tmp_path / f"tokens-{i}.json" for i in range(8)]
    results = await asyncio.gather(
        *(
            login(**{**options, "token_file": path, "open_browser": HeadlessBrowser()})
            for path in files
        )
    )

    assert len({tokens.access_token for tokens in results}) == 8
    for tokens, path in zip(results, files, strict=True):
        assert json.loads(path.read_text())["access_token"] == tokens.access_token


def test_login_sync_outside_an_event_loop(token_file: Path) -> None:
    with FakeLWA().in_background() as fake_lwa:
        tokens = login_sync(
            **fake_lwa.login_options(),
            redirect_uri="http://127.0.0.1:0/callback",
            scope="profile",
            token_file=token_file,
            open_browser=HeadlessBrowser(),
            timeout=10,
        )
    assert tokens.access_token
    assert token_file.exists()


async def test_login_sync_inside_a_running_event_loop(token_file: Path) -> None:
    """As in a notebook cell: the flow runs on a worker thread's loop."""
    with FakeLWA().in_background() as fake_lwa:
        tokens = login_sync(
            **fake_lwa.login_options(),
            redirect_uri="http://127.0.0.1:0/callback",
            scope="profile",
            token_file=token_file,
            open_browser=HeadlessBrowser(),
            timeout=10,
        )
    assert tokens.access_token


async def test_a_plain_opener_runs_off_the_event_loop(options: dict[str, Any]) -> None:
    """A blocking opener (a console browser) must not stop the listener from answering."""
    browser = HeadlessBrowser()
    tokens = await login(**{**options, "open_browser": browser.open})
    assert tokens.access_token
    assert browser.last_page.status == 200


async def test_a_lambda_opener_that_returns_a_coroutine_is_awaited(
    options: dict[str, Any], browser: HeadlessBrowser
) -> None:
    tokens = await login(**{**options, "open_browser": lambda url: browser(url)})
    assert tokens.access_token
    assert browser.last_page.status == 200


async def test_a_login_cancelled_during_the_exchange_still_saves_the_tokens(
    options: dict[str, Any], fake_lwa: FakeLWA, token_file: Path
) -> None:
    """Ctrl+C once the redirect arrived: the code is spent, so the tokens must still land."""
    fake_lwa.hold_token_answers()  # the token request stays at the fake until released
    flow = asyncio.create_task(login(**options))
    await wait_until(lambda: bool(fake_lwa.token_requests), "the exchange reaching the fake")
    flow.cancel()
    fake_lwa.release_token_answers()
    with pytest.raises(asyncio.CancelledError):
        await flow

    assert json.loads(token_file.read_text())["access_token"].startswith("Atza|fake.")


async def test_other_methods_and_hosts_are_refused_without_ending_the_flow(
    options: dict[str, Any], browser: HeadlessBrowser, fake_lwa: FakeLWA
) -> None:
    answers: list[int] = []

    async def probing_browser(url: str) -> None:
        consent = URL(url)
        callback = URL(consent.query["redirect_uri"]).with_query(
            code="forged", state=consent.query["state"]
        )
        async with aiohttp.ClientSession() as session:
            async with session.post(callback) as response:
                answers.append(response.status)
            # DNS rebinding: the right state, but sent to another name for this address
            async with session.get(callback, headers={"Host": "evil.example:80"}) as response:
                answers.append(response.status)
        await browser(url)

    await login(**{**options, "open_browser": probing_browser})

    assert answers == [405, 400]
    assert [r.params["code"] for r in fake_lwa.token_requests] != ["forged"]
    assert len(fake_lwa.token_requests) == 1


def test_secrets_never_show_in_a_repr() -> None:
    from lwa_loopback._exchange import Client

    tokens = Tokens(
        access_token="Atza|SECRET-A",
        refresh_token="Atzr|SECRET-R",
        token_type="bearer",
        expires_in=3600,
        obtained_at=datetime.now(timezone.utc),
        scope="profile",
        client_id="c",
        region="na",
        token_url="https://api.amazon.com/auth/o2/token",
    )
    client = Client(token_url="https://t", client_id="c", client_secret="SECRET-S")
    for text in (repr(tokens), repr(client)):
        assert "SECRET" not in text


_SYNC_IN_A_LOOP = """
import asyncio, logging, sys
import lwa_loopback

logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")

async def cell():
    try:
        lwa_loopback.login_sync(
            client_id="amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
            scope="profile",
            redirect_uri="http://127.0.0.1:0/callback", open_browser=None, timeout=120,
            authorize_url="http://127.0.0.1:9/ap/oa", token_url="http://127.0.0.1:9/t")
    except KeyboardInterrupt:
        print("interrupted", flush=True)

asyncio.run(cell())
"""


async def test_ctrl_c_stops_login_sync_inside_a_running_loop() -> None:
    """As in a notebook cell or an async app: Ctrl+C must not sit out the whole timeout."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _SYNC_IN_A_LOOP,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    line = await asyncio.wait_for(process.stderr.readline(), 30)
    assert line.startswith(b"Listening on")
    process.send_signal(signal.SIGINT)
    stdout, _ = await asyncio.wait_for(process.communicate(), 30)  # not the 120 s timeout

    assert stdout == b"interrupted\n"
    assert process.returncode == 0
