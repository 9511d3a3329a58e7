"""The fake's verification page for the device flow: where a person types the code their device
shows, then allows or denies it. In the consent page's look, and as clearly a fake.

The pre-filled code comes from the address, so everything shown is escaped.
"""

from __future__ import annotations

import html

from aiohttp import web

from . import _consent_page

# A form that posts to this server and answers with a page (no redirect), so unlike the consent
# page's, its form may post nowhere but here.
HEADERS = {
    **_consent_page.HEADERS,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}

_STYLE = """
label{display:block;font-weight:700;margin:0 0 .35rem}
input.code{width:100%;box-sizing:border-box;font:600 1.5rem/1.2 ui-monospace,Menlo,Consolas,
monospace;letter-spacing:.3rem;text-transform:uppercase;padding:.5rem .75rem;margin:0 0 1rem;
border:1px solid #888c8c;border-radius:6px}
input.code:focus{outline:2px solid #007185;outline-offset:1px}
.problem{border:1px solid #cc0c39;background:#fff5f6;color:#8c0c26;border-radius:8px;
padding:.6rem .8rem;margin:0 0 1rem}
.ok{color:#067d62}
"""


_TITLE = "Register your device"


def entry(user_code: str, *, action: str) -> web.Response:
    """The form: a box for the code (pre-filled with ``user_code``), Deny and Allow."""
    return _answer(200, _TITLE, _form(user_code, action=action))


def problem(message: str, *, action: str) -> web.Response:
    """The form again, empty, with ``message`` (a constant: never what was typed)."""
    notice = f"<p class=problem role=alert>{html.escape(message)}</p>"
    return _answer(400, _TITLE, _form("", action=action, notice=notice))


def done(*, approved: bool) -> web.Response:
    if approved:
        words = "<h1 class=ok>Your device is registered.</h1><p>You can return to your device.</p>"
    else:
        words = (
            "<h1>You denied access.</h1><p>Your device was not registered. "
            "You can return to your device.</p>"
        )
    return _answer(200, f"{_TITLE}: done", words)


def _form(user_code: str, *, action: str, notice: str = "") -> str:
    return (
        f"<h1>{_TITLE}</h1>{notice}"
        "<p>Enter the code shown on your device to let it use your Amazon account.</p>"
        f'<form method=post action="{html.escape(action)}">'
        "<label for=user_code>Code</label>"
        f'<input class=code id=user_code name=user_code value="{html.escape(user_code)}" '
        "autocomplete=off autocapitalize=characters spellcheck=false required autofocus>"
        "<div class=buttons>"
        "<button type=submit name=decision value=deny>Deny</button>"
        "<button type=submit class=allow name=decision value=allow>Allow</button>"
        "</div></form>"
    )


def _answer(status: int, title: str, main: str) -> web.Response:
    return web.Response(
        status=status,
        text=_consent_page.document(title, main, style=_STYLE),
        content_type="text/html",
        headers=HEADERS,
    )
