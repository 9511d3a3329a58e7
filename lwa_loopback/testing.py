"""A fake Login with Amazon server and a headless "browser", for tests (ours and yours).

    async with FakeLWA() as lwa:                      # in the running event loop
        tokens = await login(client_id=lwa.client_id, client_secret=lwa.client_secret,
                             redirect_uri="http://127.0.0.1:0/callback", scope="profile",
                             authorize_url=lwa.authorize_url, token_url=lwa.token_url,
                             open_browser=HeadlessBrowser())

    with FakeLWA().in_background() as lwa:            # from synchronous code, any loop
        ...

The fake speaks the protocol in LWA.md: it checks client id, return URL, scope and PKCE, issues
single-use codes that live five minutes, sends no refresh token when no client secret came,
and answers with LWA's exact (malformed) content type. Its failures are switches
(``consent_error``, ``token_failure``), and it records every request in ``requests``.
``hold_token_answers()`` keeps token requests at the server until ``release_token_answers()``.

By default the consent page redirects back at once, as if the person chose Allow. With
``FakeLWA(interactive=True)`` it shows a page with Allow and Deny buttons instead (for a person,
or a real browser driven by a test); the buttons post the request back to the same path.

It serves LWA's other grants as strictly:

- the device flow (code-based linking): ``codepair_url`` hands out a user code and a device
  code; the person types the user code on the page at ``verification_uri`` (or a test calls
  ``approve(user_code)`` / ``deny(user_code)``, or passes ``HeadlessBrowser().enter_code`` as
  the client's ``on_code``); polls of the token endpoint get ``authorization_pending``,
  ``slow_down`` (polled within ``device_interval``; ``device_slow_down_step`` more from then on),
  ``access_denied``, ``invalid_code_pair`` (expired, by the fake's ``clock``), then tokens
  once, with a refresh token that needs no client secret;
- Selling Partner API website authorization: ``seller_central_url`` is Seller Central's
  consent page for ``application_id`` (``FAKE_APPLICATION_ID``); it redirects back with
  ``state``, ``selling_partner_id`` (``FAKE_SELLING_PARTNER_ID``) and a single-use
  ``spapi_oauth_code``, redeemed with the client secret (``application_draft``,
  ``hybrid_app``, ``interactive`` and ``consent_error`` change what it does);
- client credentials: ``grant_type=client_credentials`` with the secret and a scope gets an
  access token and the scope granted, never a refresh token.

And as a standard server, as strictly as Authlib and node-oidc-provider:
``FakeLWA(dialect="rfc8628")`` speaks RFC 8628's device flow (``codepair_url`` is its device
authorization endpoint; ``device_client_public = False`` makes the device client confidential),
and ``FakeLWA(client_auth="basic")`` takes the client secret only in an HTTP Basic header.
"""

from ._fake import FAKE_APPLICATION_ID as FAKE_APPLICATION_ID
from ._fake import FAKE_CLIENT_ID as FAKE_CLIENT_ID
from ._fake import FAKE_CLIENT_SECRET as FAKE_CLIENT_SECRET
from ._fake import FAKE_SELLING_PARTNER_ID as FAKE_SELLING_PARTNER_ID
from ._fake import FakeLWA as FakeLWA
from ._fake import HeadlessBrowser as HeadlessBrowser
from ._fake import SeenRequest as SeenRequest
from ._fake import TokenFailure as TokenFailure
from ._fake import VisitedPage as VisitedPage

__all__ = [
    "FAKE_APPLICATION_ID",
    "FAKE_CLIENT_ID",
    "FAKE_CLIENT_SECRET",
    "FAKE_SELLING_PARTNER_ID",
    "FakeLWA",
    "HeadlessBrowser",
    "SeenRequest",
    "TokenFailure",
    "VisitedPage",
]
