"""Expected failures become a message and an exit code, never a traceback.

The exit code is the exception class's own (``errors.LoginError.exit_code``); this is the only
place that turns it into the process's status.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping
from typing import Any

import click

from ..errors import LoginError, TokenFileError
from ._output import FLAGS, in_flags, say
from ._signals import Terminated

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_TERMINATED = 143  # 128 + SIGTERM


def handles_errors(
    flags: Mapping[str, str] = FLAGS,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Wrap a command: library errors are printed with ``flags`` naming the parameters each
    declares (``LoginError.parameters``)."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            try:
                command(*args, **kwargs)
            except TokenFileError as exc:
                # The code is spent: these tokens exist nowhere else, so they go to stdout.
                click.echo(exc.tokens.dumps(), nl=False)
                say(
                    f"error: {in_flags(str(exc), exc.parameters, flags)}\nThe tokens are "
                    "printed on stdout above: save them now, they cannot be fetched again."
                )
                sys.exit(exc.exit_code)
            except LoginError as exc:
                say(f"error: {in_flags(str(exc), exc.parameters, flags)}")
                sys.exit(exc.exit_code)
            except KeyboardInterrupt:
                say("Cancelled.")
                sys.exit(EXIT_INTERRUPTED)
            except Terminated:
                say("Terminated.")
                sys.exit(EXIT_TERMINATED)

        return wrapper

    return decorate
