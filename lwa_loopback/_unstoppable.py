"""Work that must finish once it has started, however often it is cancelled meanwhile.

A code exchange or a refresh that may have reached the server has spent something that cannot
be had again (the single-use code; with rotation, the old refresh token): what it returns must
reach the token file, or the caller, before any cancellation (Ctrl+C, SIGTERM, ``task.cancel()``,
a second one, a third) takes effect.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


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
