"""``lwa-loopback fake``: the fake LWA server in the foreground, for trying every command
against it from another terminal, until Ctrl+C.

stdout holds only the ``export LWA_...`` lines that point the commands at it (to copy, or to
redirect to a file and source); everything else, each request it answers included, goes to
stderr.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

import click

from ..errors import ListenError
from ._exits import handles_errors
from ._output import SETTINGS, say
from ._signals import Terminated, run_async

if TYPE_CHECKING:
    from .._fake import FakeLWA


@click.command(context_settings=SETTINGS)
@click.option(
    "--port",
    default=0,
    type=click.IntRange(0, 65535),
    help="The port to serve on, on 127.0.0.1; 0 picks a free one.  [default: a free one]",
)
@handles_errors()
def fake(port: int) -> None:
    """Serve the fake LWA server on 127.0.0.1 until Ctrl+C: try every command against it.

    Prints the `export LWA_...` lines that point the other commands at it: paste them into
    another terminal, then run `lwa-loopback login`, `token`, `refresh`, `show`,
    `client-credentials`, `import` or `login --device` there. Its pages wait for you to choose
    Allow or Deny in your browser; each request it answers is logged here. Its tokens are fake.
    """
    try:
        run_async(lambda: serve(port))
    except (KeyboardInterrupt, Terminated):  # how it is meant to end: not a failure
        say("Stopped.")


async def serve(port: int) -> None:
    """Start the fake (a person chooses on its pages), say how to use it, serve until
    cancelled."""
    import asyncio

    from .._fake import FakeLWA

    lwa = FakeLWA(interactive=True, port=port, request_log=say)
    try:
        await lwa.start()
    except OSError as exc:
        raise _cannot_listen(port, exc) from None
    try:
        for line in export_lines(lwa):
            click.echo(line)
        say(_notes(lwa))
        await asyncio.get_running_loop().create_future()  # until Ctrl+C or SIGTERM
    finally:
        await lwa.close()


def export_lines(lwa: FakeLWA) -> list[str]:
    """The shell lines that point every command at ``lwa`` (values quoted for a shell)."""
    import shlex

    values = {
        "LWA_CLIENT_ID": lwa.client_id,
        "LWA_CLIENT_SECRET": lwa.client_secret,  # fixed and obviously fake
        "LWA_AUTHORIZE_URL": lwa.authorize_url,
        "LWA_TOKEN_URL": lwa.token_url,
        "LWA_CODEPAIR_URL": lwa.codepair_url,
        "LWA_APPLICATION_ID": lwa.application_id,
    }
    return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]


def _notes(lwa: FakeLWA) -> str:
    return (
        f"For login --sp-api, add --authorize-url {lwa.seller_central_url} (Seller Central's "
        "consent page, on the fake).\n"
        f"For import, get a refresh token at {lwa.self_authorization_url} (Seller Central's "
        "self-authorization, on the fake).\n"
        "Keep its tokens apart from your real ones: --out FILE (--file for token, refresh and "
        "show) or --profile NAME on every command.\n"
        f"Serving the fake LWA server on {lwa.url} (its tokens are fake). Press Ctrl+C to stop."
    )


def _cannot_listen(port: int, exc: OSError) -> ListenError:
    where = f"127.0.0.1:{port}"
    if exc.errno == errno.EADDRINUSE:
        why = f"port {port} is in use (another `lwa-loopback fake`, or another program)"
    elif exc.errno == errno.EACCES:
        why = f"this user may not listen on port {port} (ports below 1024 need privileges)"
    else:
        why = exc.strerror or str(exc)
    return ListenError(
        f"Cannot serve the fake LWA server on {where}: {why}. Choose another --port, or leave "
        "it out for a free one."
    )
