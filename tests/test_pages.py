"""The result pages as a person reads them: a long token-file path wraps at its slashes, no
word is split across lines, no gap comes before a full stop, and each page gives one
instruction."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser

from lwa_loopback import ExchangeError, _pages, login
from lwa_loopback.testing import FakeLWA, HeadlessBrowser, TokenFailure, VisitedPage

from ._browsers import chromium_page, in_chromiums_loop, needs_chromium, screenshot
from ._layout_checks import gaps_before_punctuation, split_words
from ._sockets import ANY_PORT_REDIRECT

LONG_PATH = "/home/someone/" + "/".join(["a-rather-long-folder-name"] * 6) + "/browser.json"


def test_a_path_offers_a_break_after_each_slash_and_nowhere_else() -> None:
    html = _pages.signed_in(LONG_PATH).render()

    assert "<span class=n>browser.json</span></code>" in html
    assert html.count("/<wbr>") == LONG_PATH.count("/")
    assert "break-all" not in html


def test_code_keeps_its_escaping() -> None:
    html = _pages.consent_refused("x", "see `</code><script>/x`", "LWA").render()

    assert "<script>" not in html
    assert "<span class=n>code&gt;&lt;script&gt;</span>" in html


@needs_chromium
@in_chromiums_loop
async def test_chromium_wraps_a_long_path_between_its_names(chromium: Browser) -> None:
    async with chromium_page(chromium) as page:
        await page.set_viewport_size({"width": 420, "height": 800})
        await page.set_content(_pages.signed_in(LONG_PATH).render())
        await screenshot(page, "signed-in-long-path")
        # Each name of the path is laid out on one line: a name split in two has two boxes.
        split = await page.evaluate(
            """() => {
                const code = document.querySelector('code');
                const text = code.textContent;
                let node;
                const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
                const split = [];
                while ((node = walker.nextNode())) {
                    const range = document.createRange();
                    range.selectNodeContents(node);
                    if (range.getClientRects().length > 1) split.push(node.textContent);
                }
                const lines = new Set();
                for (const rect of code.getClientRects()) lines.add(Math.round(rect.top));
                return {split, lines: lines.size, text};
            }"""
        )

    assert split["text"] == LONG_PATH
    assert split["lines"] > 1  # the path is too long for one line: it did wrap...
    assert split["split"] == []  # ...and only between names


# -- each page: words whole, no gap before a full stop, one instruction -------------------------
SERVER = "127.0.0.1:38333"
INVALID_GRANT = (
    f"{SERVER} refused the token request with invalid_grant (HTTP 400): The request has an "
    "invalid grant parameter. The code or refresh token is invalid, expired, already used, or "
    "was issued to another client or return URL: run `lwa-loopback login ...` again."
)
PAGES = {
    "signed-in": _pages.signed_in(LONG_PATH),
    "refused": _pages.consent_refused("access_denied", "The user denied the request.", SERVER),
    "exchange-failed": _pages.exchange_failed(INVALID_GRANT, SERVER),
    "stopped": _pages.exchange_failed("The login was stopped before it finished."),
    "not-saved": _pages.not_saved(f"Cannot write `{LONG_PATH}`: Permission denied."),
}


def visible(page: _pages.Page) -> str:
    return VisitedPage(page.status, "", page.render()).visible_text


@pytest.mark.parametrize("name", PAGES)
def test_no_page_puts_a_space_before_its_punctuation(name: str) -> None:
    assert re.search(r"\s[.,;:!?]", visible(PAGES[name])) is None


def test_the_refusal_says_where_the_browser_came_back_from_in_a_persons_words() -> None:
    text = visible(PAGES["refused"])

    assert f"The sign-in page ({SERVER}) sent you back with the error access_denied." in text
    assert "answered" not in text


@pytest.mark.parametrize(
    "failure",
    [
        TokenFailure.INVALID_GRANT,  # the message ends "run `lwa-loopback login ...` again."
        TokenFailure.SERVER_ERROR,  # "... may be having trouble: try again in a minute (...)."
        TokenFailure.NOT_JSON,
        TokenFailure.SLOW,  # "...; if the code may have been used, log in again."
    ],
)
async def test_a_failed_exchange_says_once_what_to_do(
    failure: TokenFailure, tmp_path: Path
) -> None:
    browser = HeadlessBrowser()
    async with FakeLWA() as fake_lwa:
        fake_lwa.token_failure, fake_lwa.slow_seconds = failure, 5.0
        with pytest.raises(ExchangeError) as caught:
            await login(
                **fake_lwa.login_options(),
                redirect_uri=ANY_PORT_REDIRECT,
                scope="profile",
                token_file=tmp_path / "tokens.json",
                open_browser=browser,
                request_timeout=0.2,
            )
    text = browser.last_page.visible_text

    assert text.count("again") == 1, text
    assert text.endswith("Close this tab and run the login again. lwa-loopback")
    assert "lwa-loopback login" not in text  # a library login shows this page too
    assert "again" in str(caught.value)  # the terminal's message keeps its own advice


def test_the_exchange_page_keeps_advice_that_is_not_to_run_again() -> None:
    message = "X refused the token request with invalid_client (HTTP 401). Check the secret."

    assert message in visible(_pages.exchange_failed(message, "X"))


@needs_chromium
@in_chromiums_loop
async def test_chromium_keeps_words_whole_and_stops_close(chromium: Browser) -> None:
    split: dict[str, list[str]] = {}
    gaps: dict[str, list[tuple[str, float]]] = {}
    async with chromium_page(chromium) as page:
        for width in (360, 960):
            await page.set_viewport_size({"width": width, "height": 800})
            for name, shown in PAGES.items():
                await page.set_content(shown.render())
                await screenshot(page, f"page-{name}-{width}")
                split[f"{name}-{width}"] = await split_words(page)
                gaps[f"{name}-{width}"] = await gaps_before_punctuation(page)

    assert {name: words for name, words in split.items() if words} == {}
    # The code's padding left 5.6 px before the stop: "tokens.json ."
    assert {name: g for name, g in gaps.items() if any(gap >= 1.5 for _, gap in g)} == {}
    assert gaps["signed-in-360"] and gaps["refused-960"]  # there were stops to measure
