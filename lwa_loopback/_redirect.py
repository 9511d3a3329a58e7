"""What a redirect back to the return URL says: a code, or LWA's error, for this login's state.

Shared by the callback server (the browser brings the query) and paste-back mode (the person
brings the whole address), so both judge a redirect by the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._consent import state_matches
from .errors import ConsentError, clause, shown

if TYPE_CHECKING:
    from multidict import MultiMapping  # aiohttp's and yarl's own dependency: the type only


@dataclass(frozen=True)
class Authorized:
    code: str = field(repr=False)
    scope: str | None
    #: What else the redirect carried to keep with the tokens (Seller Central's
    #: ``selling_partner_id`` and, for hybrid apps, ``mws_auth_token``).
    kept: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Refused:
    error: str
    description: str | None


Outcome = Authorized | Refused

STATE_MISMATCH = "Its state does not match the sign-in this program started."
NO_OUTCOME = "It carries neither one authorization code nor one error."


def has_state(query: MultiMapping[str], expected_state: str) -> bool:
    """Exactly one ``state``, equal to ours (the CSRF check)."""
    states = query.getall("state", [])
    return len(states) == 1 and state_matches(states[0], expected_state)


#: Kept from a Seller Central redirect, each at most once (LWA.md section 7).
SELLER_FIELDS = ("selling_partner_id", "mws_auth_token")


def read_outcome(query: MultiMapping[str], code_param: str = "code") -> Outcome | None:
    """The code (in ``code_param``: ``code``, or Seller Central's ``spapi_oauth_code``) or the
    error the query carries; None when it carries neither, or is ambiguous."""
    errors, codes = query.getall("error", []), query.getall(code_param, [])
    if len(errors) == 1:
        return Refused(errors[0], query.get("error_description"))
    if len(codes) == 1 and codes[0] and not errors:
        if code_param == "code":
            return Authorized(codes[0], query.get("scope"))
        kept = {name: query[name] for name in SELLER_FIELDS if len(query.getall(name, [])) == 1}
        if "selling_partner_id" not in kept:
            return None  # every Seller Central sign-in names the selling partner
        return Authorized(codes[0], None, kept)
    return None


def unkeepable(outcome: Authorized) -> str | None:
    """Why a value to keep with the tokens (``selling_partner_id``, ``mws_auth_token``) cannot
    be kept, or None. Checked before the code is exchanged: the token file's reader would
    refuse it, and after the exchange the single-use code would be spent for a file that does
    not work."""
    from ._token_json import token_text

    for name, value in outcome.kept.items():
        try:
            token_text(value, name)
        except ValueError as exc:
            return str(exc)
    return None


def read_redirect(
    query: MultiMapping[str], expected_state: str, code_param: str = "code"
) -> Outcome | str:
    """The redirect's outcome, or why the request is not a valid redirect for this login."""
    if not has_state(query, expected_state):
        return STATE_MISMATCH
    outcome = read_outcome(query, code_param)
    return NO_OUTCOME if outcome is None else outcome


def refused_error(outcome: Refused, server: str = "Login with Amazon") -> ConsentError:
    """The server's ``error=`` as the exception the person reads, with what to do about it.
    ``server`` names it (``_endpoints.server_name``): another server is not blamed on LWA."""
    said = f": {clause(outcome.description)}" if outcome.description else ""
    advice = _CONSENT_ADVICE.get(outcome.error, "Check the client's settings on {server}.")
    return ConsentError(
        f"{server} did not grant access ({shown(outcome.error)}{said}). "
        + advice.format(server=server),
        error=outcome.error,
        description=outcome.description,
        parameters=_ADVICE_PARAMETERS.get(outcome.error, ()),
    )


#: The parameters the advice below names, by the server's ``error``.
_ADVICE_PARAMETERS = {"invalid_scope": ("scope",), "invalid_request": ("client_id", "redirect_uri")}
_CONSENT_ADVICE = {
    "access_denied": "The sign-in was cancelled or refused: run the command again, choose Allow.",
    "invalid_scope": "A scope is unknown or not enabled for this client: check `scope`.",
    "unauthorized_client": "This client may not ask for a code: check its settings on {server}.",
    "invalid_request": "Check `client_id` and `redirect_uri` against the client's settings.",
    "server_error": "{server} had an internal error: try again in a minute.",
    "temporarily_unavailable": "{server} is busy: try again in a minute.",
}
