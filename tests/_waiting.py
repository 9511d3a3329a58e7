"""Waiting for a condition instead of for a while: a bounded poll that fails by name."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

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


_STATUS = Path("/proc/self/status")


async def signal_delivered(pid: int, signum: int) -> None:
    """Return once the signal ``signum`` sent to process ``pid`` has reached it (the kernel no
    longer holds it pending), so that a next one of the same kind is a delivery of its own.

    Linux tells from /proc (the signal is no longer pending); elsewhere a short gap stands in.
    """
    if not _STATUS.exists():
        await asyncio.sleep(0.1)
        return
    bit = 1 << (signum - 1)
    await wait_until(lambda: not _pending_signals(pid) & bit, f"signal {signum} reaching {pid}")


def _pending_signals(pid: int) -> int:
    """The signals sent to ``pid`` and not yet delivered, as a mask (0 once it has exited)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0
    pending = 0
    for line in status.splitlines():
        name, _, mask = line.partition(":")
        if name in ("SigPnd", "ShdPnd"):  # the main thread's own, and the whole process's
            pending |= int(mask, 16)
    return pending
