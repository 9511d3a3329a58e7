"""Run a coroutine to completion from synchronous code, even inside a running event loop.

A notebook cell already runs in an event loop, where ``asyncio.run`` refuses to start: there
the coroutine runs on a private loop in a worker thread, and the cell waits for it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import signal
import threading
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")


_CLEAN_UP_GRACE = 10.0  # seconds a cancelled flow may take to close its sockets


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Let Ctrl+C raise KeyboardInterrupt while this thread blocks.

    Inside ``asyncio.run`` the SIGINT handler only cancels the main task, which cannot notice
    while it is blocked in a plain wait: the wait would sit out the whole login timeout.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class LoopThread:
    """An event loop running in a daemon thread, for as long as the ``with`` block lasts."""

    def __init__(self, name: str = "lwa-loopback") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)

    def __enter__(self) -> LoopThread:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Wait for ``coro``; on Ctrl+C, cancel it and let its clean-up finish first."""
        done = threading.Event()

        async def guarded() -> T:
            try:
                return await coro
            finally:
                done.set()

        future = self.submit(guarded())
        try:
            with _interruptible():
                return future.result()
        except KeyboardInterrupt:
            future.cancel()
            done.wait(_CLEAN_UP_GRACE)
            raise

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
        finally:
            self.loop.close()


def run_sync(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(main())``, or the same on a worker thread when a loop is already running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    with LoopThread() as worker:
        return worker.run(main())


def synced(main: Callable[P, Coroutine[Any, Any, T]], doc: str) -> Callable[P, T]:
    """The blocking twin of coroutine function ``main``, with the same (typed) parameters."""

    @functools.wraps(main)
    def blocking(*args: P.args, **kwargs: P.kwargs) -> T:
        return run_sync(lambda: main(*args, **kwargs))

    blocking.__doc__ = doc
    blocking.__name__ = blocking.__qualname__ = f"{main.__name__}_sync"
    return blocking


async def detached(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``call(*args)`` on a daemon thread that nothing ever joins.

    For a browser launch or a read from the terminal: ``webbrowser.open`` may block until a
    console browser quits, a read until Enter, and neither can be cancelled. The default
    executor would keep the process (or ``asyncio.run``'s shutdown) waiting for them long
    after the login is done. Cancelling the wait leaves the call to finish unheard.
    """
    future: concurrent.futures.Future[T] = concurrent.futures.Future()

    def work() -> None:
        # Running: a cancelled wait no longer cancels this future, so the result below always
        # has a place to go (else set_result would raise here, on a thread nobody watches).
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(call(*args, **kwargs))
        except BaseException as exc:  # handed to the awaiting task, not lost in the thread
            future.set_exception(exc)

    threading.Thread(target=work, name="lwa-loopback-detached", daemon=True).start()
    # wrap_future reports back through call_soon_threadsafe, and not at all to a closed loop.
    return await asyncio.wrap_future(future)
