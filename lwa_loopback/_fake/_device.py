"""The fake's device flow, Amazon's code-based linking (LWA.md section 7) or, with
``FakeLWA(dialect="rfc8628")``, RFC 8628's device authorization grant as standard servers speak
it: code pairs, the page where a person types the user code, and what each poll gets.

LWA's dialect:

    POST /auth/o2/create/codepair   response_type=device_code, client_id, scope[, scope_data]
    POST /auth/o2/token             grant_type=device_code, device_code, user_code, client_id

RFC 8628's (the other dialect's endpoint answers 404, as a server without it does):

    POST /oauth/device_authorization   client_id[, scope] (section 3.1; nothing of LWA's)
    POST /auth/o2/token                grant_type=urn:ietf:params:oauth:grant-type:device_code,
                                       device_code, client_id (section 3.4)

Both:

    GET  /code[?user_code=...]      the page to type the code on (RFC 8628's answer also
                                    links it with the code: verification_uri_complete)
    POST /code                      user_code, decision=allow|deny

RFC 8628 names the poll answers: authorization_pending, slow_down (and 5 seconds more between
polls from then on), access_denied; a pair past its lifetime is LWA's invalid_code_pair, or
RFC 8628's expired_token. A device client that is not public (``device_client_public``
False, RFC 8628 only) must authenticate on both requests, or gets 401 invalid_client.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web
from yarl import URL

from .._grants import LWA_DEVICE
from .._regions import CODEPAIR_PATH
from . import _device_page
from ._rules import (
    SeenRequest,
    basic_auth,
    client_authentication_failed,
    form_fields,
    json_response,
    token_error,
    with_basic_auth,
    wrong_client,
    wrong_client_auth,
)

VERIFICATION_PATH = "/code"
#: RFC 8628's device authorization endpoint (its section 3.1 example path).
DEVICE_AUTHORIZATION_PATH = "/oauth/device_authorization"
LWA_DIALECT, RFC8628_DIALECT = "lwa", "rfc8628"
DIALECTS = (LWA_DIALECT, RFC8628_DIALECT)
# RFC 8628 section 3.5: each slow_down adds 5 seconds to the interval the client must keep.
SLOW_DOWN_STEP = 5.0
# Amazon's user codes are a few capital letters and digits; these leave out the ones a person
# mistakes for another (0/O, 1/I) when copying the code from a screen (RFC 8628 section 6.1).
_USER_CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_USER_CODE_LENGTH = 6


class _Fake(Protocol):
    """What the device flow reads from the FakeLWA it serves (its settings may change live)."""

    client_id: str
    client_secret: str
    client_auth: str
    dialect: str
    device_client_public: bool
    clock: Callable[[], float]
    device_interval: float
    device_slow_down_step: float
    device_code_lifetime: float
    requests: list[SeenRequest]

    @property
    def url(self) -> URL: ...


@dataclass
class DevicePair:
    """A user code and device code handed out together, and what has become of them."""

    user_code: str
    device_code: str
    scope: str
    expires_at: float
    interval: float
    last_poll: float | None = None
    decision: str | None = None  # "allow" or "deny", once the person chose
    spent: bool = False


def normalized(user_code: str) -> str:
    """As a person may type it: any case, with spaces or a hyphen."""
    return "".join(user_code.split()).replace("-", "").upper()


class DeviceFlow:
    """The code pairs of one FakeLWA, and its endpoints for them."""

    def __init__(self, fake: _Fake) -> None:
        self._fake = fake
        self._pairs: dict[str, DevicePair] = {}  # by device code

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(CODEPAIR_PATH, self._codepair)
        app.router.add_post(DEVICE_AUTHORIZATION_PATH, self._codepair)
        app.router.add_get(VERIFICATION_PATH, self._page)
        app.router.add_post(VERIFICATION_PATH, self._submit)

    @property
    def standard(self) -> bool:
        return self._fake.dialect == RFC8628_DIALECT

    @property
    def path(self) -> str:
        """Where this fake hands out code pairs, in its dialect."""
        return DEVICE_AUTHORIZATION_PATH if self.standard else CODEPAIR_PATH

    # -- the person's decision ---------------------------------------------------------------
    def decide(self, user_code: str, decision: str) -> None:
        """Record Allow or Deny for a pending pair; KeyError names a code that is not one."""
        pair = self._pending(user_code)
        if pair is None:
            raise KeyError(
                f"No pending device code pair has the user code {user_code!r}: it was never "
                "handed out, has expired, or was already approved or denied."
            )
        pair.decision = decision

    def _pending(self, user_code: str) -> DevicePair | None:
        wanted, now = normalized(user_code), self._fake.clock()
        for pair in self._pairs.values():
            if pair.user_code == wanted and pair.decision is None and now <= pair.expires_at:
                return pair
        return None

    # -- POST /auth/o2/create/codepair, or RFC 8628's /oauth/device_authorization ------------
    async def _codepair(self, request: web.Request) -> web.Response:
        fake = self._fake
        form = await form_fields(request)
        basic = basic_auth(request.headers.get("Authorization"))
        fake.requests.append(SeenRequest(request.method, request.path, form, basic))
        if request.path != self.path:  # the other dialect's endpoint: this server has none
            raise web.HTTPNotFound()
        refused = wrong_client_auth(form, fake.client_auth)
        if refused is not None:
            return refused
        merged = with_basic_auth(form, basic)
        if wrong_client(merged, fake.client_id, fake.client_secret):
            return client_authentication_failed()
        if not self.client_proved(merged):
            return client_authentication_failed()
        problem = _standard_problem(form) if self.standard else _codepair_problem(form)
        if problem is not None:
            return token_error(400, "invalid_request", problem)
        return self._hand_out(" ".join(form.get("scope", "").split()))

    def client_proved(self, form: Mapping[str, str]) -> bool:
        """A public device client needs no secret; one registered as confidential (RFC 8628
        allows it, LWA does not) must send it (checked against the client's by then)."""
        fake = self._fake
        return fake.device_client_public or not self.standard or "client_secret" in form

    def _hand_out(self, scope: str) -> web.Response:
        fake = self._fake
        pair = DevicePair(
            user_code=self._new_user_code(),
            device_code="fake-device-code." + secrets.token_urlsafe(48),
            scope=scope,
            expires_at=fake.clock() + fake.device_code_lifetime,
            interval=fake.device_interval,
        )
        self._pairs[pair.device_code] = pair
        page = fake.url.with_path(VERIFICATION_PATH)
        answer = {
            "user_code": pair.user_code,
            "device_code": pair.device_code,
            "verification_uri": str(page),
            "expires_in": fake.device_code_lifetime,
            "interval": fake.device_interval,
        }
        if self.standard:  # RFC 8628 section 3.3.1; LWA sends none (LWA.md section 8)
            answer["verification_uri_complete"] = str(page.with_query(user_code=pair.user_code))
        return json_response(200, answer)

    def _new_user_code(self) -> str:
        taken = {pair.user_code for pair in self._pairs.values()}
        while True:  # a repeat is rare: 32**6 codes
            code = "".join(secrets.choice(_USER_CODE_LETTERS) for _ in range(_USER_CODE_LENGTH))
            if code not in taken:
                return code

    # -- POST /auth/o2/token, grant_type=device_code (or RFC 8628's URN) --------------------
    def redeem(self, form: Mapping[str, str]) -> DevicePair | web.Response:
        """The approved pair, now spent; or the error this poll gets. LWA's dialect needs the
        user code with the device code; RFC 8628's the device code alone."""
        device_code, user_code = form.get("device_code"), form.get("user_code")
        if not device_code or (not user_code and not self.standard):
            return token_error(400, "invalid_request", "device_code and user_code are required")
        pair = self._pairs.get(device_code)
        wrong_user_code = not self.standard and pair is not None and pair.user_code != user_code
        if pair is None or pair.spent or wrong_user_code:
            return token_error(
                400, "invalid_grant", "The request has an invalid grant parameter : device_code"
            )
        return self._poll(pair, self._fake.clock(), self._fake.device_slow_down_step)

    def _poll(
        self, pair: DevicePair, now: float, slow_down_step: float
    ) -> DevicePair | web.Response:
        if now > pair.expires_at:
            if self.standard:
                return token_error(400, "expired_token", "The device_code has expired")
            return token_error(400, "invalid_code_pair", "The code pair has expired")
        too_soon = pair.last_poll is not None and now - pair.last_poll < pair.interval
        pair.last_poll = now
        if too_soon:
            pair.interval += slow_down_step
            return token_error(400, "slow_down", "Polled sooner than the interval allows")
        if pair.decision == "deny":
            return token_error(400, "access_denied", "The user denied the request")
        if pair.decision is None:
            return token_error(400, "authorization_pending", "The user has not yet approved")
        pair.spent = True
        return pair

    # -- the verification page --------------------------------------------------------------
    async def _page(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self._fake.requests.append(SeenRequest(request.method, request.path, query))
        return _device_page.entry(query.get("user_code", ""), action=VERIFICATION_PATH)

    async def _submit(self, request: web.Request) -> web.Response:
        form = await form_fields(request)
        self._fake.requests.append(SeenRequest(request.method, request.path, form))
        decision = form.get("decision")
        if decision not in ("allow", "deny"):
            return _device_page.problem("Choose Allow or Deny.", action=VERIFICATION_PATH)
        try:
            self.decide(form.get("user_code", ""), decision)
        except KeyError:
            return _device_page.problem(
                "That code is not valid: it may have expired or been used already. Check the "
                "code on your device and try again.",
                action=VERIFICATION_PATH,
            )
        return _device_page.done(approved=decision == "allow")


def _codepair_problem(form: Mapping[str, str]) -> str | None:
    expected = LWA_DEVICE.code_request["response_type"]
    if form.get("response_type") != expected:
        return f"response_type must be {expected}"
    if not form.get("scope", "").split():
        return "scope is required"
    scope_data = form.get("scope_data")
    if scope_data is not None and not _is_json_object(scope_data):
        return "scope_data must be a JSON object"
    return None


def _standard_problem(form: Mapping[str, str]) -> str | None:
    """RFC 8628 section 3.1 takes the client id and a scope. A real server ignores what it does
    not know; the fake refuses LWA's own fields, so that a client mixing the dialects is seen."""
    mixed = sorted({"response_type", "scope_data"} & set(form))
    if mixed:
        return f"{', '.join(mixed)}: not a parameter of the device authorization request"
    return None


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False
