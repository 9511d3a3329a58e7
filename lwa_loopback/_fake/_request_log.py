"""The fake's request log: one short line for each request it answers, for a person watching
``lwa-loopback fake`` work::

    GET /ap/oa 200 page shown
    POST /ap/oa 302 back to 127.0.0.1:8080 with a code
    POST /auth/o2/token 200 tokens issued (authorization_code)
    POST /auth/o2/token 400 authorization_pending

What happened is told from the answer's shape (which parameters a redirect carries, the
``error`` of a JSON answer, which fields it has), never from a value: no line ever holds a code,
a token, a state or a secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from yarl import URL

from ..errors import shown

# The grants whose names a line may repeat (grant_type comes from the request).
_GRANTS = ("authorization_code", "refresh_token", "device_code", "client_credentials")


def request_logger(write: Callable[[str], None]) -> Middleware:
    """A middleware that calls ``write`` with one line per request, once it is answered."""

    @web.middleware
    async def log_request(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # the router's 404 and 405
            write(line(request, exc.status, exc.reason.lower()))
            raise
        write(line(request, response.status, await outcome(request, response)))
        return response

    return log_request


def line(request: web.Request, status: int, what: str) -> str:
    # shown(): the path is the browser's, and may hold characters that drive a terminal.
    return f"{request.method} {shown(request.path)} {status} {what}"


async def outcome(request: web.Request, response: web.StreamResponse) -> str:
    """What the answer did, in a few words."""
    location = response.headers.get("Location")
    if location is not None:
        return _redirect(URL(location))
    body = response.body if isinstance(response, web.Response) else None
    if response.content_type == "application/json" and isinstance(body, bytes):
        return await _json_answer(request, json.loads(body))
    return "page shown" if response.status < 400 else "error page"


def _redirect(location: URL) -> str:
    where = f"back to {location.host}:{location.port}"
    if "error" in location.query:
        return f"{where} with error {shown(location.query['error'])}"
    if "code" in location.query or "spapi_oauth_code" in location.query:
        return f"{where} with a code"
    return where


async def _json_answer(request: web.Request, payload: dict[str, Any]) -> str:
    if "error" in payload:
        return shown(str(payload["error"]))
    if "user_code" in payload:
        return "code pair issued"
    grant = (await request.post()).get("grant_type")  # read already: aiohttp keeps it
    said = f" ({grant})" if grant in _GRANTS else ""
    return ("tokens issued" if "access_token" in payload else "answered") + said
