"""What the commands print: status lines on stderr, in the command line's words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import click

from .._options import OPTIONS
from ..errors import seconds

SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: How the library's parameters are spelled on the command line: each option's flag (the
#: token commands name `token_file` --file instead).
FLAGS: Mapping[str, str] = {option.name: option.flag for option in OPTIONS}


def in_flags(message: str, parameters: Iterable[str], flags: Mapping[str, str] = FLAGS) -> str:
    """A library message with the parameters it names, as its exception (or log record)
    declares them (``errors.LoginError.parameters``), written as the command's flags: `token_file`
    becomes --out. A parameter the command has no flag for keeps the library's name."""
    for name in parameters:
        flag = flags.get(name)
        if flag is not None:
            message = message.replace(f"`{name}`", flag)
    return message


def say(message: str) -> None:
    click.echo(message, err=True)


_LOG_HANDLER = "lwa-loopback status lines"


def show_logs(flags: Mapping[str, str] = FLAGS) -> None:
    """Status lines from the library go to stderr as they happen; a warning says so."""
    import logging

    class StatusLines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            parameters = getattr(record, "parameters", ())
            message = in_flags(record.getMessage(), parameters, flags)
            if record.levelno >= logging.WARNING:
                lowered = message[:1].lower() + message[1:] if message[1:2].islower() else message
                message = f"warning: {lowered}"
            say(message)  # click's current stderr, also under CliRunner

    logger = logging.getLogger("lwa_loopback")
    for handler in list(logger.handlers):
        if handler.get_name() == _LOG_HANDLER:
            logger.removeHandler(handler)
    handler = StatusLines()
    handler.set_name(_LOG_HANDLER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def announce(
    url: str, waiting_for: float | None, warning: str | None = None, server: str = "Amazon"
) -> None:
    """Print the consent URL on a line of its own (headless drivers read it there).

    Called once every option is checked and the port bound, so a ``warning`` printed here
    never precedes a usage error. ``waiting_for`` (seconds) is None in paste-back mode, where
    the question that follows replaces the waiting line.
    """
    if warning:
        say(f"warning: {warning}")
    say(f"Open this address in a browser to sign in with {server}:")
    say(url)
    if waiting_for is not None:
        span = f"{waiting_for / 60:g} minutes" if waiting_for >= 60 else seconds(waiting_for)
        say(f"Waiting for the redirect (up to {span}; Ctrl+C to cancel)...")


async def system_browser(url: str) -> None:
    """The ``open_browser`` of the commands: the system browser, never waited on."""
    from .._browser import open_system_browser

    if not await open_system_browser(url):
        say("(No browser could be opened here: open the address above yourself.)")
