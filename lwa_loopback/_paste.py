"""Paste-back mode: the person brings the address the browser ended on; no server listens.

For return URLs this machine cannot listen on (a remote host, a shell without a browser, an
https://example.com return URL): the browser ends on the return URL, with the code in its
address, and the person pastes that address back. It is judged by the same rules as a redirect
that reaches the callback server (``_redirect``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from yarl import URL

from ._asyncio_helpers import detached
from ._redirect import Authorized, Outcome, has_state, read_outcome
from .errors import ConsentError, LoginTimeout, PasteError, seconds

if TYPE_CHECKING:
    from multidict import MultiMapping  # yarl's own dependency: the type only

log = logging.getLogger("lwa_loopback")

#: Returns what the person pasted (one line); "" or EOFError means nothing was.
Reader = Callable[[], str]

# LWA's codes are URL-safe characters (ANxxxx...); a short word ("y", "done") is not one.
_BARE_CODE = re.compile(r"[A-Za-z0-9._~-]{8,}")
_MAX_LINE = 64 * 1024
_PROMPT = (
    "After you sign in, the browser goes to {redirect_uri}?{code_param}=... (that page may fail to "
    "load: that is fine).\nCopy the whole address from the browser's address bar, paste it "
    "here and press Enter:\n"
)


def stdin_reader(redirect_uri: str, code_param: str = "code") -> Reader:
    """Ask on stderr (as getpass does: stdout may be a pipe) and read one line from stdin."""

    def read() -> str:
        sys.stderr.write(_PROMPT.format(redirect_uri=redirect_uri, code_param=code_param))
        sys.stderr.flush()
        return sys.stdin.readline(_MAX_LINE)

    return read


async def wait_for_paste(reader: Reader, timeout: float) -> str:
    try:
        return await asyncio.wait_for(read_in_background(reader), timeout)
    except asyncio.TimeoutError:
        raise LoginTimeout(
            f"Nothing was pasted within {seconds(timeout)}. Run the command again and paste "
            "the address sooner (or raise `timeout`): the code in it lives only 5 minutes.",
            parameters=("timeout",),
        ) from None


async def read_in_background(reader: Reader) -> str:
    """Run ``reader`` on a daemon thread (``_sync.detached``): a read from a terminal cannot be
    cancelled, and the loop's executor would hold Ctrl+C or a timeout until Enter."""
    try:
        return await detached(reader)
    except EOFError:
        return ""  # nothing was pasted: parse_pasted says so


def parse_pasted(text: str, expected_state: str, code_param: str = "code") -> Outcome:
    """The code or LWA's error in what was pasted, after the same state check as a redirect."""
    text = text.strip()
    if not text:
        raise PasteError(
            "Nothing was pasted (an empty line, or standard input ended). Run the command again "
            "in a terminal, sign in, and paste the whole address the browser ended on."
        )
    if _BARE_CODE.fullmatch(text):
        log.warning(
            "That is a bare code, so it cannot be checked against this sign-in's state "
            "(the defence against a code from someone else's link). Using it; next time paste "
            "the whole address."
        )
        return Authorized(text, None)
    query = _query(text)
    if not any(name in query for name in (code_param, "error", "state")):
        raise PasteError(
            f"What was pasted holds no {code_param}=, error= or state=: copy the whole address "
            "from the "
            "browser's address bar after signing in, including everything after the ?, and run "
            "the command again."
        )
    return _checked(query, expected_state, code_param)


def _query(text: str) -> MultiMapping[str]:
    """The pasted address, or just its query (``?code=...&state=...``), as a URL."""
    try:
        return URL(text if "://" in text else "?" + text.lstrip("?")).query
    except ValueError:  # yarl's message may quote the text, and with it a code
        raise PasteError(
            "What was pasted is not an address: copy the whole address from the browser's "
            "address bar and run the command again."
        ) from None


def _checked(query: MultiMapping[str], expected_state: str, code_param: str) -> Outcome:
    if not has_state(query, expected_state):
        raise ConsentError(
            "The pasted address's state does not match the sign-in this command started: it "
            "belongs to another sign-in (an older run, or a link someone else made), so its code "
            "was not used. Run the command again and paste the address the browser ends on "
            "after following the link printed then."
        )
    outcome = read_outcome(query, code_param)
    if outcome is None:
        raise PasteError(
            "The pasted address carries neither one code nor one error: it is not where the "
            "browser ends after signing in (the consent page's own address, perhaps). Run the "
            "command again, sign in, and paste the address the browser ends on."
        )
    return outcome
