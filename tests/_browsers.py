"""Real and scripted browsers for the end-to-end tests: Chromium through Playwright, a
``BROWSER`` command that follows the consent URL headlessly, and a consent-form reader."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, not Playwright's download; switched off: the sandbox (tests may run as
# root in a container), the GPU, and everything that would reach the network on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Chromium is not installed at {CHROMIUM}: install it with "
    "`apt-get install chromium` (Debian/Ubuntu) to run the real-browser tests.",
)
#: Screenshots land here (git-ignored), to be looked at after a run.
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
#: The address our callback server answers on, whatever port it got.
CALLBACK_URL = re.compile(r"^http://127\.0\.0\.1:\d+/callback\?")


#: Runs a test in the event loop the session's Chromium lives in (the ``chromium`` fixture).
in_chromiums_loop = pytest.mark.asyncio(loop_scope="session")


@asynccontextmanager
async def launched_chromium() -> AsyncIterator[Browser]:
    """Headless Chromium, closed at the end of the block (the ``chromium`` fixture: one for
    the whole session, since starting it costs about a second)."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def chromium_page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh tab in a browser context of its own (no cookies, cache or storage from another
    test: as new as a browser just started), closed at the end of the block."""
    context = await browser.new_context(viewport={"width": 960, "height": 640})
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=path, full_page=True)
    return path


_FOLLOWER = """#!{python}
# A BROWSER command for Python's webbrowser module: follows the URL without a screen.
import sys
from lwa_loopback.testing import HeadlessBrowser

HeadlessBrowser().open(sys.argv[1])
"""


def headless_browser_command(folder: Path) -> Path:
    """Write an executable to put in ``BROWSER``: ``webbrowser.open(url)`` then signs in
    headlessly (the fake's direct-redirect mode), as a person's browser would."""
    script = folder / "headless-browser"
    script.write_text(_FOLLOWER.format(python=sys.executable))
    script.chmod(0o755)
    return script


def subprocess_env(**values: str) -> dict[str, str]:
    """This environment, with our virtualenv's scripts first on PATH and ``values`` set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LWA_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(values)
    return env


async def consent_url_from(stream: asyncio.StreamReader, max_lines: int = 50) -> str:
    """The first line that is an http(s) address: where the CLI prints the consent URL."""
    for _ in range(max_lines):
        line = (await stream.readline()).decode().strip()
        if line.startswith(("http://", "https://")):
            return line
        if not line:
            break
    raise AssertionError("No consent URL was printed on stderr.")


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = values.get("action", "")
        elif tag == "input" and values.get("type") == "hidden":
            self.fields[values["name"]] = values.get("value", "")


def read_consent_form(page_html: str) -> tuple[str, Mapping[str, str]]:
    """The consent form's action and hidden fields, unescaped as a browser reads them."""
    reader = _FormReader()
    reader.feed(page_html)
    return reader.action, reader.fields
