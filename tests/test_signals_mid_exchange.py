"""However many signals (or cancellations) arrive while a token request is at the server, what
it returns reaches the token file first: the code is spent, and with rotation so is the old
refresh token. Real processes, real signals, the fake LWA holding the request until they have
arrived."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import pytest

from lwa_loopback import login, read_token_file
from lwa_loopback.testing import FakeLWA, HeadlessBrowser

from ._cli_process import Cli
from ._token_files import EXPIRED_AGE, make_token_file
from ._waiting import signal_delivered, wait_until

SIGNALS = {
    "two SIGTERMs": (signal.SIGTERM, signal.SIGTERM),
    "three Ctrl+Cs": (signal.SIGINT, signal.SIGINT, signal.SIGINT),
    "SIGINT then SIGTERM": (signal.SIGINT, signal.SIGTERM),
}
EXIT: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}


async def send(cli: Cli, fake_lwa: FakeLWA, signals: tuple[int, ...]) -> None:
    """Each signal once the one before it has reached the process, then the held answer."""
    assert cli.process is not None
    for signum in signals:
        cli.send_signal(signum)
        await signal_delivered(cli.process.pid, signum)
    fake_lwa.release_token_answers()


@pytest.mark.parametrize("signals", SIGNALS.values(), ids=SIGNALS.keys())
async def test_login_saves_the_tokens_before_it_stops(
    fake_lwa: FakeLWA, tmp_path: Path, signals: tuple[int, ...]
) -> None:
    fake_lwa.hold_token_answers()
    cli = Cli(tmp_path, fake_lwa)
    await cli.start("login", "--no-browser")
    browser = HeadlessBrowser()
    visit = asyncio.ensure_future(browser(await cli.consent_url()))
    await wait_until(lambda: bool(fake_lwa.token_requests), "the exchange reaching the fake")

    await send(cli, fake_lwa, signals)
    done = await cli.finish()
    await visit

    assert done.exit_code == EXIT[signals[0]], done.stderr
    assert "Traceback" not in done.stderr
    saved = read_token_file(cli.default_file)
    assert saved.access_token.startswith("Atza|fake.") and saved.refresh_token
    assert len(fake_lwa.token_requests) == 1


@pytest.mark.parametrize("signals", SIGNALS.values(), ids=SIGNALS.keys())
async def test_refresh_saves_the_rotated_token_before_it_stops(
    fake_lwa: FakeLWA, tmp_path: Path, signals: tuple[int, ...]
) -> None:
    fake_lwa.rotate_refresh_tokens = True  # the old refresh token dies with this request
    token_file = tmp_path / "tokens.json"
    old = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    fake_lwa.hold_token_answers()
    cli = Cli(tmp_path, fake_lwa)
    await cli.start("refresh", "--file", str(token_file))
    await wait_until(lambda: bool(fake_lwa.token_requests), "the refresh reaching the fake")

    await send(cli, fake_lwa, signals)
    done = await cli.finish()

    assert done.exit_code == EXIT[signals[0]], done.stderr
    saved = read_token_file(token_file)
    assert saved.refresh_token not in (None, old.refresh_token)
    assert saved.access_token != old.access_token


# The other grants' last request: the same rule, whichever grant sends it.
OTHER_GRANTS = {
    "client-credentials": ("client-credentials", "--scope", "x::y"),
    "import": ("import",),
    "device": ("login", "--device", "--no-browser"),
}


@pytest.mark.parametrize("grant", OTHER_GRANTS)
@pytest.mark.parametrize("signals", SIGNALS.values(), ids=SIGNALS.keys())
async def test_every_grants_last_request_is_saved_before_it_stops(
    fake_lwa: FakeLWA, tmp_path: Path, grant: str, signals: tuple[int, ...]
) -> None:
    fake_lwa.rotate_refresh_tokens = True  # an imported refresh token dies with this request
    fake_lwa.device_interval = 0.05  # polls as soon as the floor lets them
    token_file = tmp_path / "tokens.json"
    cli = Cli(tmp_path, fake_lwa, stdin=grant == "import")
    cli.env["LWA_CODEPAIR_URL"] = fake_lwa.codepair_url
    pasted = fake_lwa.issue_refresh_token()
    fake_lwa.hold_token_answers()  # the code pair request is not a token request: only the last one
    await cli.start(*OTHER_GRANTS[grant], "--out", str(token_file))
    if grant == "import":
        assert cli.process is not None and cli.process.stdin is not None
        cli.process.stdin.write(pasted.encode() + b"\n")
        await cli.process.stdin.drain()
    if grant == "device":
        code = await cli.read_until(lambda line: line.startswith("Code: "))
        fake_lwa.approve(code.removeprefix("Code: "))  # before the first poll, a second away
    await wait_until(lambda: bool(fake_lwa.token_requests), "the last request reaching the fake")

    await send(cli, fake_lwa, signals)
    done = await cli.finish()

    assert done.exit_code == EXIT[signals[0]], done.stderr
    assert "Traceback" not in done.stderr
    saved = read_token_file(token_file)
    assert saved.access_token.startswith("Atza|fake.")
    assert saved.refresh_token != pasted  # the rotated one was kept, or none (client credentials)
    assert len(fake_lwa.token_requests) == 1


async def test_cancelling_a_login_twice_mid_exchange_still_writes_the_file(
    options: dict[str, Any], fake_lwa: FakeLWA, browser: HeadlessBrowser, token_file: Path
) -> None:
    fake_lwa.hold_token_answers()
    flow = asyncio.ensure_future(login(**options))
    await wait_until(lambda: bool(fake_lwa.token_requests), "the exchange reaching the fake")

    for _ in range(2):
        flow.cancel()
        await asyncio.sleep(0)  # the flow takes this cancellation before the next, or the answer
    fake_lwa.release_token_answers()
    with pytest.raises(asyncio.CancelledError):
        await flow

    assert read_token_file(token_file).refresh_token
    # The browser was told the sign-in worked: a flow that gave up on the exchange at either
    # cancellation would have answered it first that the login was stopped.
    assert browser.last_page.status == 200, browser.last_page.visible_text


_SYNC_SCRIPT = """
import sys, threading, time
from pathlib import Path
import lwa_loopback
from lwa_loopback.testing import FakeLWA, HeadlessBrowser

token_file = Path(sys.argv[1])
with FakeLWA().in_background() as fake_lwa:
    fake_lwa.hold_token_answers()
    def cue():
        while not fake_lwa.token_requests:
            time.sleep(0.01)
        print("exchanging", flush=True)  # the test's cue for its Ctrl+Cs
        sys.stdin.readline()  # the test's word that they have arrived
        fake_lwa.release_token_answers()
    threading.Thread(target=cue, daemon=True).start()
    try:
        lwa_loopback.login_sync(
            **fake_lwa.login_options(), redirect_uri="http://127.0.0.1:0/callback", scope="profile",
            token_file=token_file, open_browser=HeadlessBrowser())
        print("finished", flush=True)
    except KeyboardInterrupt:
        print("interrupted; file:", token_file.exists(), flush=True)
"""


async def test_login_sync_in_a_script_writes_the_tokens_before_ctrl_c_ends_it(
    tmp_path: Path,
) -> None:
    import sys

    token_file = tmp_path / "tokens.json"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _SYNC_SCRIPT,
        str(token_file),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert await asyncio.wait_for(process.stdout.readline(), 30) == b"exchanging\n"
    for _ in range(3):
        process.send_signal(signal.SIGINT)
        await signal_delivered(process.pid, signal.SIGINT)
    stdout, stderr = await asyncio.wait_for(process.communicate(b"released\n"), 60)

    assert stdout == b"interrupted; file: True\n", stderr.decode()
    assert read_token_file(token_file).refresh_token
