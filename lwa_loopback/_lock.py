"""One writer at a time per token file: an exclusive ``fcntl.flock`` on a lock file beside it.

The lock lives in its own file (``tokens.json.lock``) because the token file itself is replaced
by a rename on every write, and a lock on a file that gets renamed away guards nothing. The lock
file is never deleted: deleting it would let two processes lock two different files.
The kernel drops the lock when its holder exits, so a crash leaves no stale lock behind.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from .errors import TokenFileUnusable

DEFAULT_LOCK_TIMEOUT = 120.0
_FILE_MODE = 0o600
# Polled rather than waited on in a thread: a thread blocked in flock() cannot be cancelled,
# and Ctrl+C or a timeout must still end the wait.
_FIRST_POLL = 0.01
_LONGEST_POLL = 0.1


def lock_file_for(token_file: Path) -> Path:
    return token_file.with_name(token_file.name + ".lock")


@asynccontextmanager
async def locked(token_file: Path, *, timeout: float = DEFAULT_LOCK_TIMEOUT) -> AsyncIterator[None]:
    """Hold the token file's lock for the ``async with`` block; wait at most ``timeout``."""
    lock_file = lock_file_for(token_file)
    try:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, _FILE_MODE)
    except OSError as exc:
        raise TokenFileUnusable(
            f"Cannot open the lock file {lock_file}: {exc.strerror or exc}. The folder must be "
            "writable to refresh the tokens in it."
        ) from None
    try:
        await _acquire(fd, lock_file, timeout)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


async def _acquire(fd: int, lock_file: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay = _FIRST_POLL
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise TokenFileUnusable(
                    f"Another process has held {lock_file} for {timeout:g} seconds while "
                    "refreshing the tokens. Check for a hung lwa-loopback process, then retry."
                ) from None
        await asyncio.sleep(delay)
        delay = min(delay * 2, _LONGEST_POLL)
