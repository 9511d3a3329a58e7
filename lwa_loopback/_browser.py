"""The default ``open_browser``: a clickable link in a notebook, and the system browser.

A Jupyter kernel may run on another machine than the person's screen (a remote server, a
container), where ``webbrowser.open`` opens nothing the person can see: there the link in the
cell's output is the way to the consent page.

Under WSL the browser is a Windows program, which ``webbrowser`` cannot find: there the
consent page opens through ``wslview`` or PowerShell's ``Start-Process``, unless ``$BROWSER``
names a browser (it wins everywhere, as ``webbrowser`` honours it).
"""

from __future__ import annotations

import html
import importlib
import logging
import os
import sys
from collections.abc import Mapping
from typing import Any

from ._sync import detached

log = logging.getLogger("lwa_loopback")


async def open_consent_page(url: str) -> None:
    """Show ``url`` as a link when a Jupyter kernel runs this code, then open the browser."""
    log.info("Opening the consent page: %s", url)
    shown = show_in_notebook(url)
    if not await open_system_browser(url) and not shown:
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
    (the Windows folders on it are network mounts).
    """
    return await detached(_open, url, os.environ if environ is None else environ, osrelease)


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
    """
    import shutil  # only here: no other platform pays for the import

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
    """Display a link to ``url`` in the running notebook cell; False outside a kernel."""
    if _kernel_shell() is None:
        return False
    # Imported by name at run time: IPython is not a dependency, so mypy need not know it.
    display = importlib.import_module("IPython.display").display
    display(
        {
            "text/html": consent_link_html(url),
            "text/plain": f"Open this address to sign in with Amazon: {url}",
        },
        raw=True,
    )
    return True


def consent_link_html(url: str) -> str:
    # Escaped: the URL carries the caller's client id and scopes.
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
    kernel. Escaped: both come from the network."""
    if _kernel_shell() is None:
        return False
    href = html.escape(verification_uri, quote=True)
    code = html.escape(user_code)
    display = importlib.import_module("IPython.display").display
    display(
        {
            "text/html": f'<p><a href="{href}" target="_blank" rel="noopener noreferrer">'
            f"Open the verification page</a> and enter the code <code>{code}</code> "
            "(this cell waits for the sign-in)</p>",
            "text/plain": f"Open {verification_uri} and enter the code {user_code}",
        },
        raw=True,
    )
    return True
