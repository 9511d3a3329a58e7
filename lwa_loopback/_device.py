"""``login_device()``: the device flow, for a machine with no browser: LWA's code-based linking,
or RFC 8628's device authorization grant on another server.

code pair -> the person opens the verification page anywhere and types the code -> poll the
token endpoint, no faster than asked -> tokens -> token file (LWA.md section 7; RFC 8628).
No listener, no redirect, and no client secret: the device code is the proof.

Which dialect the server speaks is decided from the endpoints before anything is sent
(``_endpoints.device_dialect``): a code is never shown that the polls could not redeem.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._asyncio_helpers import call_back, synced, unstoppable
from ._defaults import REGION, REQUEST_TIMEOUT, utcnow
from ._options import DeviceOptions
from ._tokens import Tokens

if TYPE_CHECKING:
    from ._grants import DeviceDialect
    from ._other_grants import GrantPlan
from .errors import (
    ConsentError,
    ExchangeError,
    LoginTimeout,
    NetworkError,
    UnusableAnswer,
    seconds,
    shown,
)

log = logging.getLogger("lwa_loopback")

#: Receives ``(user_code, verification_uri, expires_in)``: shows the person where to go and
#: what to type. May be ``async def``; it runs beside the polling, which does not wait for it.
#: ``verification_uri`` is the server's ``verification_uri_complete`` when it sends one (RFC
#: 8628 section 3.3.1: the page with the code filled in), else its ``verification_uri``.
OnCode = Callable[[str, str, float], object]

_EXPIRED = ("invalid_code_pair", "expired_token")
#: The longest a code may be waited for, whatever the server says (LWA's live 10 minutes).
_LONGEST_CODE_LIFE = 3600.0
#: The longest interval between polls taken at the server's word (LWA's is 30 s at most).
_LONGEST_INTERVAL = 300.0


@dataclass(frozen=True)
class Pacing:
    """How fast the device flow polls, whatever the server asks. The defaults are the
    protocol's; a test against ``FakeLWA`` shortens them (``Pacing(floor=0.01, ...)``), a
    server never can: ``interval`` from its answer is bounded by these.

    ``floor``: never poll sooner than this after the last poll (once a second).
    ``default_interval``: when the answer names no usable interval (RFC 8628 section 3.2: 5 s).
    ``slow_down_step``: added to the interval, for good, at each ``slow_down`` (section 3.5).
    """

    floor: float = 1.0
    default_interval: float = 5.0
    slow_down_step: float = 5.0

    def interval(self, value: Any) -> float:
        """The server's ``interval``, bounded: the default when absent or unusable."""
        seconds = _number(value, self.default_interval, _LONGEST_INTERVAL)
        return max(seconds, self.floor)


@dataclass(frozen=True)
class CodePair:
    """What the code pair endpoint answered: what the person types where, and for how long."""

    user_code: str
    device_code: str = field(repr=False)
    verification_uri: str
    expires_in: float
    interval: float
    #: RFC 8628: the verification page with the user code in it, when the server sends one.
    verification_uri_complete: str | None = None

    @property
    def page(self) -> str:
        """The address to open: the one that carries the code, when there is one."""
        return self.verification_uri_complete or self.verification_uri


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
    pacing: Pacing = Pacing(),  # frozen: one shared default is safe
) -> Tokens:
    """Sign in with the device flow and return the tokens (also written to ``token_file``).

    LWA's code-based linking, or RFC 8628 on another server: ``codepair_url`` is then its
    device authorization endpoint (``_endpoints.device_dialect`` says which).
    ``on_code(user_code, verification_uri, expires_in)`` shows the person where to go and what
    to type; the default prints both on stderr, opens the page in a browser when there is one,
    and in a notebook shows them as a link. No client secret is sent: the tokens come with a
    refresh token that refreshes without one. Raises ``ConsentError`` when the person denies,
    ``LoginTimeout`` when the code expires first, ``ExchangeError`` (or a subclass) for
    anything else. ``pacing`` bounds how fast it polls (tests shorten it).
    """
    options = DeviceOptions(
        client_id=client_id,
        scope=scope,
        scope_data=scope_data,
        region=region,
        token_url=token_url,
        codepair_url=codepair_url,
        token_file=token_file,
        request_timeout=request_timeout,
    )
    return await sign_in_on_device(options, on_code=on_code, clock=clock, pacing=pacing)


async def sign_in_on_device(
    options: DeviceOptions,
    *,
    on_code: OnCode | None = None,
    clock: Callable[[], datetime] = utcnow,
    pacing: Pacing = Pacing(),  # frozen: one shared default is safe
) -> Tokens:
    """``login_device()`` with its options as one checked-by-mypy value (the command line's
    way in)."""
    from ._endpoints import device_dialect
    from ._other_grants import prepare_client

    plan = prepare_client(options, clock, scope_required=True)
    dialect = device_dialect(plan.client.token_url, plan.codepair_url, plan.scope_data)
    pair = await _code_pair(plan, dialect, pacing)
    helper = asyncio.ensure_future(_show(on_code or show_code, pair))
    try:
        return await _poll(plan, dialect, pair, pacing)
    finally:
        await _stop_showing(helper)


async def _code_pair(plan: GrantPlan, dialect: DeviceDialect, pacing: Pacing) -> CodePair:
    from ._exchange import post_json

    form = {**dialect.code_request, "scope": plan.scope}
    if plan.scope_data is not None:
        form["scope_data"] = plan.scope_data
    advice = dialect.request_advice
    answer = await post_json(plan.client, plan.codepair_url, form, advice)
    # Checked before the person sees anything: the code is printed, the page is opened (and
    # under WSL handed to PowerShell), so nothing in them may drive a terminal or a launcher.
    try:
        complete = answer.get("verification_uri_complete")
        return CodePair(
            user_code=_text(answer, "user_code"),
            device_code=_text(answer, "device_code"),
            # LWA's prose says verification_url; its answers say verification_uri.
            verification_uri=_page(answer, "verification_uri"),
            expires_in=_number(answer.get("expires_in"), 600.0, _LONGEST_CODE_LIFE),
            interval=pacing.interval(answer.get("interval")),
            verification_uri_complete=None
            if complete is None
            else _page(answer, "verification_uri_complete"),
        )
    except ValueError as exc:
        raise UnusableAnswer(
            f"The {advice.endpoint} {plan.codepair_url} answered with {exc}, so no code was "
            f"shown. {advice.unusable}",
            status=200,
            parameters=advice.parameters,
        ) from None


def _text(answer: dict[str, Any], key: str) -> str:
    from ._token_json import token_text

    value = answer.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"no usable {key}")
    return token_text(value, key)


def _page(answer: dict[str, Any], key: str) -> str:
    from ._browser import openable_url

    try:
        return openable_url(_text(answer, key))
    except ValueError as exc:
        raise ValueError(f"a {key} that cannot be opened safely ({exc})") from None


def _number(value: Any, default: float, longest: float) -> float:
    """A number of seconds from the server: ``default`` when absent or not a positive finite
    number, and never more than ``longest``."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return default
    if not math.isfinite(number) or number <= 0:
        return default
    return min(number, longest)


async def _poll(plan: GrantPlan, dialect: DeviceDialect, pair: CodePair, pacing: Pacing) -> Tokens:
    """Ask for the tokens every ``interval`` seconds until the person decides or the code
    expires. A poll is idempotent (nothing is spent until the tokens come back), so one that
    fails to connect is simply tried again at the next interval."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + pair.expires_in
    interval = pair.interval
    while True:
        await asyncio.sleep(min(interval, max(deadline - loop.time(), 0)))
        if loop.time() >= deadline:
            raise _expired(pair)
        # The poll that brings the tokens spends the device code: once sent, it finishes and
        # its tokens are written, however often Ctrl+C comes meanwhile (then it is cancelled).
        answer = await unstoppable(_poll_once(plan, dialect, pair))
        if isinstance(answer, Tokens):
            return answer
        interval = _after_refusal(answer, pair, interval, pacing)


async def _poll_once(
    plan: GrantPlan, dialect: DeviceDialect, pair: CodePair
) -> Tokens | ExchangeError:
    """One poll, and the token file written when it brings the tokens; the server's refusal is
    returned, not raised, so that a cancellation during a pending poll is not lost in it."""
    from ._exchange import device_tokens

    try:
        tokens = await device_tokens(
            plan.client,
            dialect.grant,
            device_code=pair.device_code,
            user_code=pair.user_code if dialect.poll_sends_user_code else None,
            scope=plan.scope,
        )
    except ExchangeError as exc:
        return exc
    return await plan.keep(tokens)


def _after_refusal(exc: ExchangeError, pair: CodePair, interval: float, pacing: Pacing) -> float:
    """The interval to wait before the next poll, or the exception that ends the flow: by the
    exception's type, or by the server's own ``error`` (RFC 8628 section 3.5)."""
    if isinstance(exc, NetworkError):
        # A poll is idempotent: one that got no answer is asked again at the next interval.
        log.warning("Could not reach the token endpoint; trying again in %s.", seconds(interval))
        return interval
    if exc.error == "authorization_pending":
        return interval
    if exc.error == "slow_down":
        step = seconds(pacing.slow_down_step)
        log.debug("Polled too fast; waiting %s more from now on.", step)
        return interval + pacing.slow_down_step
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
    await call_back(on_code, pair.user_code, pair.page, pair.expires_in)


async def _stop_showing(helper: asyncio.Future[None]) -> None:
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
