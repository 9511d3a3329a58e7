"""The default ``open_browser``: a clickable link in a notebook, and the system browser.

A Jupyter kernel may run on another machine than the person's screen (a remote server, a
container), where ``webbrowser.open`` opens nothing the person can see: there the link in the
cell's output is the way to the consent page.

Under WSL the browser is a Windows program, which ``webbrowser`` cannot find: there the
consent page opens through ``wslview`` or PowerShell's ``Start-Process``, unless ``$BROWSER``
names a browser (it wins everywhere, as ``webbrowser`` honours it).

Every URL opened or shown as a link passes ``openable_url`` first: a consent URL built here, and
a verification URI from the network alike.
"""

from __future__ import annotations

import html
import importlib
import logging
import os
import re
import string
import sys
import unicodedata
from collections.abc import Mapping
from ipaddress import IPv6Address
from typing import Any

from ._asyncio_helpers import detached
from ._loopback import ip_of, is_loopback_host
from .errors import shown

log = logging.getLogger("lwa_loopback")


async def open_consent_page(url: str) -> None:
    """Show ``url`` as a link when a Jupyter kernel runs this code, then open the browser."""
    log.info("Opening the consent page: %s", url)
    linked = show_in_notebook(url)
    if not await open_system_browser(url) and not linked:
        log.warning(
            "No browser could be opened here: open this address yourself to sign in "
            "with Amazon:\n%s",
            url,
        )


#: Where the kernel names itself; WSL's kernels carry "microsoft" in it (WSL 1 and 2).
OSRELEASE = "/proc/sys/kernel/osrelease"


async def open_system_browser(
    url: str,
    *,
    environ: Mapping[str, str] | None = None,
    osrelease: str | os.PathLike[str] = OSRELEASE,
) -> bool:
    """Open ``url`` in the person's browser; False when nothing could be opened.

    ``webbrowser.open``, or under WSL the Windows launchers (``environ``, default
    ``os.environ``, and ``osrelease`` tell whether this is WSL, and ``environ``'s PATH finds
    the launchers). Never waited on past the launcher's answer, and off the loop: a console
    browser or a slow launcher can block, and under WSL even a PATH search can take a while
    (the Windows folders on it are network mounts). A URL ``openable_url`` refuses is not
    opened: a warning says why.
    """
    try:
        url = openable_url(url)
    except ValueError as exc:
        log.warning("Not opening %s in a browser: %s.", shown(url), exc)
        return False
    return await detached(_open, url, os.environ if environ is None else environ, osrelease)


def openable_url(url: str) -> str:
    """``url`` as every launcher may be handed it; ValueError saying why when it may not be.

    Refused: a scheme other than https (http only on 127.0.0.0/8, [::1] or localhost), no host,
    a user name or password, white space, control characters (C0, C1) or invisible formatting
    ones (Unicode Cf: bidi marks). What a launcher or a PowerShell string could read as code is
    then percent-encoded (UTF-8): the result holds ASCII letters, digits and ``-._~:/?#[]@&=+,*%``
    only, starts with ``https://`` or ``http://`` (no launcher takes it for an option), and comes
    back unchanged from a second pass.
    """
    _check_characters(url)
    scheme, authority, path, query, fragment = _uri_parts(url)
    if scheme not in ("https", "http"):
        raise ValueError("it is not https")
    if authority is None:
        raise ValueError("it names no host")
    host, port = _host_and_port(authority)
    if scheme == "http" and not is_loopback_host(host):
        raise ValueError("it is not https (http only on 127.0.0.1, [::1] or localhost)")
    return (
        f"{scheme}://{host}{port}{_PATH.sub(_escape, path)}"
        + ("" if query is None else "?" + _QUERY.sub(_escape, query))
        + ("" if fragment is None else "#" + _QUERY.sub(_escape, fragment))
    )


def _check_characters(url: str) -> None:
    """None is valid in a URL (RFC 3986 section 2), and each is a way to hide what it says: a
    line break ends a statement, a bidi mark shows the text in another order than it is read."""
    categories = {unicodedata.category(char) for char in url}
    if "Cc" in categories:  # C0 and C1 (U+0085, U+009B: a terminal's newline and CSI)
        raise ValueError("it holds control characters")
    if any(char.isspace() for char in url):
        raise ValueError("it holds white space")
    if "Cf" in categories:
        raise ValueError("it holds invisible formatting characters (bidi marks)")
    if "Cs" in categories:  # JSON can carry a lone surrogate, which UTF-8 cannot encode
        raise ValueError("it holds lone surrogates")


# RFC 3986 appendix B: the expression that splits any URI reference into scheme, authority,
# path, query and fragment. Every part is optional, so it matches any text.
_URI_PARTS = re.compile(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.S)


def _uri_parts(url: str) -> tuple[str, str | None, str, str | None, str | None]:
    parts = _URI_PARTS.fullmatch(url)
    if parts is None:  # never, as said above
        raise ValueError("it is not a URL")
    scheme, authority, path, query, fragment = parts.groups()
    return (scheme or "").lower(), authority, path, query, fragment


def _host_and_port(authority: str) -> tuple[str, str]:
    """The host, its non-ASCII characters percent-encoded, and ``:port`` or nothing."""
    if "@" in authority:
        raise ValueError("it carries a user name or password")
    if authority.startswith("["):
        address, bracket, rest = authority[1:].partition("]")
        if not bracket or not _IPV6.fullmatch(address) or not _is_ipv6(address):
            raise ValueError("its host is not a name or an address")
        host = f"[{address}]"
    else:
        name, colon, port = authority.partition(":")
        host, rest = _host_name(name), colon + port
    if not re.fullmatch(r"(?::[0-9]*)?", rest):
        raise ValueError("its port is not a number")
    return host, rest if rest != ":" else ""


_IPV6 = re.compile(r"[0-9A-Fa-f:.]+")  # no zone (%eth0), no IPvFuture: only a browser's literal


def _is_ipv6(address: str) -> bool:
    return isinstance(ip_of(address), IPv6Address)


# A registered name or an IPv4 literal (RFC 3986 section 3.2.2), less its sub-delimiters: letters
# (any script: an internationalised name, percent-encoded below as RFC 3987 section 3.1 says,
# which browsers decode before IDNA), digits, "-._~" and escapes.
_HOST_NAME = re.compile(r"(?:[\w.~-]|%[0-9A-Fa-f]{2})+")


def _host_name(name: str) -> str:
    if not name:
        raise ValueError("it names no host")
    if not _HOST_NAME.fullmatch(name):
        raise ValueError("its host is not a name or an address")
    return _PATH.sub(_escape, name)  # only its non-ASCII letters are left to encode


# What stays as it is in a path, a query or a fragment: RFC 3986's unreserved characters, the
# delimiters a URL needs literally ("/" in a path, "?", "&", "=", "+" in a query...), and a "%"
# that starts an escape (RFC 3986 section 2.1). None means anything to the readers on the way:
# PowerShell's double-quoted string (wslview) reads "$", "`" and its four double quotes; its
# single-quoted one (Start-Process here) its five single quotes; the Windows command line '"',
# "\" and white space; macOS's `open location "..."` (webbrowser's AppleScript) '"' and "\".
# No cmd.exe is on the way (see _START_PROCESS; wslview's engine is PowerShell unless its
# configuration picks another), so "&" and "%" are plain everywhere.
#
# Everything else is encoded. Quotes, "\", "^", "`", "{}", "|", "<>" and non-ASCII have no
# place in a URI at all (RFC 3986 section 2; RFC 3987 section 3.1 maps an IRI to a URI so), and
# neither do a "#" after the first or "[]" outside a host. The sub-delimiters "!$'();" do, and
# RFC 3986 section 2.2 warns that a server may read one encoded differently; none is a delimiter
# for the pages opened here: LWA's consent page and a verification page read their query as a
# form, where "%28" and "(" decode alike, and browsers send "'" in a query encoded already
# (WHATWG URL, the special-query percent-encode set).
_UNRESERVED = string.ascii_letters + string.digits + "-._~"
_PATH = re.compile(f"%(?![0-9A-Fa-f]{{2}})|[^%{re.escape(_UNRESERVED + '/:@&=+,*')}]")
_QUERY = re.compile(f"%(?![0-9A-Fa-f]{{2}})|[^%{re.escape(_UNRESERVED + '/:@&=+,*?')}]")


def _escape(found: re.Match[str]) -> str:
    return _percent_encoded(found[0])


def _open(url: str, environ: Mapping[str, str], osrelease: str | os.PathLike[str]) -> bool:
    if not environ.get("BROWSER") and running_in_wsl(environ, osrelease):
        return open_on_windows(url, environ)
    # Imported here, not at start-up: about 5-10 ms the command would spend before it can print
    # the consent URL (benchmarks/RESULTS.md).
    import webbrowser

    return webbrowser.open(url)


def running_in_wsl(environ: Mapping[str, str], osrelease: str | os.PathLike[str]) -> bool:
    """Whether this is Linux under WSL: its interop variables, or its kernel's name."""
    if environ.get("WSL_DISTRO_NAME") or environ.get("WSL_INTEROP"):
        return True
    try:
        with open(osrelease, encoding="utf-8", errors="replace") as release:
            return "microsoft" in release.read(4096).lower()
    except OSError:  # not Linux, or no /proc: not WSL
        return False


def open_on_windows(url: str, environ: Mapping[str, str]) -> bool:
    """Hand ``url`` to the Windows side: ``wslview`` (wslu), else PowerShell's Start-Process.

    Each launcher is run to its exit and no further: both return once the browser is
    started. One that is missing, cannot start or exits non-zero lets the next one try.
    ValueError for a URL ``openable_url`` refuses.
    """
    import shutil  # only here: no other platform pays for the import

    # wslview (wslu 4.1.4, src/wslview.sh) reads an argument such as -u or -h as its own option,
    # and hands the rest as typed to PowerShell inside a double-quoted string (`Start "<url>"`),
    # where `$(...)` runs, a backtick escapes and a double quote ends the string: it gets the
    # URL only as openable_url writes it, which holds none of them.
    url = openable_url(url)
    launchers = (["wslview", url], [*_START_PROCESS, powershell_literal(url)])
    for name, *args in launchers:
        path = shutil.which(name, path=environ.get("PATH", os.defpath))
        if path is not None and _launch([path, *args], environ):
            return True
        log.debug("%s did not open the consent page.", name)
    return False


# Separate arguments, never a shell. WSL's interop quotes an argument for the Windows command
# line only when it holds white space, and CreateProcess starts powershell.exe directly: no
# cmd.exe, so neither `&` nor `%VAR%` means anything on the way. PowerShell joins what follows
# -Command into the script it runs; the URL is a single-quoted literal there, where `$`, `&`,
# `%` and backticks are plain text.
_START_PROCESS = ("powershell.exe", "-NoProfile", "-NonInteractive", "-Command", "Start-Process")
# PowerShell ends a single-quoted string at any of these, the typographic ones included; doubled,
# each stands for itself.
_POWERSHELL_QUOTES = "'\u2018\u2019\u201a\u201b"


def powershell_literal(url: str) -> str:
    """``url`` as a PowerShell single-quoted string literal that cannot end early.

    A double quote, white space or a control character is percent-encoded first: none is valid
    in a URL as sent (RFC 3986 section 2, browsers encode them alike), and on the Windows command
    line each would be parsed (quotes stripped, a space splitting the argument)."""
    encoded = "".join(_percent_encoded(c) if _unsafe(c) else c for c in url)
    quoted = "".join(c * 2 if c in _POWERSHELL_QUOTES else c for c in encoded)
    return f"'{quoted}'"


def _unsafe(char: str) -> bool:
    return char == '"' or char.isspace() or not char.isprintable()


def _percent_encoded(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))


def _launch(argv: list[str], environ: Mapping[str, str]) -> bool:
    """Run a launcher to its exit; True when it says it succeeded."""
    import subprocess

    try:
        # Its own session: a Ctrl+C meant for the login does not cut a browser launch short.
        # No stdio of ours: a launcher's children must not hold the caller's pipes open.
        done = subprocess.run(
            argv,
            env=dict(environ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            check=False,
        )
    except OSError:  # gone since the PATH search, or not executable
        return False
    return done.returncode == 0


def show_in_notebook(url: str) -> bool:
    """Display a link to ``url`` in the running notebook cell; False outside a kernel. A URL
    ``openable_url`` refuses is never a link: the cell says why instead."""
    try:
        url = openable_url(url)
    except ValueError as exc:
        return _display(*_no_link("the consent page", exc))
    return _display(consent_link_html(url), f"Open this address to sign in with Amazon: {url}")


def consent_link_html(url: str) -> str:
    """The consent page's link; ``url`` has been through ``openable_url``. Escaped all the same:
    the URL carries the caller's client id and scopes."""
    href = html.escape(url, quote=True)
    return (
        f'<p><a href="{href}" target="_blank" rel="noopener noreferrer">'
        "Sign in with Amazon</a> (opens the consent page; this cell waits for the "
        "redirect)</p>"
    )


def _kernel_shell() -> Any:
    """The IPython shell when it runs inside a kernel, else None.

    IPython is never imported from here: a kernel has imported it long before this runs, so a
    plain script or the CLI does not pay for the import.
    """
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    shell = ipython.get_ipython()
    # A terminal IPython has no kernel and no place to show HTML.
    return shell if getattr(shell, "kernel", None) is not None else None


def show_code_in_notebook(verification_uri: str, user_code: str) -> bool:
    """The device flow's verification page as a link, with the code to type; False outside a
    kernel. Both come from the network: the URI is a link only as ``openable_url`` writes it,
    and each is escaped."""
    try:
        href = openable_url(verification_uri)
    except ValueError as exc:
        return _display(*_no_link("the verification page", exc))
    return _display(
        f'<p><a href="{html.escape(href, quote=True)}" target="_blank" '
        'rel="noopener noreferrer">Open the verification page</a> and enter the code '
        f"<code>{html.escape(user_code)}</code> (this cell waits for the sign-in)</p>",
        f"Open {href} and enter the code {shown(user_code)}",
    )


def _no_link(page: str, refusal: ValueError) -> tuple[str, str]:
    """What a cell shows in place of a link to an address ``openable_url`` refused."""
    said = f"No link to {page}: its address was refused ({refusal})."
    return f"<p>{html.escape(said)}</p>", said


def _display(html_text: str, plain: str) -> bool:
    """Show ``html_text`` (``plain`` where HTML is not shown) in the running notebook cell;
    False outside a kernel."""
    if _kernel_shell() is None:
        return False
    # Imported by name at run time: IPython is not a dependency, so mypy need not know it.
    display = importlib.import_module("IPython.display").display
    display({"text/html": html_text, "text/plain": plain}, raw=True)
    return True
