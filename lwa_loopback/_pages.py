"""The small HTML pages the browser sees at the return URL. Everything shown is escaped."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

# No script, no outside resource, no referrer: the address bar still holds the (spent) code.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

_STYLE = """
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
background:#f3f4f6;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827}
main{background:#fff;max-width:34rem;margin:1.5rem;padding:2rem 2.25rem;border-radius:12px;
box-shadow:0 1px 3px rgba(0,0,0,.08),0 8px 24px rgba(0,0,0,.06);border-top:6px solid var(--c)}
h1{font-size:1.4rem;margin:0 0 .75rem;display:flex;align-items:center;gap:.6rem}
.icon{flex:none;display:inline-flex;align-items:center;justify-content:center;width:1.75rem;
height:1.75rem;border-radius:50%;background:var(--c);color:#fff;font-size:1rem}
p{margin:.5rem 0}
code{background:#f3f4f6;padding:.1rem .35rem;border-radius:4px;overflow-wrap:break-word;
font:.9em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code.before-stop{padding-right:0;border-radius:4px 0 0 4px}
.n{white-space:nowrap}
.next{margin-top:1.25rem;padding-top:1rem;border-top:1px solid #e5e7eb;font-weight:600}
.brand{color:#9ca3af;font-size:.8rem;margin-top:1.5rem}
"""

_COLOURS = {"ok": "#16a34a", "error": "#dc2626"}
_ICONS = {"ok": "\u2713", "error": "!"}
# A backquoted part, and the punctuation right after it.
_CODE_SPAN = re.compile(r"`([^`]+)`([.,:;!?]?)")


def _inline(text: str) -> str:
    """Escaped text, with `backquoted` parts (commands, paths, error codes) set as code."""
    return _CODE_SPAN.sub(_code, html.escape(text))


def _code(match: re.Match[str]) -> str:
    # A long path wraps after a "/" (<wbr>), never inside a name (not even at its hyphens):
    # "browser.j" / "son" on two lines reads as two different names.
    names, stop = match.group(1).split("/"), match.group(2)
    inside = "/<wbr>".join(f"<span class=n>{name}</span>" for name in names)
    if not stop:
        return f"<code>{inside}</code>"
    # The box's padding would leave a gap, as in "tokens.json .": the stop follows the name.
    return f"<code class=before-stop>{inside}</code>{stop}"


@dataclass(frozen=True)
class Page:
    status: int
    title: str
    lines: tuple[str, ...]
    next_step: str
    kind: str = "error"

    def render(self) -> str:
        paragraphs = "".join(f"<p>{_inline(line)}</p>" for line in self.lines)
        return (
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            '<meta name=viewport content="width=device-width,initial-scale=1">'
            f"<title>{html.escape(self.title)} · lwa-loopback</title>"
            f"<style>{_STYLE}</style></head>"
            f'<body><main style="--c:{_COLOURS[self.kind]}">'
            f"<h1><span class=icon aria-hidden=true>{_ICONS[self.kind]}</span>"
            f"{html.escape(self.title)}</h1>{paragraphs}"
            f"<p class=next>{_inline(self.next_step)}</p>"
            "<p class=brand>lwa-loopback</p></main></body></html>"
        )


def signed_in(token_file: str | None) -> Page:
    where = (
        f"The tokens were saved to `{token_file}`." if token_file else "The tokens were received."
    )
    return Page(
        200, "Signed in", (where,), "You can close this tab and go back to the terminal.", "ok"
    )


def consent_refused(error: str, description: str | None, server: str) -> Page:
    lines: tuple[str, ...] = (
        f"The sign-in page ({server}) sent you back with the error `{error}`.",
    )
    if description:
        lines += (description,)
    return Page(
        200,
        "Sign-in not completed",
        lines,
        "Nothing was saved. Close this tab; the terminal says what to do next.",
    )


# The message is the terminal's, and its last clause may say to run the login again (or to
# try again in a minute): the page says so once, in its own words, on its last line.
_AGAIN = re.compile(r"[:;] [^:;]*\bagain\b[^:;]*\.$")


def exchange_failed(message: str, server: str | None = None) -> Page:
    page = "The sign-in page" if server is None else f"The sign-in page ({server})"
    return Page(
        502,
        "Sign-in failed",
        (
            f"{page} sent you back with a code, but trading it for tokens failed.",
            _AGAIN.sub(".", message.rstrip()),
        ),
        "Nothing was saved. Close this tab and run the login again.",
    )


def not_saved(message: str) -> Page:
    return Page(
        500,
        "Tokens not saved",
        (message,),
        "The tokens are printed in the terminal: copy them now, they cannot be fetched again.",
    )


def bad_callback(reason: str) -> Page:
    return Page(
        400,
        "This is not the sign-in you started",
        (reason,),
        "If you are signing in, use the link printed in your terminal.",
    )


def already_done() -> Page:
    return Page(
        409,
        "Sign-in already received",
        ("This sign-in was completed a moment ago.",),
        "You can close this tab and go back to the terminal.",
        "ok",
    )
