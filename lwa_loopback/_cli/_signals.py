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
    """``asyncio.run(main())``, where Ctrl+C and SIGTERM cancel ``main`` cleanly, however many
    arrive: each one only cancels again, so work that must finish (an exchange under way, the
    write that follows) finishes first. The first signal decides how the command ends:
    ``KeyboardInterrupt`` (exit 130) or ``Terminated`` (exit 143).

    asyncio.run's own Ctrl+C handling would raise KeyboardInterrupt on the second Ctrl+C,
    wherever the loop is, and the exchange's tokens would be lost with it.
    """
    import asyncio
    import signal

    async def guarded() -> T:
        task = asyncio.current_task()
        assert task is not None
        stopped_by: list[type[BaseException]] = []

        def stop(kind: type[BaseException]) -> None:
            if not stopped_by:
                stopped_by.append(kind)
            task.cancel()

        loop = asyncio.get_running_loop()
        for signum, kind in ((signal.SIGTERM, Terminated), (signal.SIGINT, KeyboardInterrupt)):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows; a thread
                loop.add_signal_handler(signum, stop, kind)
        try:
            return await main()
        except asyncio.CancelledError:
            if stopped_by:
                raise stopped_by[0] from None
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
