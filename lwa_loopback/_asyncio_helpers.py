"""The asyncio helpers: run a coroutine from synchronous code (even inside a running event loop),
run a blocking call off the loop, and let work that must finish, finish.

Every blocking call (``login_sync`` and its kin) hands its coroutine to one long-lived event
loop on a daemon thread, and waits. Setting up and tearing down a fresh loop per call cost
about an eighth of an in-process login against the fake (benchmarks/RESULTS.md); and a
notebook cell, which already runs a loop where ``asyncio.run`` refuses to start, takes the
same path.

``unstoppable``: a code exchange or a refresh that may have reached the server has spent
something that cannot be had again (the single-use code; with rotation, the old refresh token):
what it returns must reach the token file, or the caller, before any cancellation (Ctrl+C,
SIGTERM, ``task.cancel()``, a second one, a third) takes effect.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import inspect
import os
import signal
import threading
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")


def _wait_for_clean_up(done: threading.Event) -> None:
    """Wait, however many more Ctrl+Cs come, for a cancelled call to end: a token request
    already at the server finishes and its answer is written first (``unstoppable``); the
    rest of a cancellation only closes sockets. Every step is bounded by its own timeout."""
    while True:
        try:
            done.wait()
            return
        except KeyboardInterrupt:
            continue


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Let Ctrl+C raise KeyboardInterrupt while this thread blocks.

    Inside ``asyncio.run`` the SIGINT handler only cancels the main task, which cannot notice
    while it is blocked in a plain wait: the wait would sit out the whole login timeout.
    Outside a running loop the handler is left as it is: the default one raises already, and
    one the program set (or SIG_IGN) is the program's choice, as ``asyncio.run`` leaves it.
    """
    if threading.current_thread() is not threading.main_thread() or not _loop_running():
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
        return self.start()

    def start(self) -> LoopThread:
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

        # Interruptible before the work starts: a Ctrl+C that comes as soon as the work shows
        # a sign of life (it prints "Listening on") must find the handler that raises here.
        with _interruptible():
            future = self.submit(guarded())
            try:
                return future.result()
            except BaseException:  # Ctrl+C, or SystemExit from the program's signal handler
                if not future.done():  # else it is the coroutine's own exception
                    future.cancel()
                    _wait_for_clean_up(done)
                raise

    def runs_here(self) -> bool:
        """Whether the calling code runs on this loop's thread (a wait there would block it)."""
        return threading.current_thread() is self._thread

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
        finally:
            self.loop.close()


def run_sync(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``main()`` on the shared worker loop and wait for it, from any thread."""
    worker = _shared_worker()
    if worker.runs_here():
        # Called from a coroutine on the worker itself (an async opener calling login_sync):
        # waiting there would block the very loop that must run it. A private loop instead.
        with LoopThread() as private:
            return private.run(main())
    return worker.run(main())


_shared: LoopThread | None = None
_starting = threading.Lock()


def _shared_worker() -> LoopThread:
    """The worker loop, started on first use; flows share no state, so any number of them,
    from any number of threads, run on it side by side."""
    global _shared
    with _starting:
        if _shared is None:
            _shared = LoopThread().start()  # never stopped: a daemon thread, as long as we run
        return _shared


def _forget_worker() -> None:
    """In a forked child: the worker thread was not copied, so start a new one when needed
    (and a lock held by another thread at the fork would never be released)."""
    global _shared, _starting
    _shared, _starting = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_worker)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


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


async def call_back(call: Callable[..., object], *args: object) -> object:
    """Run a caller's callback (an ``open_browser``, an ``on_code``): an ``async def`` one (or
    an object with ``async def __call__``) as it is, a plain one off the loop with ``detached``
    (``webbrowser.open`` and a console browser block), and await what either hands back (a
    lambda around an async browser returns a coroutine)."""
    method = getattr(call, "__call__", None)  # noqa: B004 - an object with async __call__
    if inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(method):
        result = call(*args)
    else:
        result = await detached(call, *args)
    return await result if inspect.isawaitable(result) else result


async def unstoppable(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` to its end; then, if this task was cancelled meanwhile, go on cancelling.

    ``work``'s own failure replaces the cancellation: it says more (a TokenFileError carries
    the tokens).
    """
    task = asyncio.ensure_future(work)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True  # however many times: the work goes on
    result = task.result()  # the work's own failure, if any, rises here
    if cancelled:
        raise asyncio.CancelledError
    return result
