"""The token file: JSON, mode 0600, in a private folder, always replaced atomically, one writer at
a time.

The lock is an exclusive ``fcntl.flock`` on a lock file beside it (``tokens.json.lock``), because
the token file itself is replaced by a rename on every write, and a lock on a file that gets
renamed away guards nothing. The lock file is never deleted: deleting it would let two processes
lock two different files. The kernel drops the lock when its holder exits, so a crash leaves no
stale lock behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time
from contextlib import asynccontextmanager
from pathlib import Path

from . import _paths, _token_json
from ._defaults import LOCK_TIMEOUT
from ._tokens import Tokens
from .errors import TokenFileError, TokenFileUnusable, shown

TYPE_CHECKING = False  # not from typing: `lwa-loopback token` reads token files, and starts fast
if TYPE_CHECKING:
    from collections.abc import AsyncIterator

FILE_MODE = 0o600
_FOLDER_MODE = 0o700


def default_token_file() -> Path:
    """``$XDG_CONFIG_HOME/lwa-loopback/tokens.json``, or ``~/.config/...`` when it is unset."""
    return Path(_paths.default_path(os.environ))


def profile_file(name: str) -> Path:
    """The token file of profile ``name``: ``$XDG_CONFIG_HOME/lwa-loopback/profiles/NAME.json``
    (what ``--profile NAME`` selects). ``ConfigurationError`` for a name that could be a path."""
    from .errors import ConfigurationError

    try:
        return Path(_paths.profile_path(name, os.environ))
    except ValueError as exc:
        raise ConfigurationError(f"{exc}: pass a profile name, not a path.") from None


def write_token_file(path: str | os.PathLike[str], tokens: Tokens) -> Path:
    """Write ``tokens`` to ``path`` atomically, mode 0600; its folder is made 0700 when missing.

    A reader sees the old file or the new one, never half of either: the JSON goes to a
    temporary file in the same folder, is flushed to disk, then renamed over the old one.
    """
    import tempfile  # here, not above: `lwa-loopback token` only reads, and it starts fast

    text = readable_text(tokens)
    target = Path(path).expanduser()
    target.parent.mkdir(mode=_FOLDER_MODE, parents=True, exist_ok=True)
    # mkstemp creates the file 0600 from the start, so no other user can open it in between.
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, FILE_MODE)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_folder(target.parent)
    return target


class Unreadable(ValueError, OSError):
    """The tokens would make a file that ``read_token_file`` refuses: nothing was written."""


def readable_text(tokens: Tokens) -> str:
    """The token file's text for ``tokens``, once the reader has accepted it: whatever a server
    sent, nothing is written that ``token`` or ``refresh`` would then refuse (``Unreadable``)."""
    text = tokens.dumps()
    if len(text.encode("utf-8")) > _token_json.MAX_FILE_SIZE:
        raise Unreadable(f"the tokens need more than {_token_json.MAX_FILE_SIZE // 1024} KiB")
    try:
        _token_json.parse(_token_json.loads(text))
    except ValueError as exc:
        raise Unreadable(f"the tokens could not be read back: {exc}") from None
    return text


def remove_leftovers(path: Path) -> None:
    """Remove the temporary files an interrupted write left beside ``path`` (a SIGKILL or a
    power cut between the temporary file and the rename): each holds the tokens, refresh
    token included. Called with the token file's lock held, when no other write can be under
    way; only plain files of this user that carry write_token_file's name pattern go."""
    prefix, suffix = f".{path.name}.", ".tmp"
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(suffix)):
            continue
        leftover = path.parent / name
        with contextlib.suppress(OSError):
            status = os.lstat(leftover)
            if stat.S_ISREG(status.st_mode) and status.st_uid == os.geteuid():
                os.unlink(leftover)


def check_locking() -> None:
    """Every write happens under a lock, which is ``fcntl.flock``: Linux, macOS,
    and Windows through WSL. On native Windows, say so before anything happens."""
    try:
        import fcntl  # noqa: F401
    except ImportError:
        raise TokenFileUnusable(
            "lwa-loopback locks its token files with fcntl, which this system (native Windows) "
            "does not have. Run it under WSL (Windows Subsystem for Linux), or on Linux or macOS."
        ) from None


def check_writable(path: Path) -> None:
    """Raise the ``OSError`` that writing a token file at ``path`` would meet, if any.

    Makes the folder (0700) as ``write_token_file`` would, and creates and removes a private
    file beside the target: the same steps, so the same failures, without touching an
    existing file.
    """
    import secrets

    check_locking()
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "it is a folder", str(path))
    path.parent.mkdir(mode=_FOLDER_MODE, parents=True, exist_ok=True)
    # Not named like write_token_file's temporary files: remove_leftovers() must never take it.
    probe = path.parent / f".{path.name}.{secrets.token_hex(8)}.probe"
    os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    os.unlink(probe)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not every platform can open a folder.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_token_file(path: str | os.PathLike[str]) -> Tokens:
    """Load a token file; ``TokenFileUnusable`` says what is wrong and what to run.

    Only a regular file of this user, writable by no one else, of at most 64 KiB is read
    (``_token_json.read``): anything else is refused before a byte of it is trusted.
    """
    target = Path(path).expanduser()
    try:
        text = _token_json.read(str(target))
    except FileNotFoundError:
        raise TokenFileUnusable(
            f"No token file at {target}. Run `lwa-loopback login ...` first "
            "(or pass `token_file`: the path login wrote).",
            parameters=("token_file",),
        ) from None
    except _token_json.Refused as exc:
        raise TokenFileUnusable(
            f"The token file {target} was not read: {exc}. A token file must be a regular file "
            "of yours that only you can write (mode 0600). If it is yours, fix it with "
            f"`chmod 600 {target}`; otherwise move it away and run `lwa-loopback login ...`."
        ) from None
    except OSError as exc:
        raise TokenFileUnusable(
            f"Cannot read the token file {target}: {exc.strerror or exc}. Check that it is a file "
            "you may read, or run `lwa-loopback login ...` to write a new one."
        ) from None
    except UnicodeDecodeError:
        text = ""  # not UTF-8, so not JSON: reported as corrupt just below
    try:
        return Tokens.from_json(_token_json.loads(text))
    except ValueError as exc:
        raise TokenFileUnusable(
            f"The token file {target} is not a valid lwa-loopback token file: {exc}. "
            "It was left as it is: move it away and log in again (`lwa-loopback login ...`), "
            "or sign in to another file."
        ) from None


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
    import asyncio  # here: reading a token file (`token`) must not import it
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
