"""``lwa-loopback fake`` in a real process, as a person runs it in their first terminal: its
``export`` lines read from stdout, its status and request log from stderr, and the commands of
the second terminal run with those variables."""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import sys
from pathlib import Path

from ._cli_process import Cli
from ._waiting import PATIENCE, wait_until

EXPORTED = (
    "LWA_CLIENT_ID",
    "LWA_CLIENT_SECRET",
    "LWA_AUTHORIZE_URL",
    "LWA_TOKEN_URL",
    "LWA_CODEPAIR_URL",
    "LWA_APPLICATION_ID",
)
# What no line of the request log may hold: the fake's codes, tokens and device codes carry
# these prefixes (``_fake/_server.py``, ``_authorize.py``, ``_device.py``).
SECRET_MARKERS = ("ANfake", "Atza|", "Atzr|", "fake-device-code", "amzn.mws.")


class FakeCommand:
    """``python -m lwa_loopback fake ARGS`` (what ``lwa-loopback fake`` runs)."""

    def __init__(self) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LWA_")}
        self.env["PYTHONUNBUFFERED"] = "1"
        self.process: asyncio.subprocess.Process | None = None
        self.stdout_lines: list[str] = []
        self.stderr_lines: list[str] = []
        self._reader: asyncio.Future[None] | None = None

    async def start(self, *args: str) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "lwa_loopback",
            "fake",
            *args,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        # stderr is read all along: the request log must never fill the pipe and block it.
        self._reader = asyncio.ensure_future(self._read_stderr())

    async def _read_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        async for line in self.process.stderr:
            self.stderr_lines.append(line.decode().rstrip("\n"))

    async def exports(self) -> dict[str, str]:
        """The ``export NAME=VALUE`` lines on stdout, as the shell reads them."""
        assert self.process is not None and self.process.stdout is not None
        values: dict[str, str] = {}
        for _ in EXPORTED:
            line = await asyncio.wait_for(self.process.stdout.readline(), PATIENCE)
            self.stdout_lines.append(line.decode().rstrip("\n"))
            keyword, assignment = shlex.split(self.stdout_lines[-1])
            assert keyword == "export", self.stdout_lines
            name, _, value = assignment.partition("=")
            values[name] = value
        await self.line_starting("Serving ")
        return values

    async def line_starting(self, prefix: str) -> str:
        """The first stderr line that starts with ``prefix``, once it is printed."""
        await wait_until(
            lambda: any(line.startswith(prefix) for line in self.stderr_lines),
            f"`lwa-loopback fake` printing a line starting {prefix!r}",
        )
        return next(line for line in self.stderr_lines if line.startswith(prefix))

    async def stop(self, signum: int = signal.SIGINT) -> tuple[int, str]:
        """Send ``signum`` (Ctrl+C by default); the exit code and the rest of stdout."""
        assert self.process is not None and self.process.stdout is not None
        self.process.send_signal(signum)
        rest = await asyncio.wait_for(self.process.stdout.read(), PATIENCE)
        code = await asyncio.wait_for(self.process.wait(), PATIENCE)
        assert self._reader is not None
        await asyncio.wait_for(self._reader, PATIENCE)
        return code, rest.decode()

    async def finish(self) -> int:
        """Wait for an exit the process makes by itself (a usage error, a busy port)."""
        assert self.process is not None and self.process.stdout is not None
        self.stdout_lines += (await self.process.stdout.read()).decode().splitlines()
        code = await asyncio.wait_for(self.process.wait(), PATIENCE)
        assert self._reader is not None
        await asyncio.wait_for(self._reader, PATIENCE)
        return code

    async def close(self) -> None:
        """After the test, passed or failed: leave no server behind."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        if self._reader is not None:
            await asyncio.wait_for(self._reader, PATIENCE)


def second_terminal(tmp_path: Path, exports: dict[str, str], *, stdin: bool = False) -> Cli:
    """A command run where the person pasted the export lines; ``BROWSER=true`` opens nothing
    (the test's browser plays the person, at the address the command prints)."""
    cli = Cli(tmp_path, stdin=stdin)
    cli.env.update(exports, BROWSER="true")
    return cli
