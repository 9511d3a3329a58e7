"""``lwa-loopback fake``: the fake LWA server in the foreground, in a real process on a real
port; its export lines, its request log, its pages for a person, and how it stops.

The whole tour of the commands against it, with Chromium as the person's browser, is in
``test_tour_chromium.py``."""

from __future__ import annotations

import signal
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from lwa_loopback import read_token_file
from lwa_loopback.testing import (
    FAKE_APPLICATION_ID,
    FAKE_CLIENT_ID,
    FAKE_CLIENT_SECRET,
    FakeLWA,
)

from .._browsers import read_consent_form
from .._fake_process import EXPORTED, SECRET_MARKERS, FakeCommand, second_terminal
from .._sockets import ANY_PORT_REDIRECT, assert_port_free


@pytest.fixture
async def fake() -> AsyncIterator[FakeCommand]:
    command = FakeCommand()
    try:
        yield command
    finally:
        await command.close()


async def test_it_prints_the_exports_then_serves_until_ctrl_c(fake: FakeCommand) -> None:
    await fake.start()
    exports = await fake.exports()
    url = URL(exports["LWA_TOKEN_URL"]).origin()
    port = url.port
    assert port is not None

    code, rest = await fake.stop(signal.SIGINT)

    assert [line.split("=")[0] for line in fake.stdout_lines] == [
        f"export {name}" for name in EXPORTED
    ]
    assert rest == ""  # stdout holds the export lines and nothing else
    assert exports == {
        "LWA_CLIENT_ID": FAKE_CLIENT_ID,
        "LWA_CLIENT_SECRET": FAKE_CLIENT_SECRET,
        "LWA_AUTHORIZE_URL": f"{url}/ap/oa",
        "LWA_TOKEN_URL": f"{url}/auth/o2/token",
        "LWA_CODEPAIR_URL": f"{url}/auth/o2/create/codepair",
        "LWA_APPLICATION_ID": FAKE_APPLICATION_ID,
    }
    assert url.host == "127.0.0.1"
    stderr = "\n".join(fake.stderr_lines)
    assert f"add --authorize-url {url}/apps/authorize/consent" in stderr
    assert f"{url}/apps/self-authorize" in stderr
    assert "Keep its tokens apart from your real ones: --out FILE" in stderr
    assert f"Serving the fake LWA server on {url}" in stderr and "Ctrl+C to stop" in stderr
    assert (code, fake.stderr_lines[-1]) == (0, "Stopped.")
    assert FAKE_CLIENT_SECRET not in stderr
    assert_port_free(port)


async def test_sigterm_stops_it_as_ctrl_c_does_and_the_port_can_be_named(
    fake: FakeCommand,
) -> None:
    await fake.start()
    port = URL((await fake.exports())["LWA_TOKEN_URL"]).port
    assert port is not None
    code, _ = await fake.stop(signal.SIGTERM)
    assert (code, fake.stderr_lines[-1]) == (0, "Stopped.")

    # The port it had is free again: a new fake serves on it, named with --port.
    again = FakeCommand()
    try:
        await again.start("--port", str(port))
        assert URL((await again.exports())["LWA_TOKEN_URL"]).port == port
        assert (await again.stop())[0] == 0
    finally:
        await again.close()


async def test_a_busy_port_is_exit_6_with_the_reason(fake: FakeCommand) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        await fake.start("--port", str(port))
        code = await fake.finish()

    stderr = "\n".join(fake.stderr_lines)
    assert code == 6, stderr
    assert f"Cannot serve the fake LWA server on 127.0.0.1:{port}: port {port} is in use" in stderr
    assert "--port" in stderr
    assert "Traceback" not in stderr
    assert fake.stdout_lines == []  # no export line points at a server that is not there


async def test_a_port_out_of_range_is_a_usage_error(fake: FakeCommand) -> None:
    await fake.start("--port", "65536")

    assert await fake.finish() == 2
    assert "--port" in "\n".join(fake.stderr_lines)


async def allow_in_a_scripted_browser(consent_url: str) -> None:
    """What a person's browser does on the fake's consent page: show it, submit Allow, follow
    the redirect back to the login."""
    async with aiohttp.ClientSession() as session:
        async with session.get(consent_url) as page:
            assert page.status == 200
            action, fields = read_consent_form(await page.text())
        target = URL(consent_url).join(URL(action))
        async with session.post(target, data={**fields, "decision": "allow"}) as back:
            assert back.status == 200
            assert "Signed in" in await back.text()


async def test_a_login_waits_for_allow_and_each_request_is_logged_without_secrets(
    fake: FakeCommand, tmp_path: Path
) -> None:
    await fake.start()
    exports = await fake.exports()
    login = second_terminal(tmp_path, exports)
    token_file = tmp_path / "tokens.json"
    await login.start(
        "login", "--redirect-uri", ANY_PORT_REDIRECT, "--scope", "profile", "--out", str(token_file)
    )
    await allow_in_a_scripted_browser(await login.consent_url())
    done = await login.finish()
    await fake.line_starting("POST /auth/o2/token")
    await fake.stop()

    assert done.exit_code == 0, done.stderr
    tokens = read_token_file(token_file)
    log = fake.stderr_lines[fake.stderr_lines.index(await fake.line_starting("Serving")) + 1 :]
    assert log == [
        "GET /ap/oa 200 page shown",
        f"POST /ap/oa 302 back to 127.0.0.1:{login.port} with a code",
        "POST /auth/o2/token 200 tokens issued (authorization_code)",
        "Stopped.",
    ]
    stderr = "\n".join(fake.stderr_lines)
    assert tokens.access_token not in stderr and str(tokens.refresh_token) not in stderr
    assert not any(marker in stderr for marker in SECRET_MARKERS)
    assert URL(await login.consent_url()).query["state"] not in stderr


async def test_a_refused_request_and_a_stray_one_are_logged_by_their_outcome(
    fake: FakeCommand,
) -> None:
    await fake.start()
    exports = await fake.exports()
    async with aiohttp.ClientSession() as session:
        bad_client = URL(exports["LWA_AUTHORIZE_URL"]).with_query(client_id="x")
        async with session.get(bad_client) as page:
            assert page.status == 400
        async with session.get(URL(exports["LWA_TOKEN_URL"]).with_path("/favicon.ico")) as page:
            assert page.status == 404
        form = {"grant_type": "refresh_token", "refresh_token": "Atzr|made-up"}
        form.update(client_id=FAKE_CLIENT_ID, client_secret=FAKE_CLIENT_SECRET)
        async with session.post(exports["LWA_TOKEN_URL"], data=form) as answer:
            assert answer.status == 400
    await fake.line_starting("POST /auth/o2/token")
    await fake.stop()

    assert "GET /ap/oa 400 error page" in fake.stderr_lines
    assert "GET /favicon.ico 404 not found" in fake.stderr_lines
    assert "POST /auth/o2/token 400 invalid_grant" in fake.stderr_lines
    assert "Atzr|made-up" not in "\n".join(fake.stderr_lines)


# -- the same, in the library: FakeLWA(port=...) ------------------------------------------------
async def test_a_fake_on_a_busy_port_raises_and_leaves_nothing_open() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        fake_lwa = FakeLWA(port=busy.getsockname()[1])
        with pytest.raises(OSError):
            await fake_lwa.start()
    with pytest.raises(RuntimeError, match="not started"):
        fake_lwa.url  # noqa: B018
    await fake_lwa.close()  # nothing to close: safe all the same
