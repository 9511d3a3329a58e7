"""One writer at a time per token file: an exclusive ``fcntl.flock`` on a lock file beside it.

The lock lives in its own file (``tokens.json.lock``) because the token file itself is replaced
by a rename on every write, and a lock on a file that gets renamed away guards nothing. The lock
file is never deleted: deleting it would let two processes lock two different files.
The kernel drops the lock when its holder exits, so a crash leaves no stale lock behind.
"""

from __future__ import annotations

import asyncio
import os
import stat
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from ._defaults import LOCK_TIMEOUT
from ._token_file import FILE_MODE, check_locking, remove_leftovers, write_token_file
from ._tokens import Tokens
from .errors import TokenFileError, TokenFileUnusable, shown

# Polled rather than waited on in a thread: a thread blocked in flock() cannot be cancelled,
# and Ctrl+C or a timeout must still end the wait.
_FIRST_POLL = 0.01
_LONGEST_POLL = 0.1


def lock_file_for(token_file: Path) -> Path:
    return token_file.with_name(token_file.name + ".lock")


@asynccontextmanager
async def locked(token_file: Path, *, timeout: float = LOCK_TIMEOUT) -> AsyncIterator[None]:
    """Hold the token file's lock for the ``async with`` block; wait at most ``timeout``."""
    check_locking()
    lock_file = lock_file_for(token_file)
    fd = _open_own(lock_file)
    try:
        await _acquire(fd, lock_file, timeout)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _open_own(lock_file: Path) -> int:
    """Open (or make) the lock file, refusing one planted by someone else: a symbolic link, or
    a file of another user in a shared folder, could point the lock elsewhere or hold it."""
    try:
        # O_NOFOLLOW: a symbolic link in its place makes open() fail rather than follow it.
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, FILE_MODE)
    except OSError as exc:
        raise TokenFileUnusable(
            f"Cannot open the lock file {lock_file}: {exc.strerror or exc}. The folder must be "
            "writable, and the lock file (if any) a plain file of yours."
        ) from None
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode) or status.st_uid != os.geteuid():
        os.close(fd)
        raise TokenFileUnusable(
            f"The lock file {lock_file} is not a plain file of this user: someone else made "
            "it. Remove it, and keep token files in a folder only you can write to."
        )
    return fd


async def _acquire(fd: int, lock_file: Path, timeout: float) -> None:
    import fcntl  # check_locking() made sure it exists

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


async def save_tokens(token_file: Path, tokens: Tokens) -> None:
    """Write what a sign-in obtained, under the token file's lock: a refresh running meanwhile
    (`lwa-loopback token` in another terminal) re-reads the file after it, instead of writing
    the old file's tokens over it. A write that fails raises ``TokenFileError`` holding the
    tokens: they exist nowhere else."""
    try:
        async with locked(token_file):
            remove_leftovers(token_file)
            write_token_file(token_file, tokens)
    except (OSError, TokenFileUnusable) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else shown(str(exc))
        message = f"Could not write the token file {token_file}: {reason}".rstrip(".") + "."
        raise TokenFileError(message, tokens=tokens) from None
