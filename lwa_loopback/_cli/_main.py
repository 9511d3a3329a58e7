"""The ``lwa-loopback`` group: every command, and the program's exit.

Heavy imports (aiohttp, even asyncio and logging) happen inside the commands that need them:
``lwa-loopback --help`` must not pay for them.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ._demo import demo
from ._fake import fake
from ._login import login
from ._other_grants import client_credentials, import_
from ._output import SETTINGS
from ._profiles import profiles
from ._tokens import refresh, show, token


class _Tool(click.Group):
    """The tool's group: a usage error click finds (an unknown option, a value out of range)
    is said in the tool's own style, ``error: ...``, as every other failure is."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        run: Any = super().main  # click types its overloads by standalone_mode's literal value
        if not standalone_mode:
            return run(*args, standalone_mode=False, **kwargs)
        try:
            code = run(*args, standalone_mode=False, **kwargs)
        except click.ClickException as exc:
            command = exc.ctx.command_path if isinstance(exc, click.UsageError) and exc.ctx else ""
            hint = f"\nSee '{command} --help' for its options." if command else ""
            click.echo(f"error: {exc.format_message()}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Cancelled.", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=_Tool, context_settings=SETTINGS)
@click.version_option(package_name="lwa-loopback", prog_name="lwa-loopback")
def main() -> None:
    """Get Login with Amazon (LWA) tokens onto this machine, and keep them useful.

    Start with `lwa-loopback demo` to see a whole login against a built-in fake LWA server.
    """


for command in (login, client_credentials, import_, demo, fake, refresh, token, show, profiles):
    main.add_command(command)


def run() -> None:
    """The program's entry point: ``main``, then leave without the interpreter's teardown.

    By then the token file is written and synced, the sockets are closed and the loop is shut
    down; what remains is unloading aiohttp's modules, about 60 ms on a small machine that the
    person would spend waiting for the prompt (benchmarks/RESULTS.md). Only here, never inside
    a command: ``CliRunner`` and other in-process callers go through ``main``.
    """
    import os

    try:
        main(prog_name="lwa-loopback")
        code = 0
    except SystemExit as done:
        code = _status(done.code)
    logging = sys.modules.get("logging")  # flushed if a command used it; not imported for it
    if logging is not None:
        logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # a closed pipe (`| head`), no stream
            code = code or 1
    os._exit(code)


def _status(code: object) -> int:
    if code is None or isinstance(code, int):
        return code or 0
    click.echo(str(code), err=True)  # what sys.exit("message") would print
    return 1
