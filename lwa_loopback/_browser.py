"""The default ``open_browser``: a clickable link in a notebook, and the system browser.

A Jupyter kernel may run on another machine than the person's screen (a remote server, a
container), where ``webbrowser.open`` opens nothing the person can see: there the link in the
cell's output is the way to the consent page.
"""

from __future__ import annotations

import html
import importlib
import logging
import sys
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


async def open_system_browser(url: str) -> bool:
    """``webbrowser.open(url)``, never waited on past its answer: it can block (a console
    browser, a slow launcher), so it runs on a thread of its own, off the loop."""
    # Imported here, not at start-up: about 5-10 ms the command would spend before it can print
    # the consent URL (benchmarks/RESULTS.md).
    import webbrowser

    return await detached(webbrowser.open, url)


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
