"""The fake LWA server's interactive consent page: Allow / Deny, like Amazon's, clearly a fake.

Every value shown or put in a form field comes from the consent URL, so everything is escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from yarl import URL

from .. import _pages

# What Amazon's consent page says for the common scopes; others are shown by name.
_SCOPE_WORDS = {
    "profile": "Your name, email address and Amazon account ID",
    "profile:user_id": "Your Amazon account ID",
    "postal_code": "The postal code of your default shipping address",
}

# A form, a style and nothing else: no script, no outside resource. The form posts to this
# server; the redirect it answers with goes to the loopback return URL.
HEADERS = {
    **_pages.HEADERS,
    # The result pages forbid forms; this one is a form (it posts back to the fake server).
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}

_STYLE = """
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;
background:#fff;font:15px/1.5 "Amazon Ember",Arial,sans-serif;color:#0f1111}
.fake{width:100%;box-sizing:border-box;background:#fef3c7;color:#78350f;text-align:center;
padding:.5rem 1rem;font-size:.85rem;border-bottom:1px solid #fcd34d}
.logo{font:bold 2rem/1 Arial,sans-serif;letter-spacing:-1px;margin:1.75rem 0 1rem}
.logo span{color:#ff9900}
.brand{font:400 .95rem/1 "Amazon Ember",Arial,sans-serif;letter-spacing:0;color:#565959;
text-align:center;margin-top:.2rem}
main{width:min(26rem,calc(100% - 2rem));box-sizing:border-box;border:1px solid #d5d9d9;
border-radius:8px;padding:1.5rem 1.75rem}
h1{font-size:1.3rem;font-weight:400;margin:0 0 .75rem}
.client{font-weight:700}
.id{overflow-wrap:anywhere}
ul{padding-left:1.25rem;margin:.5rem 0 1rem}li{margin:.3rem 0}
.scope{color:#565959;font-size:.85rem}
.where{color:#565959;font-size:.85rem;margin:1rem 0}
.buttons{display:flex;gap:.75rem}
button{flex:1;font:inherit;padding:.55rem 1rem;border-radius:8px;cursor:pointer;
border:1px solid #d5d9d9;background:#fff}
button.allow{background:#ffd814;border-color:#fcd200}
button:focus{outline:2px solid #007185;outline-offset:2px}
"""


def render(params: Mapping[str, str], *, action: str) -> str:
    """The page for a consent request with these query ``params``; its form posts to
    ``action`` with the same parameters and the person's ``decision``."""
    items = "".join(_scope_item(scope) for scope in params.get("scope", "").split())
    return document(
        "Amazon sign-in: consent",
        _asking(params.get("client_id", ""), items)
        + _decision_form(params, action=action, return_to=params.get("redirect_uri", "")),
    )


def render_seller_central(
    params: Mapping[str, str], *, action: str, return_to: str, selling_partner_id: str
) -> str:
    """Seller Central's consent page for a Selling Partner API application: the same form,
    naming the selling account instead of scopes."""
    asking = (
        "<h1>Authorize this application to use your selling account?</h1>"
        f"<p class=scope>Application {identifier(params.get('application_id', ''), bold=True)}</p>"
        "<ul><li>Your Amazon selling account's data, through the Selling Partner API"
        f"<br><span class=scope>Selling partner {identifier(selling_partner_id)}</span>"
        "</li></ul>"
    )
    return document(
        "Seller Central: authorize an application",
        asking + _decision_form(params, action=action, return_to=return_to),
        brand="seller central",
    )


def document(title: str, main: str, *, brand: str = "", style: str = "") -> str:
    """A whole page in the fake Amazon look: the banner saying it is a fake, the logo (with
    ``brand`` under it), and ``main``, which is HTML already escaped; ``style`` adds rules."""
    under = f"<div class=brand>{html.escape(brand)}</div>" if brand else ""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)} (fake)</title><style>{_STYLE}{style}</style></head><body>"
        "<div class=fake>Test page served by lwa-loopback's fake LWA server on this computer. "
        "This is not Amazon; the tokens it issues are fake.</div>"
        f"<div class=logo>amazon<span>.</span>{under}</div><main>{main}</main></body></html>"
    )


# Where an identifier may wrap: after its separators ("amzn1." "application-" "oa2-"...).
_PARTS = re.compile(r"(?<=[./:-])(?=[^./:-])")


def identifier(value: str, *, bold: bool = False) -> str:
    """A client id, application id or scope, escaped, that wraps after a ".", "/", ":" or "-"
    (<wbr>), and inside a part only when that part alone is wider than the line: the words
    around it stay whole. ``bold`` for one that names who asks."""
    parts = (html.escape(part) for part in _PARTS.split(value))
    css = "id client" if bold else "id"
    return f'<span class="{css}">{"<wbr>".join(parts)}</span>'


def _asking(requester: str, items: str) -> str:
    # The client id is no name to put in a heading (LWA shows the security profile's name):
    # it goes under the question, small enough that its longest part fits a phone's width.
    return (
        "<h1>Allow this app to access your Amazon account?</h1>"
        f"<p class=scope>Client id {identifier(requester, bold=True)}</p>"
        f"<p>It would like to access:</p><ul>{items}</ul>"
    )


def _decision_form(params: Mapping[str, str], *, action: str, return_to: str) -> str:
    hidden = "".join(
        f'<input type=hidden name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in params.items()
        if name != "decision"
    )
    return (
        f"<p class=where>Choosing Allow or Deny returns you to "
        f"{html.escape(_where(return_to))}.</p>"
        f'<form method=post action="{html.escape(action)}">{hidden}<div class=buttons>'
        "<button type=submit name=decision value=deny>Deny</button>"
        "<button type=submit class=allow name=decision value=allow autofocus>Allow</button>"
        "</div></form>"
    )


def _scope_item(scope: str) -> str:
    words = _SCOPE_WORDS.get(scope)
    if words is None and scope.startswith("portability::"):
        words = "Amazon Data Portability: " + scope.removeprefix("portability::").replace("_", " ")
    label = html.escape(words or scope)
    return f"<li>{label}<br><span class=scope>{identifier(scope)}</span></li>"


def _where(redirect_uri: str) -> str:
    try:
        url = URL(redirect_uri)
    except ValueError:
        return redirect_uri
    return f"{url.host}:{url.port}" if url.host else redirect_uri
