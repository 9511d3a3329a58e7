"""What the fake LWA server checks, and how it answers: as LWA.md says Login with Amazon does."""

from __future__ import annotations

import asyncio
import base64
import enum
import hashlib
import hmac
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from yarl import URL

from .._loopback import is_loopback

# LWA's documented sample header, malformed as it is ("charset UTF-8" without "=").
LWA_CONTENT_TYPE = "application/json;charset UTF-8"


@dataclass(frozen=True)
class SeenRequest:
    """A request the fake received: the query (pages) or form (POST) parameters."""

    method: str
    path: str
    params: dict[str, str]
    basic_auth: tuple[str, str] | None = None


class TokenFailure(enum.Enum):
    """How the fake's token endpoint misbehaves when ``FakeLWA.token_failure`` is set."""

    SERVER_ERROR = "500 with an HTML body"
    NOT_JSON = "200 with a body that is not JSON"
    SLOW = "answers after FakeLWA.slow_seconds"
    INVALID_GRANT = "400 invalid_grant, whatever was sent"


async def form_fields(request: web.Request) -> dict[str, str]:
    """A POST's form fields (a file upload is no field any LWA endpoint takes)."""
    return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}


async def failure_answer(failure: TokenFailure | None, slow_seconds: float) -> web.Response | None:
    """The token endpoint's answer when it is told to misbehave; None when it is not."""
    if failure is TokenFailure.SLOW:
        await asyncio.sleep(slow_seconds)
    elif failure is TokenFailure.SERVER_ERROR:
        return web.Response(
            status=500, text="<html>Internal Server Error</html>", content_type="text/html"
        )
    elif failure is TokenFailure.NOT_JSON:
        return web.Response(status=200, text="<html>Hello</html>", content_type="text/html")
    elif failure is TokenFailure.INVALID_GRANT:
        return token_error(400, "invalid_grant", "The request has an invalid grant parameter")
    return None


def return_url_allowed(
    redirect_uri: str, registered: Collection[str] | None, schemes: Collection[str]
) -> bool:
    """A registered return URL, exactly; with none registered, any loopback URL whose scheme
    is one of ``schemes`` (handy with port 0: the port is only known once bound)."""
    if registered is not None:
        return redirect_uri in registered
    try:
        url = URL(redirect_uri)
    except ValueError:
        return False
    return url.scheme in schemes and is_loopback(url)


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    scope: str
    code_challenge: str | None
    code_challenge_method: str
    issued_at: float
    used: bool = False


# RFC 7636 section 4.1: a verifier is 43 to 128 characters of [A-Za-z0-9-._~]; an S256
# challenge is the 43-character base64url of a SHA-256 digest, and a plain one is a verifier.
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")


def consent_problem(query: Mapping[str, str]) -> str | None:
    if query.get("response_type") != "code":
        return "response_type must be code"
    if not query.get("scope", "").split():
        return "scope is required"
    method = query.get("code_challenge_method", "plain")
    if method not in ("S256", "plain"):
        return "code_challenge_method must be S256 or plain"
    challenge = query.get("code_challenge")
    if challenge is not None:
        pattern = _S256_CHALLENGE if method == "S256" else _VERIFIER
        if not pattern.fullmatch(challenge):
            return "code_challenge is malformed (RFC 7636 section 4.2)"
    return None


def code_problem(grant: Grant | None, form: Mapping[str, str], oldest: float) -> str | None:
    if grant is None or grant.used:
        return "The request has an invalid grant parameter : code"
    if grant.issued_at < oldest:
        return "The authorization code has expired"
    if form.get("redirect_uri") != grant.redirect_uri:
        return "The redirect_uri does not match the one of the authorization request"
    if grant.code_challenge is not None:
        verifier = form.get("code_verifier")
        if verifier is None or not _VERIFIER.fullmatch(verifier):
            return "The code_verifier is missing or malformed (RFC 7636 section 4.1)"
        if not pkce_ok(grant, verifier):
            return "The code_verifier does not match the code_challenge"
    return None


def pkce_ok(grant: Grant, verifier: str | None) -> bool:
    if verifier is None or grant.code_challenge is None:
        return False
    if grant.code_challenge_method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        expected = verifier
    return hmac.compare_digest(expected, grant.code_challenge)


def same_secret(given: str, expected: str) -> bool:
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (any bytes may
    # arrive in a form), and a crash would answer 500 instead of invalid_client.
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())


def basic_auth(header: str | None) -> tuple[str, str] | None:
    """The client id and secret of an HTTP Basic header, each percent-decoded (RFC 6749 section
    2.3.1 has them form-urlencoded first; Authlib and node-oidc-provider decode them so)."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except ValueError:
        return None
    return unquote(user), unquote(password)


#: How the fake's client is registered to send its secret (``FakeLWA(client_auth=...)``), as
#: RFC 7591's ``token_endpoint_auth_method`` names it.
CLIENT_AUTH_METHODS = {"post": "client_secret_post", "basic": "client_secret_basic"}


def wrong_client_auth(form: Mapping[str, str], client_auth: str) -> web.Response | None:
    """A client registered for HTTP Basic that sends its secret in the form is refused, as
    Authlib refuses it (the method is the client's registration, not the client's choice);
    LWA's way, ``post``, takes either."""
    if client_auth == "basic" and "client_secret" in form:
        return token_error(
            401,
            "invalid_client",
            "The client is registered for client_secret_basic, not client_secret_post",
        )
    return None


def with_basic_auth(form: Mapping[str, str], basic: tuple[str, str] | None) -> dict[str, str]:
    """The form, with the client id and secret of a Basic header where the form has none."""
    merged = dict(form)
    if basic is not None:
        merged.setdefault("client_id", basic[0])
        merged.setdefault("client_secret", basic[1])
    return merged


def wrong_client(form: Mapping[str, str], client_id: str, client_secret: str) -> bool:
    """Another client's id, or a secret that is not this client's (no secret is no proof, but
    no lie either: each grant decides whether it needs one)."""
    secret = form.get("client_secret")
    return form.get("client_id") != client_id or (
        secret is not None and not same_secret(secret, client_secret)
    )


def redirect(redirect_uri: str, **params: str | None) -> web.Response:
    query = {k: v for k, v in params.items() if v is not None}
    location = URL(redirect_uri).update_query(query)
    return web.Response(status=302, headers={"Location": str(location)})


def error_page(message: str) -> web.Response:
    return web.Response(
        status=400, text=f"<html><body><p>{message}</p></body></html>", content_type="text/html"
    )


def token_error(status: int, error: str, description: str) -> web.Response:
    return json_response(status, {"error_description": description, "error": error})


def client_authentication_failed() -> web.Response:
    """LWA's answer to a wrong client id or secret, or to a code redeemed with no proof."""
    return token_error(401, "invalid_client", "Client authentication failed")


def json_response(status: int, payload: Mapping[str, Any]) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(payload).encode(),
        headers={
            "Content-Type": LWA_CONTENT_TYPE,
            "Cache-Control": "no-store",
            "Pragma": "no-cache",
        },
    )
