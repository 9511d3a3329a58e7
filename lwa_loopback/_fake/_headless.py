"""``HeadlessBrowser``: an ``open_browser`` that follows the consent URL as a browser would, and
an ``on_code`` for the device flow that types the code on the verification page."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from html.parser import HTMLParser

import aiohttp
from yarl import URL


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
    """An ``open_browser`` for ``login()``: follows the consent URL (LWA's or Seller
    Central's) and its redirect, as a browser does, and keeps the page it ends on. For the device
    flow, ``enter_code`` (an ``on_code``) types the code on the verification page and allows
    it; ``deny_code`` denies it. ``pages`` lists each page a visit ended on."""

    __test__ = False
    pages: list[VisitedPage] = field(default_factory=list)
    timeout: float = 60.0

    async def __call__(self, url: str) -> None:
        async with self._session() as session, session.get(url) as response:
            await self._keep(response)

    def open(self, url: str) -> None:
        """The same from synchronous code (not from inside a running event loop)."""
        asyncio.run(self(url))

    async def enter_code(
        self, user_code: str, verification_uri: str, expires_in: float = 0
    ) -> None:
        """Open ``verification_uri``, type ``user_code`` in its form and press Allow, as the
        person a device shows the code to would. ``expires_in`` is how long they have; this
        browser is quick, so it takes no notice of it."""
        await self._decide_code(user_code, verification_uri, "allow")

    async def deny_code(self, user_code: str, verification_uri: str, expires_in: float = 0) -> None:
        """The same, pressing Deny."""
        await self._decide_code(user_code, verification_uri, "deny")

    @property
    def last_page(self) -> VisitedPage:
        if not self.pages:
            raise AssertionError("The headless browser has not finished any visit.")
        return self.pages[-1]

    async def _decide_code(self, user_code: str, verification_uri: str, decision: str) -> None:
        async with self._session() as session:
            async with session.get(verification_uri) as response:
                form = _CodeForm.read(await self._keep(response), decision)
                target = response.url.join(URL(form.action))
            form.fields[form.code_field] = user_code
            async with session.post(target, data=form.fields) as response:
                await self._keep(response)

    def _session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))

    async def _keep(self, response: aiohttp.ClientResponse) -> str:
        text = await response.text()
        self.pages.append(VisitedPage(response.status, str(response.url.with_query(None)), text))
        return text


class _CodeForm(HTMLParser):
    """The verification page's form as a browser submits it: its action, its fields with
    their values, the box to type the code in, and the button that was pressed."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.code_field = ""
        self.buttons: dict[str, str] = {}  # value -> name

    @classmethod
    def read(cls, page: str, decision: str) -> _CodeForm:
        form = cls()
        form.feed(page)
        if not form.code_field or decision not in form.buttons:
            raise AssertionError(f"The verification page has no code box, or no {decision} button.")
        form.fields[form.buttons[decision]] = decision
        return form

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        name = values.get("name")
        if tag == "form":
            self.action = values.get("action", "")
        elif tag == "button" and name:
            self.buttons[values.get("value", "")] = name
        elif tag == "input" and name:
            self.fields[name] = values.get("value", "")
            if values.get("type", "text") == "text" and not self.code_field:
                self.code_field = name
