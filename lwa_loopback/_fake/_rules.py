"""What the fake LWA server checks, and how it answers: as LWA.md says Login with Amazon does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from yarl import URL

# LWA's documented sample header, malformed as it is ("charset UTF-8" without "=").
LWA_CONTENT_TYPE = "application/json;charset UTF-8"


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    scope: str
    code_challenge: str | None
    code_challenge_method: str
    issued_at: float
    used: bool = False


def consent_problem(query: Mapping[str, str]) -> str | None:
    if query.get("response_type") != "code":
        return "response_type must be code"
    if not query.get("scope", "").split():
        return "scope is required"
    if query.get("code_challenge_method", "plain") not in ("S256", "plain"):
        return "code_challenge_method must be S256 or plain"
    return None


def code_problem(grant: Grant | None, form: Mapping[str, str], oldest: float) -> str | None:
    if grant is None or grant.used:
        return "The request has an invalid grant parameter : code"
    if grant.issued_at < oldest:
        return "The authorization code has expired"
    if form.get("redirect_uri") != grant.redirect_uri:
        return "The redirect_uri does not match the one of the authorization request"
    if grant.code_challenge is not None and not pkce_ok(grant, form.get("code_verifier")):
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


def basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, password


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
