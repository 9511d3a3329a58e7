"""``login_device()``: LWA's code-based linking (the device flow), for a machine with no browser.

code pair -> the person opens the verification page anywhere and types the code -> poll the
token endpoint, no faster than asked -> tokens -> token file (LWA.md section 7; RFC 8628).
No listener, no redirect, and no client secret: the device code is the proof.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._defaults import REGION, REQUEST_TIMEOUT, utcnow
from ._options import DEVICE, picked
from ._sync import call_back, synced
from ._tokens import Tokens

if TYPE_CHECKING:
    from ._prepared import Prepared
from .errors import ConsentError, ExchangeError, LoginTimeout, seconds, shown

log = logging.getLogger("lwa_loopback")

#: Receives ``(user_code, verification_uri, expires_in)``: shows the person where to go and
#: what to type. May be ``async def``; it runs beside the polling, which does not wait for it.
OnCode = Callable[[str, str, float], object]

# RFC 8628 section 3.5: each slow_down adds 5 seconds to the interval, for good.
_SLOW_DOWN_STEP = 5.0
_DEFAULT_INTERVAL = 5.0  # RFC 8628 section 3.2, when the answer names none
_SHORTEST_INTERVAL = 0.01  # a floor, so that a zero or negative interval cannot spin
_EXPIRED = ("invalid_code_pair", "expired_token")


@dataclass(frozen=True)
class CodePair:
    """What the code pair endpoint answered: what the person types where, and for how long."""

    user_code: str
    device_code: str = field(repr=False)
    verification_uri: str
    expires_in: float
    interval: float


async def login_device(
    *,
    client_id: str,
    scope: str | Iterable[str] | None = None,
    scope_data: str | Mapping[str, Any] | None = None,
    region: str = REGION,
    token_url: str | None = None,
    codepair_url: str | None = None,
    token_file: str | os.PathLike[str] | None = None,
    on_code: OnCode | None = None,
    request_timeout: float = REQUEST_TIMEOUT,
    clock: Callable[[], datetime] = utcnow,
) -> Tokens:
    """Sign in with LWA's device flow and return the tokens (also written to ``token_file``).

    ``on_code(user_code, verification_uri, expires_in)`` shows the person where to go and what
    to type; the default prints both on stderr, opens the page in a browser when there is one,
    and in a notebook shows them as a link. No client secret is sent: the tokens come with a
    refresh token that refreshes without one. Raises ``ConsentError`` when the person denies,
    ``LoginTimeout`` when the code expires first, ``ExchangeError`` for anything else.
    """
    given = picked(locals(), DEVICE)  # first: before any name is imported here
    from ._prepared import prepare_client

    shown_by = on_code or show_code
    plan = prepare_client(given, DEVICE, clock, scope_required=True)
    pair = await _code_pair(plan)
    helper = asyncio.ensure_future(_show(shown_by, pair))
    try:
        tokens = await _poll(plan, pair)
    finally:
        await _settle(helper)
    return await plan.keep(tokens)


async def _code_pair(plan: Prepared) -> CodePair:
    from ._exchange import post_json

    form = {"response_type": "device_code", "scope": plan.scope}
    if plan.scope_data is not None:
        form["scope_data"] = plan.scope_data
    answer = await post_json(plan.client, plan.codepair_url, form, "codepair")
    try:
        return CodePair(
            user_code=_text(answer, "user_code"),
            device_code=_text(answer, "device_code"),
            # LWA's prose says verification_url; its answers say verification_uri.
            verification_uri=_text(answer, "verification_uri"),
            expires_in=_number(answer.get("expires_in"), 600.0),
            interval=_number(answer.get("interval"), _DEFAULT_INTERVAL),
        )
    except ValueError as exc:
        raise ExchangeError(
            f"The code pair endpoint {plan.codepair_url} answered without {exc}: check "
            "`codepair_url` and `region`.",
            error="invalid_response",
            status=200,
        ) from None


def _text(answer: dict[str, Any], key: str) -> str:
    value = answer.get(key)
    if not isinstance(value, str) or not value or len(value) > 2048:
        raise ValueError(f"a usable {key}")
    return value


def _number(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if 0 < number < 86400 else default


async def _poll(plan: Prepared, pair: CodePair) -> Tokens:
    """Ask for the tokens every ``interval`` seconds until the person decides or the code
    expires. A poll is idempotent (nothing is spent until the tokens come back), so one that
    fails to connect is simply tried again at the next interval."""
    from ._exchange import device_tokens

    loop = asyncio.get_running_loop()
    deadline = loop.time() + pair.expires_in
    interval = max(pair.interval, _SHORTEST_INTERVAL)
    while True:
        await asyncio.sleep(min(interval, max(deadline - loop.time(), 0)))
        if loop.time() >= deadline:
            raise _expired(pair)
        try:
            return await device_tokens(
                plan.client,
                device_code=pair.device_code,
                user_code=pair.user_code,
                scope=plan.scope,
            )
        except ExchangeError as exc:
            interval = _after_refusal(exc, pair, interval)


def _after_refusal(exc: ExchangeError, pair: CodePair, interval: float) -> float:
    """The interval to wait before the next poll, or the exception that ends the flow."""
    if exc.error == "authorization_pending":
        return interval
    if exc.error == "slow_down":
        log.debug("Polled too fast; waiting %s more from now on.", seconds(_SLOW_DOWN_STEP))
        return interval + _SLOW_DOWN_STEP
    if exc.error == "network_error":
        log.warning("Could not reach the token endpoint; trying again in %s.", seconds(interval))
        return interval
    if exc.error == "access_denied":
        raise ConsentError(
            "The sign-in was refused on the verification page (access_denied). Run the command "
            "again and choose Allow.",
            error=exc.error,
            description=exc.description,
        ) from None
    if exc.error in _EXPIRED:
        raise _expired(pair) from None
    raise exc


def _expired(pair: CodePair) -> LoginTimeout:
    return LoginTimeout(
        f"The code {pair.user_code} expired before it was entered at {pair.verification_uri} "
        f"(it lives {seconds(pair.expires_in)}). Run the command again for a new code."
    )


async def _show(on_code: OnCode, pair: CodePair) -> None:
    """Run ``on_code`` beside the polling: a plain one on a thread (it may block, as a browser
    launcher does), an ``async def`` one as it is."""
    await call_back(on_code, pair.user_code, pair.verification_uri, pair.expires_in)


async def _settle(helper: asyncio.Future[None]) -> None:
    """The flow is over: a helper still running (a page never submitted) is stopped; its
    failure is reported, never raised (the tokens matter more)."""
    if not helper.done():
        helper.cancel()
    try:
        await helper
    except asyncio.CancelledError:
        pass
    except Exception as exc:
        log.warning("Showing the code failed: %s", shown(str(exc)))


async def show_code(user_code: str, verification_uri: str, expires_in: float) -> None:
    """The default ``on_code``: where to go and what to type, on stderr (and as a link in a
    notebook), then the verification page in the system browser when there is one."""
    from ._browser import open_system_browser, show_code_in_notebook

    sys.stderr.write(code_lines(user_code, verification_uri, expires_in) + "\n")
    sys.stderr.flush()
    show_code_in_notebook(verification_uri, user_code)
    await open_system_browser(verification_uri)


def code_lines(user_code: str, verification_uri: str, expires_in: float) -> str:
    """The verification URI and the code, each on a line of its own (headless drivers read
    them there), and how long the code lives."""
    minutes = f"{expires_in / 60:g} minutes" if expires_in >= 60 else seconds(expires_in)
    return (
        "On any device, open this address and enter the code below:\n"
        f"{verification_uri}\n"
        f"Code: {user_code}\n"
        f"(The code expires in {minutes}. Waiting for the sign-in; Ctrl+C to cancel.)"
    )


login_device_sync = synced(
    login_device,
    "``login_device()`` for synchronous code; inside a running event loop (a notebook cell) it "
    "runs on a worker thread. Takes the same keyword arguments.",
)
