"""The blocking calls share one long-lived worker loop: what must still hold on it.

Each ``login_sync`` frees its port before it returns, Ctrl+C still stops one, a call made
from the worker's own loop does not wait on itself, and a forked child gets a loop of its own.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from yarl import URL

from lwa_loopback import login_sync
from lwa_loopback.testing import FakeLWA, HeadlessBrowser

from ._sockets import ANY_PORT_REDIRECT, assert_port_free


@pytest.fixture
def fake() -> Iterator[FakeLWA]:
    with FakeLWA().in_background() as fake_lwa:
        yield fake_lwa


@dataclass
class Recording:
    """An async opener that notes the thread it ran on and the port the flow listened on,
    then signs in with a headless browser."""

    browser: HeadlessBrowser = field(default_factory=HeadlessBrowser)
    threads: list[threading.Thread] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)

    async def __call__(self, url: str) -> None:
        self.threads.append(threading.current_thread())
        port = URL(URL(url).query["redirect_uri"]).port
        assert port is not None
        self.ports.append(port)
        await self.browser(url)


def _login(fake_lwa: FakeLWA, token_file: Path, opener: object) -> None:
    login_sync(
        **fake_lwa.login_options(),
        redirect_uri=ANY_PORT_REDIRECT,
        scope="profile",
        token_file=token_file,
        open_browser=opener,  # type: ignore[arg-type]
        timeout=30,
    )


def test_sync_logins_reuse_one_loop_and_each_frees_its_port(fake: FakeLWA, tmp_path: Path) -> None:
    opener = Recording()
    for i in range(3):
        _login(fake, tmp_path / f"{i}.json", opener)
        assert_port_free(opener.ports[-1])  # closed before login_sync returned

    assert len(set(opener.threads)) == 1
    assert opener.threads[0] is not threading.current_thread()
    assert [page.status for page in opener.browser.pages] == [200, 200, 200]


def test_sync_logins_from_many_threads_at_once(fake: FakeLWA, tmp_path: Path) -> None:
    opener = Recording()
    threads = [
        threading.Thread(target=_login, args=(fake, tmp_path / f"{i}.json", opener))
        for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(p.name for p in tmp_path.glob("*.json")) == [f"{i}.json" for i in range(8)]
    for port in opener.ports:
        assert_port_free(port)


def test_login_sync_from_an_opener_on_the_worker_loop_does_not_wait_on_itself(
    fake: FakeLWA, tmp_path: Path
) -> None:
    """An async opener runs on the worker loop; a login_sync it makes cannot run there."""
    inner = Recording()

    async def opener(url: str) -> None:
        _login(fake, tmp_path / "inner.json", inner)
        await HeadlessBrowser()(url)

    _login(fake, tmp_path / "outer.json", opener)

    assert (tmp_path / "inner.json").exists() and (tmp_path / "outer.json").exists()
    assert_port_free(inner.ports[0])


async def test_login_sync_inside_a_running_loop_uses_the_same_worker(
    fake: FakeLWA, tmp_path: Path
) -> None:
    """As in a notebook cell: the cell's own loop is not the one the flow runs on."""
    opener = Recording()
    _login(fake, tmp_path / "a.json", opener)
    _login(fake, tmp_path / "b.json", opener)

    assert opener.threads[0] is opener.threads[1] is not threading.current_thread()


_CTRL_C_IN_A_SCRIPT = """
import socket, sys
import lwa_loopback

def open_browser(url):
    print(url, flush=True)

try:
    lwa_loopback.login_sync(
        client_id="amzn1.application-oa2-client.0123456789abcdef0123456789abcdef", scope="profile",
        redirect_uri="http://127.0.0.1:0/callback", open_browser=open_browser, timeout=120,
        authorize_url="http://127.0.0.1:9/ap/oa", token_url="http://127.0.0.1:9/t")
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def test_ctrl_c_stops_login_sync_in_a_plain_script() -> None:
    """No loop runs in the script: the wait for the worker must still end on Ctrl+C, and the
    flow's listener be closed by then."""
    process = subprocess.Popen(
        [sys.executable, "-c", _CTRL_C_IN_A_SCRIPT], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    consent_url = URL(process.stdout.readline().strip())
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=30)  # not the 120 s login timeout

    assert (stdout, process.returncode) == ("interrupted\n", 0)
    port = URL(consent_url.query["redirect_uri"]).port
    assert port is not None
    assert_port_free(port)


_LOGIN_AFTER_FORK = """
import os, sys, tempfile
import lwa_loopback
from lwa_loopback.testing import FakeLWA, HeadlessBrowser

def sign_in():
    with FakeLWA().in_background() as fake_lwa, tempfile.TemporaryDirectory() as folder:
        lwa_loopback.login_sync(
            **fake_lwa.login_options(), redirect_uri="http://127.0.0.1:0/callback",
            scope="profile", token_file=os.path.join(folder, "tokens.json"),
            open_browser=HeadlessBrowser(), timeout=30)

sign_in()  # the parent's worker loop now runs
child = os.fork()
if child == 0:
    sign_in()  # would wait forever on the parent's worker, which the fork did not copy
    os._exit(0)
_, status = os.waitpid(child, 0)
print("child exit", os.waitstatus_to_exitcode(status), flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="no fork")
def test_a_forked_child_gets_a_worker_loop_of_its_own() -> None:
    done = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", _LOGIN_AFTER_FORK],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.stdout, done.returncode) == ("child exit 0\n", 0), done.stderr
