"""Run a coroutine to completion from synchronous code, even inside a running event loop.

A notebook cell already runs in an event loop, where ``asyncio.run`` refuses to start: there
the coroutine runs on a private loop in a worker thread, and the cell waits for it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


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
            return future.result()
        except KeyboardInterrupt:
            future.cancel()
            done.wait()
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
