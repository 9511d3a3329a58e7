"""What a person would see wrong in a page's layout, measured in the browser that laid it out:
a word (or one part of an id or a path) split across two lines, and a gap before a full stop."""

from __future__ import annotations

from playwright.async_api import Page

# Each run of non-space characters of each text node under ROOT, except under SKIP: laid out
# on more than one line, it has more than one box (an id's parts are text nodes of their own,
# between <wbr>, so each part is checked as a word).
_SPLIT_WORDS = """([root, skip]) => {
    const split = [];
    const walker = document.createTreeWalker(document.querySelector(root), NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
        if (skip && node.parentElement.closest(skip)) continue;
        for (const match of node.textContent.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            if (lines.size > 1) split.push(match[0]);
        }
    }
    return split;
}"""

# For each <code> followed at once by punctuation: the space between the code's last
# character and the punctuation (what the eye sees, whatever the code's box and padding).
_GAPS = """() => {
    const charBox = (node, index) => {
        const range = document.createRange();
        range.setStart(node, index);
        range.setEnd(node, index + 1);
        return range.getBoundingClientRect();
    };
    const gaps = [];
    for (const code of document.querySelectorAll('code')) {
        const next = code.nextSibling;
        if (!next || next.nodeType !== Node.TEXT_NODE || !/^[.,:;!?]/.test(next.textContent))
            continue;
        const texts = [];
        const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walker.nextNode())) if (node.textContent) texts.push(node);
        const last = texts[texts.length - 1];
        gaps.push([code.textContent + next.textContent[0],
                   charBox(next, 0).left - charBox(last, last.textContent.length - 1).right]);
    }
    return gaps;
}"""


async def split_words(page: Page, root: str = "main", skip: str | None = None) -> list[str]:
    """The words under ``root`` (not under ``skip``) that the browser split across lines."""
    split: list[str] = await page.evaluate(_SPLIT_WORDS, [root, skip])
    return split


async def gaps_before_punctuation(page: Page) -> list[tuple[str, float]]:
    """Each code span followed by punctuation, and the gap between them in pixels."""
    gaps: list[tuple[str, float]] = [tuple(gap) for gap in await page.evaluate(_GAPS)]
    return gaps
