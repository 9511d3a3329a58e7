"""Running blocking calls beside the event loop: ``_sync.detached``."""

from __future__ import annotations

import asyncio
import threading

import pytest

from lwa_loopback._asyncio_helpers import detached


async def test_a_call_that_outlives_its_cancelled_wait_ends_quietly() -> None:
    """A browser launch (or a terminal read) still running when the flow stops waiting: its
    late result must go nowhere, not raise on its thread."""
    release = threading.Event()
    errors: list[BaseException | None] = []
    before = set(threading.enumerate())
    previous = threading.excepthook
    threading.excepthook = lambda args: errors.append(args.exc_value)
    try:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(detached(release.wait), 0.05)
        release.set()
        for _ in range(500):  # until the detached thread has finished (bounded)
            if set(threading.enumerate()) <= before:
                break
            await asyncio.sleep(0.01)
    finally:
        threading.excepthook = previous
    assert errors == []


async def test_the_result_and_the_error_reach_the_waiter() -> None:
    assert await detached(lambda: 42) == 42
    with pytest.raises(EOFError):
        await detached(input_at_end_of_file)


def input_at_end_of_file() -> str:
    raise EOFError
