"""The ``lwa-loopback`` command: parse options, call the library, turn errors into exit codes.

The only module that prints or exits (with ``_cli_tokens.py``, its commands on the token file).
Heavy imports (aiohttp, even asyncio and logging) happen inside the commands that need them:
``lwa-loopback token`` runs in shell loops and must start about as fast as Python itself.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ._signals import Terminated, run_async, sigterm_raises
from .errors import (
    ConfigurationError,
    ConsentError,
    ExchangeError,
    ListenError,
    LoginError,
    LoginTimeout,
    TokenFileError,
    TokenFileUnusable,
    seconds,
)

if TYPE_CHECKING:
    from ._tokens import Tokens

T = TypeVar("T")

#: One exit code per outcome; click's own usage errors exit 2 as well.
EXIT_CODES: dict[type[LoginError], int] = {
    ConfigurationError: 2,
    ConsentError: 3,
    LoginTimeout: 4,
    ExchangeError: 5,
    ListenError: 6,
    TokenFileError: 7,
    TokenFileUnusable: 8,
}
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_TERMINATED = 143  # 128 + SIGTERM


def _say(message: str) -> None:
    click.echo(message, err=True)


def _exit_code(error: LoginError) -> int:
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1


def handles_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Expected failures become a message and an exit code, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except TokenFileError as exc:
            # The code is spent: these tokens exist nowhere else, so they go to stdout.
            click.echo(exc.tokens.dumps(), nl=False)
            _say(f"error: {exc}\nThe tokens are printed on stdout above: save them now, "
                 "they cannot be fetched again.")
            sys.exit(_exit_code(exc))
        except LoginError as exc:
            _say(f"error: {exc}")
            sys.exit(_exit_code(exc))
        except KeyboardInterrupt:
            _say("Cancelled.")
            sys.exit(EXIT_INTERRUPTED)
        except Terminated:
            _say("Terminated.")
            sys.exit(EXIT_TERMINATED)

    return wrapper


_LOG_HANDLER = "lwa-loopback status lines"


def _show_logs() -> None:
    """Status lines from the library go to stderr as they happen; a warning says so."""
    import logging

    class StatusLines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if record.levelno >= logging.WARNING:
                lowered = message[:1].lower() + message[1:] if message[1:2].islower() else message
                message = f"warning: {lowered}"
            _say(message)  # click's current stderr, also under CliRunner

    logger = logging.getLogger("lwa_loopback")
    if not any(handler.get_name() == _LOG_HANDLER for handler in logger.handlers):
        handler = StatusLines()
        handler.set_name(_LOG_HANDLER)
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _announce(url: str, waiting_for: float | None, warning: str | None = None) -> None:
    """Print the consent URL on a line of its own (headless drivers read it there).

    Called once every option is checked and the port bound, so a ``warning`` printed here
    never precedes a usage error. ``waiting_for`` (seconds) is None in paste-back mode, where
    the question that follows replaces the waiting line.
    """
    if warning:
        _say(f"warning: {warning}")
    _say("Open this address in a browser to sign in with Amazon:")
    _say(url)
    if waiting_for is not None:
        span = (f"{waiting_for / 60:g} minutes" if waiting_for >= 60
                else seconds(waiting_for))
        _say(f"Waiting for the redirect (up to {span}; Ctrl+C to cancel)...")


async def _system_browser(url: str) -> None:
    """The ``open_browser`` of the commands: the system browser, never waited on."""
    from ._browser import open_system_browser

    if not await open_system_browser(url):
        _say("(No browser could be opened here: open the address above yourself.)")


def _report(tokens: Tokens, token_file: Path, as_json: bool) -> None:
    minutes = tokens.expires_in // 60
    refresh = ("refresh token saved" if tokens.refresh_token
               else "no refresh token: log in again when it expires")
    _say(f"Signed in. Tokens saved to {token_file} "
         f"(access token valid for {minutes} minutes; {refresh}).")
    if as_json:
        click.echo(tokens.dumps(), nl=False)


_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=_SETTINGS)
@click.version_option(package_name="lwa-loopback", prog_name="lwa-loopback")
def main() -> None:
    """Get Login with Amazon (LWA) tokens onto this machine, and keep them useful.

    Start with `lwa-loopback demo` to see a whole login against a built-in fake LWA server.
    """


def _default_token_file() -> Path:
    from ._tokens import default_token_file

    return default_token_file()


@main.command(context_settings=_SETTINGS)
@click.option("--client-id", envvar="LWA_CLIENT_ID", required=True, show_envvar=True,
              help="The LWA client (security profile) id: amzn1.application-oa2-client....")
@click.option("--client-secret", envvar="LWA_CLIENT_SECRET", show_envvar=True,
              help="The client secret; without it LWA sends no refresh token. "
                   "Prefer the environment variable to the command line.")
@click.option("--redirect-uri", envvar="LWA_REDIRECT_URI", required=True, show_envvar=True,
              help="The exact registered return URL, e.g. http://127.0.0.1:8080/callback; "
                   "the tool listens on its host, port and path.")
@click.option("--scope", "scopes", envvar="LWA_SCOPE", required=True, multiple=True,
              show_envvar=True, help="Scope to request; repeat it, or give several separated "
                                     "by spaces (profile postal_code).")
@click.option("--scope-data", envvar="LWA_SCOPE_DATA", show_envvar=True,
              help='JSON sent as LWA\'s scope_data, e.g. {"profile":{"essential":false}}.')
@click.option("--region", envvar="LWA_REGION", default="na", show_default=True, show_envvar=True,
              type=click.Choice(["na", "eu", "fe"]), help="Picks the consent page and token "
                                                          "endpoint.")
@click.option("--authorize-url", envvar="LWA_AUTHORIZE_URL", show_envvar=True,
              help="Override the region's consent page (tests, proxies).")
@click.option("--token-url", envvar="LWA_TOKEN_URL", show_envvar=True,
              help="Override the region's token endpoint (tests, proxies).")
@click.option("--out", "token_file", envvar="LWA_TOKEN_FILE", show_envvar=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Token file to write. [default: $XDG_CONFIG_HOME/lwa-loopback/tokens.json]")
@click.option("--no-browser", is_flag=True, help="Only print the consent URL; open no browser.")
@click.option("--paste", is_flag=True,
              help="Paste-back mode: listen nowhere; paste the address the browser ended on "
                   "(for remote machines). Chosen by itself for a return URL that is not "
                   "loopback.")
@click.option("--certfile", envvar="LWA_CERTFILE", show_envvar=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="PEM certificate for an https://localhost or https://127.0.0.1 return URL.")
@click.option("--keyfile", envvar="LWA_KEYFILE", show_envvar=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Its unencrypted PEM key (unless the key is in --certfile).")
@click.option("--timeout", envvar="LWA_TIMEOUT", default=300.0, show_default=True,
              show_envvar=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds to wait for the redirect (or the pasted address).")
@click.option("--json", "as_json", is_flag=True, help="Also print the token file's JSON on stdout.")
@handles_errors
def login(
    client_id: str, client_secret: str | None, redirect_uri: str, scopes: tuple[str, ...],
    scope_data: str | None, region: str, authorize_url: str | None, token_url: str | None,
    token_file: Path | None, no_browser: bool, paste: bool, certfile: Path | None,
    keyfile: Path | None, timeout: float, as_json: bool,
) -> None:
    """Sign in through the browser once and save the tokens.

    Listens on the return URL, opens the consent page, exchanges the code LWA sends back at
    once, writes the token file (mode 0600) and exits. With --paste (or a return URL that is
    not loopback) nothing listens: paste the address the browser ended on.
    """
    from ._request import prepare, start

    token_file = (token_file or _default_token_file()).expanduser()
    warning = None if client_secret else (
        "no client secret (--client-secret or LWA_CLIENT_SECRET): LWA will send no refresh "
        "token, so these tokens stop working in an hour.")
    _show_logs()
    with sigterm_raises():
        # Checked, bound and printed before asyncio and aiohttp are even imported: the person
        # reads the consent page while the rest loads.
        started = start(prepare(
            client_id=client_id, client_secret=client_secret, redirect_uri=redirect_uri,
            scope=scopes, scope_data=scope_data, region=region, authorize_url=authorize_url,
            token_url=token_url, token_file=token_file, paste=paste, certfile=certfile,
            keyfile=keyfile,
        ))
        _announce(started.consent_url, None if started.request.paste else timeout, warning)
        from ._flow import complete

        tokens = run_async(lambda: complete(
            started, None if no_browser else _system_browser, timeout))
    _report(tokens, token_file, as_json)


@main.command(context_settings=_SETTINGS)
@click.option("--browser", is_flag=True, help="Open the fake's consent page in your own browser "
                                              "and click Allow yourself, instead of letting a "
                                              "headless one sign in.")
@click.option("--out", "token_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the demo tokens. [default: a new temporary folder]")
@click.option("--timeout", default=120.0, show_default=True,
              type=click.FloatRange(min=0, min_open=True), help="Seconds to wait for the redirect.")
@handles_errors
def demo(browser: bool, token_file: Path | None, timeout: float) -> None:
    """Run a whole login against a built-in fake LWA server: no Amazon account needed.

    The real flow runs (listener, consent URL, redirect, code exchange, token file) against a
    fake server on 127.0.0.1; the tokens it writes are fake too.
    """
    from ._demo import run_demo

    _show_logs()
    _say("Starting a fake LWA server on 127.0.0.1 (nothing leaves this machine)...")
    tokens, path = run_async(lambda: run_demo(
        token_file=token_file, announce=_demo_announcer(browser, timeout),
        headless=not browser, timeout=timeout,
    ))
    _report(tokens, path, as_json=False)
    _say("That was the whole flow. With a real LWA client, register "
         "http://127.0.0.1:8080/callback as an Allowed Return URL and run:\n"
         "  LWA_CLIENT_SECRET=... lwa-loopback login --client-id amzn1.application-oa2-client.... "
         "--redirect-uri http://127.0.0.1:8080/callback --scope profile")


def _demo_announcer(browser: bool, timeout: float) -> Callable[[str], Coroutine[Any, Any, None]]:
    async def announce(url: str) -> None:
        _announce(url, timeout)
        if browser:
            await _system_browser(url)

    return announce


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


# Registers refresh, token and show on `main`; last, because that module imports this one.
from . import _cli_tokens  # noqa: E402, F401
