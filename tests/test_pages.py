"""The result pages as a browser lays them out: a long token-file path wraps at its slashes."""

from __future__ import annotations

from lwa_loopback import _pages

from ._browser_helpers import chromium_page, needs_chromium, screenshot

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
async def test_chromium_wraps_a_long_path_between_its_names() -> None:
    async with chromium_page() as page:
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
