"""``HeadlessBrowser``: an ``open_browser`` that follows the consent URL as a browser would."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import aiohttp


@dataclass(frozen=True)
class VisitedPage:
    """The page a visit ended on. ``url`` has its query removed: it may hold a code."""

    status: int
    url: str
    text: str

    @property
    def visible_text(self) -> str:
        """The words a person sees: tags dropped, entities decoded, white space collapsed."""
        import html
        import re

        text = re.sub(r"<(style|title)\b.*?</\1>", " ", self.text, flags=re.S)
        text = re.sub(r"</?(code|span|wbr|a|b|i|em|strong)\b[^>]*>", "", text)  # inline: no gap
        return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", text)).split())


@dataclass
class HeadlessBrowser:
    """An ``open_browser`` for ``login()``: follows the consent URL and its redirect, as a
    browser does, and keeps the page it ends on. ``pages`` lists one per visit."""

    __test__ = False
    pages: list[VisitedPage] = field(default_factory=list)
    timeout: float = 60.0

    async def __call__(self, url: str) -> None:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            text = await response.text()
            self.pages.append(
                VisitedPage(response.status, str(response.url.with_query(None)), text)
            )

    def open(self, url: str) -> None:
        """The same from synchronous code (not from inside a running event loop)."""
        asyncio.run(self(url))

    @property
    def last_page(self) -> VisitedPage:
        if not self.pages:
            raise AssertionError("The headless browser has not finished any visit.")
        return self.pages[-1]
