"""The token file: JSON, mode 0600, in a private folder, always replaced atomically."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from . import _token_json
from ._tokens import Tokens
from .errors import TokenFileUnusable

FILE_MODE = 0o600
_FOLDER_MODE = 0o700


def default_token_file() -> Path:
    """``$XDG_CONFIG_HOME/lwa-loopback/tokens.json``, or ``~/.config/...`` when it is unset."""
    return Path(_token_json.default_path(os.environ))


def profile_file(name: str) -> Path:
    """The token file of profile ``name``: ``$XDG_CONFIG_HOME/lwa-loopback/profiles/NAME.json``
    (what ``--profile NAME`` selects). ``ConfigurationError`` for a name that could be a path."""
    from .errors import ConfigurationError

    try:
        return Path(_token_json.profile_path(name, os.environ))
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
    """Every write happens under a lock (``_lock.py``), which is ``fcntl.flock``: Linux, macOS,
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
            "(or pass `token_file`: the path login wrote)."
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
