"""The command line as a person runs it: ``python -m lwa_loopback`` in a real process.

Every login listens on port 0 (the fake accepts any http loopback return URL), so no test ever
picks a port and binds it later, the race the product itself forbids; the port the login really
got is read back from the consent URL it prints on stderr (its ``redirect_uri`` parameter). A
test that needs a busy port binds one itself and holds it while the command runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from yarl import URL

from lwa_loopback.testing import FakeLWA, HeadlessBrowser

from ._sockets import ANY_PORT_REDIRECT
from ._waiting import PATIENCE


@dataclass
class Finished:
    exit_code: int
    stdout: str
    stderr: str


class Cli:
    """``python -m lwa_loopback`` in a subprocess, set up for ``fake_lwa`` (the fake) through the
    ``LWA_*`` variables a person would export, with ``XDG_CONFIG_HOME`` inside ``tmp_path``.

    Without ``fake_lwa`` it is set up for nothing (``demo`` brings its own fake). With ``stdin`` the
    test writes the process's standard input (``paste``); otherwise it reads nothing.
    """

    def __init__(
        self, tmp_path: Path, fake_lwa: FakeLWA | None = None, *, stdin: bool = False
    ) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LWA_")}
        self.env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), PYTHONUNBUFFERED="1")
        if fake_lwa is not None:
            self.env.update(
                LWA_CLIENT_ID=fake_lwa.client_id,
                LWA_CLIENT_SECRET=fake_lwa.client_secret,
                LWA_AUTHORIZE_URL=fake_lwa.authorize_url,
                LWA_TOKEN_URL=fake_lwa.token_url,
                LWA_SCOPE="profile",
                LWA_REDIRECT_URI=ANY_PORT_REDIRECT,
            )
        self.default_file = tmp_path / "config" / "lwa-loopback" / "tokens.json"
        self.stdin = stdin
        self.process: asyncio.subprocess.Process | None = None
        self.head: list[str] = []  # the stderr lines read so far
        self._consent_url: str | None = None

    async def start(
        self,
        *args: str,
        python_flags: tuple[str, ...] = (),
        preexec_fn: Callable[[], None] | None = None,
        stdout: int = asyncio.subprocess.PIPE,
    ) -> None:
        """Start the command; ``stdout`` may be a descriptor of the test's in place of a pipe
        it reads."""
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            *python_flags,
            "-m",
            "lwa_loopback",
            *args,
            env=self.env,
            stdin=asyncio.subprocess.PIPE if self.stdin else asyncio.subprocess.DEVNULL,
            stdout=stdout,
            stderr=asyncio.subprocess.PIPE,
            preexec_fn=preexec_fn,
        )

    async def read_until(self, wanted: Callable[[str], bool]) -> str:
        """Read stderr up to the first line ``wanted`` accepts (or the last read, if it did)."""
        assert self.process is not None and self.process.stderr is not None
        while not self.head or not wanted(self.head[-1]):
            line = await asyncio.wait_for(self.process.stderr.readline(), PATIENCE)
            if not line:
                raise AssertionError(f"stderr ended before the line wanted: {self.head}")
            self.head.append(line.decode().rstrip("\n"))
        return self.head[-1]

    async def consent_url(self) -> str:
        """The consent URL, printed alone on its line (read once, then remembered)."""
        if self._consent_url is None:
            self._consent_url = await self.read_until(
                lambda line: line.startswith(("http://", "https://"))
            )
        return self._consent_url

    @property
    def redirect_uri(self) -> str:
        """The return URL the login listens on, its real port in place of 0."""
        assert self._consent_url is not None, "read the consent URL first"
        return URL(self._consent_url).query["redirect_uri"]

    @property
    def port(self) -> int:
        port = URL(self.redirect_uri).port
        assert port is not None
        return port

    def send_signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    async def paste(self, text: str | None) -> Finished:
        """Send ``text`` and a newline (None: nothing), close stdin, wait for the exit."""
        assert self.process is not None and self.process.stdin is not None
        if text is not None:
            self.process.stdin.write(text.encode() + b"\n")
            await self.process.stdin.drain()
        self.process.stdin.close()
        return await self.finish()

    async def finish(self) -> Finished:
        """Wait for the exit: its code, stdout, and all of stderr."""
        assert self.process is not None
        stdout, stderr = await asyncio.wait_for(self.process.communicate(), PATIENCE)
        assert self.process.returncode is not None
        rest = stderr.decode()
        printed = "" if stdout is None else stdout.decode()
        return Finished(self.process.returncode, printed, "\n".join([*self.head, rest]))

    async def login(self, *args: str, browse: bool = True) -> Finished:
        """``login --no-browser``; the headless browser follows the consent URL if ``browse``."""
        await self.start("login", "--no-browser", *args)
        if browse:
            await HeadlessBrowser()(await self.consent_url())
        return await self.finish()


def assert_no_secrets(text: str, fake_lwa: FakeLWA, path: Path | None = None) -> None:
    """Nothing secret in ``text``: the client secret, a code sent, the tokens in ``path``."""
    assert fake_lwa.client_secret not in text
    for request in fake_lwa.token_requests:
        assert request.params["code"] not in text
    if path is not None and path.exists():
        saved = json.loads(path.read_text())
        assert saved["access_token"] not in text
        assert saved.get("refresh_token", "-") not in text
