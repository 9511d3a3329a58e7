"""Waiting for a condition instead of for a while: a bounded poll that fails by name."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

PATIENCE = 30.0  # seconds: a bound only a hang reaches, never a measured time


async def wait_until(condition: Callable[[], bool], what: str, within: float = PATIENCE) -> None:
    """Return once ``condition()`` holds; fail saying ``what`` never happened after ``within``
    seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() >= deadline:
            raise AssertionError(f"{what}: not within {within:g} seconds")
        await asyncio.sleep(0.01)
