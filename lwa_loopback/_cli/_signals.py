"""SIGTERM ends a command as Ctrl+C does: its clean-up runs (sockets closed, no partial file),
then the command exits 143 with a message, never a traceback. In the event loop or out of it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


class Terminated(Exception):
    """SIGTERM arrived while a command ran."""


def run_async(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(main())``, turning SIGTERM into a clean cancellation like Ctrl+C."""
    import asyncio
    import signal

    async def guarded() -> T:
        task = asyncio.current_task()
        assert task is not None
        terminated = False

        def on_sigterm() -> None:
            nonlocal terminated
            terminated = True
            task.cancel()

        with contextlib.suppress(NotImplementedError):  # Windows has no add_signal_handler
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, on_sigterm)
        try:
            return await main()
        except asyncio.CancelledError:
            if terminated:
                raise Terminated from None
            raise

    return asyncio.run(guarded())


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """While the block runs outside the event loop, SIGTERM raises ``Terminated``: it ends
    like Ctrl+C (sockets closed, exit 143, no traceback) instead of killing the process."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_terminated(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
